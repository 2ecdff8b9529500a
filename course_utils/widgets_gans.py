"""Lecture 4 demos (GANs): a row of ipywidgets controls above one matplotlib figure.

Every demo takes the functions it visualises as arguments (the lecture's implementation or a
student's own from assignment 4). Any change of a control redraws the figure into an
`ipywidgets.Output`; if a plugged-in function raises, the error is shown in a red status line
under the figure. Every container carries the CSS class `course-widget` plus its own class
(`gan-loss-explorer`, `gan-1d-stepper`, `ring-snapshots`, `latent-walk`), its figure Output the class
`course-widget-figure` and its status line `course-widget-status`, so the browser tests find them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch

from .plotting import image_grid, scatter_samples
from .widgets_common import STYLE, Demo, returned_array, slider

GeneratorLoss = Callable[[torch.Tensor], torch.Tensor]
"""logits_fake (B,) -> scalar loss the generator minimises."""
DiscriminatorLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""(logits_real, logits_fake) -> scalar loss the discriminator minimises."""
OptimalD = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""(p_data, p_model) -> D*(x), elementwise."""


def loss_curves(
    losses: Mapping[str, GeneratorLoss], d_values: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each generator loss: (loss, d loss / d logit) at D(G(z)) = d_values.

    Each loss is called on one logit at a time (a batch of 1), so its mean is that value.
    """
    logits = torch.logit(torch.as_tensor(d_values, dtype=torch.float64)).requires_grad_()
    out = {}
    for name, loss_fn in losses.items():
        values = [loss_fn(logit.reshape(1)) for logit in logits]
        for v in values:
            if not isinstance(v, torch.Tensor) or v.numel() != 1:
                kind = type(v).__name__
                raise ValueError(f"{name}(logits) must return a scalar tensor, got {kind}")
        total = torch.stack([v.reshape(()) for v in values])
        (grad,) = torch.autograd.grad(total.sum(), logits, allow_unused=True)
        if grad is None:
            raise ValueError(f"{name}(logits) does not depend on the logits")
        out[name] = (
            returned_array(total, name, d_values.shape),
            returned_array(grad, f"d {name}", d_values.shape),
        )
    return out


def generator_loss_explorer(
    losses: Mapping[str, GeneratorLoss], d_fake: float = 0.05
) -> widgets.VBox:
    """Generator losses and their gradient w.r.t. the logit, as functions of D(G(z)).

    losses: name -> fn(logits_fake (B,)) -> scalar, e.g. {"minimax": ..., "non-saturating": ...}.
    Controls: the D(G(z)) marked on both panels (its values go to the status line) and the
    gradient panel's scale. Returns the container (class "gan-loss-explorer").
    """
    if not losses:
        raise ValueError("losses must name at least one generator loss")
    d_slider = slider("D(G(z))", d_fake, 0.001, 0.999, 0.001, readout_format=".3f")
    scale = widgets.Dropdown(
        options=["linear", "log"], value="linear", description="gradient scale", style=STYLE
    )
    grid = np.linspace(0.001, 0.999, 300)
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # over the grid, at the first draw

    def draw(fig: plt.Figure) -> str:
        left, right = fig.axes
        d = d_slider.value
        if not curves:
            curves.update(loss_curves(losses, grid))
        marks = loss_curves(losses, np.array([d]))
        parts = []
        for name, (values, grads) in curves.items():
            (line,) = left.plot(grid, values, label=name)
            right.plot(grid, np.abs(grads), label=name, color=line.get_color())
            value, grad = marks[name][0][0], marks[name][1][0]
            left.plot([d], [value], "o", color=line.get_color())
            right.plot([d], [abs(grad)], "o", color=line.get_color())
            parts.append(f"{name}: loss {value:.3f}, d/dlogit {grad:.3g}")
        for ax in (left, right):
            ax.axvline(d, color="0.6", lw=0.8, ls="--")
            ax.set_xlabel("D(G(z))")
        left.set_ylabel("generator loss")
        right.set_ylabel("|d loss / d logit|")
        right.set_yscale(scale.value)
        right.legend(loc="upper right")
        left.set_title(f"at D(G(z)) = {d:.3f}")
        return " | ".join(parts)

    return Demo("gan-loss-explorer", [d_slider, scale], draw).widget


