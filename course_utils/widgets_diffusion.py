"""Lecture 7 demos: the forward process, the reverse chain of a sampler, the score field, and
classifier-free guidance on digits.

Every demo takes the functions or the sampler runs it shows as arguments, so the lecture's code
and a student's own can be plugged in alike; controls, figure and error reporting come from
`widgets_common.Demo`. Containers carry `forward-process-explorer`, `reverse-process-explorer`,
`score-field-explorer` and `guidance-explorer` (and `course-widget`) for the browser tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch

from .widgets_common import STYLE, Demo, returned_array, slider

QSample = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
"""(x0, t, noise, betas) -> x_t, with t a long tensor (B,) of steps in 1..T."""
Score = Callable[[torch.Tensor, int], torch.Tensor]
"""(x (B, 2), t) -> the score of the noised data at step t, (B, 2)."""

VIEW = 3.5  # the 2D panels show [-VIEW, VIEW]^2


def _square(ax: plt.Axes) -> None:
    ax.set_xlim(-VIEW, VIEW)
    ax.set_ylim(-VIEW, VIEW)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


def forward_process_explorer(
    q_sample: QSample,
    schedules: Mapping[str, torch.Tensor],
    x0: torch.Tensor,
    alpha_bar: Callable[[torch.Tensor], torch.Tensor],
    t: int = 20,
) -> widgets.VBox:
    """The data noised to step t in one jump: pick the schedule and t.

    q_sample: fn(x0, t, noise, betas) -> x_t. schedules: name -> betas (T,), all of one length T.
    x0: data (N, 2). alpha_bar: fn(betas) -> abar (T,). The noise is drawn once, so moving t
    moves each point along its own straight line from x_0 towards its noise.
    Left panel: x_t. Right panel: sqrt(abar_t) (signal) and sqrt(1 - abar_t) (noise) of every
    schedule against t, the chosen step marked. Returns the container (class
    "forward-process-explorer").
    """
    lengths = {len(b) for b in schedules.values()}
    if len(lengths) != 1:
        raise ValueError(f"every schedule must have the same number of steps, got {lengths}")
    T = lengths.pop()
    noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0), dtype=x0.dtype)
    curves = {name: alpha_bar(b).detach().double().cpu().numpy() for name, b in schedules.items()}
    schedule_box = widgets.Dropdown(options=list(schedules), description="schedule")
    t_slider = slider("step t", t, 1, T)

    def draw(fig: plt.Figure) -> str:
        name, step = schedule_box.value, t_slider.value
        steps = torch.full((len(x0),), step, dtype=torch.long)
        xt = returned_array(
            q_sample(x0, steps, noise, schedules[name]), f"q_sample(x0, t={step})", (len(x0), 2)
        )
        left, right = fig.axes
        left.scatter(xt[:, 0], xt[:, 1], s=3, alpha=0.4)
        _square(left)
        left.set_title(f"$x_t$ at t = {step} ({name})")
        for i, (label, abar) in enumerate(curves.items()):
            style = {"color": f"C{i}", "lw": 2.2 if label == name else 1.0}
            right.plot(np.arange(1, T + 1), np.sqrt(abar), **style, label=f"{label}: signal")
            right.plot(
                np.arange(1, T + 1), np.sqrt(1 - abar), **style, ls="--", label=f"{label}: noise"
            )
        right.axvline(step, color="0.4", lw=0.8)
        right.set_xlabel("t")
        right.set_ylabel(r"$\sqrt{\bar\alpha_t}$ (solid), $\sqrt{1-\bar\alpha_t}$ (dashed)")
        right.legend(loc="center right")
        abar = curves[name][step - 1]
        return (
            f"{name}, t = {step}: signal × {np.sqrt(abar):.3f}, noise std {np.sqrt(1 - abar):.3f}"
        )

    demo = Demo("forward-process-explorer", [schedule_box, t_slider], draw)
    return demo.widget


def reverse_process_explorer(
    runs: Mapping[str, tuple[torch.Tensor, list[int]]],
    means: torch.Tensor,
    std: float,
    coverage: Callable,
    trails: int = 25,
) -> widgets.VBox:
    """A sampler's chain from noise to data: pick the sampler and how far along it is.

    runs: name -> (states, times): states (S+1, N, 2) from x_T (index 0) to x_0 (last), times
    the S+1 steps t they stand for (T, ..., 0). means, std: the data's mixture, for `coverage`
    (fn(samples, means, std) -> {"modes_captured", "n_modes", "high_quality"}).
    Left panel: the samples at the chosen point of the chain and the paths of `trails` of them so
    far. Right panel: the high-quality fraction along each chain, the chosen point marked.
    Returns the container (class "reverse-process-explorer").
    """
    quality = {}
    for name, (states, times) in runs.items():
        if len(times) != len(states):
            raise ValueError(f"{name}: {len(states)} states but {len(times)} times")
        quality[name] = [coverage(s, means, std)["high_quality"] for s in states]
    sampler_box = widgets.Dropdown(options=list(runs), description="sampler")
    progress = slider("progress %", 100, 0, 100, 5)
    m = means.detach().cpu().numpy()

    def draw(fig: plt.Figure) -> str:
        name = sampler_box.value
        states, times = runs[name]
        i = round(progress.value / 100 * (len(states) - 1))
        points = returned_array(states[i], f"{name} state {i}", (states.shape[1], 2))
        path = states[: i + 1, :trails].detach().cpu().numpy()
        left, right = fig.axes
        left.scatter(points[:, 0], points[:, 1], s=3, alpha=0.35)
        left.plot(path[:, :, 0], path[:, :, 1], color="0.2", lw=0.6, alpha=0.7)
        left.scatter(m[:, 0], m[:, 1], marker="x", c="red", s=50)
        _square(left)
        left.set_title(f"{name}: t = {times[i]}")
        for j, (label, q) in enumerate(quality.items()):
            right.plot(np.linspace(0, 100, len(q)), q, color=f"C{j}", label=label,
                       lw=2.2 if label == name else 1.0)  # fmt: skip
        right.plot(progress.value, quality[name][i], "ko")
        right.set_xlabel("progress along the chain (%)")
        right.set_ylabel("fraction within 3 std of a mode")
        right.set_ylim(-0.02, 1.02)
        right.legend(loc="upper left")
        score = coverage(states[i], means, std)
        return (f"{name}, t = {times[i]}: {score['modes_captured']} / {score['n_modes']} modes, "
                f"{score['high_quality']:.1%} within 3 std of a mode")  # fmt: skip

    demo = Demo("reverse-process-explorer", [sampler_box, progress], draw)
    return demo.widget


def score_field_explorer(
    score: Score, T: int, means: torch.Tensor, t: int = 30, n: int = 17
) -> widgets.VBox:
    """The score of the noised data, an arrow field, as t goes from T (noise) to 1 (data).

    score: fn(x (B, 2), t) -> (B, 2). means: the data's modes (K, 2); the right panel follows
    the ray from the origin through the first one.
    Left panel: the field on an n x n grid (arrows scaled per step, coloured by length: their
    direction is the point). Right panel: the score's component along that ray (symlog scale),
    against the distance from the origin, for the chosen t (bold) and a few others. Returns the container (class
    "score-field-explorer").
    """
    t_slider = slider("step t", t, 1, T)
    axis = np.linspace(-VIEW + 0.3, VIEW - 0.3, n)
    X, Y = np.meshgrid(axis, axis)
    grid = torch.from_numpy(np.stack([X.ravel(), Y.ravel()], axis=1))
    direction = means[0].double() / means[0].double().norm()
    radii = torch.linspace(0.0, VIEW, 120, dtype=torch.float64)
    ray = radii[:, None] * direction[None, :]

    def along(step: int) -> np.ndarray:
        values = returned_array(score(ray, step), f"score(ray, t={step})", (len(ray), 2))
        return values @ direction.numpy()

    others = sorted({T, max(1, T // 2), max(1, T // 5)})
    reference = {step: along(step) for step in others}

    def draw(fig: plt.Figure) -> str:
        step = t_slider.value
        field = returned_array(score(grid, step), f"score(grid, t={step})", (len(grid), 2))
        length = np.linalg.norm(field, axis=1)
        left, right = fig.axes
        left.quiver(grid[:, 0], grid[:, 1], field[:, 0], field[:, 1], length, cmap="viridis",
                    angles="xy")  # fmt: skip
        m = means.detach().cpu().numpy()
        left.scatter(m[:, 0], m[:, 1], marker="x", c="red", s=50)
        _square(left)
        left.set_title(f"score at t = {step}")
        for s, values in reference.items():
            right.plot(radii, values, color="0.6", lw=1.0, label=f"t = {s}")
        right.plot(radii, along(step), color="C1", lw=2.2, label=f"t = {step}")
        right.axhline(0, color="0.3", lw=0.6)
        right.set_yscale("symlog", linthresh=1.0)  # the pull near t = 1 is 100 times that at T
        right.set_xlabel("distance from the origin along a mode's direction")
        right.set_ylabel("score along that direction")
        right.legend(loc="lower left")
        return f"t = {step}: largest arrow {length.max():.3g}, median {np.median(length):.3g}"

    demo = Demo("score-field-explorer", [t_slider], draw)
    return demo.widget


GUIDANCE_CURVES = {  # score key -> legend label, in the right panel of guidance_explorer
    "label_agreement": "read as the requested digit",
    "confident_fraction": "read as a clear digit (p > 0.9)",
    "spread": "within-class spread",
}


def digit_rows(images: torch.Tensor, requested: torch.Tensor, per_digit: int) -> np.ndarray:
    """One image canvas: row k holds the first `per_digit` images asked to be the k-th smallest
    requested label, side by side, one blank (NaN) pixel between images."""
    x = torch.as_tensor(images).detach().cpu().double().reshape(-1, 8, 8).numpy()
    labels = torch.as_tensor(requested).cpu()
    if len(labels) != len(x):
        raise ValueError(f"{len(x)} images but {len(labels)} requested labels")
    classes = labels.unique().tolist()
    canvas = np.full((len(classes) * 9 + 1, per_digit * 9 + 1), np.nan)
    for r, label in enumerate(classes):
        for c, i in enumerate(torch.nonzero(labels == label).flatten()[:per_digit].tolist()):
            canvas[1 + 9 * r : 9 + 9 * r, 1 + 9 * c : 9 + 9 * c] = x[i]
    return canvas


def guidance_explorer(
    samples: Mapping[float, torch.Tensor],
    requested: torch.Tensor,
    scores: Mapping[float, Mapping[str, float]],
    reference: Mapping[str, float],
    per_digit: int = 10,
) -> widgets.VBox:
    """Digits sampled with each guidance weight from the same starting noise: pick the weight.

    samples: w -> images (N, 1, 8, 8) or (N, 64) with values in [-1, 1], image i asked to be
    digit requested[i]. scores: w -> {"label_agreement", "confident_fraction", "spread"}
    (fractions, and the within-class spread), measured on those images; reference: the same
    numbers for real test digits. Left panel: the samples, one row per requested digit. Right
    panel: the three scores against w, the real digits' dashed, the chosen w marked. Returns the
    container (class "guidance-explorer").
    """
    weights = sorted(samples)
    missing = [w for w in weights if not set(GUIDANCE_CURVES) <= set(scores.get(w, {}))]
    if missing or not set(GUIDANCE_CURVES) <= set(reference):
        raise ValueError(f"scores and reference need {sorted(GUIDANCE_CURVES)} for every weight")
    canvases = {w: digit_rows(samples[w], requested, per_digit) for w in weights}
    chooser = widgets.SelectionSlider(
        options=weights, value=weights[len(weights) // 2],
        description="guidance w", continuous_update=False, style=STYLE,
    )  # fmt: skip

    def draw(fig: plt.Figure) -> str:
        w = chooser.value
        left, right = fig.axes
        left.imshow(canvases[w], cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
        left.set_axis_off()
        left.set_title(f"w = {w:g}: one row per requested digit")
        for i, (key, label) in enumerate(GUIDANCE_CURVES.items()):
            right.plot(weights, [scores[v][key] for v in weights], "o-", color=f"C{i}", label=label)
            right.axhline(reference[key], color=f"C{i}", ls="--", lw=1.0)
            right.plot([w], [scores[w][key]], "o", color="black")
        right.axvline(w, color="0.4", lw=0.8)
        right.set_xlabel("guidance weight w (dashed: real test digits)")
        right.set_ylabel("fraction, or spread")
        right.set_ylim(-0.02, 1.02)
        right.legend(loc="upper left")  # the curves start low at w = 0
        score = scores[w]
        return (f"w = {w:g}: {score['label_agreement']:.0%} read as the requested digit, "
                f"{score['confident_fraction']:.0%} as a clear digit, within-class spread "
                f"{score['spread']:.3f} (real digits: {reference['label_agreement']:.0%}, "
                f"{reference['confident_fraction']:.0%}, {reference['spread']:.3f})")  # fmt: skip

    demo = Demo("guidance-explorer", [chooser], draw, width_ratios=[1.0, 1.2])
    return demo.widget
