"""What every lecture demo shares: a row of controls above one matplotlib figure and a status line.

A change of any control redraws the figure into an `ipywidgets.Output` (`clear_output(wait=True)`
then `plt.show()`). If the plugged-in code raises, the figure is replaced by the traceback and a
red status line names the error: nothing fails silently in the kernel log.

CSS classes, for the browser tests (tests/browser): the container carries `course-widget` and its
own class, the figure Output `course-widget-figure` and `<class>-figure`, the status line
`course-widget-status` and `<class>-status`.
"""

from __future__ import annotations

import html
import traceback
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import clear_output

STYLE = {"description_width": "initial"}
"""Control style: the whole description is shown, however long."""


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


class Demo:
    """Controls, an Output holding the current figure, and a status line, in one VBox.

    `draw(fig)` receives a fresh figure (already split into `ncols` axes, or one axis per entry
    of `width_ratios`) and fills it in; it returns the status text (HTML-escaped before display).
    Value controls (sliders, dropdowns) redraw on change; buttons are laid out with them and wire
    their own callbacks. `widget` is the container; `widget.demo` is this object, whose
    `figure`, `error` and `redraws` (successful draws so far) the tests read.
    """

    def __init__(
        self,
        css_class: str,
        controls: Sequence[widgets.Widget],
        draw: Callable[[plt.Figure], str],
        ncols: int = 2,
        figsize=(8.0, 3.6),
        width_ratios: Sequence[float] | None = None,
    ):
        self.draw = draw
        self.width_ratios = list(width_ratios) if width_ratios else [1.0] * ncols
        self.figsize = figsize
        self.figure: plt.Figure | None = None
        self.error: Exception | None = None
        self.redraws = 0
        self.output = widgets.Output()
        self.output.add_class(f"{css_class}-figure")
        self.output.add_class("course-widget-figure")
        self.status = widgets.HTML()
        self.status.add_class(f"{css_class}-status")
        self.status.add_class("course-widget-status")
        for control in controls:
            if isinstance(control, widgets.ValueWidget):
                control.observe(self.redraw, names="value")
        self.widget = widgets.VBox([widgets.HBox(list(controls)), self.output, self.status])
        self.widget.add_class(css_class)
        self.widget.add_class("course-widget")
        self.widget.demo = self
        self.redraw()

    def show_error(self, error: Exception) -> None:
        """Name the error in red in the status line (and print its traceback to the cell)."""
        self.error = error
        self.status.value = (
            f"<span style='color:#b00'><b>{type(error).__name__}</b>: "
            f"{html.escape(str(error))}</span>"
        )
        traceback.print_exception(error)

    def redraw(self, change=None) -> None:
        """Draw a new figure into the Output; an exception is shown there, not swallowed."""
        with self.output:
            clear_output(wait=True)
            if self.figure is not None:
                plt.close(self.figure)
            self.figure = fig = plt.figure(figsize=self.figsize, layout="constrained")
            fig.subplots(1, len(self.width_ratios), gridspec_kw={"width_ratios": self.width_ratios})
            try:
                message = self.draw(fig)
            except Exception as error:  # noqa: BLE001 - any failure of plugged-in code is shown
                plt.close(fig)
                self.figure = None
                self.show_error(error)
                return
            self.error = None
            self.redraws += 1
            self.status.value = html.escape(message)
            plt.show()
