import gzip
import math
import struct

import numpy as np
import pytest
import torch

from course_utils import data


def test_digits_split_is_fixed_and_binarized():
    split = data.load_digits("binary")
    assert split.train_images.shape == (1437, 1, 8, 8)
    assert split.test_images.shape == (360, 1, 8, 8)
    assert set(torch.unique(split.train_images).tolist()) == {0.0, 1.0}
    again = data.load_digits("binary")
    assert torch.equal(split.test_images, again.test_images)
    raw = data.load_digits("raw")
    assert torch.equal(data.binarize(raw.test_images), split.test_images)
    assert raw.train_images.max() == 16 and raw.train_images.min() == 0
    unit = data.load_digits("unit")
    assert torch.allclose(unit.train_images * 16, raw.train_images)
    assert sorted(torch.bincount(split.test_labels).tolist())[0] >= 35  # stratified


def test_binarize_threshold_is_pixel_at_least_8():
    assert data.binarize(torch.tensor([0.0, 7.0, 8.0, 16.0])).tolist() == [0.0, 0.0, 1.0, 1.0]


def test_unknown_digits_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="kind must be"):
        data.load_digits("grey")


def test_train_val_split_is_disjoint_and_seeded():
    x = torch.arange(100).float()
    train, val = data.train_val_split(x, 0.2, seed=1)
    assert len(train) == 80 and len(val) == 20
    assert set(train.tolist()).isdisjoint(val.tolist())
    assert torch.equal(val, data.train_val_split(x, 0.2, seed=1)[1])


def test_ring_means_are_at_angles_2_pi_k_over_n():
    means = data.ring_means(8, radius=2.0)
    angles = torch.atan2(means[:, 1], means[:, 0]) % (2 * math.pi)
    assert torch.allclose(angles, 2 * math.pi * torch.arange(8) / 8, atol=1e-6)
    assert torch.allclose(means.norm(dim=1), torch.full((8,), 2.0))


def test_grid_means_and_mixture_samples():
    means = data.grid_means(5, spacing=2.0)
    assert means.shape == (25, 2) and means.min() == -4 and means.max() == 4
    x = data.sample_ring(5000, std=0.02, generator=torch.Generator().manual_seed(0))
    dist = torch.cdist(x, data.ring_means()).min(dim=1).values
    assert x.shape == (5000, 2) and dist.max() < 0.2
    g = data.sample_grid(100, generator=torch.Generator().manual_seed(0))
    assert g.shape == (100, 2)


def _write_idx(path, array, dtype_code):
    header = struct.pack(">BBBB", 0, 0, dtype_code, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(payload)


def test_read_idx_plain_and_gzipped(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    _write_idx(tmp_path / "a.idx", images, 0x08)
    _write_idx(tmp_path / "b.idx.gz", images, 0x08)
    floats = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    _write_idx(tmp_path / "c.idx", floats, 0x0D)
    assert np.array_equal(data.read_idx(tmp_path / "a.idx"), images)
    assert np.array_equal(data.read_idx(tmp_path / "b.idx.gz"), images)
    assert np.allclose(data.read_idx(tmp_path / "c.idx"), floats)


def test_read_idx_rejects_bad_files(tmp_path):
    (tmp_path / "bad.idx").write_bytes(b"\x01\x02\x08\x01")
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(tmp_path / "bad.idx")
    _write_idx(tmp_path / "short.idx", np.zeros((2, 2), np.uint8), 0x08)
    (tmp_path / "short.idx").write_bytes((tmp_path / "short.idx").read_bytes()[:-1])
    with pytest.raises(ValueError, match="header says"):
        data.read_idx(tmp_path / "short.idx")


def test_load_mnist_from_local_files(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images, 0x08)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels, 0x08)
    x, y = data.load_mnist(tmp_path, "test")
    assert x.shape == (5, 1, 28, 28) and 0 <= x.min() and x.max() <= 1
    assert y.tolist() == [3, 1, 4, 1, 5]
    with pytest.raises(FileNotFoundError, match="copy the MNIST IDX files"):
        data.load_mnist(tmp_path, "train")
