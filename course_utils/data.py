"""Datasets that work offline: sklearn's bundled 8x8 digits, 2D Gaussian mixtures, MNIST IDX files.

Nothing is downloaded. Images are float tensors of shape (N, 1, H, W).
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

DIGITS_MAX = 16.0  # digits pixels are integers 0..16
BINARIZE_THRESHOLD = 8.0  # binarized pixel: value >= 8
TEST_FRACTION = 0.2
SPLIT_SEED = 0


class Split(NamedTuple):
    """Images (N, 1, H, W) float and labels (N,) int64 of a train and a test part."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor


def binarize(images: torch.Tensor, threshold: float = BINARIZE_THRESHOLD) -> torch.Tensor:
    """Raw digit values (0..16) -> {0., 1.} with pixel >= threshold."""
    return (images >= threshold).float()


def load_digits(kind: str = "binary") -> Split:
    """The fixed 80/20 stratified split of sklearn's 1797 digits (1437 train, 360 test).

    kind: "raw" (values 0..16), "binary" (pixel >= 8) or "unit" (values scaled to [0, 1]).
    """
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    if kind not in ("raw", "binary", "unit"):
        raise ValueError(f"kind must be 'raw', 'binary' or 'unit', got {kind!r}")
    bunch = sklearn_digits()
    images = bunch.images.astype(np.float32)[:, None]  # (1797, 1, 8, 8)
    x_train, x_test, y_train, y_test = train_test_split(
        images,
        bunch.target,
        test_size=TEST_FRACTION,
        random_state=SPLIT_SEED,
        stratify=bunch.target,
    )
    x_train, x_test = torch.from_numpy(x_train), torch.from_numpy(x_test)
    if kind == "binary":
        x_train, x_test = binarize(x_train), binarize(x_test)
    elif kind == "unit":
        x_train, x_test = x_train / DIGITS_MAX, x_test / DIGITS_MAX
    return Split(x_train, torch.from_numpy(y_train), x_test, torch.from_numpy(y_test))


def train_val_split(
    x: torch.Tensor, val_fraction: float = 0.15, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Split a training set into (train, validation) for early stopping, reproducibly."""
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    n_val = max(1, round(val_fraction * len(x)))
    return x[order[n_val:]], x[order[:n_val]]


def ring_means(n_modes: int = 8, radius: float = 2.0) -> torch.Tensor:
    """(n_modes, 2) means on a circle at angles 2*pi*k/n_modes, k = 0..n_modes-1."""
    angles = 2 * math.pi * torch.arange(n_modes, dtype=torch.float32) / n_modes
    return radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)


def grid_means(side: int = 5, spacing: float = 2.0) -> torch.Tensor:
    """(side*side, 2) means on a square grid centred at the origin."""
    coords = (torch.arange(side, dtype=torch.float32) - (side - 1) / 2) * spacing
    gx, gy = torch.meshgrid(coords, coords, indexing="xy")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)


def sample_mixture(
    means: torch.Tensor, n: int, std: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """(n, 2) samples from an equal-weight mixture of isotropic Gaussians at `means`."""
    which = torch.randint(len(means), (n,), generator=generator)
    noise = torch.randn(n, means.shape[1], generator=generator)
    return means[which] + std * noise


def sample_ring(
    n: int,
    n_modes: int = 8,
    radius: float = 2.0,
    std: float = 0.02,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """(n, 2) samples from the ring of `n_modes` Gaussians."""
    return sample_mixture(ring_means(n_modes, radius), n, std, generator)


def sample_grid(
    n: int,
    side: int = 5,
    spacing: float = 2.0,
    std: float = 0.05,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """(n, 2) samples from the grid of side*side Gaussians."""
    return sample_mixture(grid_means(side, spacing), n, std, generator)


_IDX_DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (MNIST's format), gzipped or not, into a numpy array.

    Layout: two zero bytes, a dtype byte, the number of dimensions, then one big-endian
    uint32 per dimension, then the data.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file (the first two bytes must be zero)")
    dtype_code, ndim = raw[2], raw[3]
    if dtype_code not in _IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX dtype byte 0x{dtype_code:02x}")
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw[4:header], dtype=">u4"))
    dtype = np.dtype(_IDX_DTYPES[dtype_code])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path}: header says {shape} ({expected} bytes), file has {len(raw) - header}"
        )
    return np.frombuffer(raw[header:], dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def load_mnist(folder: str | Path, split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST from local IDX files in `folder`: images (N, 1, 28, 28) in [0, 1] and labels (N,).

    Looks for the standard names (train-images-idx3-ubyte[.gz], t10k-...). Never downloads.
    """
    prefix = {"train": "train", "test": "t10k"}.get(split)
    if prefix is None:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    folder = Path(folder)

    def find(stem: str) -> Path:
        for name in (stem, stem + ".gz"):
            if (folder / name).exists():
                return folder / name
        raise FileNotFoundError(f"{folder / stem}[.gz] not found; copy the MNIST IDX files there")

    images = read_idx(find(f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find(f"{prefix}-labels-idx1-ubyte"))
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels in {folder}")
    x = torch.from_numpy(images.astype(np.float32) / 255.0)[:, None]
    return x, torch.from_numpy(labels.astype(np.int64))
