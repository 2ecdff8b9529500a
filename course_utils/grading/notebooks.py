"""Notebook files: build them from their py:percent sources, and execute them in a fresh kernel."""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from ..metrics import METRICS_DIR_VARIABLE
from .course import NOTEBOOK_TIMEOUT, Course
from .kernel_client import PollingKernelManager

SOURCES = "notebooks"


def source_pairs(course: Course) -> list[tuple[Path, Path]]:
    """(py:percent source, notebook) for every lecture and solution notebook."""
    src = course.root / SOURCES
    pairs = [
        (py, course.lectures / f"{py.stem}.ipynb") for py in sorted((src / "lectures").glob("*.py"))
    ]
    pairs += [
        (py, course.solutions / py.stem / f"{py.stem}.ipynb")
        for py in sorted((src / "solutions").glob("*.py"))
    ]
    return pairs


def build(source: Path) -> nbformat.NotebookNode:
    """The notebook of a py:percent source, without outputs, with stable cell ids."""
    nb = jupytext.read(source)
    nb.metadata.pop("jupytext", None)
    nb.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(nb.cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        cell.id = f"c{index:02d}-{grade_id}"[:64].rstrip("-")
    nbformat.validate(nb)
    return nb


def sync(course: Course) -> list[Path]:
    """Rewrite every notebook from its source; returns the notebooks that changed."""
    changed = []
    for source, target in source_pairs(course):
        text = nbformat.writes(build(source)) + "\n"
        if not target.exists() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            changed.append(target)
    return changed


class NotebookFailed(RuntimeError):
    """A notebook raised while executing; the message names the cell."""


class Run(NamedTuple):
    """An executed notebook, its wall time in seconds and the quality numbers it recorded."""

    notebook: nbformat.NotebookNode
    seconds: float
    metrics: list


def _client(nb: nbformat.NotebookNode, folder: str, timeout: int) -> NotebookClient:
    return NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": folder}},
        kernel_manager_class=PollingKernelManager,
    )


def execute(
    path: Path, timeout: int = NOTEBOOK_TIMEOUT, device: str | None = None, keep: Path | None = None
) -> Run:
    """Run a notebook top to bottom in a fresh python3 kernel, in a scratch copy of its folder.

    Files the notebook writes stay out of the repository; the metrics it records with
    course_utils.metrics.write_metrics (COURSE_METRICS_DIR is the scratch folder) are returned. device sets COURSE_DEVICE for the kernel.
    With `keep`, the executed notebook and its metrics JSON are saved side by side in that folder.
    """
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="course-run-") as scratch:
        client = _client(nb, scratch, timeout)
        env = {
            **os.environ,
            METRICS_DIR_VARIABLE: scratch,
            **({"COURSE_DEVICE": device} if device else {}),
        }
        start = time.perf_counter()
        try:
            client.execute(env=env)
        except CellExecutionError as error:
            first_line = str(error).strip().splitlines()[-1][:300]
            raise NotebookFailed(f"{path.name}: {first_line}") from None
        seconds = time.perf_counter() - start
        metric_files = sorted(Path(scratch).glob("*_metrics.json"))
        metrics = [row for f in metric_files for row in json.loads(f.read_text())]
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, keep / path.name)
            for f in metric_files:
                shutil.copy2(f, keep / f.name)
    return Run(nb, seconds, metrics)


class Failure(NamedTuple):
    """A cell that raised: its grade_id (or cell id) and the error's one-line message."""

    cell: str
    message: str


def failures(nb: nbformat.NotebookNode, timeout: int = NOTEBOOK_TIMEOUT) -> list[Failure]:
    """Run nb top to bottom in a fresh kernel, in a scratch folder, going on past errors as a
    student who runs every cell would; returns the cells that raised, in order."""
    nb = copy.deepcopy(nb)
    with tempfile.TemporaryDirectory(prefix="course-run-") as scratch:
        client = _client(nb, scratch, timeout)
        client.allow_errors = True
        client.execute()
    return [
        Failure(
            cell.metadata.get("nbgrader", {}).get("grade_id") or cell.get("id", "?"),
            f"{output.get('ename')}: {output.get('evalue')}"[:300],
        )
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
