"""Lecture 6 demos (the GAN family): a Laplacian pyramid, a paired translation and a cycle.

Each demo takes what it shows as arguments (the lecture's functions and trained models, or a
student's own). Containers carry `course-widget` and their own class (`pyramid-explorer`,
`paired-translation-explorer`, `cycle-explorer`), as every lecture demo does (widgets_common).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.figure import Figure

from .widgets_common import STYLE, Demo, returned_array, slider

Pyramid = Callable[[torch.Tensor, int], list[torch.Tensor]]
"""(images (B, 1, H, W), levels) -> [finest detail, ..., coarsest detail, top image]."""
Reconstruct = Callable[[list[torch.Tensor]], torch.Tensor]
"""pyramid levels -> images (B, 1, H, W)."""
Translator = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""(inputs x (N, 1), noise z (N, 1)) -> outputs y (N, 1)."""

CMAP = "gray_r"
MODE_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def _image(ax, image: np.ndarray, title: str, signed: bool = False) -> None:
    """One image on `ax`: ink in black on white, or a detail in red/blue around 0 (signed)."""
    if signed:
        ax.imshow(image, cmap="RdBu_r", vmin=-0.75, vmax=0.75, interpolation="nearest")
    else:
        ax.imshow(image, cmap=CMAP, vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])


def pyramid_explorer(
    images: torch.Tensor, pyramid: Pyramid, reconstruct: Reconstruct, index: int = 0
) -> widgets.VBox:
    """One digit (of `images`, (N, 1, 8, 8) in [0, 1]) as a 2-level Laplacian pyramid.

    Panels: the 2x2 top, the 4x4 and 8x8 details (signed), and the digit rebuilt from the top
    and the details scaled by the two sliders (1 and 1: exact). The status line gives the
    largest error of the rebuilt digit and the share of the digit's energy in each level.
    Returns the container (class "pyramid-explorer").
    """
    if images.ndim != 4 or images.shape[1:] != (1, 8, 8):
        raise ValueError(f"images must be (N, 1, 8, 8), got {tuple(images.shape)}")
    digit = slider("digit", index, 0, len(images) - 1)
    coarse = slider("4x4 detail kept", 1.0, 0.0, 1.0, 0.1)
    fine = slider("8x8 detail kept", 1.0, 0.0, 1.0, 0.1)

    def draw(fig: Figure) -> str:
        image = images[digit.value : digit.value + 1].double()
        levels = pyramid(image, 2)
        if len(levels) != 3:
            raise ValueError(f"pyramid(image, 2) returned {len(levels)} levels, expected 3")
        fine_detail, coarse_detail, top = levels
        rebuilt = reconstruct([fine.value * fine_detail, coarse.value * coarse_detail, top])
        rebuilt = returned_array(rebuilt, "reconstruct", (1, 1, 8, 8))[0, 0]
        shown = [(returned_array(top, "the top level", (1, 1, 2, 2)), "top: 2x2", False),
                 (returned_array(coarse_detail, "the 4x4 detail", (1, 1, 4, 4)), "4x4 detail", True),
                 (returned_array(fine_detail, "the 8x8 detail", (1, 1, 8, 8)), "8x8 detail", True)]  # fmt: skip
        for ax, (array, title, signed) in zip(fig.axes, shown):
            _image(ax, array[0, 0], title, signed)
        _image(fig.axes[3], rebuilt, f"rebuilt ({coarse.value:.1f}, {fine.value:.1f})")
        error = float(np.abs(rebuilt - image[0, 0].numpy()).max())
        energy = [float((level**2).sum() * (64 / level[0, 0].numel())) for level in levels]
        share = [e / sum(energy) for e in energy]
        return (
            f"digit {digit.value}: largest error of the rebuilt digit {error:.2g}; energy:"
            f" top {share[2]:.0%}, 4x4 detail {share[1]:.0%}, 8x8 detail {share[0]:.0%}"
        )

    return Demo("pyramid-explorer", [digit, coarse, fine], draw, ncols=4, height=2.6).widget


