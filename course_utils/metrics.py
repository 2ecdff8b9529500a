"""Quality numbers for generative models: mode coverage and sample quality on 2D mixtures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

METRICS_DIR_VARIABLE = "COURSE_METRICS_DIR"  # set by `course bench`: where write_metrics writes


def mode_coverage(
    samples: torch.Tensor, means: torch.Tensor, std: float, n_std: float = 3.0
) -> dict:
    """Modes captured and high-quality fraction of 2D samples from a Gaussian mixture.

    A sample is high-quality if it lies within n_std * std of its nearest mean; a mode is
    captured if it is the nearest mean of at least one high-quality sample. A perfect
    sampler of isotropic 2D Gaussians scores 1 - exp(-n_std**2 / 2) (98.9% for 3 std).
    Returns {"modes_captured": int, "n_modes": int, "high_quality": float}.
    """
    samples = torch.as_tensor(samples, dtype=torch.float32).detach().cpu()
    means = torch.as_tensor(means, dtype=torch.float32).cpu()
    if samples.ndim != 2 or samples.shape[1] != means.shape[1]:
        raise ValueError(f"samples must be (N, {means.shape[1]}), got {tuple(samples.shape)}")
    dist, nearest = torch.cdist(samples, means).min(dim=1)
    good = torch.isfinite(dist) & (dist <= n_std * std)
    return {
        "modes_captured": int(torch.unique(nearest[good]).numel()),
        "n_modes": len(means),
        "high_quality": float(good.float().mean()) if len(samples) else 0.0,
    }


def code_purity(
    samples: torch.Tensor, codes: torch.Tensor, means: torch.Tensor, std: float, n_std: float = 3.0
) -> tuple[float, int]:
    """How well a code picks a mode: for each code value, the share of its high-quality samples
    (within n_std * std of a mean) on its most common mode, averaged over the code values, and
    the number of distinct modes the code values take that way."""
    samples = torch.as_tensor(samples, dtype=torch.float32).detach().cpu()
    codes = torch.as_tensor(codes).cpu()
    distance, nearest = torch.cdist(samples, torch.as_tensor(means, dtype=torch.float32)).min(dim=1)
    good, purity, modes = distance <= n_std * std, [], set()
    for code in torch.unique(codes).tolist():
        counts = torch.bincount(nearest[(codes == code) & good], minlength=len(means))
        purity.append(float(counts.max()) / max(int(counts.sum()), 1))
        modes.add(int(counts.argmax()))
    return sum(purity) / len(purity), len(modes)


def write_metrics(name: str, rows: list[tuple[str, float, str]]) -> list[dict]:
    """Record a notebook's quality numbers for `course bench`; returns them as records.

    rows: (quantity, value, baseline to compare it with, as text), e.g.
    ("test NLL (nats)", 18.6, "Bernoulli mixture 20.1"). They are written to
    <name>_metrics.json in the folder named by COURSE_METRICS_DIR, which `course bench` sets;
    without it (a student or lecturer running the notebook) nothing is written.
    """
    records = [
        {"notebook": name, "quantity": q, "value": float(v), "baseline": b} for q, v, b in rows
    ]
    folder = os.environ.get(METRICS_DIR_VARIABLE)
    if folder:
        (Path(folder) / f"{name}_metrics.json").write_text(json.dumps(records, indent=1))
    return records
