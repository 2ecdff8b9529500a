"""Helpers for the grading tests: read per-cell scores from the gradebook."""

from pathlib import Path

from nbgrader.api import Gradebook

from course_utils.grading.nbgrader_cli import sqlite_url
from course_utils.grading.samples import write_submission  # noqa: F401  (re-exported for the tests)


def cell_scores(out: Path, assignment_id: str, student: str) -> dict[str, tuple[float, float]]:
    """{grade_id: (score, max_score)} of one student's graded cells."""
    with Gradebook(sqlite_url(out / "gradebook.db")) as gb:
        sub = gb.find_submission(assignment_id, student)
        return {
            g.name: (float(g.score or 0), float(g.max_score))
            for nb in sub.notebooks
            for g in nb.grades
        }


def failed_cells(out: Path, assignment_id: str, student: str) -> set[str]:
    return {
        name
        for name, (score, top) in cell_scores(out, assignment_id, student).items()
        if score < top
    }
