"""A classifier-based quality score for 8x8 digit samples (GAN samples, VAE decodings, ...).

A small CNN is trained on the fixed digits train split (course_utils.data.load_digits("unit"))
with a fixed seed and a fixed number of epochs, on the CPU, without touching the caller's
random state. It is kept in memory and cached on disk under ~/.cache/course_utils (or
$COURSE_UTILS_CACHE), in a file named by CLASSIFIER_VERSION; nothing is written to the
repository, and an unwritable cache only means the classifier is retrained (a few seconds).

`digit_sample_score(images)` classifies the images and returns, with p(y|x) the classifier's
softmax output:

* ``confident_fraction``: fraction of images with max_y p(y|x) > CONFIDENCE (0.9), i.e. that
  the classifier reads as one clear digit;
* ``mean_max_prob``: mean over images of max_y p(y|x);
* ``classes_covered``: number of classes (0..10) that are the confident prediction of at least
  one image in 100 (MIN_CLASS_FRACTION): diversity, low under mode collapse;
* ``inception_score``: exp(E_x KL(p(y|x) || p(y))) with p(y) the mean of p(y|x) over the
  images (Salimans et al., 2016): 1 for a single repeated digit, 10 for confident, balanced
  samples of every class;
* ``n``: number of images.

`reference_digit_score()` is the same score for the real test digits (the baseline to report
next to a model's). Measured with CLASSIFIER_VERSION 1: see tests/test_digit_score.py and
docs (real test digits about 92% confident, 10 classes; uniform noise 0% confident).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from .data import load_digits

CLASSIFIER_VERSION = 1
CONFIDENCE = 0.9
MIN_CLASS_FRACTION = 0.01
SEED = 1234
EPOCHS = 20
BATCH_SIZE = 64
LR = 3e-3

_MEMORY: dict[str, object] = {}


class DigitClassifier(nn.Module):
    """A small CNN for (B, 1, 8, 8) digits with values in [0, 1]; returns logits (B, 10)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.conv1(x))
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        return self.fc(h.flatten(1))


def cache_dir() -> Path:
    """Where the trained classifier is cached: $COURSE_UTILS_CACHE or ~/.cache/course_utils."""
    return Path(os.environ.get("COURSE_UTILS_CACHE") or Path.home() / ".cache" / "course_utils")


def _cache_file() -> Path:
    return cache_dir() / f"digit_classifier_v{CLASSIFIER_VERSION}.pt"


def train_classifier() -> DigitClassifier:
    """Train the classifier from scratch: seeded, fixed epochs, one CPU thread; the caller's RNG
    and thread count are untouched.

    Each minibatch of digits comes with half as many images of uniform noise whose target is the
    uniform distribution over the 10 classes (outlier exposure, Hendrycks et al., 2019): the
    classifier learns to be unsure on images that are not digits, so noise scores near 0
    confident and real digits above 0.9.
    """
    split = load_digits("unit")
    x, y = split.train_images, split.train_labels
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small convolutions: one thread is fastest and order-stable
    try:
        with torch.random.fork_rng(devices=[]), torch.enable_grad():
            torch.manual_seed(SEED)
            model = DigitClassifier().float()  # float32 whatever the default dtype
            optimizer = torch.optim.Adam(model.parameters(), lr=LR)
            generator = torch.Generator().manual_seed(SEED)
            model.train()
            for _ in range(EPOCHS):
                order = torch.randperm(len(x), generator=generator)
                for start in range(0, len(x), BATCH_SIZE):
                    idx = order[start : start + BATCH_SIZE]
                    noise = torch.rand(len(idx) // 2, 1, 8, 8, generator=generator)
                    loss = F.cross_entropy(model(x[idx]), y[idx])
                    loss = loss - F.log_softmax(model(noise), dim=1).mean()
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
    finally:
        torch.set_num_threads(threads)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def get_classifier(use_cache: bool = True) -> DigitClassifier:
    """The trained classifier: from memory, else from the disk cache, else trained (and cached)."""
    if use_cache and "model" in _MEMORY:
        return _MEMORY["model"]  # type: ignore[return-value]
    model = None
    path = _cache_file()
    if use_cache and path.exists():
        try:
            with torch.random.fork_rng(devices=[]):  # the initial weights are overwritten
                model = DigitClassifier().float()  # float32 whatever the default dtype
            model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
            model.eval()
            for p in model.parameters():
                p.requires_grad_(False)
        except Exception:  # noqa: BLE001 - a corrupt or foreign cache file: retrain
            model = None
    if model is None:
        model = train_classifier()
        if use_cache:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".tmp{os.getpid()}")
                torch.save(model.state_dict(), tmp)
                tmp.replace(path)
            except OSError:
                pass  # read-only home (e.g. a grading sandbox): keep it in memory only
    if use_cache:
        _MEMORY["model"] = model
    return model


