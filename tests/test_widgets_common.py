"""The control factory every lecture demo builds its sliders with."""

import ipywidgets as widgets

from course_utils.widgets_common import STYLE, slider


def test_integer_bounds_give_an_int_slider_that_updates_on_release():
    steps = slider("steps", 40, 1, 200)
    assert isinstance(steps, widgets.IntSlider)
    assert (steps.value, steps.min, steps.max, steps.step) == (40, 1, 200, 1)
    assert steps.continuous_update is False
    assert steps.style.description_width == STYLE["description_width"]


def test_a_float_bound_or_step_gives_a_float_slider():
    assert isinstance(slider("η", 0.2, 0.01, 0.6, 0.01), widgets.FloatSlider)
    z = slider("z", 0.0, -3, 3, 0.1)  # integer bounds, float step
    assert isinstance(z, widgets.FloatSlider) and z.step == 0.1


def test_options_reach_the_widget():
    d = slider("D(G(z))", 0.5, 0.001, 0.999, 0.001, readout_format=".3f", continuous_update=True)
    assert d.readout_format == ".3f" and d.continuous_update is True
