"""Notebook files: build them from their py:percent sources, and execute them in a fresh kernel."""

from __future__ import annotations

import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from .course import Course

SOURCES = "notebooks"


def source_pairs(course: Course) -> list[tuple[Path, Path]]:
    """(py:percent source, notebook) for every lecture and solution notebook."""
    src = course.root / SOURCES
    pairs = [(py, course.lectures / f"{py.stem}.ipynb") for py in sorted((src / "lectures").glob("*.py"))]
    pairs += [(py, course.solutions / py.stem / f"{py.stem}.ipynb") for py in sorted((src / "solutions").glob("*.py"))]
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


def execute(path: Path, timeout: int = 600, env_device: str | None = None) -> tuple[nbformat.NotebookNode, float]:
    """Run a notebook top to bottom in a fresh python3 kernel (cwd = its folder); returns it and seconds."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
    )
    if env_device:
        import os

        os.environ["COURSE_DEVICE"] = env_device
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        first_line = str(error).strip().splitlines()[-1][:300]
        raise NotebookFailed(f"{path.name}: {first_line}") from None
    return nb, time.perf_counter() - start