def _as_images(images, value_range: tuple[float, float]) -> torch.Tensor:
    x = torch.as_tensor(images).detach().to("cpu", torch.float32)
    if x.ndim == 2 and x.shape[1] == 64:
        x = x.reshape(-1, 1, 8, 8)
    elif x.ndim == 3 and tuple(x.shape[1:]) == (8, 8):
        x = x[:, None]
    if x.ndim != 4 or tuple(x.shape[1:]) != (1, 8, 8):
        raise ValueError(f"images must be (N, 1, 8, 8), (N, 8, 8) or (N, 64), got {tuple(x.shape)}")
    if len(x) == 0:
        raise ValueError("images is empty")
    low, high = value_range
    if not high > low:
        raise ValueError(f"value_range must be (low, high) with high > low, got {value_range}")
    x = torch.nan_to_num(x, nan=low, posinf=high, neginf=low)
    return ((x - low) / (high - low)).clamp(0.0, 1.0)


@torch.no_grad()
def class_probabilities(images, value_range: tuple[float, float] = (0.0, 1.0)) -> torch.Tensor:
    """p(y|x) (N, 10) of the digit classifier for images (N, 1, 8, 8) with values in value_range."""
    x = _as_images(images, value_range)
    model = get_classifier()
    return torch.cat([F.softmax(model(x[i : i + 1024]), dim=1) for i in range(0, len(x), 1024)])


def score_from_probabilities(probs: torch.Tensor) -> dict:
    """The score dictionary (see the module docstring) from p(y|x) of shape (N, 10)."""
    probs = probs.double()
    top, label = probs.max(dim=1)
    confident = top > CONFIDENCE
    counts = torch.bincount(label[confident], minlength=10)
    marginal = probs.mean(dim=0)
    kl = (probs * (probs.clamp_min(1e-12).log() - marginal.clamp_min(1e-12).log())).sum(dim=1)
    return {
        "confident_fraction": float(confident.double().mean()),
        "mean_max_prob": float(top.mean()),
        "classes_covered": int(
            (counts >= max(1, math.ceil(MIN_CLASS_FRACTION * len(probs)))).sum()
        ),
        "inception_score": float(kl.mean().exp()),
        "n": len(probs),
    }


def digit_sample_score(images, value_range: tuple[float, float] = (0.0, 1.0)) -> dict:
    """Score digit samples (N, 1, 8, 8) whose pixels lie in value_range (use (-1, 1) for tanh).

    Values are rescaled to [0, 1] and clipped (NaN counts as blank). Returns
    {"confident_fraction", "mean_max_prob", "classes_covered", "inception_score", "n"}:
    see the module docstring. Deterministic; does not change the caller's random state.
    """
    return score_from_probabilities(class_probabilities(images, value_range))


def reference_digit_score() -> dict:
    """digit_sample_score of the 360 real test digits: the baseline for any model's samples."""
    if "reference" not in _MEMORY:
        _MEMORY["reference"] = digit_sample_score(load_digits("unit").test_images)
    return dict(_MEMORY["reference"])  # type: ignore[arg-type]


def classifier_accuracy() -> float:
    """Test accuracy of the classifier on the digits test split (about 0.98-0.99)."""
    split = load_digits("unit")
    probs = class_probabilities(split.test_images)
    return float((probs.argmax(dim=1) == split.test_labels).double().mean())


def within_class_spread(
    images, labels: torch.Tensor, value_range: tuple[float, float] = (0.0, 1.0)
) -> float:
    """Variety among images of one label: over the labels with at least two images, the mean
    root mean squared pixel difference between two distinct images of that label, pixels in
    [0, 1]. 0 when every image of a label is the same; the real test digits give the baseline
    (`within_class_spread(split.test_images, split.test_labels)`)."""
    x, labels = _as_images(images, value_range).flatten(1), torch.as_tensor(labels).cpu()
    spreads = []
    for label in labels.unique():
        group = x[labels == label]
        if len(group) > 1:
            distances = torch.cdist(group, group) / math.sqrt(x.shape[1])
            spreads.append(float(distances.sum() / (len(group) * (len(group) - 1))))
    return sum(spreads) / len(spreads) if spreads else 0.0
