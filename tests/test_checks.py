import numpy as np
import pytest
import torch

from course_utils import checks
from course_utils.checks import (
    CheckFailed,
    as_float,
    as_tensor,
    check_close,
    check_in_range,
    check_less_equal,
    check_true,
)


def test_check_close_message_says_what_where_expected_tolerance_and_hint():
    with pytest.raises(CheckFailed) as info:
        check_close(
            "path",
            torch.tensor([[1.0, 2.0], [3.0, 4.5]]),
            [[1, 2], [3, 4]],
            atol=1e-3,
            rtol=0,
            hint="look",
        )
    message = str(info.value)
    assert message == "path: entry [1, 1] is 4.5, expected 4 (tolerance 0.001). Hint: look"
    assert "\n" not in message


def test_shape_dtype_and_finiteness_are_checked():
    with pytest.raises(CheckFailed, match=r"expected shape \(2, 2\), got shape \(4,\)"):
        check_close("x", torch.zeros(4), [[0, 0], [0, 0]])
    with pytest.raises(CheckFailed, match=r"entry \[1\] is nan"):
        as_tensor(torch.tensor([0.0, float("nan")]), "x")
    with pytest.raises(CheckFailed, match="expected a single number"):
        as_float(torch.zeros(2), "x")
    with pytest.raises(CheckFailed, match="complex"):
        as_tensor(torch.zeros(2, dtype=torch.complex64), "x")
    with pytest.raises(CheckFailed, match=r"expected shape \(any, 2\)"):
        as_tensor(np.zeros((3, 3)), "x", shape=(None, 2))


def test_values_are_read_from_tensors_arrays_numbers_and_lists():
    assert as_tensor([[1, 2], [3, 4]], "x").tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert as_float(np.float32(0.5), "x") == 0.5
    assert as_float(torch.tensor([2.0], requires_grad=True), "x") == 2.0
    assert as_tensor(np.arange(3), "x").dtype == torch.float64
    check_less_equal("elbo", torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]))
    with pytest.raises(CheckFailed, match="expected at most"):
        check_less_equal("elbo", torch.tensor([1.0, 3.0]), 2.0)
    assert check_in_range("nll", 19.0, 10, 20) == 19.0
    with pytest.raises(CheckFailed, match=r"expected a value in \[10, 20\]"):
        check_in_range("nll", 0.5, 10, 20)


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __bool__(self):
        return True


class SneakyTensor(torch.Tensor):
    def __eq__(self, other):
        return True

    def tolist(self):
        return [0.0]


def test_objects_that_claim_equality_are_refused():
    with pytest.raises(CheckFailed, match="expected a torch.Tensor, numpy array or number"):
        check_close("x", AlwaysEqual(), 1.0)
    with pytest.raises(CheckFailed, match="SneakyTensor"):
        check_close("x", torch.ones(1).as_subclass(SneakyTensor), [0.0])
    with pytest.raises(CheckFailed):
        check_true(AlwaysEqual(), "an always-true object is not True")
    with pytest.raises(CheckFailed):
        check_true(torch.tensor(True), "a tensor is not the bool True")
    check_true(True, "fine")


def test_monkeypatched_comparisons_do_not_change_the_verdict(monkeypatch):
    monkeypatch.setattr(torch, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(torch.Tensor, "tolist", lambda self: [1.0], raising=False)
    with pytest.raises(CheckFailed):
        check_close("x", torch.tensor([0.0]), [1.0])


def test_checks_module_cannot_be_patched():
    with pytest.raises(AttributeError, match="read-only"):
        checks.check_close = lambda *a, **k: None
    with pytest.raises(AttributeError, match="read-only"):
        del checks.check_true


def test_prerequisite_names_the_earlier_function():
    from course_utils.checks import prerequisite

    with prerequisite("elbo", "test_elbo"):
        check_close("fine", 1.0, 1.0)
    with pytest.raises(
        CheckFailed, match=r"uses your elbo, which is still wrong.*test_elbo.*is 2, expected 1"
    ):
        with prerequisite("elbo", "test_elbo"):
            check_close("elbo(x)", 2.0, 1.0)
