"""nbgrader's Execute: test verdicts decided here, a dying kernel survived, a per-notebook deadline.

Graded test cells never run in the student's kernel (see course_utils.verdict): their source
is taken from the gradebook, their `inputs` and `judge` run in this process, and only the
`probe` goes to the kernel, whose answer is read as plain data. The cell's outputs are then
written here: the judge's verdict, which is what nbgrader scores.

Plain nbgrader loses the whole notebook when the kernel dies (os._exit, a segfault, OOM):
it deletes the autograded folder. Here the cells that ran keep their outputs, the cell that
was running and every later code cell get an error output naming what happened, and the
rest of nbgrader's pipeline scores the notebook as usual: the points of the cells that ran
before the death, 0 for the others.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_code_cell, new_output
from nbgrader.api import Gradebook
from nbgrader.preprocessors import Execute
from traitlets import Integer

from .. import verdict
from .course import NOTEBOOK_TIMEOUT
from .files import scrub
from .kernel_client import PollingKernelManager

GRADING_ERRORS = ("KernelDied", "NotebookTimeout", "CellTimeout", "SetupFailed")
SCRIPT_URL = re.compile(r"(?i)\b(javascript|vbscript)\s*:")
GRADING_KEY = (
    "course_grading"  # notebook metadata: what happened while grading, written by the grader
)
CELL_TIMEOUT = {
    "ename": "CellTimeout",
    "evalue": "the cell ran past its time limit and was interrupted",
    "traceback": ["CellTimeout: the cell ran past its time limit and was interrupted"],
}


def error_output(ename: str, message: str):
    return new_output("error", ename=ename, evalue=message, traceback=[f"{ename}: {message}"])


class SetupFailed(Exception):
    """The notebook's setup cell (its first code cell, locked: course_utils.device.setup) raised."""


def setup_cell(nb) -> int | None:
    """Index of the setup cell: the first code cell, if it is a locked cell that is not graded.
    Its source comes from the gradebook and no student code runs before it, so its failure is
    the grading machine's, never the student's."""
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if not code:
        return None
    meta = nb.cells[code[0]].metadata.get("nbgrader", {})
    return code[0] if meta.get("locked") and not meta.get("grade") else None


class ProbeFailed(Exception):
    """The probe raised, timed out or sent nothing back; carries the cell outputs to keep."""

    def __init__(self, outputs):
        super().__init__("probe failed")
        self.outputs = outputs


def _student_error(output):
    """An error the student's kernel reported, as data: it may not pose as a grading error."""
    ename = str(output.get("ename", "Error"))[:80]
    if not ename.isidentifier() or ename in GRADING_ERRORS:
        ename = "Error"
    evalue = str(output.get("evalue", ""))[:2000]
    return error_output(ename, evalue)


def trusted_tests(db_url: str, assignment: str, notebook: str) -> dict[str, str]:
    """grade_id -> the instructor's source of every graded test cell (not answer cells)."""
    with Gradebook(db_url) as gb:
        nb = gb.find_notebook(notebook, assignment)
        answers = {cell.name for cell in nb.solution_cells}
        tests = {cell.name for cell in nb.grade_cells if cell.cell_type == "code"} - answers
        return {cell.name: cell.source for cell in nb.source_cells if cell.name in tests}


