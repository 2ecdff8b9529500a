"""`course check`: every lecture and solution executes, and every solution scores full marks."""

from __future__ import annotations

import tempfile
from pathlib import Path

import nbformat

from .course import Course
from .grade import Settings, grade
from .notebooks import NotebookFailed, execute
from .samples import write_submission


def check(course: Course) -> int:
    """Print one line per notebook; returns the number of problems (the exit status)."""
    problems = 0
    for path in [
        *course.lecture_notebooks(),
        *(course.solution_notebook(i) for i in course.assignment_ids()),
    ]:
        try:
            run = execute(path)
            print(f"ok      {path.relative_to(course.root)}  ({run.seconds:.1f} s)")
        except NotebookFailed as error:
            problems += 1
            print(f"FAILED  {path.relative_to(course.root)}: {error}")
    for assignment_id in course.assignment_ids():
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "submissions"
            solution = nbformat.read(course.solution_notebook(assignment_id), as_version=4)
            write_submission(folder, "solution", assignment_id, solution)
            [result] = grade(course, assignment_id, folder, Path(tmp) / "out", Settings())
        full = result.score == result.max_score
        problems += not full
        print(
            f"{'ok' if full else 'FAILED':<7} {assignment_id} solution scores {result.score:g} / {result.max_score:g}"
        )
    return problems
