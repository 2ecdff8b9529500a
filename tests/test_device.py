import random

import numpy as np
import pytest
import torch

from course_utils.device import get_device, seed_everything, setup


def test_seed_everything_makes_python_numpy_and_torch_repeat():
    seed_everything(3)
    first = (random.random(), np.random.rand(), torch.rand(3))
    seed_everything(3)
    second = (random.random(), np.random.rand(), torch.rand(3))
    assert first[0] == second[0] and first[1] == second[1] and torch.equal(first[2], second[2])
    assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark


def test_get_device_prefers_cuda_only_when_present(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert get_device().type == expected
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert get_device().type == "cpu"


@pytest.mark.skipif(
    torch.cuda.is_available(), reason="checks the message on machines without a GPU"
)
def test_asking_for_cuda_without_gpu_is_a_clear_error():
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        get_device("cuda")


def test_setup_prints_the_device(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert setup(seed=1).type == "cpu"
    assert "device: cpu" in capsys.readouterr().out
