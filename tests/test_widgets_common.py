"""What every lecture demo shares: the slider factory, the controls row, readable text, and
redraws that look like first draws."""

import struct

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.text import Text

from course_utils.grading.bench import control_changes, lecture_demos
from course_utils.widgets_common import (
    DPI,
    MIN_TEXT_PX,
    SLIDER_TRACK,
    SLIDERS,
    STYLE,
    WIDTH,
    Demo,
    slider,
)


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


# ------------------------------------------------------------------ every lecture demo


def png_size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])


def small_texts(demo) -> list[str]:
    """Visible texts of the figure under MIN_TEXT_PX on the PNG (sizes are points at DPI)."""
    texts = [t for t in demo.figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return [
        f"{t.get_text()!r}: {t.get_fontsize() * DPI / 72:.1f} px"
        for t in texts
        if t.get_fontsize() * DPI / 72 < MIN_TEXT_PX
    ]


@pytest.fixture
def one_thread():
    """One torch thread, as the lectures run (device.setup)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("lecture", list(lecture_demos()))
def test_every_demo_is_readable_and_a_redraw_looks_like_a_first_draw(lecture):
    """Its controls wrap; after each control change no text is under 12 px on the PNG, the PNG
    is the figure's size at DPI (shown unscaled in ~840 px of notebook); after all changes the
    image is the one new axes give (`reset` leaves nothing of the previous draws behind)."""
    for box in lecture_demos()[lecture]():
        demo, name = box.demo, box._dom_classes[0]
        assert demo.png is not None, f"{name}: {demo.error!r}"
        row = box.children[0]
        assert row.layout.flex_flow == "row wrap", f"{name}: the controls do not wrap"
        assert png_size(demo.png)[0] == round(WIDTH * DPI), name
        for control in demo.controls:
            for change in control_changes(control, 1):
                change()
                assert not small_texts(demo), f"{name}, {control.description}: {small_texts(demo)}"
        redrawn = demo.png
        demo.figure.clear()
        demo.redraw()
        assert demo.png == redrawn, f"{name}: a redraw after changes differs from new axes"
    assert not plt.get_fignums(), "a demo figure in pyplot would be shown again by plt.show()"


def test_the_controls_wrap_onto_rows_and_keep_their_widths():
    long = slider("k (D steps per G step)", 1, 1, 10)
    controls = [
        long,
        slider("seed", 0, 0, 9),
        widgets.SelectionSlider(options=[0, 100], description="generator step"),
        widgets.Dropdown(options=["a", "b"], description="run"),
        widgets.ToggleButtons(options=["A", "B"], description="first mask"),
        widgets.Button(description="step"),
    ]
    row = Demo("test-demo", controls, lambda fig: "drawn").widget.children[0]
    assert row.layout.flex_flow == "row wrap", "a narrow notebook puts controls on more rows"
    for control in controls:
        assert control.layout.flex == "0 0 auto", f"{control.description} may shrink"
        if isinstance(control, SLIDERS):
            expected = f"calc({len(control.description)}ch + {SLIDER_TRACK})"
            assert control.layout.min_width == expected, control.description
