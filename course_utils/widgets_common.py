"""What every lecture demo shares: a row of controls above one matplotlib figure and a status line.

A change of any control redraws the demo's one figure and shows it as a PNG in an
`ipywidgets.Output` (`clear_output(wait=True)`, then display). The figure keeps its axes: each
redraw empties them (`reset`) and the demo's `draw` fills them again, which costs about a third
less CPU than new axes (their ticks are built once). The figure is not registered with pyplot,
so `plt.show()` elsewhere in a lecture never shows it again. If the plugged-in code raises, the
Output shows the traceback instead and a red status line names the error: nothing fails
silently in the kernel log.

One home for how every demo looks: figure width, resolution and margins (`WIDTH`, `DPI`,
`MARGINS`), font sizes (`FONTS`, readable on a projector: no text under `MIN_TEXT_PX`), and the
controls row, which wraps onto more rows when the notebook is narrow; no control shrinks, and a
slider keeps a usable track (`SLIDER_TRACK`).

CSS classes, for the browser tests (tests/browser): the container carries `course-widget` and its
own class, the figure Output `course-widget-figure` and `<class>-figure`, the status line
`course-widget-status` and `<class>-status`; a control with `course-widget-noredraw` does not
redraw (it only sets what a button does next).
"""

from __future__ import annotations

import html
import io
import traceback
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import matplotlib
import numpy as np
import torch
from IPython.display import Image, clear_output, display
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

STYLE = {"description_width": "initial"}
"""Control style: the whole description is shown, however long."""

NOREDRAW = "course-widget-noredraw"

DPI = 100
WIDTH = 8.4
"""Figure width in inches: 840 px at DPI, the output width at 1280 px with the side panel open."""
MARGINS = {"left": 70, "right": 12, "bottom": 50, "top": 30, "gap": 78}
"""Pixels around the axes (room for tick labels, axis labels and titles) and between two axes."""
MIN_TEXT_PX = 12  # the smallest text a projector shows readably (tests/test_widgets_common.py)
FONTS = {  # points; one point is DPI / 72 = 1.39 px, so 9.5 pt = 13.2 px
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.fontsize": 9.5,
}
RC = {**FONTS, "axes.titley": 1.0, "axes.titlepad": 5}
"""rcParams of every demo figure; a fixed title position saves a layout pass per redraw."""
SLIDER_TRACK = "240px"
"""Width of a slider beyond its description: the track and the readout."""
SLIDERS = (widgets.IntSlider, widgets.FloatSlider, widgets.SelectionSlider)


