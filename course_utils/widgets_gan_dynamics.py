"""Lecture 5 demos: gradient play on V(x, y) = x y and the Dirac-GAN.

Every demo takes the functions it visualises as arguments, so the lecture's implementation
and a student's own can be plugged in alike; controls, figure and error reporting come from
`widgets_common.Demo`. Containers carry `gda-explorer` / `dirac-gan-explorer` (and
`course-widget`) for the browser tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch

from .plotting import contours, trajectories
from .plotting import vector_field as plot_vector_field
from .widgets_common import Demo, returned_array, slider

GDAMethod = Callable[[float, float, float, int], torch.Tensor]
"""(x0, y0, eta, steps) -> trajectory (steps + 1, 2) on V(x, y) = x y."""
Flow = Callable[[float, float, torch.Tensor], torch.Tensor]
"""(x0, y0, t) with times t (T,) -> trajectory (T, 2) of the continuous dynamics."""
DiracField = Callable[[torch.Tensor, torch.Tensor, float], tuple]
"""(theta, psi, gamma) -> (d_theta, d_psi), elementwise on tensors of any shape."""
DiracSimulation = Callable[[float, float, float, int, float], torch.Tensor]
"""(theta0, psi0, eta, steps, gamma) -> trajectory (steps + 1, 2)."""

CONTINUOUS = "continuous"
START = (1.0, 0.0)


def gda_trajectory(
    method: str,
    methods: Mapping[str, GDAMethod],
    flow: Flow,
    eta: float,
    steps: int,
    start: tuple[float, float] = START,
) -> np.ndarray:
    """The trajectory (steps + 1, 2) of one method on V(x, y) = x y from `start`.

    `method` is a key of `methods`, or "continuous": then `flow` is evaluated at the
    steps + 1 times 0, eta, ..., eta * steps (the same total time as the discrete methods).
    An unknown name raises a ValueError listing the available ones.
    """
    x0, y0 = start
    if method == CONTINUOUS:
        times = torch.linspace(0.0, eta * steps, steps + 1, dtype=torch.float64)
        return returned_array(flow(x0, y0, times), f"flow({x0}, {y0}, t)", (steps + 1, 2))
    if method not in methods:
        known = [*methods, CONTINUOUS]
        raise ValueError(f"unknown method {method!r}; expected one of {known}")
    value = methods[method](x0, y0, eta, steps)
    return returned_array(value, f"{method}({x0}, {y0}, eta={eta}, steps={steps})", (steps + 1, 2))


def gda_explorer(
    methods: Mapping[str, GDAMethod],
    flow: Flow,
    method: str = "simultaneous",
    eta: float = 0.2,
    steps: int = 40,
    view: float = 3.0,
) -> widgets.VBox:
    """Gradient play on V(x, y) = x y from (1, 0): pick the method, step size and steps.

    methods: name -> fn(x0, y0, eta, steps) returning the trajectory (steps + 1, 2), e.g.
        simultaneous, alternating, extragradient, optimistic.
    flow: fn(x0, y0, t) with times t (T,) returning (T, 2); used by the "continuous" entry,
        over the time eta * steps.
    Left panel: the trajectory over the contours of x y (red > 0, blue < 0) in [-view, view]^2.
    Right panel: the distance to (0, 0) per step (log scale); the title gives the final radius.
    Returns the container (class "gda-explorer").
    """
    if CONTINUOUS in methods:
        raise ValueError(f"{CONTINUOUS!r} is drawn from `flow`; remove it from `methods`")
    options = [*methods, CONTINUOUS]
    if method not in options:
        raise ValueError(f"unknown method {method!r}; expected one of {options}")
    method_box = widgets.Dropdown(options=options, value=method, description="method")
    eta_slider = slider("step size η", eta, 0.01, 0.6, 0.01)
    steps_slider = slider("steps", steps, 1, 200)

    def draw(fig: plt.Figure) -> str:
        name, h, n = method_box.value, eta_slider.value, steps_slider.value
        path = gda_trajectory(name, methods, flow, h, n)
        radius = np.linalg.norm(path, axis=1)
        left, right = fig.axes
        lim = (-view, view)  # red where xy > 0, blue where xy < 0
        contours(lambda X, Y: X * Y, xlim=lim, ylim=lim, ax=left, n=61, levels=9, labels=False)
        trajectories({name: path}, ax=left)
        left.set_xlim(-view, view)
        left.set_ylim(-view, view)
        left.set_title("$V(x, y) = xy$")
        right.semilogy(np.arange(n + 1), radius, label=name)
        right.axhline(radius[0], color="0.6", lw=0.8, ls="--", label="start")
        if radius.max() < 1.01 * radius.min():  # constant: a flat line, not its rounding noise
            right.set_ylim(radius.min() / 1.5, radius.max() * 1.5)
        right.set_xlabel("step" if name != CONTINUOUS else "step (time = step · η)")
        right.set_ylabel("distance to (0, 0)")
        right.legend(loc="upper left")
        factor = (radius[-1] / radius[0]) ** (1 / n) if radius[0] > 0 else math.nan
        right.set_title(f"final radius {radius[-1]:.3g} (×{factor:.4f} per step)")
        return f"{name}, η = {h:.2f}, {n} steps: final radius {radius[-1]:.4g}"

    demo = Demo("gda-explorer", [method_box, eta_slider, steps_slider], draw)
    return demo.widget


def dirac_gan_explorer(
    vector_field: DiracField,
    simulate: DiracSimulation,
    gamma: float = 0.0,
    eta: float = 0.1,
    steps: int = 300,
    view: float = 2.0,
) -> widgets.VBox:
    """The Dirac-GAN (theta, psi) from (1, 0), with a gradient-penalty slider.

    vector_field: fn(theta, psi, gamma) -> (d_theta, d_psi), elementwise on tensors.
    simulate: fn(theta0, psi0, eta, steps, gamma) -> trajectory (steps + 1, 2).
    Left panel: the field as arrows on [-view, view]^2 and the simulated trajectory. Right
    panel: the distance to the equilibrium (0, 0) per step (log scale).
    Returns the container (class "dirac-gan-explorer").
    """
    gamma_slider = slider("gradient penalty γ", gamma, 0.0, 2.0, 0.05)
    eta_slider = slider("step size η", eta, 0.01, 1.0, 0.01)
    steps_slider = slider("steps", steps, 10, 1000, 10)

    def draw(fig: plt.Figure) -> str:
        g, h, n = gamma_slider.value, eta_slider.value, steps_slider.value

        def field(T: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            d_theta, d_psi = vector_field(torch.from_numpy(T), torch.from_numpy(P), g)
            return returned_array(d_theta, "d_theta", T.shape), returned_array(
                d_psi, "d_psi", T.shape
            )

        path = returned_array(
            simulate(*START, h, n, g),
            f"simulate({START[0]}, {START[1]}, eta={h}, steps={n}, gamma={g})",
            (n + 1, 2),
        )
        radius = np.linalg.norm(path, axis=1)
        left, right = fig.axes
        plot_vector_field(
            field,
            xlim=(-view, view),
            ylim=(-view, view),
            ax=left,
            xlabel="generator θ",
            ylabel="discriminator ψ",
        )
        trajectories(
            {f"γ = {g:.2f}": path}, ax=left, xlabel="generator θ", ylabel="discriminator ψ"
        )
        left.set_xlim(-view, view)
        left.set_ylim(-view, view)
        right.semilogy(np.arange(n + 1), radius, label=f"γ = {g:.2f}")
        right.axhline(radius[0], color="0.6", lw=0.8, ls="--", label="start")
        right.set_xlabel("step")
        right.set_ylabel("distance to (0, 0)")
        right.legend(loc="upper right")
        right.set_title(f"final distance {radius[-1]:.3g}")
        return f"γ = {g:.2f}, η = {h:.2f}, {n} steps: final distance {radius[-1]:.4g}"

    demo = Demo("dirac-gan-explorer", [gamma_slider, eta_slider, steps_slider], draw)
    return demo.widget
