"""`course demo`: release, grade the built-in sample submissions, print the grade table."""

from __future__ import annotations

import shutil
from pathlib import Path

from .course import Course
from .grade import Settings, format_table, grade
from .release import release
from .samples import write_samples


def demo(course: Course, assignment_ids: list[str], out: Path, workers: int = 2) -> None:
    ids = assignment_ids or course.assignment_ids()
    for notebook in release(course, ids):
        print(f"released {notebook.relative_to(course.root)}")
    out = Path(out).resolve()
    for assignment_id in ids:
        folder = out / "submissions" / assignment_id
        shutil.rmtree(folder, ignore_errors=True)
        about = write_samples(course, assignment_id, folder)
        print(f"\ngrading {len(about)} sample submissions of {assignment_id} ...")
        for student, text in about.items():
            print(f"  {student:<13} {text}")
        results = grade(course, assignment_id, folder, out, Settings(workers=workers))
        print("\n" + format_table(results, assignment_id))
    print(
        f"\ngradebook, grades.csv (all assignments), grades_<id>.csv and feedback/<student>/<id>/ are in {out}"
    )