def returned_array(value, what: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """A tensor or array a model function returned, as float64 numpy; ValueError naming `what`
    if it is not array-like or has the wrong shape."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what} returned {type(value).__name__}, not a tensor") from error
    if shape is not None and array.shape != shape:
        raise ValueError(f"{what} returned shape {array.shape}, expected {shape}")
    return array


def slider(description: str, value, low, high, step=None, **options) -> widgets.ValueWidget:
    """A slider from `low` to `high` whose value changes when the mouse is released: an
    IntSlider when low, high and step are ints, else a FloatSlider. `options` go to the widget
    (e.g. continuous_update=True, readout_format=".3f")."""
    integer = all(isinstance(v, int) for v in (low, high, 1 if step is None else step))
    kind = widgets.IntSlider if integer else widgets.FloatSlider
    if step is not None:
        options["step"] = step
    options = {"continuous_update": False, "style": STYLE, **options}
    return kind(value=value, min=low, max=high, description=description, **options)


def controls_row(controls: Sequence[widgets.Widget]) -> widgets.HBox:
    """The controls in rows that wrap: none shrinks, a slider is its description + SLIDER_TRACK."""
    for control in controls:
        control.layout.flex = "0 0 auto"
        if isinstance(control, SLIDERS):
            control.layout.min_width = f"calc({len(control.description)}ch + {SLIDER_TRACK})"
    layout = widgets.Layout(flex_flow="row wrap", align_items="center")
    return widgets.HBox(list(controls), layout=layout)


def reset(ax: Axes) -> None:
    """Empty `ax` for the next draw: as new (artists, legend, titles, labels, scales, limits,
    aspect, margins, colour cycle), except for its tick objects, which are costly to build.
    Not reset: tick_params, spines, and data with units (strings, dates): draw with numbers and
    name the ticks (set_yticks(positions, names)) instead."""
    artists = [*ax.collections, *ax.patches, *ax.lines, *ax.texts, *ax.images, *ax.artists]
    for artist in artists:
        if artist.axes is ax:  # not already removed with another (a contour takes its labels)
            artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    ax.containers.clear()
    ax.set(title="", xlabel="", ylabel="", xscale="linear", yscale="linear", aspect="auto")
    ax.set_position(ax.get_position(original=True))  # undo the box an aspect shrank it to
    ax.set_axis_on()
    ax.set_prop_cycle(None)
    ax.margins(matplotlib.rcParams["axes.xmargin"], matplotlib.rcParams["axes.ymargin"])
    ax.set_xlim(0, 1, auto=True)  # the limits of a new axes, autoscaled to the next data
    ax.set_ylim(0, 1, auto=True)
    ax.relim()


class Demo:
    """Controls, an Output holding the current figure, and a status line, in one VBox.

    `draw(fig)` receives the demo's figure, split into `ncols` axes (or one axis per entry of
    `width_ratios`), each new or emptied by `reset`, and fills them in; it returns the status
    text (HTML-escaped before display). Axes that draw adds (a colorbar) make every redraw
    start from new axes, which is slower. The figure is WIDTH x `height` inches; `margins`
    overrides entries of MARGINS. Value controls (sliders, dropdowns) redraw on change; buttons
    are laid out with them and wire their own callbacks. `widget` is the container;
    `widget.demo` is this object, whose `figure`, `png` (the image shown, None after a
    failure), `error` and `redraws` (successful draws so far) the tests read.
    """

    def __init__(
        self,
        css_class: str,
        controls: Sequence[widgets.Widget],
        draw: Callable[[Figure], str],
        ncols: int = 2,
        height: float = 3.6,
        width_ratios: Sequence[float] | None = None,
        margins: dict[str, float] | None = None,
    ):
        self.draw = draw
        self.controls = list(controls)
        self.width_ratios = list(width_ratios) if width_ratios else [1.0] * ncols
        self.margins = {**MARGINS, **(margins or {})}
        self.figure = Figure(figsize=(WIDTH, height), dpi=DPI)
        FigureCanvasAgg(self.figure)
        self.png: bytes | None = None
        self.error: Exception | None = None
        self.redraws = 0
        self.output = widgets.Output()
        self.output.add_class(f"{css_class}-figure")
        self.output.add_class("course-widget-figure")
        self.status = widgets.HTML()
        self.status.add_class(f"{css_class}-status")
        self.status.add_class("course-widget-status")
        for control in self.controls:
            if isinstance(control, widgets.ValueWidget) and NOREDRAW not in control._dom_classes:
                control.observe(self.redraw, names="value")
        self.widget = widgets.VBox([controls_row(self.controls), self.output, self.status])
        self.widget.add_class(css_class)
        self.widget.add_class("course-widget")
        self.widget.demo = self
        self.redraw()

    def grid(self) -> dict:
        """gridspec_kw of the axes: width ratios, and the margins as fractions of the figure."""
        width, height = self.figure.get_size_inches() * DPI
        m, n = self.margins, len(self.width_ratios)
        mean_axes = (width - m["left"] - m["right"] - m["gap"] * (n - 1)) / n
        return {
            "width_ratios": self.width_ratios,
            "left": m["left"] / width,
            "right": 1 - m["right"] / width,
            "bottom": m["bottom"] / height,
            "top": 1 - m["top"] / height,
            "wspace": m["gap"] / mean_axes,
        }

    def show_error(self, error: Exception) -> None:
        """Name the error in red in the status line (and print its traceback to the cell)."""
        self.error = error
        self.status.value = (
            f"<span style='color:#b00'><b>{type(error).__name__}</b>: "
            f"{html.escape(str(error))}</span>"
        )
        traceback.print_exception(error)

    def redraw(self, change=None) -> None:
        """Draw the figure anew and show it; an exception is shown in its place, not swallowed."""
        fig = self.figure
        try:
            with matplotlib.rc_context(RC):
                if len(fig.axes) == len(self.width_ratios):
                    for ax in fig.axes:
                        reset(ax)
                else:  # the first draw, or draw added axes (a colorbar): start from new ones
                    fig.clear()
                    fig.subplots(1, len(self.width_ratios), gridspec_kw=self.grid())
                message = self.draw(fig)
                buffer = io.BytesIO()  # one draw, no layout engine; fast PNG compression
                fig.canvas.print_png(buffer, pil_kwargs={"compress_level": 1})
        except Exception as error:  # noqa: BLE001 - any failure of plugged-in code is shown
            fig.clear()  # the next draw starts from new axes
            self.png = None
            with self.output:
                clear_output(wait=True)
                self.show_error(error)
            return
        self.png = buffer.getvalue()
        self.error = None
        self.redraws += 1
        self.status.value = html.escape(message)
        with self.output:
            clear_output(wait=True)
            display(Image(self.png))
