"""Device choice and reproducibility: one call seeds everything and picks the device."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

DEVICE_ENV = "COURSE_DEVICE"


def get_device(preferred: str | None = None) -> torch.device:
    """Return cuda when present, else cpu.

    `preferred` (or the COURSE_DEVICE environment variable, which `course grade --device`
    sets) forces a choice; asking for cuda on a machine without it raises a clear error.
    """
    name = (
        preferred or os.environ.get(DEVICE_ENV) or ("cuda" if torch.cuda.is_available() else "cpu")
    )
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"device {name!r} was requested but torch sees no CUDA GPU")
    return torch.device(name)


def seed_everything(seed: int = 0) -> None:
    """Seed python, numpy and torch (all devices) and ask for deterministic kernels.

    cuDNN autotuning and TF32 matmuls are switched off: both change results between runs
    or devices at the 1e-3 level.
    """
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def setup(seed: int = 0, device: str | None = None, threads: int = 1) -> torch.device:
    """Seed everything, print and return the device: the first call of every notebook.

    The course's models are small: one CPU thread runs them faster than several threads that
    compete with other users' kernels on a shared machine, so `threads` defaults to 1.
    """
    seed_everything(seed)
    torch.set_num_threads(threads)
    chosen = get_device(device)
    label = torch.cuda.get_device_name(chosen) if chosen.type == "cuda" else "cpu"
    print(
        f"torch {torch.__version__} | device: {chosen} ({label}) | seed: {seed} | CPU threads: {threads}"
    )
    return chosen