def _normal_pdf(x: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    return torch.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


class OneDimensionalGAN:
    """A 1D GAN small enough to step by hand.

    Data N(data_mean, data_std^2); generator G(z) = a z + b with z ~ N(0, 1), so p_g = N(b, a^2);
    discriminator D(x) = sigmoid(w2 x^2 + w1 x + w0), which can represent the optimal
    discriminator between two Gaussians exactly. Both players use plain SGD.
    """

    def __init__(
        self,
        discriminator_loss: DiscriminatorLoss,
        generator_loss: GeneratorLoss,
        data_mean: float = 2.0,
        data_std: float = 0.5,
        g_start=(1.0, -1.0),
        d_lr: float = 0.05,
        g_lr: float = 0.05,
        batch_size: int = 256,
        seed: int = 0,
    ):
        self.discriminator_loss, self.generator_loss = discriminator_loss, generator_loss
        self.data_mean, self.data_std = data_mean, data_std
        self.d_lr, self.g_lr, self.batch_size = d_lr, g_lr, batch_size
        self.rng = torch.Generator().manual_seed(seed)
        self.g = torch.tensor(g_start, dtype=torch.float64, requires_grad=True)  # (a, b)
        self.w = torch.zeros(3, dtype=torch.float64, requires_grad=True)  # (w0, w1, w2)
        self.steps = 0
        self.history: list[tuple[float, float]] = [self.generator_stats()]

    def generator_stats(self) -> tuple[float, float]:
        """(mean, std) of p_g."""
        a, b = self.g.detach().tolist()
        return b, abs(a)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        w0, w1, w2 = self.w
        return w2 * x**2 + w1 * x + w0

    def generate(self, n: int) -> torch.Tensor:
        a, b = self.g
        return a * torch.randn(n, generator=self.rng, dtype=torch.float64) + b

    def step(self, k: int = 1) -> None:
        """Algorithm 1 for one generator step: k SGD steps of D, then one of G."""
        for _ in range(k):
            noise = torch.randn(self.batch_size, generator=self.rng, dtype=torch.float64)
            real = self.data_mean + self.data_std * noise
            fake = self.generate(self.batch_size).detach()
            loss = self.discriminator_loss(self.logits(real), self.logits(fake))
            (grad,) = torch.autograd.grad(loss, self.w)
            with torch.no_grad():
                self.w -= self.d_lr * grad
        loss = self.generator_loss(self.logits(self.generate(self.batch_size)))
        (grad,) = torch.autograd.grad(loss, self.g)
        with torch.no_grad():
            self.g -= self.g_lr * grad
        self.steps += 1
        self.history.append(self.generator_stats())

    def curves(self, x: torch.Tensor, optimal_discriminator: OptimalD) -> dict[str, np.ndarray]:
        """p_data, p_g, D(x) and D*(x) on the points x (N,)."""
        mean, std = self.generator_stats()
        p_data = _normal_pdf(x, self.data_mean, self.data_std)
        p_g = _normal_pdf(x, mean, max(std, 1e-3))
        with torch.no_grad():
            d = torch.sigmoid(self.logits(x))
        what = "optimal_discriminator(p_data, p_model)"
        d_star = returned_array(optimal_discriminator(p_data, p_g), what, tuple(x.shape))
        return {"p_data": p_data.numpy(), "p_g": p_g.numpy(), "D": d.numpy(), "D*": d_star}


def gan_1d_stepper(
    discriminator_loss: DiscriminatorLoss,
    generator_losses: Mapping[str, GeneratorLoss],
    optimal_discriminator: OptimalD,
    loss: str | None = None,
    k: int = 1,
    steps_per_click: int = 10,
) -> widgets.VBox:
    """Step through a 1D GAN (see OneDimensionalGAN) and watch p_data, p_g, D(x) and D*(x).

    discriminator_loss(logits_real, logits_fake), generator_losses: name -> fn(logits_fake),
    optimal_discriminator(p_data, p_model): the functions of assignment 4. Controls: the
    generator loss and k (either restarts the run), iterations per click, a "step" button
    (that many Algorithm 1 iterations) and "reset". Left panel: densities and discriminators;
    right panel: mean and std of p_g per generator step.
    Returns the container (class "gan-1d-stepper").
    """
    names = list(generator_losses)
    if not names:
        raise ValueError("generator_losses must name at least one loss")
    loss = names[0] if loss is None else loss
    if loss not in names:
        raise ValueError(f"unknown generator loss {loss!r}; expected one of {names}")
    loss_box = widgets.Dropdown(
        options=names, value=loss, description="generator loss", style=STYLE
    )
    k_slider = slider("k (D steps per G step)", k, 1, 10)
    per_click = slider("iterations per click", steps_per_click, 1, 100)
    per_click.add_class("course-widget-noredraw")  # it only sets how far the next click goes
    step_button = widgets.Button(description="step", button_style="primary")
    reset_button = widgets.Button(description="reset")
    x = torch.linspace(-3.0, 5.0, 300, dtype=torch.float64)
    state: dict[str, OneDimensionalGAN] = {}

    def restart(change=None) -> None:
        state["gan"] = OneDimensionalGAN(discriminator_loss, generator_losses[loss_box.value])

    def draw(fig: plt.Figure) -> str:
        gan = state["gan"]
        left, right = fig.axes
        c = gan.curves(x, optimal_discriminator)
        xs = x.numpy()
        left.fill_between(xs, c["p_data"], alpha=0.3, label="$p_{data}$")
        left.plot(xs, c["p_g"], label="$p_g$")
        left.plot(xs, c["D"], "k", label="D(x)")
        left.plot(xs, c["D*"], "k--", label="$D^*(x)$")
        left.set_ylim(-0.02, 1.05)
        left.set_xlabel("x")
        left.legend(loc="upper left")
        left.set_title(f"{loss_box.value}, k = {k_slider.value}, step {gan.steps}")
        history = np.array(gan.history)
        right.plot(history[:, 0], label="mean of $p_g$")
        right.plot(history[:, 1], label="std of $p_g$")
        right.axhline(gan.data_mean, color="C0", ls=":", lw=0.8)
        right.axhline(gan.data_std, color="C1", ls=":", lw=0.8)
        right.set_xlabel("generator step")
        right.legend(loc="center right")
        mean, std = gan.generator_stats()
        data = f"N({gan.data_mean}, {gan.data_std}^2)"
        return f"step {gan.steps}: p_g = N({mean:.2f}, {std:.2f}^2), data {data}"

    def on_step(button=None) -> None:
        try:
            for _ in range(per_click.value):
                state["gan"].step(k_slider.value)
        except Exception as error:  # noqa: BLE001 - a plugged-in loss failed: say so
            demo.show_error(error)
            return
        demo.redraw()

    def on_reset(button=None) -> None:
        restart()
        demo.redraw()

    restart()
    demo = Demo("gan-1d-stepper", [loss_box, k_slider, per_click, step_button, reset_button], draw)
    # the loss and k restart the run (registered before the redraw the demo does on any change)
    loss_box.observe(restart, names="value")
    k_slider.observe(restart, names="value")
    # ipywidgets calls observers in registration order: move restart in front of redraw
    for control in (loss_box, k_slider):
        control.unobserve(demo.redraw, names="value")
        control.observe(demo.redraw, names="value")
    step_button.on_click(on_step)
    reset_button.on_click(on_reset)
    return demo.widget


def ring_snapshots(
    snapshots: Mapping[str, Sequence],
    steps: Sequence[int],
    means,
    std: float,
    coverage: Callable | None = None,
    side_by_side: bool = False,
) -> widgets.VBox:
    """Samples of generators saved during training on a 2D mixture, one run per name.

    snapshots: name -> list of sample tensors (N, 2), one per entry of steps (the generator step
    at which they were taken); means (M, 2): the modes; coverage(samples, means, std) -> dict with
    "modes_captured" and "high_quality" (course_utils.metrics.mode_coverage) for the titles and
    the last panel, the high-quality fraction of every run over training.
    Controls: the training step, and the run if there are several and not side_by_side (then
    every run has a panel, e.g. a collapsing GAN next to its remedy). Returns the container (class "ring-snapshots").
    """
    names = list(snapshots)
    if not names:
        raise ValueError("snapshots must hold at least one run")
    for name in names:
        if len(snapshots[name]) != len(steps):
            count = len(snapshots[name])
            raise ValueError(f"run {name!r} has {count} snapshots for {len(steps)} steps")
    run_box = widgets.Dropdown(options=names, value=names[0], description="run", style=STYLE)
    step_slider = widgets.SelectionSlider(
        options=list(steps),
        value=steps[-1],
        description="generator step",
        continuous_update=False,
        style=STYLE,
    )
    shown = names if side_by_side else None  # the runs drawn, in panels from the left
    scores: dict[str, list[dict]] = {}  # run -> coverage of each snapshot, at the first draw

    def draw(fig: plt.Figure) -> str:
        *panels, right = fig.axes
        index = list(steps).index(step_slider.value)
        if coverage is not None and not scores:
            scores.update(
                {
                    run: [coverage(torch.as_tensor(s), means, std) for s in snapshots[run]]
                    for run in names
                }
            )
        messages = []
        for ax, name in zip(panels, shown or [run_box.value]):
            points = returned_array(snapshots[name][index], name)
            title = f"{name}, step {step_slider.value}"
            message = title
            if scores:
                now = scores[name][index]
                title = (
                    f"{name}: {now['modes_captured']} modes, {100 * now['high_quality']:.0f}% HQ"
                )
                message += (
                    f": {now['modes_captured']} modes captured,"
                    f" {100 * now['high_quality']:.0f}% high quality"
                )
            scatter_samples(points, means, ax=ax, title=title)
            if side_by_side and ax.get_legend():  # the panels share one look: no legend per panel
                ax.get_legend().remove()
            ax.set_xlim(-3, 3)
            ax.set_ylim(-3, 3)
            messages.append(message)
        if scores:
            for run in names:
                values = [s["high_quality"] for s in scores[run]]
                right.plot(list(steps), values, marker="o", ms=3, label=run)
            right.axvline(step_slider.value, color="0.6", lw=0.8, ls="--")
            right.set_xlabel("generator step")
            right.set_ylabel("high-quality fraction")
            right.legend()
        return "; ".join(messages)

    controls = [step_slider] if side_by_side or len(names) == 1 else [run_box, step_slider]
    ncols = len(names) + 1 if side_by_side else 2
    return Demo("ring-snapshots", controls, draw, ncols=ncols).widget


def latent_walk(
    generate: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    codes: torch.Tensor,
    direction: torch.Tensor,
    steps: int = 10,
) -> widgets.VBox:
    """Walk a conditional generator's latent space: interpolation and vector arithmetic.

    generate(z (B, D), y (B,) labels 0-9) -> images (B, 1, H, W) in [-1, 1]; codes (2, D): the
    ends z0 and z1 of the walk; direction (D,): an attribute direction (e.g. mean code of bold
    digits minus mean code of thin ones). Controls: the digit y, the position t on z0 -> z1 and
    the strength a of the direction. Left panel: the image of ((1 - t) z0 + t z1 + a direction, y);
    right panel: the whole walk at that y and a, the current t framed in red.
    Returns the container (class "latent-walk").
    """
    codes = torch.as_tensor(codes, dtype=torch.float32)
    direction = torch.as_tensor(direction, dtype=torch.float32)
    if codes.ndim != 2 or len(codes) != 2 or direction.shape != codes.shape[1:]:
        raise ValueError(
            f"codes must be (2, D) and direction (D,), got {tuple(codes.shape)} and {tuple(direction.shape)}"
        )
    digit_box = widgets.Dropdown(
        options=list(range(10)), value=5, description="digit y", style=STYLE
    )
    middle = (steps // 2) / (steps - 1)  # a point of the walk
    t_slider = slider(
        "position t (z₀ → z₁)", middle, 0.0, 1.0, 1 / (steps - 1), readout_format=".2f"
    )
    strength_slider = slider("bold − thin, a", 0.0, -2.0, 2.0, 0.25)

    def draw(fig: plt.Figure) -> str:
        left, right = fig.axes
        y, t, a = digit_box.value, t_slider.value, strength_slider.value
        ts = torch.linspace(0, 1, steps)[:, None]
        walk = (1 - ts) * codes[0] + ts * codes[1] + a * direction
        here = ((1 - t) * codes[0] + t * codes[1] + a * direction)[None]
        with torch.no_grad():
            images = generate(
                torch.cat([here, walk]), torch.full((steps + 1,), y, dtype=torch.long)
            )
        images = torch.as_tensor(images).detach().cpu().float()
        image_grid(images[:1], nrow=1, ax=left, title=f"y = {y}, t = {t:.2f}, a = {a:+.2f}")
        image_grid(images[1:], nrow=steps, ax=right, title="the walk z₀ → z₁ at this y and a")
        index = round(t * (steps - 1))
        size = images.shape[-1]
        right.add_patch(
            plt.Rectangle((index * (size + 1) + 0.5, 0.5), size, size, fill=False, ec="red", lw=2)
        )
        ink = float((images[0] + 1).mean() / 2)
        return f"digit {y}, t = {t:.2f}, a = {a:+.2f}: mean ink {ink:.2f}"

    return Demo(
        "latent-walk",
        [digit_box, t_slider, strength_slider],
        draw,
        width_ratios=[1, 4],
        height=2.6,
    ).widget