class GuardedExecute(Execute):
    """Execute every cell within one wall-clock budget; judge test cells here; survive kernel deaths."""

    notebook_timeout = Integer(NOTEBOOK_TIMEOUT, help="Seconds for the whole notebook.").tag(
        config=True
    )
    test_seed = Integer(0, help="Seed of the test inputs, drawn once per grading run.").tag(
        config=True
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", PollingKernelManager)  # see kernel_client.py
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = time.monotonic() + self.notebook_timeout
        self._current = 0
        self._budget_bound = False
        self._event = None
        self._environment = None
        self._setup = setup_cell(nb)
        self.timeout_func = self._cell_timeout
        self.error_on_timeout = CELL_TIMEOUT
        info = resources["nbgrader"]
        self._tests = trusted_tests(info["db_url"], info["assignment"], info["notebook"])
        try:
            nb, resources = super().preprocess(nb, resources, km)
        except SetupFailed:
            self._fail_from(nb, self._current + 1, "SetupFailed", "the setup cell failed")
        except DeadKernelError:
            reason = "the kernel died while this cell ran (os._exit, a crash such as a segfault, or out of memory)"
            if self._current == self._setup:
                self._environment = f"the kernel died in the setup cell (cell {self._current + 1})"
            self._fail_from(nb, self._current, "KernelDied", reason)
        except CellTimeoutError:
            self._fail_from(nb, self._current, "NotebookTimeout", self._timeout_message())
        # The kernel is gone: what it left in its folder is data. Links and special files go
        # before nbgrader sets permissions there; the submission's metadata is overwritten.
        for (
            cell
        ) in nb.cells:  # markdown is the student's text: no tag or script link of it reaches a page
            if cell.cell_type == "markdown":
                cell.source = SCRIPT_URL.sub(r"\1-blocked:", cell.source.replace("<", "&lt;"))
        folder = Path(resources["metadata"]["path"])
        nb.metadata[GRADING_KEY] = {
            "event": self._event,
            "environment": self._environment,
            "dropped": scrub(folder, keep=set(folder.glob("*.ipynb"))),
        }
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
            self._record_event(index, self._timeout_message())
            return cell, resources
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in self._tests:
            cell.outputs = self._judge(cell, self._tests[grade_id], grade_id, resources, index)
            self.nb.cells[index] = cell
            return cell, resources
        cell, resources = self._execute(cell, resources, index)
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if index == self._setup and errors:
            error = f"{errors[0].get('ename')}: {errors[0].get('evalue')}"[:300]
            self._environment = f"the setup cell (cell {index + 1}) failed: {error}"
            raise SetupFailed()
        return cell, resources

    def _execute(self, cell, resources, index: int):
        """Run one cell in the kernel; a timeout that spent the notebook's budget ends the run."""
        cell, resources = super().preprocess_cell(cell, resources, index)
        timed_out = any(o.get("evalue") == CELL_TIMEOUT["evalue"] for o in cell.get("outputs", []))
        if timed_out and self._budget_bound:  # the notebook's budget is spent: nothing more runs
            cell.outputs = [error_output("NotebookTimeout", self._timeout_message())]
            self._deadline = time.monotonic()
            self._record_event(index, self._timeout_message())
        elif timed_out:
            self._record_event(index, CELL_TIMEOUT["evalue"])
        return cell, resources

    def _judge(self, cell, source: str, grade_id: str, resources, index: int) -> list:
        """The outputs of a test cell: the verdict of its judge, run in this process."""

        def run_probe(code: str) -> str:
            probe = new_code_cell(source=code)
            probe, _ = self._execute(probe, resources, index)
            errors = [o for o in probe.outputs if o.get("output_type") == "error"]
            if errors:
                ours = (CELL_TIMEOUT["evalue"], self._timeout_message())
                grading = [
                    o
                    for o in errors
                    if o.get("ename") in GRADING_ERRORS and o.get("evalue") in ours
                ]
                raise ProbeFailed(grading[:1] or [_student_error(errors[0])])
            seen = [
                o.data[verdict.OBSERVATION_MIME]
                for o in probe.outputs
                if o.get("output_type") == "display_data"
                and verdict.OBSERVATION_MIME in o.get("data", {})
            ]
            if not seen or not isinstance(seen[-1], str):
                raise ProbeFailed(
                    [error_output("NoObservation", "the test's probe sent no observations back")]
                )
            return seen[-1]

        try:
            printed = verdict.run_trusted(source, self.test_seed, grade_id, run_probe)
        except ProbeFailed as failed:
            return failed.outputs
        except verdict.ObservationError as error:
            return [error_output("ObservationError", str(error))]
        except Exception as error:  # the judge's verdict: CheckFailed, or an error on bad data
            return [error_output(type(error).__name__, str(error)[:2000])]
        return [new_output("stream", name="stdout", text=printed)] if printed else []

    def _record_event(self, index: int, message: str) -> None:
        """The first thing that went wrong in the run, for the outcome line (cell numbers from 1)."""
        self._event = self._event or f"cell {index + 1}: {message}"

    def _fail_from(self, nb, start: int, ename: str, reason: str) -> None:
        self._record_event(start, reason)
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
