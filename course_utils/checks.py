"""Checks for test cells: compare a student's value with the expected one and explain failures.

When grading, these run in the trusted grader process, in a test cell's `judge`, on plain data
that the probe observed (course_utils.verdict); in a student's notebook they run in the kernel.

Every failure is one line: what was checked, what came back, what was expected, the
tolerance and a hint. Values returned by student code are never trusted to compare
themselves: they are read through the C-level accessors of exact torch.Tensor / numpy.ndarray
types (subclasses are refused), turned into plain Python floats and compared here, in plain
arithmetic. The functions this module relies on are captured when it is imported (the first
cell of every notebook), and the module refuses to have its attributes replaced.
"""

from __future__ import annotations

import contextlib
import math
import sys
import types

import numpy as np
import torch

from .verdict import Opaque

_TensorBase = torch._C.TensorBase  # a C type: its methods cannot be monkeypatched
_tensor = torch.tensor
_float64 = torch.float64
_NDARRAY_TOLIST = np.ndarray.tolist
_PLAIN_TENSOR_TYPES = (torch.Tensor, torch.nn.Parameter)
_NUMPY_SCALARS = (
    np.float16,
    np.float32,
    np.float64,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.bool_,
)
_isfinite = math.isfinite


class CheckFailed(AssertionError):
    """A test-cell check failed; the message says what, got, expected, tolerance and a hint."""


def _fail(message: str, hint: str = "") -> None:
    raise CheckFailed(message + (f" Hint: {hint}" if hint else ""))


def describe(value) -> str:
    """A short, safe description of any value: its type, and shape/dtype for arrays."""
    kind = type(value)
    if kind is Opaque:
        return value.description
    if kind in _PLAIN_TENSOR_TYPES:
        shape = tuple(_TensorBase.size(value))
        return f"torch.Tensor of shape {shape}, dtype {_TensorBase.dtype.__get__(value)}"
    if kind is np.ndarray:
        return f"numpy array of shape {np.ndarray.shape.__get__(value)}, dtype {np.ndarray.dtype.__get__(value)}"
    return (
        f"{kind.__module__}.{kind.__qualname__}" if kind.__module__ != "builtins" else kind.__name__
    )


def _read(value, name: str) -> tuple[list[float], tuple[int, ...]]:
    """(flat list of floats, shape) of a tensor, array, number or nested list of numbers."""
    kind = type(value)
    if kind in _PLAIN_TENSOR_TYPES:
        dtype = _TensorBase.dtype.__get__(value)
        if dtype.is_complex:
            _fail(f"{name}: expected real numbers, got a complex tensor ({dtype}).")
        nested = _TensorBase.tolist(_TensorBase.detach(value))
        shape = tuple(int(d) for d in _TensorBase.size(value))
    elif kind is np.ndarray:
        if np.ndarray.dtype.__get__(value).kind not in "biuf":
            _fail(f"{name}: expected a numeric array, got {describe(value)}.")
        nested = _NDARRAY_TOLIST(value)
        shape = tuple(int(d) for d in np.ndarray.shape.__get__(value))
    elif kind in (float, int, bool) or kind in _NUMPY_SCALARS:
        return [
            float(value)
            if kind in (float, int, bool)
            else float(_NDARRAY_TOLIST(np.asarray(value)))
        ], ()
    elif kind in (list, tuple):
        parts = [_read(v, f"{name}[{i}]") for i, v in enumerate(value)]
        shapes = {s for _, s in parts}
        if len(shapes) > 1:
            _fail(
                f"{name}: the entries of the {kind.__name__} have different shapes {sorted(shapes)}."
            )
        inner = shapes.pop() if shapes else ()
        return [x for flat, _ in parts for x in flat], (len(parts), *inner)
    else:
        _fail(f"{name}: expected a torch.Tensor, numpy array or number, got {describe(value)}.")
    flat = _flatten(nested)
    return [float(x) for x in flat], shape


def _flatten(nested) -> list:
    if type(nested) is not list:
        return [nested]
    out = []
    for item in nested:
        out.extend(_flatten(item))
    return out


def _index(flat_index: int, shape: tuple[int, ...]) -> str:
    idx = []
    for dim in reversed(shape):
        flat_index, r = divmod(flat_index, dim)
        idx.append(r)
    return "[" + ", ".join(str(i) for i in reversed(idx)) + "]"


def _check_shape(name: str, shape: tuple[int, ...], expected, hint: str) -> None:
    expected = tuple(expected)
    ok = len(shape) == len(expected) and all(e is None or e == s for s, e in zip(shape, expected))
    if not ok:
        want = "(" + ", ".join("any" if e is None else str(e) for e in expected) + ")"
        _fail(f"{name}: expected shape {want}, got shape {shape}.", hint)


