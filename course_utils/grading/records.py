"""The grader's own record of each graded submission, a table of its own in the gradebook.

nbgrader keeps the scores; this table keeps what nbgrader has no place for: the outcome line,
the name the submission came under (before it became a safe student id) and the checksum of
what was graded (a rerun skips a student whose checksum is unchanged). It lives in the same
database as nbgrader's tables and is written in the same transaction as the student's grades.
"""

from __future__ import annotations

from dataclasses import dataclass

from nbgrader.api import Gradebook
from sqlalchemy import Column, MetaData, String, Table, Text, delete, insert, select

_METADATA = MetaData()
RECORDS = Table(
    "course_grading",
    _METADATA,
    Column("assignment", String(128), primary_key=True),
    Column("student", String(128), primary_key=True),
    Column("outcome", Text, nullable=False),
    Column("submitted_as", Text, nullable=False),
    Column("checksum", String(64), nullable=False),
)


@dataclass(frozen=True)
class Record:
    """What the grader said about one student's submission of one assignment."""

    outcome: str
    submitted_as: str = ""
    checksum: str = ""


def ensure_table(gb: Gradebook) -> None:
    """Create the table when the gradebook has none (call before the session writes anything)."""
    _METADATA.create_all(gb.engine)


def save(gb: Gradebook, assignment_id: str, student: str, record: Record) -> None:
    """Replace the student's record; the caller commits it with the student's grades."""
    key = (RECORDS.c.assignment == assignment_id) & (RECORDS.c.student == student)
    gb.db.execute(delete(RECORDS).where(key))
    gb.db.execute(
        insert(RECORDS).values(
            assignment=assignment_id,
            student=student,
            outcome=record.outcome,
            submitted_as=record.submitted_as,
            checksum=record.checksum,
        )
    )


def load(gb: Gradebook) -> dict[tuple[str, str], Record]:
    """{(assignment, student): Record} of every record in the gradebook."""
    rows = gb.db.execute(select(RECORDS)).all()
    return {(r.assignment, r.student): Record(r.outcome, r.submitted_as, r.checksum) for r in rows}


ENVIRONMENT = (
    "not graded: environment"  # outcome prefix: the grading machine failed, not the student
)


def scored(record: Record | None) -> bool:
    """False when the outcome says the grading environment failed: that row carries no score."""
    return record is None or not record.outcome.startswith(ENVIRONMENT)
