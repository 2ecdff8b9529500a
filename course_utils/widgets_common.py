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


class Demo:
    """Controls, an Output holding the current figure, and a status line, in one VBox.

    `draw(fig)` receives a fresh figure (already split into `ncols` axes) and fills it in;
    it returns the status text (HTML-escaped before display). `widget` is the container.
    """

    def __init__(
        self,
        css_class: str,
        controls: Sequence[widgets.ValueWidget],
        draw: Callable[[plt.Figure], str],
        ncols: int = 2,
        figsize=(8.0, 3.6),
    ):
        self.draw = draw
        self.ncols, self.figsize = ncols, figsize
        self.figure: plt.Figure | None = None
        self.output = widgets.Output()
        self.output.add_class(f"{css_class}-figure")
        self.output.add_class("course-widget-figure")
        self.status = widgets.HTML()
        self.status.add_class(f"{css_class}-status")
        self.status.add_class("course-widget-status")
        for control in controls:
            control.observe(self.redraw, names="value")
        self.widget = widgets.VBox([widgets.HBox(list(controls)), self.output, self.status])
        self.widget.add_class(css_class)
        self.widget.add_class("course-widget")
        self.redraw()

    def redraw(self, change=None) -> None:
        """Draw a new figure into the Output; an exception is shown there, not swallowed."""
        with self.output:
            clear_output(wait=True)
            if self.figure is not None:
                plt.close(self.figure)
            self.figure = fig = plt.figure(figsize=self.figsize, layout="constrained")
            fig.subplots(1, self.ncols)
            try:
                message = self.draw(fig)
            except Exception as error:  # noqa: BLE001 - any failure of plugged-in code is shown
                plt.close(fig)
                self.figure = None
                self.status.value = (
                    f"<span style='color:#b00'><b>{type(error).__name__}</b>: "
                    f"{html.escape(str(error))}</span>"
                )
                traceback.print_exc()
                return
            self.status.value = html.escape(message)
            plt.show()
