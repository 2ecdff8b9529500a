"""Helpers for the grading tests: read per-cell scores from the gradebook."""

from pathlib import Path

from course_utils.grading.grade import cell_scores
from course_utils.grading.samples import write_submission  # noqa: F401  (re-exported for the tests)


def failed_cells(out: Path, assignment_id: str, student: str) -> set[str]:
    return {
        name
        for name, (score, top) in cell_scores(out, assignment_id, student).items()
        if score < top
    }
