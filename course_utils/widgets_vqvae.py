"""Lecture 3 widgets: a 2D codebook with its Voronoi cells, and codebook usage during training.

Every demo takes the functions it visualises as arguments (the lecture's own implementation
or a student's): `quantize_fn(z_e (N, D), codebook (K, D)) -> (indices (N,), z_q (N, D))`,
`straight_through_fn(z_e, z_q) -> z_q` with the gradient copied to z_e, and
`perplexity_fn(indices, num_codes) -> float`. Values they return are converted to numpy
arrays with their shape checked before anything is drawn; a failure is shown in the demo's
status line (`course_utils.widgets_common.Demo`).

Containers carry `course-widget` and their own classes, `codebook-explorer` (the lecture's main
demo, also marked `course-widget-main`) and `codebook-usage`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import ListedColormap
from matplotlib.ticker import LogFormatter

from .widgets_common import Demo, returned_array, slider

QuantizeFn = Callable[[torch.Tensor, torch.Tensor], tuple]
"""(z_e (N, D), codebook (K, D)) -> (indices (N,), z_q (N, D))."""
StraightThroughFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""(z_e, z_q) -> value z_q whose gradient flows to z_e unchanged."""
PerplexityFn = Callable[[torch.Tensor, int], float]
"""(indices of any shape, num_codes) -> exp(entropy of the code usage)."""

DEFAULT_CODEBOOK = ((-1.2, -0.8), (1.0, -1.0), (0.1, 1.3), (-1.5, 0.9), (1.6, 0.7), (0.0, -0.1))


