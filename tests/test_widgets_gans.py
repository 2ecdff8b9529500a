"""The lecture 4 widgets: built from plugged-in functions, carry the course CSS classes, every
control redraws the figure, and errors in a plugged-in function are shown to the user."""

import matplotlib
import pytest
import torch
from torch.nn import functional as F
from widget_helpers import assert_control_redraws, control, figure_png, status, with_class

from course_utils.data import ring_means
from course_utils.metrics import mode_coverage
from course_utils.widgets_gans import (
    OneDimensionalGAN,
    gan_1d_stepper,
    generator_loss_explorer,
    latent_walk,
    ring_snapshots,
)

matplotlib.use("Agg")


def d_loss(real, fake):
    return F.softplus(-real).mean() + F.softplus(fake).mean()


LOSSES = {
    "minimax": lambda logits: -F.softplus(logits).mean(),
    "non-saturating": lambda logits: F.softplus(-logits).mean(),
}


def d_star(p, q):
    return p / (p + q)


def _snapshots():
    g = torch.Generator().manual_seed(0)
    means = ring_means()
    good = [
        means[torch.randint(8, (200,), generator=g)] + s * torch.randn(200, 2, generator=g)
        for s in (0.5, 0.02)
    ]
    collapsed = [
        means[torch.zeros(200, dtype=torch.long)] + s * torch.randn(200, 2, generator=g)
        for s in (0.5, 0.02)
    ]
    return {"non-saturating": good, "minimax": collapsed}


def build(name):
    if name == "loss":
        return generator_loss_explorer(LOSSES)
    if name == "stepper":
        return gan_1d_stepper(d_loss, LOSSES, d_star)
    return ring_snapshots(_snapshots(), [0, 100], ring_means(), 0.02, coverage=mode_coverage)


@pytest.mark.parametrize(
    "name,css",
    [("loss", "gan-loss-explorer"), ("stepper", "gan-1d-stepper"), ("ring", "ring-snapshots")],
)
def test_every_demo_carries_the_course_classes(name, css):
    box = build(name)
    assert "course-widget" in box._dom_classes and css in box._dom_classes
    assert len(with_class(box, "course-widget-figure")) == 1
    assert status(box) and "Error" not in status(box)


@pytest.mark.parametrize(
    "name,description,value",
    [
        ("loss", "D(G(z))", 0.6),
        ("loss", "gradient scale", "log"),
        ("stepper", "generator loss", "non-saturating"),
        ("stepper", "k (D steps per G step)", 3),
        ("stepper", "step", None),
        ("ring", "run", "minimax"),
        ("ring", "generator step", 0),
    ],
)
def test_every_control_redraws_the_figure(name, description, value):
    box = build(name)
    assert_control_redraws(box, description, value)


def test_stepper_iterations_per_click_and_reset():
    box = gan_1d_stepper(d_loss, LOSSES, d_star, loss="non-saturating")
    control(box, "iterations per click").value = 30
    control(box, "step").click()
    assert status(box).startswith("step 30:"), status(box)
    stepped = figure_png(box)
    control(box, "reset").click()
    assert status(box).startswith("step 0:"), status(box)
    assert figure_png(box) != stepped


def test_loss_explorer_reports_the_saturating_gradient():
    box = generator_loss_explorer(LOSSES, d_fake=0.001)
    text = status(box)
    minimax = float(text.split("minimax: loss ")[1].split("d/dlogit ")[1].split()[0])
    nonsat = float(text.split("non-saturating: loss ")[1].split("d/dlogit ")[1].split()[0])
    assert abs(minimax) < 2e-3 and nonsat == pytest.approx(-0.999, abs=1e-3), text


def test_one_dimensional_gan_moves_towards_the_data_with_the_nonsaturating_loss():
    gan = OneDimensionalGAN(d_loss, LOSSES["non-saturating"])
    for _ in range(300):
        gan.step(k=1)
    mean, std = gan.generator_stats()
    assert abs(mean - gan.data_mean) < 0.5, (mean, std)


def test_a_failing_loss_is_shown_to_the_user():
    def broken(logits):
        raise RuntimeError("my loss exploded")

    box = generator_loss_explorer({"broken": broken})
    assert "my loss exploded" in status(box)
    assert box.demo.png is None
    with pytest.raises(ValueError, match="unknown generator loss"):
        gan_1d_stepper(d_loss, LOSSES, d_star, loss="wasserstein")


def test_side_by_side_snapshots_show_every_run_at_the_chosen_step():
    box = ring_snapshots(
        _snapshots(), [0, 100], ring_means(), 0.02, coverage=mode_coverage, side_by_side=True
    )
    with pytest.raises(AssertionError, match="found 0"):
        control(box, "run")  # every run has its own panel: no run to pick
    text = status(box)
    assert "non-saturating, step 100: 8 modes" in text and "minimax, step 100: 1 modes" in text, (
        text
    )
    assert len(box.demo.figure.axes) == 3  # two runs and the high-quality curves
    assert_control_redraws(box, "generator step", 0)
    assert "non-saturating, step 0" in status(box), status(box)


PIXELS = torch.randn(42, 64, generator=torch.Generator().manual_seed(0))


def digit_generator(z, y):
    return torch.tanh(torch.cat([z, F.one_hot(y, 10).float()], dim=1) @ PIXELS).reshape(-1, 1, 8, 8)


def walk():
    g = torch.Generator().manual_seed(1)
    return latent_walk(
        digit_generator, torch.randn(2, 32, generator=g), torch.randn(32, generator=g)
    )


def test_latent_walk_carries_the_course_classes_and_every_control_redraws():
    box = walk()
    assert "course-widget" in box._dom_classes and "latent-walk" in box._dom_classes
    assert status(box).startswith("digit 5, t = 0.56, a = +0.00"), status(box)
    for description, value in [
        ("digit y", 3),
        ("position t (z₀ → z₁)", 1.0),
        ("bold − thin, a", 1.5),
    ]:
        assert_control_redraws(box, description, value)
    assert status(box).startswith("digit 3, t = 1.00, a = +1.50"), status(box)


def test_latent_walk_shows_the_generator_at_the_chosen_code():
    seen = []

    def recording(z, y):
        seen.append((z.clone(), y.clone()))
        return digit_generator(z, y)

    g = torch.Generator().manual_seed(1)
    codes, direction = torch.randn(2, 32, generator=g), torch.randn(32, generator=g)
    box = latent_walk(recording, codes, direction)
    control(box, "position t (z₀ → z₁)").value = 0.0
    control(box, "bold − thin, a").value = 2.0
    z, y = seen[-1]
    assert torch.allclose(z[0], codes[0] + 2.0 * direction) and torch.allclose(
        z[-1], codes[1] + 2.0 * direction
    )
    assert bool((y == 5).all())
    with pytest.raises(ValueError, match="codes must be"):
        latent_walk(digit_generator, torch.randn(3, 32), torch.randn(32))


def test_one_run_needs_no_run_control():
    box = ring_snapshots(
        {"seed 0": _snapshots()["non-saturating"]},
        [0, 100],
        ring_means(),
        0.02,
        coverage=mode_coverage,
    )
    with pytest.raises(AssertionError, match="found 0"):
        control(box, "run")
    assert_control_redraws(box, "generator step", 0)
