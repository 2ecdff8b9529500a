"""Every figure of the course: small, labelled, with a legend where there is more than one line."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

SMALL = (4.0, 3.2)


def _axes(ax: plt.Axes | None, figsize=SMALL) -> plt.Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def image_grid(
    images, nrow: int = 8, ax: plt.Axes | None = None, title: str | None = None, cmap: str = "gray"
) -> plt.Axes:
    """Show images (N, 1, H, W) or (N, H, W) as a grid with nrow images per row."""
    imgs = _numpy(images)
    if imgs.ndim == 4:
        imgs = imgs[:, 0]
    n, h, w = imgs.shape
    rows = int(np.ceil(n / nrow))
    canvas = np.full((rows * (h + 1) + 1, nrow * (w + 1) + 1), np.nan)
    for i, img in enumerate(imgs):
        r, c = divmod(i, nrow)
        canvas[1 + r * (h + 1) : 1 + r * (h + 1) + h, 1 + c * (w + 1) : 1 + c * (w + 1) + w] = img
    ax = _axes(ax, figsize=(0.5 * nrow + 1, 0.5 * rows + 0.6))
    ax.imshow(canvas, cmap=cmap, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    ax: plt.Axes | None = None,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    title: str | None = None,
) -> plt.Axes:
    """Plot named curves (e.g. {'train': [...], 'validation': [...]}) against their index."""
    ax = _axes(ax)
    for name, values in curves.items():
        if len(values):
            ax.plot(np.arange(len(values)), _numpy(values), label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if len(curves) > 1:
        ax.legend()
    return ax


def scatter_samples(
    samples,
    means=None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    label: str = "samples",
) -> plt.Axes:
    """2D samples as dots, with the mixture means (the modes) as red crosses."""
    ax = _axes(ax, figsize=(3.6, 3.6))
    pts = _numpy(samples)
    ax.scatter(pts[:, 0], pts[:, 1], s=4, alpha=0.5, label=label)
    if means is not None:
        m = _numpy(means)
        ax.scatter(m[:, 0], m[:, 1], marker="x", c="red", s=60, label="modes")
        ax.legend(loc="upper right", fontsize="small")
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def _grid(xlim, ylim, n):
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    return np.meshgrid(xs, ys)


def contours(
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
    xlim=(-2, 2),
    ylim=(-2, 2),
    ax: plt.Axes | None = None,
    n: int = 101,
    levels: int = 15,
    labels: bool = True,
) -> plt.Axes:
    """Contour lines of a scalar field fn(X, Y) evaluated on a grid, with their values unless
    labels=False (placing them is the costly part of the plot)."""
    ax = _axes(ax, figsize=(4, 4))
    X, Y = _grid(xlim, ylim, n)
    cs = ax.contour(X, Y, fn(X, Y), levels=levels, cmap="coolwarm", linewidths=0.8)
    if labels:
        ax.clabel(cs, fontsize="small")
    ax.set_aspect("equal")
    return ax


def vector_field(
    fn: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    xlim=(-2, 2),
    ylim=(-2, 2),
    ax: plt.Axes | None = None,
    n: int = 15,
    xlabel: str = "x",
    ylabel: str = "y",
) -> plt.Axes:
    """Arrows of a 2D vector field fn(X, Y) -> (U, V) on an n x n grid."""
    ax = _axes(ax, figsize=(4, 4))
    X, Y = _grid(xlim, ylim, n)
    U, V = fn(X, Y)
    ax.quiver(X, Y, U, V, color="0.5", angles="xy")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_aspect("equal")
    return ax


def trajectories(
    paths: Mapping[str, object],
    ax: plt.Axes | None = None,
    equilibrium=(0.0, 0.0),
    xlabel: str = "x",
    ylabel: str = "y",
) -> plt.Axes:
    """Draw named trajectories of shape (T, 2), marking start, end and the equilibrium."""
    ax = _axes(ax, figsize=(4, 4))
    for name, path in paths.items():
        p = _numpy(path)
        (line,) = ax.plot(p[:, 0], p[:, 1], lw=1.2, label=name)
        ax.plot(p[0, 0], p[0, 1], "o", color=line.get_color(), ms=4)
        ax.plot(p[-1, 0], p[-1, 1], "s", color=line.get_color(), ms=4)
    if equilibrium is not None:
        ax.plot(*equilibrium, "k*", ms=10, label="equilibrium")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize="small")
    return ax