def nearest_codes(
    quantize_fn: QuantizeFn, points: np.ndarray, codebook: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """quantize_fn on points (N, D): (indices (N,) int, z_q (N, D)), shapes and range checked."""
    z = torch.as_tensor(points, dtype=torch.float64)
    book = torch.as_tensor(codebook, dtype=torch.float64)
    result = quantize_fn(z, book)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise ValueError("quantize_fn must return a pair (indices, z_q)")
    indices = returned_array(result[0], "indices of quantize_fn", (len(points),))
    z_q = returned_array(result[1], "z_q of quantize_fn", (len(points), codebook.shape[1]))
    if not np.all((indices >= 0) & (indices < len(codebook))):
        raise ValueError(f"quantize_fn returned indices outside [0, {len(codebook)})")
    return indices.astype(int), z_q


def straight_through_gradient(
    quantize_fn: QuantizeFn,
    straight_through_fn: StraightThroughFn,
    z_e: np.ndarray,
    codebook: np.ndarray,
    target: np.ndarray,
) -> dict:
    """The downstream loss L = 1/2 ||st(z_e, z_q) - target||^2 for one 2D encoder output.

    Returns {"index", "z_q", "value" (the forward value of st), "grad_z_e", "grad_codebook"}, the
    gradients computed by autograd through the plugged-in functions.
    """
    z = torch.tensor(np.asarray(z_e, dtype=np.float64)[None], requires_grad=True)
    book = torch.tensor(np.asarray(codebook, dtype=np.float64), requires_grad=True)
    result = quantize_fn(z, book)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise ValueError("quantize_fn must return a pair (indices, z_q)")
    index = int(returned_array(result[0], "indices of quantize_fn", (1,))[0])
    z_q = result[1]
    if not isinstance(z_q, torch.Tensor):
        raise ValueError(f"z_q of quantize_fn must be a torch.Tensor, got {type(z_q).__name__}")
    out = straight_through_fn(z, z_q)
    if not isinstance(out, torch.Tensor):
        raise ValueError(f"straight_through_fn returned {type(out).__name__}, not a torch.Tensor")
    value = returned_array(out, "straight_through_fn(z_e, z_q)", (1, 2))[0]
    loss = 0.5 * ((out - torch.as_tensor(target, dtype=torch.float64)) ** 2).sum()
    if loss.requires_grad:
        g_z, g_book = torch.autograd.grad(loss, [z, book], allow_unused=True)
    else:
        g_z = g_book = None
    grad_z = np.zeros(2) if g_z is None else returned_array(g_z, "gradient at z_e", (1, 2))[0]
    grad_book = (
        np.zeros_like(codebook)
        if g_book is None
        else returned_array(g_book, "gradient at the codebook", codebook.shape)
    )
    return {
        "index": index,
        "z_q": returned_array(z_q, "z_q", (1, 2))[0],
        "value": value,
        "grad_z_e": grad_z,
        "grad_codebook": grad_book,
    }


def _cmap(k: int) -> ListedColormap:
    colors = plt.get_cmap("tab10" if k <= 10 else "tab20")(np.arange(k) % (10 if k <= 10 else 20))
    colors[:, :3] = 0.55 * colors[:, :3] + 0.45  # pastel cells, so arrows and points stand out
    return ListedColormap(colors)


def codebook_explorer(
    quantize_fn: QuantizeFn,
    straight_through_fn: StraightThroughFn,
    codebook=DEFAULT_CODEBOOK,
    z_e: tuple[float, float] = (0.4, 0.5),
    target: tuple[float, float] = (1.8, 1.8),
    view: float = 2.5,
    resolution: int = 160,
) -> widgets.VBox:
    """A 2D codebook with its Voronoi cells; move an encoder output, see its code and gradient.

    quantize_fn, straight_through_fn: the functions under study (see the module docstring).
    codebook: (K, 2) codes e_k. The Voronoi cells are drawn by running quantize_fn on a grid of
    resolution^2 points of [-view, view]^2, so a wrong quantize shows as wrong cells.
    The decoder is replaced by a downstream loss L = 1/2 ||z_q - target||^2 (target: the star);
    the red arrow is -dL/dz_e as autograd computes it through straight_through_fn (the step
    the encoder output would take), the dashed arrow joins z_e to its code. Right panel: the
    squared distance from z_e to every code, the chosen one highlighted.
    Returns the container (class "codebook-explorer").
    """
    book = np.asarray(codebook, dtype=np.float64)
    if book.ndim != 2 or book.shape[1] != 2:
        raise ValueError(f"codebook must have shape (K, 2), got {book.shape}")
    k = len(book)
    sliders = [
        slider(name, value, -view, view, 0.05)
        for name, value in (
            ("encoder output z₁", z_e[0]),
            ("encoder output z₂", z_e[1]),
            ("target t₁", target[0]),
            ("target t₂", target[1]),
        )
    ]
    xs = np.linspace(-view, view, resolution)
    grid_x, grid_y = np.meshgrid(xs, xs)
    grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    cmap = _cmap(k)
    voronoi: list[np.ndarray] = []  # the cells, computed at the first draw

    def draw(fig: plt.Figure) -> str:
        z = np.array([sliders[0].value, sliders[1].value])
        t = np.array([sliders[2].value, sliders[3].value])
        if not voronoi:
            voronoi.append(nearest_codes(quantize_fn, grid, book)[0])
        cells = voronoi[0]
        info = straight_through_gradient(quantize_fn, straight_through_fn, z, book, t)
        left, right = fig.axes
        left.imshow(
            cells.reshape(resolution, resolution),
            origin="lower",
            extent=(-view, view, -view, view),
            cmap=cmap,
            vmin=-0.5,
            vmax=k - 0.5,
            interpolation="nearest",
        )
        left.scatter(book[:, 0], book[:, 1], marker="x", c="k", s=50, label="codes $e_k$")
        for i, (cx, cy) in enumerate(book):
            left.annotate(str(i), (cx, cy), textcoords="offset points", xytext=(4, 4))
        left.plot(*z, "o", color="tab:blue", ms=7, label="$z_e$")
        left.plot(*t, "*", color="k", ms=11, label="target")
        left.annotate(
            "",
            xy=info["z_q"],
            xytext=z,
            arrowprops={"arrowstyle": "->", "ls": "--", "color": "0.3"},
        )
        step = -info["grad_z_e"]
        if np.linalg.norm(step) > 1e-12:
            left.arrow(
                *z,
                *(0.5 * step),
                color="tab:red",
                width=0.02,
                length_includes_head=True,
                label="$-\\partial L / \\partial z_e$",
            )
        left.set_xlim(-view, view)
        left.set_ylim(-view, view)
        left.set_xlabel("$z_1$")
        left.set_ylabel("$z_2$")
        left.set_title(f"$z_e$ → code {info['index']}")
        left.legend(loc="lower right", ncols=2, handlelength=1.2, columnspacing=0.8)
        distances = ((book - z) ** 2).sum(axis=1)
        colors = ["tab:red" if i == info["index"] else "0.6" for i in range(k)]
        right.bar(np.arange(k), distances, color=colors)
        right.set_xticks(np.arange(k))
        right.set_xlabel("code k")
        right.set_ylabel("$\\|z_e - e_k\\|^2$")
        right.set_title(f"chosen: {info['index']} (nearest: {int(distances.argmin())})")
        g = info["grad_z_e"]
        leak = float(np.abs(info["grad_codebook"]).sum())
        return (
            f"z_e = ({z[0]:.2f}, {z[1]:.2f}) → code {info['index']}, "
            f"z_q = ({info['z_q'][0]:.2f}, {info['z_q'][1]:.2f}); "
            f"∂L/∂z_e = ({g[0]:.2f}, {g[1]:.2f}); gradient reaching the codebook: {leak:.3g}"
        )

    demo = Demo("codebook-explorer", sliders, draw, height=3.8)
    demo.widget.add_class("course-widget-main")
    return demo.widget


def _indices_from_counts(counts: np.ndarray) -> torch.Tensor:
    counts = torch.as_tensor(counts, dtype=torch.long)
    return torch.repeat_interleave(torch.arange(len(counts)), counts)


def codebook_usage_explorer(
    usage: Mapping[str, np.ndarray],
    perplexity_fn: PerplexityFn,
    run: str | None = None,
) -> widgets.VBox:
    """Code usage during training: pick a run and an epoch.

    usage: run name -> counts (epochs, K): how often each code was chosen in each epoch.
    perplexity_fn: fn(indices, num_codes) -> float, applied to the indices those counts describe.
    Left panel: the counts of every code at the chosen epoch, sorted, dead codes in red. Right
    panel: the perplexity per epoch of every run, the chosen epoch marked.
    Returns the container (class "codebook-usage").
    """
    if not usage:
        raise ValueError("usage must name at least one run")
    runs = {name: np.asarray(counts, dtype=np.int64) for name, counts in usage.items()}
    for name, counts in runs.items():
        if counts.ndim != 2:
            raise ValueError(f"usage[{name!r}] must have shape (epochs, K), got {counts.shape}")
    run = run or next(iter(runs))
    if run not in runs:
        raise ValueError(f"unknown run {run!r}; expected one of {list(runs)}")
    epochs = min(len(c) for c in runs.values())
    run_box = widgets.Dropdown(options=list(runs), value=run, description="run")
    epoch_slider = slider("epoch", epochs - 1, 0, epochs - 1)
    cache: dict[str, list[float]] = {}

    def perplexities(name: str) -> list[float]:
        if name not in cache:
            counts = runs[name]
            cache[name] = [
                float(perplexity_fn(_indices_from_counts(c), counts.shape[1])) for c in counts
            ]
        return cache[name]

    def draw(fig: plt.Figure) -> str:
        name, epoch = run_box.value, epoch_slider.value
        counts = runs[name][epoch]
        k = len(counts)
        ranked = np.sort(counts)[::-1]  # most used first: the dead codes (0) come last
        used = int((counts > 0).sum())
        left, right = fig.axes
        edges = np.arange(k + 1) - 0.5  # one step per code: one artist, however many codes
        left.stairs(ranked[:used], edges[: used + 1], fill=True, color="tab:blue")
        left.stairs(np.full(k - used, 0.5), edges[used:], fill=True, color="tab:red")
        left.set_yscale("log")
        left.yaxis.set_major_formatter(LogFormatter())  # 1, 10, 100: counts, no typesetting
        left.set_xlabel("codes, most used first")
        left.set_ylabel("times chosen in the epoch")
        left.set_title(f"{name}, epoch {epoch}: {used} of {k} codes used")
        for other in runs:
            right.plot(
                np.arange(epochs),
                perplexities(other)[:epochs],
                label=other,
                lw=2.0 if other == name else 1.0,
            )
        ppl = perplexities(name)[epoch]
        right.plot(epoch, ppl, "ko", ms=5)
        right.axhline(k, color="0.6", lw=0.8, ls="--", label=f"K = {k}")
        right.set_xlabel("epoch")
        right.set_ylabel("perplexity")
        right.legend()
        return f"{name}, epoch {epoch}: {used} of {k} codes used, perplexity {ppl:.1f}"

    demo = Demo("codebook-usage", [run_box, epoch_slider], draw, height=3.4)
    return demo.widget