def _check_finite(name: str, flat: list[float], shape, hint: str) -> None:
    for i, x in enumerate(flat):
        if not _isfinite(x):
            _fail(f"{name}: entry {_index(i, shape)} is {x}, expected a finite number.", hint)


def as_tensor(value, name: str, shape=None, finite: bool = True, hint: str = "") -> torch.Tensor:
    """A fresh float64 CPU tensor with the values of `value`, after checking type, shape, finiteness.

    shape: expected shape, with None for any size in that dimension.
    """
    flat, got_shape = _read(value, name)
    if shape is not None:
        _check_shape(name, got_shape, shape, hint)
    if finite:
        _check_finite(name, flat, got_shape, hint)
    return _tensor(flat, dtype=_float64).reshape(got_shape)


def as_float(value, name: str, finite: bool = True, hint: str = "") -> float:
    """A plain Python float from a number or a one-element tensor/array."""
    flat, shape = _read(value, name)
    if len(flat) != 1:
        _fail(f"{name}: expected a single number, got shape {shape}.", hint)
    if finite:
        _check_finite(name, flat, shape, hint)
    return flat[0]


def as_list(value, name: str, length: int, hint: str = "") -> list:
    """The entries of a list or tuple of exactly `length` items (a judge loops over them safely)."""
    if type(value) not in (list, tuple):
        _fail(f"{name}: expected a list of {length} results, got {describe(value)}.", hint)
    if len(value) != length:
        _fail(f"{name}: expected {length} results, got {len(value)}.", hint)
    return list(value)


def check_close(
    name: str, got, expected, *, atol: float = 1e-6, rtol: float = 1e-5, hint: str = ""
) -> None:
    """Check |got - expected| <= atol + rtol * |expected| elementwise, after checking shape."""
    exp_flat, exp_shape = _read(expected, "expected")
    flat, shape = _read(got, name)
    _check_shape(name, shape, exp_shape, hint)
    _check_finite(name, flat, shape, hint)
    for i, (g, e) in enumerate(zip(flat, exp_flat)):
        tol = atol + rtol * abs(e)
        if not abs(g - e) <= tol:
            where = f" entry {_index(i, shape)}" if shape else ""
            _fail(f"{name}:{where} is {g:.6g}, expected {e:.6g} (tolerance {tol:.2g}).", hint)


def check_true(condition, message: str, hint: str = "") -> None:
    """Check a condition computed by the test; only the bool True passes."""
    if type(condition) is not bool or condition is not True:
        _fail(message, hint)


def check_less_equal(name: str, got, bound, *, atol: float = 0.0, hint: str = "") -> None:
    """Check got <= bound + atol elementwise (bound may be a number or the same shape)."""
    flat, shape = _read(got, name)
    _check_finite(name, flat, shape, hint)
    bounds, b_shape = _read(bound, "bound")
    if b_shape == ():
        bounds = bounds * len(flat)
    else:
        _check_shape(name, shape, b_shape, hint)
    for i, (g, b) in enumerate(zip(flat, bounds)):
        if not g <= b + atol:
            where = f" entry {_index(i, shape)}" if shape else ""
            _fail(
                f"{name}:{where} is {g:.6g}, expected at most {b:.6g} (tolerance {atol:.2g}).", hint
            )


def check_in_range(name: str, got, low: float, high: float, hint: str = "") -> float:
    """Check that a single number lies in [low, high]; returns it as a float.

    Assign the result (`nll = check_in_range(...)`): a float left as the last expression of a
    test cell is read by nbgrader as partial credit.
    """
    value = as_float(got, name, hint=hint)
    if not low <= value <= high:
        _fail(f"{name}: got {value:.6g}, expected a value in [{low:.6g}, {high:.6g}].", hint)
    return value


@contextlib.contextmanager
def prerequisite(function: str, test: str):
    """Checks of an earlier function this test depends on: a failure inside names that function,
    so a bug explains itself where it shows up again (`with prerequisite("elbo", "test_elbo"):`)."""
    try:
        yield
    except CheckFailed as error:
        raise CheckFailed(
            f"this test uses your {function}, which is still wrong: fix it first (its test is "
            f"{test}). {error}"
        ) from None


class _ReadOnlyModule(types.ModuleType):
    def __setattr__(self, attr, value):
        raise AttributeError(f"course_utils.checks is read-only: cannot replace {attr!r}")

    def __delattr__(self, attr):
        raise AttributeError(f"course_utils.checks is read-only: cannot delete {attr!r}")


sys.modules[__name__].__class__ = _ReadOnlyModule
