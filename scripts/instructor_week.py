"""An instructor's week with `course grade`, scripted: a class of 40 in a Canvas download (display
names with accents, apostrophes and CJK characters, two re-uploads, one late upload), Ctrl-C in
the middle of grading, the rerun that finishes the batch, one student's regrade, and the checks
that grades.csv then has the 40 right rows and agrees with nbgrader's own export.

    .venv/bin/python scripts/instructor_week.py [--db URL] [--work DIR]

Without --db the gradebook is SQLite in DIR/grading; pass a PostgreSQL URL
(postgresql+psycopg://USER@HOST:PORT/DB, an empty database) to run the same week on PostgreSQL.
It prints a transcript and exits non-zero if any check fails. About 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.plugins.export import CsvExportPlugin

from course_utils.grading.course import Course
from course_utils.grading.export import NBGRADER_COLUMNS
from course_utils.grading.nbgrader_cli import sqlite_url
from course_utils.grading.samples import apply, load_variants

A5 = "a5_gan_dynamics"
COURSE = str(Path(sys.executable).parent / "course")
DUE = "2026-03-01T23:59:00+00:00"
ON_TIME, LATE = (2026, 3, 1, 12, 0, 0), (2026, 3, 2, 9, 30, 0)
# Canvas login-style names (last name + first name, lower case); eight that are no valid ids.
NAMES = [
    "müllerjürgen", "o'neilzoë", "garcíamaría", "李雷", "nguyễnan", "d'artagnancharles",
    "østergårdsøren", "smith john",
    *(f"student{i:02d}" for i in range(32)),
]  # fmt: skip
BLANK, WRONG = set(NAMES[8:12]), set(NAMES[12:18])  # the rest submit the solution
RESUBMITTED = {"student30": "blank", "student31": "wrong"}  # first upload, then the solution
LATE_ONE, REGRADED = "student29", "garcíamaría"  # late upload; a student in WRONG, fixed later
WRONG.add(REGRADED)


def notebooks(course: Course) -> dict[str, str]:
    solution = nbformat.read(course.solution_notebook(A5), as_version=4)
    blank = nbformat.read(course.release_notebook(A5), as_version=4)
    wrong = apply(solution, load_variants(course, A5)[0])
    return {k: nbformat.writes(nb) for k, nb in (("solution", solution), ("blank", blank),
                                                 ("wrong", wrong))}  # fmt: skip


def canvas_zip(path: Path, texts: dict[str, str]) -> Path:
    """The Canvas download: <name>[_late]_<user id>_<submission id>_<file>[-N].ipynb."""
    with zipfile.ZipFile(path, "w") as zf:
        for i, name in enumerate(NAMES):
            kind = "blank" if name in BLANK else "wrong" if name in WRONG else "solution"
            late = "_late" if name == LATE_ONE else ""
            file = f"{name}{late}_{1000 + i}_{5000 + i}_{A5}.ipynb"
            first = RESUBMITTED.get(name, kind)
            zf.writestr(zipfile.ZipInfo(file, LATE if late else ON_TIME), texts[first])
            if name in RESUBMITTED:
                again = f"{name}_{1000 + i}_{6000 + i}_{A5}-1.ipynb"
                zf.writestr(zipfile.ZipInfo(again, (2026, 3, 1, 18, 0, 0)), texts["solution"])
    return path


def expected(name: str) -> str:
    """What the final grades.csv must say for a student: 20, 0, or 'wrong' (6/7 test cells)."""
    if name in BLANK:
        return "0"
    return "wrong" if name in WRONG and name != REGRADED else "20"


def grade_command(submissions: Path, out: Path, db: str | None) -> list[str]:
    db_args = ["--db", db] if db else []
    return [COURSE, "grade", A5, str(submissions), "--out", str(out), "--workers", "2",
            "--due", DUE, *db_args]  # fmt: skip


def say(text: str) -> None:
    print(text, flush=True)


def run(command: list[str]) -> subprocess.CompletedProcess:
    say("$ " + " ".join(command[1:]).replace(str(Path.cwd()), "."))
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    say(f"  exit {done.returncode} after {time.monotonic() - start:.0f} s")
    return done


def children_left(out: Path) -> list[int]:
    """Processes still working under out (nbgrader runs, sandboxed kernels)."""
    left = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and os.readlink(proc / "cwd").startswith(str(out)):
                left.append(int(proc.name))
        except OSError:
            continue
    return left


def graded_so_far(out: Path) -> int:
    return sum(1 for p in out.glob(f"feedback/*/{A5}/*.html") if "Grading note" in p.read_text())


def interrupted_grading(command: list[str], out: Path, after: int) -> None:
    """Start the batch, press Ctrl-C once `after` students are done, and check how it stopped."""
    say("$ " + " ".join(command[1:]) + f"   # Ctrl-C after {after} students")
    grading = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)  # fmt: skip
    while graded_so_far(out) < after:
        assert grading.poll() is None, "course grade ended before the Ctrl-C"
        time.sleep(0.5)
    pressed = time.monotonic()
    os.killpg(grading.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
    _, stderr = grading.communicate(timeout=120)
    stopped = time.monotonic() - pressed
    say(f"  exit {grading.returncode}, {stopped:.1f} s after Ctrl-C")
    say("  " + next(line for line in stderr.splitlines() if line.startswith("interrupted")))
    time.sleep(2)
    check(grading.returncode == 130, "Ctrl-C exits with status 130")
    check(stopped < 30, f"Ctrl-C stops within seconds ({stopped:.1f} s)")
    check(not children_left(out), "no nbgrader run or kernel is left running")


FAILED = []


def check(ok: bool, what: str) -> None:
    say(f"  [{'ok' if ok else 'FAILED'}] {what}")
    if not ok:
        FAILED.append(what)


def rows_of(path: Path) -> dict[str, dict]:
    with path.open(newline="") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def final_checks(out: Path, db_url: str) -> None:
    rows = rows_of(out / "grades.csv")
    check(len(rows) == 40, f"grades.csv has 40 rows ({len(rows)})")
    by_name = {row["submitted_as"] or row["student_id"]: row for row in rows.values()}
    check(set(by_name) == set(NAMES), "every Canvas name is in submitted_as")
    wrong = {row["score"] for n, row in by_name.items() if expected(n) == "wrong"}
    check(
        len(wrong) == 1 and 0 < float(wrong.pop()) < 20, "every wrong answer has one partial score"
    )
    right = all(float(by_name[n]["score"]) == float(expected(n))
                for n in NAMES if expected(n) != "wrong")  # fmt: skip
    check(right, "every solution 20, every blank 0 (re-uploads: the newest graded)")
    late = by_name[LATE_ONE]
    check(late["timestamp"] > late["duedate"], f"the late upload: {late['timestamp']} > due date")
    check(by_name[REGRADED]["score"] == "20.0", f"the regraded student ({REGRADED}) has 20")
    unsafe = [row["student_id"] for n, row in by_name.items() if n in NAMES[:8]]
    say(f"  safe ids for the display names: {', '.join(unsafe)}")
    nbgrader = out / "nbgrader_export.csv"
    with Gradebook(db_url) as gb:
        CsvExportPlugin(to=str(nbgrader)).export(gb)
    theirs = rows_of(nbgrader)
    ours = {k: {c: row[c] for c in NBGRADER_COLUMNS} for k, row in rows.items()}
    check(ours == theirs, "grades.csv agrees with nbgrader export, row for row, column for column")


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument(
        "--db", default=None, help="gradebook URL (default SQLite in the work folder)"
    )
    args.add_argument("--work", default="/tmp/instructor-week", help="folder to work in (emptied)")
    options = args.parse_args()
    work = Path(options.work).resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    course, out = Course(Path(__file__).resolve().parents[1]), work / "grading"
    texts, start = notebooks(course), time.monotonic()
    download = canvas_zip(work / "canvas.zip", texts)
    say(f"# {len(NAMES)} students in {download.name}; gradebook {options.db or 'SQLite'}")
    command = grade_command(download, out, options.db)
    interrupted_grading(command, out, after=12)
    done = run(command)  # the rerun finishes the batch
    check(done.returncode == 0, "the rerun finishes the batch")
    skipped = done.stdout.count("unchanged, not regraded")
    check(skipped >= 12, f"the rerun skips the students graded before the Ctrl-C ({skipped})")
    i = NAMES.index(REGRADED)  # after an appeal, the instructor grades the student's fixed file
    with zipfile.ZipFile(work / "regrade.zip", "w") as zf:
        entry = zipfile.ZipInfo(f"{REGRADED}_{1000 + i}_{7000 + i}_{A5}.ipynb", ON_TIME)
        zf.writestr(entry, texts["solution"])
    done = run(grade_command(work / "regrade.zip", out, options.db))
    say("  " + next((x for x in done.stdout.splitlines() if "test cells" in x), "(no row)"))
    check(done.returncode == 0 and "7/7" in done.stdout, f"{REGRADED} is regraded: 7/7")
    final_checks(out, options.db or sqlite_url(out / "gradebook.db"))
    verdict = "all checks passed" if not FAILED else f"{len(FAILED)} checks FAILED"
    say(f"{verdict} ({time.monotonic() - start:.0f} s)")
    raise SystemExit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
