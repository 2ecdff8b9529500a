"""The lecture 3 widgets: built from plugged-in functions, every control redraws the figure,
the straight-through gradient is the one autograd computes, and errors are shown to the user."""

import matplotlib
import numpy as np
import pytest
import torch
from widget_helpers import assert_control_redraws, control, status

from course_utils.widgets_vqvae import (
    DEFAULT_CODEBOOK,
    codebook_explorer,
    codebook_usage_explorer,
    nearest_codes,
    straight_through_gradient,
)

matplotlib.use("Agg")


# Small reference implementations, written differently from the assignment's.
def quantize(z_e: torch.Tensor, codebook: torch.Tensor):
    indices = torch.cdist(z_e, codebook).argmin(dim=1)
    return indices, codebook[indices]


def straight_through(z_e: torch.Tensor, z_q: torch.Tensor) -> torch.Tensor:
    return z_q.detach() + z_e - z_e.detach()


def no_detach(z_e: torch.Tensor, z_q: torch.Tensor) -> torch.Tensor:
    return z_e + (z_q - z_e)


def perplexity(indices: torch.Tensor, num_codes: int) -> float:
    p = torch.bincount(indices.reshape(-1), minlength=num_codes).double()
    p = p[p > 0] / p.sum()
    return float(torch.exp(-(p * p.log()).sum()))


USAGE = {
    "plain": np.array([[50, 0, 0, 10], [40, 0, 0, 20], [30, 0, 5, 25]]),
    "restart": np.array([[50, 0, 0, 10], [20, 15, 10, 15], [15, 15, 15, 15]]),
}


def test_codebook_explorer_is_marked_and_reports_the_code():
    box = codebook_explorer(quantize, straight_through, z_e=(1.0, -1.0))
    assert {"codebook-explorer", "course-widget", "course-widget-main"} <= set(box._dom_classes)
    message = status(box, "codebook-explorer")
    assert "→ code 1" in message, message
    assert "gradient reaching the codebook: 0" in message, message


@pytest.mark.parametrize(
    "description,value",
    [
        ("encoder output z₁", -1.5),
        ("encoder output z₂", -1.0),
        ("target t₁", -2.0),
        ("target t₂", 0.0),
    ],
)
def test_every_codebook_control_redraws_the_figure(description, value):
    box = codebook_explorer(quantize, straight_through)
    assert_control_redraws(box, description, value)


def test_moving_the_encoder_output_across_a_cell_border_changes_the_code():
    box = codebook_explorer(quantize, straight_through)
    control(box, "encoder output z₁").value = -1.2
    control(box, "encoder output z₂").value = -0.8
    assert "→ code 0" in status(box, "codebook-explorer")
    control(box, "encoder output z₁").value = 1.6
    control(box, "encoder output z₂").value = 0.7
    assert "→ code 4" in status(box, "codebook-explorer")


def test_straight_through_gradient_is_copied_to_the_encoder_output():
    book = np.array(DEFAULT_CODEBOOK)
    z_e, target = np.array([0.9, -0.8]), np.array([2.0, 1.0])
    info = straight_through_gradient(quantize, straight_through, z_e, book, target)
    assert info["index"] == 1
    np.testing.assert_allclose(info["value"], book[1])
    np.testing.assert_allclose(info["grad_z_e"], book[1] - target)  # dL/dz_q, passed on unchanged
    assert np.abs(info["grad_codebook"]).sum() == 0


def test_a_straight_through_without_detach_shows_its_leak():
    book, z_e, target = np.array(DEFAULT_CODEBOOK), np.array([0.9, -0.8]), np.array([2.0, 1.0])
    info = straight_through_gradient(quantize, no_detach, z_e, book, target)
    assert np.abs(info["grad_z_e"]).sum() == 0
    assert np.abs(info["grad_codebook"]).sum() > 0


def test_voronoi_cells_come_from_the_plugged_in_quantize():
    points = np.array([[0.0, 0.0], [1.0, -1.0], [-1.4, 1.0]])
    indices, z_q = nearest_codes(quantize, points, np.array(DEFAULT_CODEBOOK))
    assert indices.tolist() == [5, 1, 3]
    assert z_q.shape == (3, 2)


def test_a_failing_quantize_is_shown_to_the_user_and_a_wrong_shape_is_named():
    def broken(z_e, codebook):
        raise RuntimeError("my lookup exploded")

    box = codebook_explorer(broken, straight_through)
    message = status(box, "codebook-explorer")
    assert "RuntimeError" in message and "my lookup exploded" in message, message
    assert box.demo.png is None

    def wrong_shape(z, book):
        return torch.zeros(len(z), 1).long(), book[:1].expand(len(z), 2)

    box = codebook_explorer(wrong_shape, straight_through)
    assert "expected (" in status(box, "codebook-explorer")


def test_codebook_explorer_refuses_a_codebook_that_is_not_2d():
    with pytest.raises(ValueError, match=r"\(K, 2\)"):
        codebook_explorer(quantize, straight_through, codebook=np.zeros((4, 3)))


def test_usage_explorer_is_marked_and_reports_usage():
    box = codebook_usage_explorer(USAGE, perplexity)
    assert {"codebook-usage", "course-widget"} <= set(box._dom_classes)
    assert "course-widget-main" not in box._dom_classes
    assert "plain, epoch 2: 3 of 4 codes used" in status(box, "codebook-usage")


@pytest.mark.parametrize("description,value", [("run", "restart"), ("epoch", 0)])
def test_every_usage_control_redraws_the_figure(description, value):
    box = codebook_usage_explorer(USAGE, perplexity)
    assert_control_redraws(box, description, value)


def test_usage_explorer_uses_the_plugged_in_perplexity():
    box = codebook_usage_explorer(USAGE, perplexity, run="restart")
    assert "perplexity 4.0" in status(box, "codebook-usage")
    box = codebook_usage_explorer(USAGE, lambda indices, k: 123.0, run="restart")
    assert "perplexity 123.0" in status(box, "codebook-usage")


def test_usage_explorer_refuses_unknown_runs_and_bad_shapes():
    with pytest.raises(ValueError, match="unknown run"):
        codebook_usage_explorer(USAGE, perplexity, run="ema")
    with pytest.raises(ValueError, match="epochs, K"):
        codebook_usage_explorer({"flat": np.zeros(4)}, perplexity)
