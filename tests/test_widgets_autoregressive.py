"""The lecture-1 widgets redraw on every control change and report plugged-in errors."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.widgets_autoregressive import (
    BLIND,
    FAR,
    LEAK,
    SEEN,
    TARGET,
    receptive_field_explorer,
    receptive_fields,
    sampling_stepper,
)


class Masked(nn.Conv2d):
    """A plain masked convolution for the tests (type A hides the centre, B keeps it)."""

    def __init__(self, mask_type, in_channels, out_channels, kernel_size, **kwargs):
        super().__init__(in_channels, out_channels, kernel_size, **kwargs)
        k = kernel_size
        mask = torch.zeros(k, k)
        mask.view(-1)[: k * k // 2 + (mask_type == "B")] = 1
        self.register_buffer("mask", mask)

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class TinyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            Masked("A", 1, 4, 3, padding=1), nn.ReLU(), Masked("B", 4, 1, 3, padding=1)
        )

    def forward(self, x):
        return self.net(x)


def sample_pixel(model, x, row, col):
    x[:, :, row, col] = torch.bernoulli(torch.sigmoid(model(x)[:, :, row, col]))
    return x


def rendered(box) -> bytes:
    fig = box.demo.figure
    assert fig is not None, f"no figure: {box.demo.error!r}"
    fig.canvas.draw()
    return bytes(fig.canvas.buffer_rgba())


def controls(box):
    return list(box.children[0].children)


def test_receptive_field_blind_spot_and_leak():
    kinds = receptive_fields(Masked, 3, 3, 8, 8, 5, 4, "A")[-1]
    assert kinds[5, 4] == TARGET
    assert kinds[5, 3] == SEEN and kinds[4, 4] == SEEN
    assert (kinds == BLIND).any(), "stacked 3x3 masks have a blind spot up and to the right"
    assert not (kinds == LEAK).any()
    assert receptive_fields(Masked, 2, 3, 8, 8, 5, 4, "B")[-1][5, 4] == LEAK


def test_only_earlier_pixels_in_reach_that_are_not_seen_are_the_blind_spot():
    one, two = receptive_fields(Masked, 2, 3, 8, 8, 5, 4, "A")
    assert not (one == BLIND).any(), "one 3x3 layer sees every earlier pixel it reaches"
    assert one[0, 0] == FAR and one[5, 0] == FAR
    assert [tuple(p) for p in np.argwhere(two == BLIND).tolist()] == [(4, 6)]
    assert two[2, 4] == FAR, "three rows up is out of reach of two layers, not a blind spot"


@pytest.mark.parametrize("index,value", [(0, 2), (1, 7), (2, 6), (3, 5), (4, "B")])
def test_receptive_field_explorer_redraws_on_each_control(index, value):
    torch.manual_seed(0)
    box = receptive_field_explorer(Masked)
    before, count = rendered(box), box.demo.redraws
    controls(box)[index].value = value
    assert box.demo.redraws == count + 1
    assert rendered(box) != before
    assert "output" in box.children[2].value


@pytest.mark.parametrize("index,value", [(0, 10), (1, 3)])
def test_sampling_stepper_redraws_on_each_control(index, value):
    torch.manual_seed(0)
    box = sampling_stepper(TinyModel(), sample_pixel, height=5, width=4, n=4)
    if index == 1:
        controls(box)[0].value = 20  # all drawn: a new seed gives other images
    before, count = rendered(box), box.demo.redraws
    controls(box)[index].value = value
    assert box.demo.redraws == count + 1
    assert rendered(box) != before


def test_sampling_stepper_draws_in_raster_order_and_keeps_the_global_rng():
    model = TinyModel()
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    box = sampling_stepper(model, sample_pixel, height=3, width=3, n=2)
    controls(box)[0].value = 9
    assert torch.equal(torch.rand(1), expected)
    assert "all 9 pixels drawn" in box.children[2].value


def test_errors_of_plugged_in_functions_are_reported():
    def broken(model, x, row, col):
        raise RuntimeError("not implemented yet")

    box = sampling_stepper(TinyModel(), broken, height=3, width=3, n=2)
    assert isinstance(box.demo.error, RuntimeError)
    assert "not implemented yet" in box.children[2].value
