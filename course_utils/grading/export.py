"""grades.csv and grades_<id>.csv, exported from the gradebook.

The rows are nbgrader's own export (`nbgrader export`: every student in the gradebook for every
assignment, manual grades from formgrader and late penalties included, 0 for no submission),
with the same values in the same columns, plus two of the grader's: the name the submission
came under and the outcome line. So a partial regrade updates rows and loses none, and a grade
changed in formgrader shows after the next `course grade` or `course export`.
"""

from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from . import records

NBGRADER_COLUMNS = [
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
]
COLUMNS = [*NBGRADER_COLUMNS, "submitted_as", "outcome"]
TEXT_COLUMNS = ("last_name", "first_name", "email", "submitted_as", "outcome")


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _text(value) -> str:
    return "" if value is None else str(value)


def rows(gb: Gradebook) -> list[dict[str, str]]:
    """One row per assignment and student, in nbgrader's order, with nbgrader's values."""
    notes = records.load(gb)
    out = []
    for assignment in gb.assignments:
        for student in gb.students:
            row = {
                "assignment": assignment.name,
                "duedate": _text(assignment.duedate),
                "student_id": student.id,
                "last_name": _text(student.last_name),
                "first_name": _text(student.first_name),
                "email": _text(student.email),
                "max_score": str(assignment.max_score),
            }
            record = notes.get((assignment.name, student.id))
            try:
                sub = gb.find_submission(assignment.name, student.id)
            except MissingEntry:
                row.update(timestamp="", raw_score="0.0", late_submission_penalty="0.0")
                row.update(score="0.0", outcome="no submission", submitted_as="")
            else:
                penalty = sub.late_submission_penalty
                row.update(
                    timestamp=_text(sub.timestamp),
                    raw_score=str(sub.score),
                    late_submission_penalty=str(penalty),
                    score=str(max(0.0, sub.score - penalty)),
                    outcome=record.outcome if record else "",
                    submitted_as=record.submitted_as if record else "",
                )
            if not records.scored(record):
                row.update(raw_score="", late_submission_penalty="", score="")
            for column in TEXT_COLUMNS:
                row[column] = csv_cell(row[column])
            out.append(row)
    return out


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def export(db_url: str, out_dir: Path) -> list[Path]:
    """Write out_dir/grades.csv (every assignment) and grades_<id>.csv for each; returns them."""
    with Gradebook(db_url) as gb:
        records.ensure_table(gb)
        every = rows(gb)
        ids = [a.name for a in gb.assignments]
    written = [out_dir / "grades.csv"]
    _write(written[0], every)
    for assignment_id in ids:
        written.append(out_dir / f"grades_{assignment_id}.csv")
        _write(written[-1], [r for r in every if r["assignment"] == assignment_id])
    return written
