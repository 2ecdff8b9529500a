"""The `course` command: release, grade, export, demo, check, bench, calibrate, sync."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import NOTEBOOK_TIMEOUT, Course


def _release(args, course: Course) -> None:
    from .release import release

    for notebook in release(course, args.ids):
        print(f"released {notebook.relative_to(course.root)}")


def _grade(args, course: Course) -> None:
    from .batch import Interrupted
    from .grade import Settings, format_table, grade, parse_memory

    settings = Settings(
        workers=args.workers,
        device=args.device,
        timeout=args.timeout,
        memory=parse_memory(args.memory),
        sandbox=not args.no_sandbox,
        roster=Path(args.roster) if args.roster else None,
        timestamps=Path(args.timestamps) if args.timestamps else None,
        due=args.due,
        force=args.force,
        cluster=args.cluster,
    )
    if args.no_sandbox:
        print(
            "WARNING: --no-sandbox: student code runs with your permissions and can read the hidden tests"
        )
    try:
        results = grade(
            course, args.id, Path(args.submissions), Path(args.out), settings, db_url=args.db
        )
    except Interrupted as stopped:
        print(format_table(stopped.results, args.id))
        print(f"\n{stopped}", file=sys.stderr)
        raise SystemExit(stopped.code) from None
    print(format_table(results, args.id))
    print(
        f"\ngradebook, grades_{args.id}.csv, grades.csv (every assignment) and feedback/ written to {Path(args.out).resolve()}"
    )


def _graded_folder(args) -> tuple[Path, str]:
    """--out and the gradebook URL (--db, or the SQLite file course grade left in --out)."""
    from .nbgrader_cli import sqlite_url

    out = Path(args.out).resolve()
    if not out.is_dir():
        raise SystemExit(f"--out {out}: not a folder that course grade wrote")
    if not args.db and not (out / "gradebook.db").exists():
        raise SystemExit(f"no gradebook in {out}: grade first, or pass --db")
    return out, args.db or sqlite_url(out / "gradebook.db")


def _export(args, course: Course) -> None:
    from .export import export

    out, db_url = _graded_folder(args)
    for path in export(db_url, out):
        print(f"written {path}")


def _formgrader(args, course: Course) -> None:
    from .formgrader import formgrader

    out, db_url = _graded_folder(args)
    raise SystemExit(formgrader(course, out, db_url, args.port, not args.no_browser))


def _demo(args, course: Course) -> None:
    from .demo import demo

    demo(course, args.ids, Path(args.out))


def _check(args, course: Course) -> None:
    from .check import check

    raise SystemExit(check(course))


def _bench(args, course: Course) -> None:
    from .bench import bench

    name = "benchmarks.md" if args.device == "cpu" else f"benchmarks_{args.device}.md"
    folder = course.root / ("docs" if args.write_docs else "grading/bench")
    out = Path(args.out or folder / name)
    report = bench(course, args.device, args.repeat, args.only, not args.no_grading, out)
    print(report.read_text())
    print(f"written to {report}")


def _calibrate(args, course: Course) -> None:
    from .calibrate import calibrate

    report = calibrate(course, args.id, args.seeds, args.workers, args.only)
    print(report)
    if args.out:
        Path(args.out).write_text(report)
        print(f"written to {args.out}")


def _sync(args, course: Course) -> None:
    from .notebooks import sync

    changed = sync(course)
    print(
        "\n".join(f"rebuilt {p.relative_to(course.root)}" for p in changed)
        or "all notebooks in sync"
    )


def _graded_folder_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=None, help="gradebook SQLAlchemy URL (default: sqlite in --out)")
    p.add_argument(
        "--out", default="grading", help="the folder course grade wrote (default ./grading)"
    )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="course", description="Release, grade and check the course notebooks."
    )
    p.add_argument(
        "--root", default=None, help="course directory (default: found from the current folder)"
    )
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser(
        "release",
        help="generate assignments/ from solutions/ with nbgrader",
        description="Run nbgrader generate_assignment on solutions/<id>/: solutions and hidden tests are "
        "removed, and the student versions are written to assignments/<id>/.",
    )
    r.add_argument("ids", nargs="*", help="assignment ids (default: all)")
    r.set_defaults(run=_release)

    g = sub.add_parser(
        "grade",
        help="autograde a folder or zip of submissions",
        description="Autograde every submission of one assignment, each in its own sandboxed kernel; "
        "verdicts are decided outside the student's kernel. Writes the gradebook, grades_<id>.csv, "
        "grades.csv and feedback/ to --out. A submission that fails is that student's row, never the batch's.",
    )
    g.add_argument("id", help="assignment id, e.g. a5_gan_dynamics")
    g.add_argument(
        "submissions",
        help="folder <student>/<id>/<notebook>.ipynb, or a zip of notebooks (Canvas and Moodle "
        "downloads included)",
    )
    g.add_argument("--workers", type=int, default=1, help="submissions graded at once (default 1)")
    where = g.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        dest="cluster",
        metavar="ADDRESS",
        help="grade on the workers of this Dask scheduler (tcp://HOST:8786); see docs/distributed.md",
    )
    where.add_argument(
        "--cluster",
        dest="cluster",
        metavar="local:N",
        help="grade on a Dask LocalCluster of N worker processes on this machine",
    )
    g.add_argument(
        "--device", choices=["cpu", "cuda"], default="cpu", help="device for student kernels"
    )
    g.add_argument(
        "--timeout",
        type=int,
        default=NOTEBOOK_TIMEOUT,
        help=f"seconds allowed for one notebook (default {NOTEBOOK_TIMEOUT})",
    )
    g.add_argument("--memory", default="6G", help="memory limit per submission on cpu (default 6G)")
    g.add_argument(
        "--no-sandbox", action="store_true", help="run student code unsandboxed (not recommended)"
    )
    g.add_argument("--db", default=None, help="gradebook SQLAlchemy URL (default: sqlite in --out)")
    g.add_argument("--out", default="grading", help="output folder (default ./grading)")
    g.add_argument(
        "--roster",
        default=None,
        help="CSV with student_id and any of lms_id, email, name, first_name, last_name: "
        "maps the names in an LMS download to student ids",
    )
    g.add_argument(
        "--timestamps",
        default=None,
        help="CSV with file (a name in the download, or a student id) and timestamp (ISO 8601): "
        "submission times; without it a zip entry's time is used",
    )
    g.add_argument(
        "--due",
        default=None,
        help="due date, ISO 8601 (e.g. 2026-03-01T23:59:00+01:00; UTC without a zone); late "
        "submissions get nbgrader's late penalty (LateSubmissionPlugin in nbgrader_config.py)",
    )
    g.add_argument(
        "--force",
        action="store_true",
        help="regrade every student, also those whose submission is unchanged since their grade",
    )
    g.set_defaults(run=_grade)

    e = sub.add_parser(
        "export",
        help="write grades.csv and grades_<id>.csv from the gradebook",
        description="Export every student of every assignment in the gradebook, with manual grades "
        "from formgrader and late penalties, as nbgrader export does, plus the grader's outcome line. "
        "course grade runs this at the end of every batch.",
    )
    _graded_folder_arguments(e)
    e.set_defaults(run=_export)

    f = sub.add_parser(
        "formgrader",
        help="open nbgrader's formgrader on a graded folder (manual grading)",
        description="Start a Jupyter server on 127.0.0.1 whose page is nbgrader's formgrader for the "
        "folder and gradebook that course grade wrote: look at submissions, grade by hand, comment. "
        "Run course export afterwards to put manual grades into the CSVs.",
    )
    _graded_folder_arguments(f)
    f.add_argument("--port", type=int, default=8888, help="port on 127.0.0.1 (default 8888)")
    f.add_argument("--no-browser", action="store_true", help="print the URL, open no browser")
    f.set_defaults(run=_formgrader)

    d = sub.add_parser(
        "demo",
        help="release, grade the built-in sample submissions, print the table",
        description="Release each assignment, write sample submissions (the solution, the blank release, "
        "a wrong variant, a hostile notebook) and grade them; prints one table per assignment.",
    )
    d.add_argument("ids", nargs="*", help="assignment ids (default: all)")
    d.add_argument("--out", default="grading/demo", help="output folder (default ./grading/demo)")
    d.set_defaults(run=_demo)

    c = sub.add_parser(
        "check",
        help="execute every lecture and solution; each solution must score full marks",
        description="Execute every lecture and solution notebook in a fresh kernel, then grade each "
        "solution: exits non-zero when a notebook fails or a solution loses a point.",
    )
    c.set_defaults(run=_check)

    b = sub.add_parser(
        "bench",
        help="time every notebook, collect quality numbers, measure grading throughput",
        description="Run every lecture and solution notebook --repeat times in fresh kernels, collect the "
        "quality numbers they record, and grade 20 copies of a solution with 1 and 2 workers. Writes a "
        "markdown report to grading/bench/ (docs/ with --write-docs). Takes 20-60 minutes on 2 cores.",
    )
    b.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    b.add_argument(
        "--repeat", type=int, default=3, help="runs per notebook (median and min-max reported)"
    )
    b.add_argument("--only", nargs="*", default=[], help="notebook names to run (default: all)")
    b.add_argument(
        "--no-grading", action="store_true", help="skip the grading throughput measurement"
    )
    b.add_argument(
        "--write-docs",
        action="store_true",
        help="write the committed report docs/benchmarks.md (or _cuda.md) instead of grading/bench/;"
        " with --only, replace the rows of those notebooks in the existing report and keep the rest",
    )
    b.add_argument("--out", default=None, help="report path (overrides the two above)")
    b.set_defaults(run=_bench)

    k = sub.add_parser(
        "calibrate",
        help="pass rates of each test cell for the solution and each wrong variant over seeds",
        description="Grade the solution and every wrong variant (tests/variants/<id>.py) with notebook "
        "seeds 0..N-1 and report, per test cell, how often each passes: the solution's false rejects "
        "and the variants' false accepts. Slow: (1 + variants) x seeds graded notebooks.",
    )
    k.add_argument("id", help="assignment id, e.g. a4_gans")
    k.add_argument("--seeds", type=int, default=5, help="notebook seeds per sample (default 5)")
    k.add_argument("--workers", type=int, default=2, help="submissions graded at once (default 2)")
    k.add_argument("--only", nargs="*", default=[], help="variant names to include (default: all)")
    k.add_argument("--out", default=None, help="also write the markdown report to this file")
    k.set_defaults(run=_calibrate)

    s = sub.add_parser(
        "sync",
        help="rebuild lecture and solution notebooks from notebooks/*.py",
        description="Rebuild lectures/*.ipynb and solutions/*/*.ipynb from their py:percent sources in "
        "notebooks/ (without outputs); run `course release` afterwards for assignments/.",
    )
    s.set_defaults(run=_sync)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    course = Course.find(args.root)
    args.run(args, course)