def paired_translation_explorer(
    translators: Mapping[str, Translator],
    pairs: tuple[torch.Tensor, torch.Tensor],
    answers: Callable[[torch.Tensor], torch.Tensor],
    tolerance: float,
    samples: int = 400,
) -> widgets.VBox:
    """Conditional generators y = G(x, z) trained on paired data, one per name.

    pairs: the training pairs (x (N, 1), y (N, 1)); answers(x (N, 1)) -> (N, K): the right
    outputs for each x (e.g. the two points of a circle above x). Left: the pairs in grey and
    the generator's outputs for inputs across the range; right: a histogram of `samples`
    outputs at the chosen input, with its right answers marked. The status line gives the
    share of outputs within `tolerance` of a right answer and the share above 0 there.
    Returns the container (class "paired-translation-explorer").
    """
    names = list(translators)
    if not names:
        raise ValueError("translators must hold at least one generator")
    x_pairs, y_pairs = (returned_array(p, "pairs")[:, 0] for p in pairs)
    low, high = float(x_pairs.min()), float(x_pairs.max())
    run = widgets.Dropdown(options=names, value=names[-1], description="loss", style=STYLE)
    where = slider("input x", round(0.3 * high, 2), round(low, 2), round(high, 2), 0.05)
    noise = torch.Generator().manual_seed(0)
    sweep_x = torch.linspace(low, high, samples)[:, None]
    sweep_z = torch.randn(samples, 1, generator=noise)
    fixed_z = torch.randn(samples, 1, generator=noise)

    def draw(fig: Figure) -> str:
        left, right = fig.axes
        translate = translators[run.value]
        with torch.no_grad():
            sweep = returned_array(translate(sweep_x, sweep_z), run.value, (samples, 1))[:, 0]
            x = torch.full((samples, 1), where.value)
            outputs = returned_array(translate(x, fixed_z), run.value, (samples, 1))[:, 0]
            right_answers = returned_array(answers(x[:1]), "answers")[0]
        left.scatter(x_pairs, y_pairs, s=4, color="0.75", label="training pairs")
        left.scatter(sweep_x[:, 0], sweep, s=5, color="tab:red", label="outputs")
        left.axvline(where.value, color="0.3", lw=0.8, ls="--")
        left.set(xlabel="input x", ylabel="output y", title=run.value)
        left.legend(loc="lower left")
        right.hist(outputs, bins=40, range=(-1.5, 1.5), color="tab:red")
        for answer in right_answers:
            right.axvline(answer, color="black", lw=1.2, ls="--")
        right.set(xlabel=f"output y at x = {where.value:.2f}", ylabel="count",
                  title="outputs (red), right answers (dashed)")  # fmt: skip
        distance = np.abs(outputs[:, None] - right_answers[None]).min(axis=1)
        near, above = float((distance <= tolerance).mean()), float((outputs > 0).mean())
        return (
            f"{run.value} at x = {where.value:.2f}: {near:.0%} of outputs within {tolerance}"
            f" of a right answer, {above:.0%} above 0"
        )

    return Demo("paired-translation-explorer", [run, where], draw).widget


def cycle_explorer(
    runs: Mapping[str, tuple[Callable, Callable]],
    a: torch.Tensor,
    a_modes: torch.Tensor,
    a_means: torch.Tensor,
    b_means: torch.Tensor,
    std: float,
) -> widgets.VBox:
    """Two translators between 2D mixtures A and B, one pair (G: A -> B, F: B -> A) per name.

    a (N, 2): points of A, a_modes (N,): the mode each comes from, a_means and b_means: the
    modes of A and B. Left: the points of A and their translations G(a), coloured by the mode
    of A they come from, with one source mode or all shown; right: the round trip F(G(a)) over
    the modes of A. The status line gives the share of translations within 3 std of a mode of
    B, how many modes of B the modes of A go to (each to the one most of its points reach), and
    the share of round trips that end within 3 std of their own mode.
    Returns the container (class "cycle-explorer").
    """
    names = list(runs)
    if not names:
        raise ValueError("runs must hold at least one pair of translators")
    if len(a_means) > len(MODE_COLOURS):
        raise ValueError(f"at most {len(MODE_COLOURS)} modes in A, got {len(a_means)}")
    run = widgets.Dropdown(options=names, value=names[-1], description="training", style=STYLE)
    sources = ["all", *(f"mode {k + 1}" for k in range(len(a_means)))]
    source = widgets.Dropdown(options=sources, value="all", description="from", style=STYLE)
    a_means, b_means = a_means.float(), b_means.float()

    def draw(fig: Figure) -> str:
        left, right = fig.axes
        forward, backward = runs[run.value]
        with torch.no_grad():
            translated = torch.as_tensor(forward(a)).float()
            back = torch.as_tensor(backward(translated)).float()
        returned_array(translated, "G(a)", tuple(a.shape))
        returned_array(back, "F(G(a))", tuple(a.shape))
        distance, nearest = torch.cdist(translated, b_means).min(dim=1)
        on_b = distance <= 3 * std
        targets = {int(nearest[a_modes == k].mode().values) for k in range(len(a_means))}
        home = (back - a_means[a_modes]).norm(dim=1) <= 3 * std
        shown = range(len(a_means)) if source.value == "all" else [sources.index(source.value) - 1]
        for k in shown:
            mine, colour = a_modes == k, MODE_COLOURS[k]
            left.scatter(*a[mine].T, s=3, color=colour, alpha=0.35)
            left.scatter(*translated[mine].T, s=4, color=colour)
            right.scatter(*back[mine].T, s=4, color=colour)
        for ax, means, title in (
            (left, b_means, "A (faint) and G(a)"),
            (right, a_means, "F(G(a))"),
        ):
            ax.scatter(*means.T, marker="x", s=60, color="black")
            ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", title=title)
        left.scatter(*a_means.T, marker="+", s=60, color="0.4")
        return (
            f"{run.value}: {float(on_b.float().mean()):.0%} of G(a) within 3 std of a mode of B;"
            f" the {len(a_means)} modes of A go to {len(targets)} of them; the round trip brings {float(home.float().mean()):.0%} back to their own mode"
        )

    return Demo("cycle-explorer", [run, source], draw, height=3.9).widget
