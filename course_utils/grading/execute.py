"""nbgrader's Execute, made to survive a dying kernel and to respect a per-notebook deadline.

Plain nbgrader loses the whole notebook when the kernel dies (os._exit, a segfault, OOM):
it deletes the autograded folder. Here the cells that ran keep their outputs, the cell that
was running and every later code cell get an error output naming what happened, and the
rest of nbgrader's pipeline scores the notebook as usual: the points of the cells that ran
before the death, 0 for the others.
"""

from __future__ import annotations

import time

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Integer

from .kernel_client import PollingKernelManager

GRADING_ERRORS = ("KernelDied", "NotebookTimeout", "CellTimeout")
CELL_TIMEOUT = {
    "ename": "CellTimeout",
    "evalue": "the cell ran past its time limit and was interrupted",
    "traceback": ["CellTimeout: the cell ran past its time limit and was interrupted"],
}


def error_output(ename: str, message: str):
    return new_output("error", ename=ename, evalue=message, traceback=[f"{ename}: {message}"])


class GuardedExecute(Execute):
    """Execute every cell within one wall-clock budget; record a kernel death instead of failing."""

    notebook_timeout = Integer(600, help="Seconds for the whole notebook.").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", PollingKernelManager)  # see kernel_client.py
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = time.monotonic() + self.notebook_timeout
        self._current = 0
        self._budget_bound = False
        self.timeout_func = self._cell_timeout
        self.error_on_timeout = CELL_TIMEOUT
        try:
            return super().preprocess(nb, resources, km)
        except DeadKernelError:
            reason = "the kernel died while this cell ran (os._exit, a crash such as a segfault, or out of memory)"
            self._fail_from(nb, self._current, "KernelDied", reason)
        except CellTimeoutError:
            self._fail_from(nb, self._current, "NotebookTimeout", self._timeout_message())
        return nb, resources

    def _cell_timeout(self, cell) -> int:
        """The cell's own limit, or what is left of the notebook's budget if that is less."""
        remaining = max(1, int(self._deadline - time.monotonic()))
        self._budget_bound = not self.timeout or remaining <= self.timeout
        return remaining if self._budget_bound else self.timeout

    def _timeout_message(self) -> str:
        return f"the notebook ran past its time limit of {self.notebook_timeout} s"

    def preprocess_cell(self, cell, resources, index):
        self._current = index
        if cell.cell_type == "code" and time.monotonic() >= self._deadline:
            cell.outputs = [error_output("NotebookTimeout", self._timeout_message())]
            return cell, resources
        cell, resources = super().preprocess_cell(cell, resources, index)
        timed_out = any(o.get("ename") == "CellTimeout" for o in cell.get("outputs", []))
        if timed_out and self._budget_bound:  # the notebook's budget is spent: nothing more runs
            cell.outputs = [error_output("NotebookTimeout", self._timeout_message())]
            self._deadline = time.monotonic()
        return cell, resources

    def _fail_from(self, nb, start: int, ename: str, reason: str) -> None:
        for index, cell in enumerate(nb.cells[start:], start):
            if cell.cell_type == "code":
                message = (
                    reason if index == start else f"not run: the run stopped at cell {start + 1}"
                )
                cell.outputs = [error_output(ename, message)]


def autograde_preprocessors() -> list:
    """nbgrader's autograde pipeline with GuardedExecute in place of Execute."""
    from nbgrader.converters.autograde import Autograde

    return [
        GuardedExecute if p is Execute else p
        for p in Autograde.class_traits()["autograde_preprocessors"].default()
    ]
