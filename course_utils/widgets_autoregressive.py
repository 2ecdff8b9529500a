"""Lecture 1 demos: what a stack of masked convolutions can see, and sampling pixel by pixel.

Both demos take the code they visualise as arguments (a masked-convolution factory; a model
and a one-pixel sampling step), so the lecture's implementation and a student's own plug in
alike. Nothing here implements a masked convolution, a log-likelihood or a sampler.

Each demo is a VBox (CSS classes `receptive-field-explorer` and `sampling-stepper`, with a
status line `<class>-status`) holding its controls, an `ipywidgets.Output` with the current
figure, and the status line. A changed control redraws the figure at once; if a plugged-in
function raises, the status line names the error instead of failing silently. The VBox keeps
its drawing state in `.demo` (`figure`, `redraws`, `error`) for tests.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch, Rectangle

from .widgets_common import STYLE, Demo, slider

MaskedConvFactory = Callable[..., torch.nn.Module]
"""(mask_type, in_channels, out_channels, kernel_size, padding=...) -> a masked conv module."""
SamplePixel = Callable[[torch.nn.Module, torch.Tensor, int, int], torch.Tensor]
"""(model, x (n, 1, H, W), row, col) -> x with pixel (row, col) drawn given the pixels before it."""

# categories of the receptive-field map, in drawing order
FUTURE, FAR, BLIND, SEEN, LEAK, TARGET = range(6)
_COLOURS = ["#f2f2f2", "#c9d3dd", "#f08a24", "#3c6e9f", "#c0392b", "#2ecc71"]
_LABELS = [
    "later pixel",
    "earlier, out of reach",
    "blind spot: in reach, not seen",
    "earlier, seen",
    "leak: not earlier, seen",
    "target pixel",
]


def in_reach(height: int, width: int, row: int, col: int, reach: int) -> np.ndarray:
    """(height, width) bool: pixels within `reach` rows and columns of (row, col). With
    reach = n * (k // 2): what n layers of k x k kernels reach without a blind spot."""
    rows, cols = np.ogrid[:height, :width]
    return (np.abs(rows - row) <= reach) & (np.abs(cols - col) <= reach)


def receptive_fields(
    make_conv: MaskedConvFactory,
    n_layers: int,
    kernel_size: int,
    height: int,
    width: int,
    row: int,
    col: int,
    first_type: str = "A",
) -> list[np.ndarray]:
    """Which input pixels reach the output at (row, col) through 1, 2, ..., n_layers layers of
    a stack of masked convolutions: one map per depth.

    The stack is n_layers single-channel layers from make_conv (first_type for the first,
    "B" after), with padding kernel_size // 2 and positive weights (so no path cancels).
    Each map is an int array (height, width) of the categories: earlier pixels (raster order)
    are SEEN, BLIND (in reach of that many layers but not seen: the blind spot) or FAR (out of
    reach); the others FUTURE, or LEAK if seen; the pixel itself TARGET, or LEAK if seen.
    """
    layers = [
        make_conv(first_type if i == 0 else "B", 1, 1, kernel_size, padding=kernel_size // 2)
        for i in range(n_layers)
    ]
    with torch.no_grad():
        for layer in layers:
            for parameter in layer.parameters():
                parameter.copy_(parameter.abs() + 0.1)
    x = torch.zeros(1, 1, height, width, requires_grad=True)
    before = np.arange(height * width).reshape(height, width) < row * width + col
    out, maps = x, []
    for depth, layer in enumerate(layers, 1):
        out = layer(out)
        if tuple(out.shape) != (1, 1, height, width):
            raise ValueError(
                f"the stack maps (1, 1, {height}, {width}) to {tuple(out.shape)}; "
                "make_conv must keep the image size with padding=kernel_size // 2"
            )
        (grad,) = torch.autograd.grad(out[0, 0, row, col], x, retain_graph=True)
        seen = grad[0, 0].abs().numpy() > 0
        near = in_reach(height, width, row, col, depth * (kernel_size // 2))
        unseen = np.where(near, BLIND, FAR)
        kinds = np.where(before, np.where(seen, SEEN, unseen), np.where(seen, LEAK, FUTURE))
        kinds[row, col] = LEAK if seen[row, col] else TARGET
        maps.append(kinds)
    return maps


def receptive_field_explorer(
    make_conv: MaskedConvFactory,
    height: int = 10,
    width: int = 10,
    row: int = 6,
    col: int = 5,
    n_layers: int = 3,
    kernel_size: int = 3,
    max_layers: int = 8,
) -> widgets.VBox:
    """Pick an output pixel, the depth and kernel of a masked-conv stack and the first mask type.

    make_conv: fn(mask_type, in_channels, out_channels, kernel_size, padding=...) -> module.
    Left: the input pixels the chosen output sees; the blind spot (orange) is the earlier
    pixels within reach of the stack that it still does not see; a leak is red.
    Right: the fraction of earlier pixels seen as layers are added, next to the fraction in
    reach (what a stack without a blind spot would see): the gap is the blind spot.
    Returns the container (class "receptive-field-explorer").
    """
    row_slider = slider("row", row, 0, height - 1)
    col_slider = slider("column", col, 0, width - 1)
    layer_slider = slider("layers", n_layers, 1, max_layers)
    kernel_box = widgets.Dropdown(
        options=[3, 5, 7],
        value=kernel_size,
        description="kernel",
        style=STYLE,
        layout=widgets.Layout(width="130px"),
    )
    first_box = widgets.ToggleButtons(
        options=["A", "B"],
        value="A",
        description="first mask",
        style={**STYLE, "button_width": "3em"},
    )
    cmap = ListedColormap(_COLOURS)
    by_depth: dict[tuple, list[np.ndarray]] = {}  # the maps for 1..max_layers layers

    def maps(r: int, c: int, k: int, first: str) -> list[np.ndarray]:
        key = (r, c, k, first)
        if key not in by_depth:
            by_depth.clear()
            by_depth[key] = receptive_fields(make_conv, max_layers, k, height, width, r, c, first)
        return by_depth[key]

    def draw(fig: plt.Figure) -> str:
        r, c, n = row_slider.value, col_slider.value, layer_slider.value
        k, first = kernel_box.value, first_box.value
        all_depths = maps(r, c, k, first)
        kinds = all_depths[n - 1]  # the map of the chosen depth
        left, key, right = fig.axes
        left.imshow(kinds, cmap=cmap, vmin=-0.5, vmax=len(_COLOURS) - 0.5)
        left.set_xticks(range(width))
        left.set_yticks(range(height))
        left.set_xlabel("column")
        left.set_ylabel("row")
        left.set_title(f"output pixel ({r}, {c})")
        present = sorted(set(np.unique(kinds).tolist()))
        key.set_axis_off()
        key.legend(
            handles=[Patch(color=_COLOURS[i], label=_LABELS[i]) for i in present],
            loc="center left",
            bbox_to_anchor=(-0.2, 0.5),  # into the gap after the image
            title=f"{n} layers of {k}×{k}",
        )
        earlier = max(r * width + c, 1)
        before = np.arange(height * width).reshape(height, width) < r * width + c
        depths = np.arange(1, max_layers + 1)
        seen_by_depth = [(m == SEEN).sum() / earlier for m in all_depths]
        reach_by_depth = [
            (before & in_reach(height, width, r, c, d * (k // 2))).sum() / earlier for d in depths
        ]
        right.plot(depths, reach_by_depth, "s--", color="0.55", label="in reach")
        right.plot(depths, seen_by_depth, "o-", label="seen")
        right.axvline(n, color="0.6", lw=0.8, ls=":")
        right.set_ylim(0, 1.05)
        right.set_xlabel("layers")
        right.set_ylabel("fraction of earlier pixels")
        right.set_title(f"first mask {first}")
        right.legend(loc="lower right")
        seen, blind, far, leak = (int((kinds == kind).sum()) for kind in (SEEN, BLIND, FAR, LEAK))
        message = f"output ({r}, {c}): sees {seen} of {r * width + c} earlier pixels;"
        message += f" blind spot {blind} (in reach, not seen); {far} out of reach of {n} layers"
        if leak:
            message += f"; LEAK: sees {leak} pixel(s) at or after itself"
        return message

    controls = [row_slider, col_slider, layer_slider, kernel_box, first_box]
    demo = Demo(
        "receptive-field-explorer",
        controls,
        draw,
        height=3.8,
        width_ratios=(1.2, 1.1, 1),
        margins={"gap": 60},
    )
    return demo.widget


def sampling_stepper(
    model: torch.nn.Module,
    sample_pixel: SamplePixel,
    height: int = 8,
    width: int = 8,
    n: int = 8,
    seed: int = 0,
) -> widgets.VBox:
    """Step through pixel-by-pixel sampling of n images from an autoregressive model.

    model: maps (n, 1, H, W) images to logits of the same shape (on the model's device).
    sample_pixel: fn(model, x, row, col) -> x with pixel (row, col) drawn; run in raster order
        from an all-zero image under torch.manual_seed(seed) (the global RNG is restored after).
    Left: the images after `step` pixels (pixels not drawn yet in grey, the next one boxed).
    Right: p(next pixel = 1 | pixels drawn so far) for each image.
    Returns the container (class "sampling-stepper").
    """
    step_slider = slider("pixels drawn", 0, 0, height * width, continuous_update=True)
    seed_slider = slider("seed", seed, 0, 99)
    cache: dict[int, list[torch.Tensor]] = {}
    device = next(iter(model.parameters()), torch.empty(0)).device

    def states(s: int) -> list[torch.Tensor]:
        if s not in cache:
            cuda = [device] if device.type == "cuda" else []
            with torch.random.fork_rng(devices=cuda), torch.no_grad():
                torch.manual_seed(s)
                x = torch.zeros(n, 1, height, width, device=device)
                trail = [x.clone()]
                for i in range(height * width):
                    x = sample_pixel(model, x.clone(), *divmod(i, width))
                    if tuple(x.shape) != (n, 1, height, width):
                        raise ValueError(
                            f"sample_pixel returned shape {tuple(x.shape)},"
                            f" expected {(n, 1, height, width)}"
                        )
                    trail.append(x.detach().clone())
            cache.clear()
            cache[s] = trail
        return cache[s]

    def draw(fig: plt.Figure) -> str:
        t, s = step_slider.value, seed_slider.value
        x = states(s)[t]
        left, right = fig.axes
        drawn = (torch.arange(height * width, device=x.device) < t).view(1, 1, height, width)
        shown = torch.where(drawn, x, torch.full_like(x, 0.5)).cpu().numpy()[:, 0]
        canvas = np.full((height + 2, n * (width + 1) + 1), np.nan)
        for i, image in enumerate(shown):
            canvas[1 : height + 1, 1 + i * (width + 1) : 1 + i * (width + 1) + width] = image
        left.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        left.set_axis_off()
        if t < height * width:
            r, c = divmod(t, width)
            for i in range(n):
                corner = (i * (width + 1) + c + 0.5, r + 0.5)
                left.add_patch(Rectangle(corner, 1, 1, fill=False, ec="red", lw=1.2))
            with torch.no_grad():
                logits = model(x)
            probs = torch.sigmoid(logits[:, 0, r, c]).cpu().numpy()
            right.bar(np.arange(n), probs, color="#3c6e9f")
            right.set_title(f"next pixel: ({r}, {c})")
            message = f"step {t}: drawing pixel ({r}, {c}); mean p(1) = {probs.mean():.3f}"
        else:
            right.text(
                0.5, 0.5, "all pixels drawn", ha="center", va="center", transform=right.transAxes
            )
            message = f"step {t}: all {height * width} pixels drawn"
        left.set_title(f"{n} samples after {t} of {height * width} pixels (grey: not drawn)")
        right.set_ylim(0, 1)
        right.set_xlabel("sample")
        right.set_ylabel("p(next pixel = 1)")
        return message

    demo = Demo(
        "sampling-stepper",
        [step_slider, seed_slider],
        draw,
        height=2.8,
        width_ratios=(2.2, 1),
        margins={"left": 12},
    )
    return demo.widget
