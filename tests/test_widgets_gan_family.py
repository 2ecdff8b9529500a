"""Lecture 6 demos (pyramid, paired translation, cycle): marked containers, described controls,
every control redraws, the status lines report what the figure shows, and bad plugged-in code
is reported, not swallowed."""

import pytest
import torch
from torch.nn import functional as F
from widget_helpers import assert_control_redraws, control, status

from course_utils.widgets_gan_family import (
    cycle_explorer,
    paired_translation_explorer,
    pyramid_explorer,
)

IMAGES = torch.rand(5, 1, 8, 8, generator=torch.Generator().manual_seed(0))


def pyramid(images, levels):
    details = []
    for _ in range(levels):
        coarser = F.avg_pool2d(images, 2)
        details.append(images - F.interpolate(coarser, scale_factor=2, mode="nearest"))
        images = coarser
    return [*details, images]


def reconstruct(levels):
    *details, image = levels
    for detail in reversed(details):
        image = F.interpolate(image, scale_factor=2, mode="nearest") + detail
    return image


def test_pyramid_explorer_reports_an_exact_rebuild_and_the_energy_of_each_level():
    box = pyramid_explorer(IMAGES, pyramid, reconstruct, index=2)
    assert "pyramid-explorer" in box._dom_classes
    assert control(box, "digit").max == 4
    line = status(box, "pyramid-explorer")
    assert line.startswith("digit 2: largest error of the rebuilt digit")
    error = float(line.split("rebuilt digit ")[1].split(";")[0])
    assert error < 1e-12
    top = F.avg_pool2d(IMAGES[2:3].double(), 4)  # a pixel of the 2x2 top stands for 16
    top_share = float(top.pow(2).sum() * 16 / IMAGES[2].double().pow(2).sum())
    assert f"top {top_share:.0%}," in line


def test_dropping_a_detail_level_makes_the_rebuild_inexact():
    box = pyramid_explorer(IMAGES, pyramid, reconstruct)
    control(box, "8x8 detail kept").value = 0.0
    error = float(status(box, "pyramid-explorer").split("rebuilt digit ")[1].split(";")[0])
    expected = float(pyramid(IMAGES[:1].double(), 2)[0].abs().max())
    assert error == pytest.approx(expected, rel=1e-2)


@pytest.mark.parametrize(
    "description,value", [("digit", 3), ("4x4 detail kept", 0.3), ("8x8 detail kept", 0.0)]
)
def test_every_pyramid_control_redraws(description, value):
    assert_control_redraws(pyramid_explorer(IMAGES, pyramid, reconstruct), description, value)


def test_a_pyramid_with_the_wrong_number_of_levels_is_reported():
    box = pyramid_explorer(IMAGES, lambda images, levels: pyramid(images, 1), reconstruct)
    assert "returned 2 levels, expected 3" in status(box, "pyramid-explorer")
    assert box.demo.png is None


def test_pyramid_explorer_refuses_images_that_are_not_8x8():
    with pytest.raises(ValueError, match=r"\(N, 1, 8, 8\)"):
        pyramid_explorer(torch.rand(3, 1, 4, 4), pyramid, reconstruct)


def circle_answers(x):
    top = (1 - x**2).sqrt()
    return torch.cat([top, -top], dim=1)


TRANSLATORS = {  # the midpoint (wrong everywhere) and a sampler of the right answers
    "midpoint": lambda x, z: torch.zeros_like(x),
    "sampler": lambda x, z: torch.where(z > 0, 1.0, -1.0) * (1 - x**2).sqrt(),
}
PAIRS = (torch.linspace(-0.9, 0.9, 50)[:, None], torch.linspace(-0.9, 0.9, 50)[:, None])


def test_paired_translation_explorer_reports_the_outputs_on_a_right_answer():
    box = paired_translation_explorer(TRANSLATORS, PAIRS, circle_answers, tolerance=0.05)
    assert "paired-translation-explorer" in box._dom_classes
    assert list(control(box, "loss").options) == ["midpoint", "sampler"]
    line = status(box, "paired-translation-explorer")
    assert "sampler at x = " in line and "100% of outputs within 0.05 of a right answer" in line
    above = float(line.split(", ")[-1].split("%")[0]) / 100
    assert 0.4 < above < 0.6  # the sign of standard normal noise
    control(box, "loss").value = "midpoint"
    assert "0% of outputs within" in status(box, "paired-translation-explorer")


@pytest.mark.parametrize("description,value", [("loss", "midpoint"), ("input x", -0.5)])
def test_every_paired_translation_control_redraws(description, value):
    box = paired_translation_explorer(TRANSLATORS, PAIRS, circle_answers, tolerance=0.05)
    assert_control_redraws(box, description, value)


def test_a_translator_of_the_wrong_shape_is_reported():
    box = paired_translation_explorer(
        {"flat": lambda x, z: x[:, 0]}, PAIRS, circle_answers, tolerance=0.05
    )
    assert "expected (400, 1)" in status(box, "paired-translation-explorer")


A_MEANS = torch.tensor([[1.5, 1.5], [-1.5, 1.5], [-1.5, -1.5], [1.5, -1.5]])
B_MEANS = torch.tensor([[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [0.0, -2.0]])
MODES = torch.arange(40) % 4
A_POINTS = A_MEANS[MODES] + 0.01 * torch.randn(40, 2, generator=torch.Generator().manual_seed(1))
ROTATE = torch.tensor([[0.5, 0.5], [-0.5, 0.5]]) * 2**0.5  # A's corners onto B's axes
RUNS = {
    "inverse": (lambda a: a @ ROTATE, lambda b: b @ ROTATE.T),  # every round trip comes home
    "collapsed": (lambda a: torch.zeros_like(a) + B_MEANS[0], lambda b: torch.zeros_like(b) + A_MEANS[0]),
}  # fmt: skip


def test_cycle_explorer_reports_translations_on_b_and_round_trips_home():
    box = cycle_explorer(RUNS, A_POINTS, MODES, A_MEANS, B_MEANS, std=0.1)
    assert "cycle-explorer" in box._dom_classes
    assert status(box, "cycle-explorer") == (
        "collapsed: 100% of G(a) within 3 std of a mode of B; the 4 modes of A go to 1 of them;"
        " the round trip brings 25% back to their own mode"
    )
    control(box, "training").value = "inverse"
    assert "100% of G(a)" in status(box, "cycle-explorer")
    assert "the 4 modes of A go to 4 of them" in status(box, "cycle-explorer")
    assert "brings 100% back" in status(box, "cycle-explorer")


@pytest.mark.parametrize("description,value", [("training", "inverse"), ("from", "mode 2")])
def test_every_cycle_control_redraws(description, value):
    box = cycle_explorer(RUNS, A_POINTS, MODES, A_MEANS, B_MEANS, std=0.1)
    assert_control_redraws(box, description, value)


def test_a_translator_that_raises_is_reported_in_red():
    def broken(a):
        raise RuntimeError("no model")

    box = cycle_explorer({"broken": (broken, broken)}, A_POINTS, MODES, A_MEANS, B_MEANS, 0.1)
    assert "RuntimeError" in status(box, "cycle-explorer") and "no model" in status(
        box, "cycle-explorer"
    )
    assert box.demo.png is None
