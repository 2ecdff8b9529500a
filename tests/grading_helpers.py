"""Helpers for the grading tests: per-cell scores from the gradebook, a free local port."""

import socket
from pathlib import Path

from course_utils.grading.grade import cell_scores
from course_utils.grading.samples import write_submission  # noqa: F401  (re-exported for the tests)


def failed_cells(out: Path, assignment_id: str, student: str) -> set[str]:
    return {
        name
        for name, (score, top) in cell_scores(out, assignment_id, student).items()
        if score < top
    }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
