"""Lecture 7 demos (the ring and guided digits): marked containers, described controls, every control redraws, the status
lines report what the figure shows, and bad plugged-in code is reported, not swallowed."""

import math

import numpy as np
import pytest
import torch
from widget_helpers import assert_control_redraws, control, figure_png, status

from course_utils.data import ring_means
from course_utils.metrics import mode_coverage
from course_utils.widgets_diffusion import (
    digit_rows,
    forward_process_explorer,
    guidance_explorer,
    reverse_process_explorer,
    score_field_explorer,
)

T = 20
BETAS = {"linear": torch.linspace(0.005, 0.5, T, dtype=torch.float64),
         "flat": torch.full((T,), 0.1, dtype=torch.float64)}  # fmt: skip
X0 = ring_means().double().repeat(10, 1)


def alpha_bar(betas):
    return torch.cumprod(1 - betas, 0)


def q_sample(x0, t, noise, betas):
    abar = alpha_bar(betas)[t - 1][:, None]
    return abar.sqrt() * x0 + (1 - abar).sqrt() * noise


def chain(scale: float, steps: int = 5):
    """Fake sampler states from 3 x the data down to the data, with their times."""
    states = torch.stack([X0 * (1 + scale * (steps - i)) for i in range(steps + 1)])
    return states, list(range(steps, -1, -1))


def score(x, t):
    return -x * (1 + 1 / t)


def test_forward_process_explorer_reports_signal_and_noise_of_the_chosen_step():
    box = forward_process_explorer(q_sample, BETAS, X0, alpha_bar, t=5)
    assert "forward-process-explorer" in box._dom_classes
    assert list(control(box, "schedule").options) == ["linear", "flat"]
    assert control(box, "step t").max == T
    control(box, "schedule").value = "flat"
    expected = math.sqrt(0.9**5)
    assert f"signal × {expected:.3f}" in status(box, "forward-process-explorer")


@pytest.mark.parametrize("description,value", [("schedule", "flat"), ("step t", 15)])
def test_every_forward_process_control_redraws(description, value):
    assert_control_redraws(
        forward_process_explorer(q_sample, BETAS, X0, alpha_bar), description, value
    )


def test_forward_process_refuses_schedules_of_different_lengths():
    with pytest.raises(ValueError, match="same number of steps"):
        forward_process_explorer(
            q_sample, {"a": BETAS["linear"], "b": BETAS["flat"][:5]}, X0, alpha_bar
        )


def test_a_wrong_q_sample_is_reported_with_the_expected_shape():
    box = forward_process_explorer(lambda x0, t, noise, betas: x0[:3], BETAS, X0, alpha_bar)
    assert "expected (80, 2)" in status(box, "forward-process-explorer")
    assert box.demo.png is None


def test_reverse_process_explorer_reports_the_modes_at_each_point_of_the_chain():
    runs = {"slow": chain(0.5), "fast": chain(1.0, steps=2)}
    box = reverse_process_explorer(runs, ring_means().double(), 0.05, mode_coverage)
    assert "reverse-process-explorer" in box._dom_classes
    assert "t = 0: 8 / 8 modes, 100.0%" in status(box, "reverse-process-explorer")
    control(box, "progress %").value = 0
    assert "t = 5: 0 / 8 modes" in status(box, "reverse-process-explorer")


@pytest.mark.parametrize("description,value", [("sampler", "fast"), ("progress %", 40)])
def test_every_reverse_process_control_redraws(description, value):
    runs = {"slow": chain(0.5), "fast": chain(1.0, steps=2)}
    box = reverse_process_explorer(runs, ring_means().double(), 0.05, mode_coverage)
    assert_control_redraws(box, description, value)


def test_reverse_process_refuses_states_and_times_that_disagree():
    states, times = chain(0.5)
    with pytest.raises(ValueError, match="6 states but 5 times"):
        reverse_process_explorer({"x": (states, times[:-1])}, ring_means(), 0.05, mode_coverage)


def test_score_field_explorer_redraws_and_reports_the_arrows():
    box = score_field_explorer(score, T, ring_means().double())
    assert "score-field-explorer" in box._dom_classes
    assert "largest arrow" in status(box, "score-field-explorer")
    assert_control_redraws(box, "step t", 3)


def test_a_failing_score_is_shown_and_the_demo_recovers():
    def fragile(x, t):
        if t == 7:
            raise RuntimeError("score exploded")
        return score(x, t)

    box = score_field_explorer(fragile, T, ring_means().double(), t=3)
    control(box, "step t").value = 7
    assert "score exploded" in status(box, "score-field-explorer")
    control(box, "step t").value = 4
    figure_png(box)


WEIGHTS = (0.0, 1.0, 3.0)
REQUESTED = torch.arange(30) % 10
REAL = {"label_agreement": 0.99, "confident_fraction": 0.92, "spread": 0.288}


def guided_runs():
    """Fake samples: image i of weight w is filled with the value w / 3 - 1 + i / 100."""
    samples = {w: (w / 3 - 1 + torch.arange(30.0)[:, None] / 100).expand(30, 64) for w in WEIGHTS}
    scores = {w: {"label_agreement": 0.1 + w / 4, "confident_fraction": w / 5, "spread": 0.3 - w / 50}
              for w in WEIGHTS}  # fmt: skip
    return samples, scores


def test_digit_rows_puts_each_requested_digit_on_its_own_row():
    images = torch.arange(30.0)[:, None].expand(30, 64)
    canvas = digit_rows(images, REQUESTED, per_digit=2)
    assert canvas.shape == (10 * 9 + 1, 2 * 9 + 1)
    # row k, column c: the c-th image asked to be digit k, which is image k + 10 c
    assert canvas[1 + 9 * 3, 1 + 9 * 1] == 13
    assert canvas[1 + 9 * 9, 1] == 9
    assert np.isnan(canvas[0, 0]) and np.isnan(canvas[9, 1])
    with pytest.raises(ValueError, match="30 images but 29 requested labels"):
        digit_rows(images, REQUESTED[:29], per_digit=2)


def test_guidance_explorer_reports_the_scores_of_the_chosen_weight():
    samples, scores = guided_runs()
    box = guidance_explorer(samples, REQUESTED, scores, REAL)
    assert "guidance-explorer" in box._dom_classes
    assert list(control(box, "guidance w").options) == list(WEIGHTS)
    assert "w = 1: 35% read as the requested digit, 20% as a clear digit" in status(
        box, "guidance-explorer"
    )
    control(box, "guidance w").value = 3.0
    text = status(box, "guidance-explorer")
    assert "w = 3: 85% read as the requested digit, 60% as a clear digit" in text
    assert "within-class spread 0.240 (real digits: 99%, 92%, 0.288)" in text
    image = box.demo.figure.axes[0].images[0].get_array()
    assert float(np.nanmax(image)) == pytest.approx(0.29)  # the w = 3 samples are shown


def test_guidance_explorer_redraws_and_refuses_missing_scores():
    samples, scores = guided_runs()
    assert_control_redraws(guidance_explorer(samples, REQUESTED, scores, REAL), "guidance w", 0.0)
    del scores[3.0]["spread"]
    with pytest.raises(ValueError, match="spread"):
        guidance_explorer(samples, REQUESTED, scores, REAL)
