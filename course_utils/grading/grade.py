"""`course grade`: autograde every submission in its own nbgrader course folder, then merge.

Each student is graded by a separate `nbgrader autograde` process in a private folder with
its own copy of the assignment's gradebook, so one submission cannot disturb another and N
of them can run at once (--workers). The main thread alone writes the shared gradebook, one
student at a time, so SQLite never sees two writers.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from . import autograde_student, batch, records
from .cluster import Cluster, Job, check_address, remote
from .course import NOTEBOOK_TIMEOUT, Course
from .execute import GRADING_KEY
from .export import export
from .files import copy_tree
from .gpu_probe import require_gpu
from .intake import load_roster, load_timestamps, parse_due
from .nbgrader_cli import sqlite_url
from .records import Record
from .release import generate
from .sandbox import KERNEL_NAME, Limits, UidPool, check_available, write_kernelspec
from .submissions import Submission, collect

STARTUP_SECONDS = 120  # nbgrader start-up and saving, on top of the notebook's own time limit

AUTOGRADE_CONFIG = """\
from course_utils.grading.execute import autograde_preprocessors

c = get_config()
load_subconfig("{course_config}")  # the course's own settings; grading adds and overrides below
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
c.Autograde.autograde_preprocessors = autograde_preprocessors()
c.GuardedExecute.notebook_timeout = {timeout}
c.GuardedExecute.timeout = {timeout}
c.GuardedExecute.test_seed = {seed}
c.GuardedExecute.kernel_name = "{kernel}"
c.KernelManager.transport = "ipc"
c.KernelManager.ip = "{runtime}/kernel"
c.KernelManager.connection_file = "{runtime}/connection.json"
c.HTMLExporter.sanitize_html = True  # no script, event handler or JavaScript output of the student's
"""
# Feedback pages render math offline with the MathJax that jupyter-server-mathjax ships, copied
# once to <out>/mathjax; a page lies at <out>/feedback/<student>/<id>/<notebook>.html.
MATHJAX_URL = "../../../mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
MATHJAX_CDN = re.compile(r'src="https://cdnjs\.cloudflare\.com/ajax/libs/mathjax/[^"]*"')
NPROC_LIMIT = 256  # processes and threads of one submission's kernel
UNSANDBOXED = "UNSANDBOXED (--no-sandbox)"


@dataclass
class Settings:
    """How to grade: workers (or a Dask cluster), device, per-notebook seconds, memory limit in
    bytes, sandbox, test seed; and how to read the download: roster CSV, timestamps CSV, due date."""

    workers: int = 1
    device: str = "cpu"
    timeout: int = NOTEBOOK_TIMEOUT
    memory: int | None = 6 * 2**30
    sandbox: bool = True
    seed: int | None = None  # of the hidden test inputs; None draws a fresh one per grading run
    force: bool = False  # regrade students whose submission is unchanged since their grade
    cluster: str | None = None  # Dask scheduler address (tcp://HOST:8786) or local:N; None: here
    roster: Path | None = None  # student_id plus lms_id, email, name, first_name, last_name
    timestamps: Path | None = None  # file (name in the download, or student id), timestamp
    due: str | None = None  # ISO 8601; None keeps the gradebook's due date


@dataclass(frozen=True)
class Layout:
    """nbgrader's folders of one student: <root>/<step>/<student>/<assignment>."""

    root: Path
    student: str
    assignment_id: str

    def step(self, name: str) -> Path:
        return self.root / name / self.student / self.assignment_id


def _private(work: Path, sub: Submission, assignment_id: str) -> Layout:
    """The student's private nbgrader course folder, where autograde runs."""
    return Layout(work / "students" / sub.student, sub.student, assignment_id)


@dataclass
class Result:
    """One line of the grade table."""

    student: str
    score: float
    max_score: float
    outcome: str
    feedback: Path | None = None


def parse_memory(text: str) -> int:
    """'6G', '512M' or a number of bytes -> bytes."""
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    text = text.strip().upper()
    try:
        if text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except (ValueError, IndexError):
        raise SystemExit(f"--memory: expected a size such as 6G or 512M, got {text!r}") from None


def grade(
    course: Course,
    assignment_id: str,
    submissions: Path,
    out_dir: Path,
    settings: Settings | None = None,
    db_url: str | None = None,
) -> list[Result]:
    """Autograde all submissions; write the gradebook, feedback/ and grades.csv under out_dir."""
    settings = settings or Settings()
    if settings.seed is None:
        settings = replace(settings, seed=secrets.randbelow(2**31))
    course.check_id(assignment_id)
    out_dir = Path(out_dir).resolve()
    _check_arguments(Path(submissions), out_dir, settings, db_url)
    if not settings.cluster:
        if settings.device == "cuda":
            require_gpu(settings.sandbox)
        return _grade(course, assignment_id, Path(submissions), out_dir, settings, db_url, None)
    with Cluster(settings.cluster, settings.device) as cluster:
        if settings.device == "cuda":
            require_gpu(settings.sandbox, cluster.probe)
        return _grade(course, assignment_id, Path(submissions), out_dir, settings, db_url, cluster)


def _grade(
    course: Course,
    assignment_id: str,
    submissions: Path,
    out_dir: Path,
    settings: Settings,
    db_url: str | None,
    cluster,
) -> list[Result]:
    """grade() once the arguments are checked; `cluster`: a cluster.Cluster, or None (here)."""
    roster, times = load_roster(settings.roster), load_timestamps(settings.timestamps)
    due = parse_due(settings.due)
    work = out_dir / ".work" / assignment_id
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db_url = db_url or sqlite_url(out_dir / "gradebook.db")
    master_db = work / "master.db"
    generate(course, assignment_id, work / "release", sqlite_url(master_db))
    generate(course, assignment_id, work / "release-main", db_url)
    with Gradebook(db_url) as gb:
        records.ensure_table(gb)
        due = _set_due(gb, assignment_id, due)
    with Gradebook(sqlite_url(master_db)) as gb:
        _set_due(gb, assignment_id, due)  # nbgrader's late penalty reads it in each student's copy

    release = nbformat.read(
        work / "release" / assignment_id / f"{assignment_id}.ipynb", as_version=4
    )
    subs = collect(Path(submissions), assignment_id, work / "staging", release, roster, times)
    if not subs:
        raise SystemExit(f"no submissions found in {submissions}")
    if not settings.sandbox:
        for sub in subs:
            sub.notes.append(UNSANDBOXED)
    solution = course.solution_digest(assignment_id)
    checksums = {sub.student: _checksum(sub, solution, due) for sub in subs}
    with Gradebook(db_url) as gb:
        earlier = records.load(gb)
    results, jobs = [], []
    for sub in subs:
        before = earlier.get((assignment_id, sub.student))
        if sub.notebook is None:
            results.append(_record_ungradable(sub, assignment_id, db_url, out_dir))
        elif _unchanged(before, checksums[sub.student]) and not settings.force:
            results.append(_unchanged_result(sub, before, assignment_id, db_url, out_dir))
        else:
            jobs.append(sub)

    def record(sub: Submission, future) -> Result:
        try:
            return _record(sub, future.result(), assignment_id, db_url, out_dir, checksums)
        except Exception as error:  # one student's failure is that student's row, never the batch's
            sub.problem = quote(f"grading failed: {type(error).__name__}: {error}")
            return _record_ungradable(sub, assignment_id, db_url, out_dir)

    def grade_here(sub: Submission) -> str | None:
        return _autograde_one(course, sub, assignment_id, work, master_db, settings, uids, forkers)

    if cluster is None:
        uids = UidPool(max(1, settings.workers))
        forkers = autograde_student.ForkerPool()
        with uids, forkers:
            graded, interrupted = batch.run(
                jobs, grade_here, record, max(1, settings.workers), forkers.stop, assignment_id
            )
    else:

        def on_cluster(sub: Submission) -> str | None:
            job = Job(
                sub.student, sub.notebook.read_bytes(), sub.timestamp, assignment_id, settings,
                due, solution,
            )  # fmt: skip
            returned = cluster.grade(job, _private(work, sub, assignment_id).root)
            sub.notes += returned.notes
            return returned.failure

        # one thread per student waits for its job; the scheduler decides what runs when
        graded, interrupted = batch.run(
            jobs, on_cluster, record, max(1, len(jobs)), cluster.stop, assignment_id
        )
    results = sorted(results + graded, key=lambda r: r.student)
    _copy_mathjax(out_dir / "mathjax")
    export(db_url, out_dir)
    shutil.rmtree(work, ignore_errors=True)
    if interrupted:
        raise batch.Interrupted(results, len(subs))
    return results


def _checksum(sub: Submission, solution: str, due) -> str:
    """What a grade depends on: the submitted file, the solution notebook (its hidden tests), the
    submission time and the due date. A student whose checksum is unchanged is not regraded."""
    parts = [sub.checksum, solution, str(sub.timestamp), str(due)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _unchanged(before: Record | None, checksum: str) -> bool:
    """Graded before (a real grade, not "not graded: ...") from exactly this submission."""
    return (
        before is not None
        and before.checksum == checksum
        and not before.outcome.startswith("not graded")
    )


def _unchanged_result(
    sub: Submission, before: Record, assignment_id: str, db_url: str, out_dir: Path
) -> Result:
    with Gradebook(db_url) as gb:
        score, max_score, _, _ = _scores(gb, assignment_id, sub.student)
    feedback = sorted(Layout(out_dir, sub.student, assignment_id).step("feedback").glob("*.html"))
    outcome = quote(f"unchanged, not regraded: {before.outcome}", 1000)
    return Result(sub.student, score, max_score, outcome, feedback[0] if feedback else None)


def _set_due(gb: Gradebook, assignment_id: str, due):
    """Set the assignment's due date when given; returns the one in force."""
    assignment = gb.find_assignment(assignment_id)
    if due is not None:
        assignment.duedate = due
        gb.db.commit()
    return assignment.duedate


def _check_arguments(
    submissions: Path, out_dir: Path, settings: Settings, db_url: str | None
) -> None:
    """Refuse, in one line and before any slow work or any file written, what cannot be graded."""
    if not submissions.exists():
        raise SystemExit(f"submissions not found: {submissions}")
    if submissions.is_dir() and not any(
        p for p in submissions.iterdir() if not p.name.startswith(".")
    ):
        raise SystemExit(f"no submissions found in {submissions}: the folder is empty")
    if submissions.is_file() and not zipfile.is_zipfile(submissions):
        raise SystemExit(f"{submissions}: expected a folder of submissions or a .zip file")
    existing = next(p for p in (out_dir, *out_dir.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise SystemExit(
            f"--out {out_dir}: cannot write there ({existing} is not a writable folder)"
        )
    if settings.cluster:
        check_address(settings.cluster)
    if settings.sandbox and not remote(settings.cluster):
        check_available()  # a remote cluster's workers check it themselves
    if db_url and not db_url.startswith("sqlite"):
        import sqlalchemy

        try:
            sqlalchemy.create_engine(db_url).connect().close()
        except ModuleNotFoundError as error:
            hint = (
                " (for PostgreSQL: pip install -e '.[postgres]')" if error.name == "psycopg" else ""
            )
            raise SystemExit(
                f"--db: the database driver is not installed ({error.name}){hint}"
            ) from None
        except Exception as error:
            first = (
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            )
            raise SystemExit(f"--db: cannot connect: {first}") from None


def _copy_mathjax(target: Path) -> None:
    if not target.exists():
        import jupyter_server_mathjax

        shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", target)


def _autograde_one(
    course: Course,
    sub: Submission,
    assignment_id: str,
    work: Path,
    master_db: Path,
    settings: Settings,
    uids: UidPool,
    forkers: autograde_student.ForkerPool,
) -> str | None:
    """Autograde one student in work/students/<student>; returns None or why grading failed."""
    private = _private(work, sub, assignment_id)
    root = private.root
    target = private.step("submitted")
    target.mkdir(parents=True)
    shutil.copy(sub.notebook, target / f"{assignment_id}.ipynb")
    if sub.timestamp is not None:  # nbgrader's own file: it records the time, and any lateness
        (target / "timestamp.txt").write_text(sub.timestamp.isoformat())
    shutil.copy(master_db, root / "gradebook.db")
    runtime = Path(tempfile.mkdtemp(prefix="course-kernel-"))  # IPC socket paths must stay short
    kernel = KERNEL_NAME if settings.sandbox else "python3"
    (root / "nbgrader_config.py").write_text(
        AUTOGRADE_CONFIG.format(
            course_config=course.root / "nbgrader_config.py",
            root=root.resolve(),
            timeout=settings.timeout,
            seed=settings.seed,
            kernel=kernel,
            runtime=runtime,
        )
    )
    threads = max(1, (os.cpu_count() or 1) // max(1, settings.workers))
    env = {
        "COURSE_DEVICE": settings.device,
        "JUPYTER_PATH": str(root / "jupyter"),
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "OMP_NUM_THREADS": str(threads),
    }
    if settings.device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
    memory = (
        settings.memory if settings.device == "cpu" else None
    )  # CUDA needs a huge address space
    limits = Limits(
        memory=memory or 0, processes=NPROC_LIMIT, cpu_seconds=settings.timeout * threads
    )
    uid = uids.take()
    try:
        if settings.sandbox:
            workdir = private.step("autograded")
            hidden = [workdir / f"{assignment_id}.ipynb"]
            write_kernelspec(
                root / "jupyter", workdir, hidden, runtime, settings.device, uid, limits, threads
            )
        forkers.run(
            [str(root), assignment_id, sub.student],
            root=root,
            env=env,
            timeout=settings.timeout + STARTUP_SECONDS,
            memory=None if settings.sandbox else memory,
        )
    except subprocess.TimeoutExpired:
        return f"grading did not finish within {settings.timeout + STARTUP_SECONDS} s"
    except RuntimeError as error:
        return str(error).splitlines()[0] + " " + str(error).splitlines()[-1][:200]
    except Exception as error:  # staging or nbgrader start-up: this student's row, not the batch
        return f"{type(error).__name__}: {error}"
    finally:
        uids.give(uid)
        shutil.rmtree(runtime, ignore_errors=True)
    return None


def _copy_grades(src: Gradebook, dst: Gradebook, assignment_id: str, student: str) -> None:
    source = src.find_submission(assignment_id, student)
    for notebook in source.notebooks:
        dst.find_submission_notebook(
            notebook.name, assignment_id, student
        ).late_submission_penalty = notebook.late_submission_penalty
        for grade in notebook.grades:
            target = dst.find_grade(grade.name, notebook.name, assignment_id, student)
            target.auto_score = grade.auto_score
            target.needs_manual_grade = grade.needs_manual_grade
        for comment in notebook.comments:
            target = dst.find_comment(comment.name, notebook.name, assignment_id, student)
            target.auto_comment = comment.auto_comment
    dst.find_submission(assignment_id, student).timestamp = source.timestamp


def _fresh_submission(gb: Gradebook, assignment_id: str, sub: Submission):
    """The student's submission record (nbgrader commits it); the caller overwrites every grade."""
    gb.update_or_create_student(sub.student, **sub.person)
    when = {"timestamp": sub.timestamp} if sub.timestamp else {}
    with warnings.catch_warnings():  # nbgrader's own autoflush noise on new submissions
        warnings.simplefilter("ignore", SAWarning)
        return gb.update_or_create_submission(assignment_id, sub.student, **when)


def _zero(submission) -> None:
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False


def _scores(gb: Gradebook, assignment_id: str, student: str) -> tuple[float, float, int, int]:
    """Score after nbgrader's late penalty, max score, failed and all graded cells."""
    sub = gb.find_submission(assignment_id, student)
    grades = [g for nb in sub.notebooks for g in nb.grades if g.max_score > 0]
    failed = sum(1 for g in grades if (g.score or 0) < g.max_score)
    score = max(0.0, sub.score - sub.late_submission_penalty)
    return float(score), float(sub.max_score), failed, len(grades)


def _lateness(gb: Gradebook, assignment_id: str, student: str) -> list[str]:
    """A note on how late the submission was and what nbgrader deducted for it."""
    sub = gb.find_submission(assignment_id, student)
    if not sub.total_seconds_late:
        return []
    hours = sub.total_seconds_late / 3600
    return [
        f"submitted {hours:.1f} h after the due date, late penalty {sub.late_submission_penalty:g}"
    ]


def cell_scores(out_dir: Path, assignment_id: str, student: str) -> dict[str, tuple[float, float]]:
    """{grade_id: (score, max_score)} of one student's graded cells in <out_dir>/gradebook.db."""
    with Gradebook(sqlite_url(out_dir / "gradebook.db")) as gb:
        sub = gb.find_submission(assignment_id, student)
        return {
            g.name: (float(g.score or 0), float(g.max_score))
            for nb in sub.notebooks
            for g in nb.grades
        }


def _record(
    sub: Submission,
    failure: str | None,
    assignment_id: str,
    db_url: str,
    out_dir: Path,
    checksums: dict[str, str],
) -> Result:
    private = _private(out_dir / ".work" / assignment_id, sub, assignment_id)
    root, autograded = private.root, private.step("autograded")
    graded = failure is None and autograded.exists()
    if failure is not None:
        outcome, failures = f"not graded: {failure}", []
    elif not graded:
        outcome, failures = "not graded: nbgrader wrote no autograded notebook", []
    else:
        nb = nbformat.read(autograded / f"{assignment_id}.ipynb", as_version=4)
        grading = nb.metadata.get(
            GRADING_KEY, {}
        )  # written by GuardedExecute, never by the student
        with Gradebook(sqlite_url(root / "gradebook.db")) as src:
            _, _, failed, total = _scores(src, assignment_id, sub.student)
            sub.notes += _lateness(src, assignment_id, sub.student)
        outcome = grading.get("event") or f"{total - failed}/{total} test cells passed"
        sub.notes += grading.get("dropped", [])
        failures = failed_tests(nb)
        if grading.get("environment"):  # the grading machine failed, not the student: no score
            outcome, failures = f"{records.ENVIRONMENT}: {grading['environment']}", []
            graded = False
    public = Layout(out_dir, sub.student, assignment_id)
    published = _publish(private, public)
    outcome = quote("; ".join([outcome, *sub.notes, *published]), 1000)
    with Gradebook(db_url) as gb:
        submission = _fresh_submission(gb, assignment_id, sub)
        if graded:
            with Gradebook(sqlite_url(root / "gradebook.db")) as src:
                _copy_grades(src, gb, assignment_id, sub.student)
        else:
            _zero(submission)
        record = Record(outcome, sub.submitted_as, checksums[sub.student])
        records.save(gb, assignment_id, sub.student, record)
        gb.db.commit()  # the student's grades and record together
        score, max_score, _, _ = _scores(gb, assignment_id, sub.student)
    feedback = _add_banner(public.step("feedback"), outcome, failures)
    return Result(sub.student, score, max_score, outcome, feedback)


def failed_tests(nb: nbformat.NotebookNode) -> list[str]:
    """One line per graded test cell that raised: its id, its points and the error's last line."""
    lines = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if meta.get("grade") and meta.get("points") and errors:
            error = quote(f"{errors[0].get('ename')}: {errors[0].get('evalue')}", 400)
            lines.append(f"{meta.get('grade_id')} (0 of {meta['points']:g} points): {error}")
    return lines


def _record_ungradable(sub: Submission, assignment_id: str, db_url: str, out_dir: Path) -> Result:
    outcome = quote("; ".join([f"not graded: {sub.problem}", *sub.notes]), 1000)
    with Gradebook(db_url) as gb:
        _zero(_fresh_submission(gb, assignment_id, sub))
        records.save(gb, assignment_id, sub.student, Record(outcome, sub.submitted_as))
        gb.db.commit()
        score, max_score, _, _ = _scores(gb, assignment_id, sub.student)
    feedback = Layout(out_dir, sub.student, assignment_id).step("feedback") / "index.html"
    feedback.parent.mkdir(parents=True, exist_ok=True)
    feedback.write_text(_banner_page(outcome))
    return Result(sub.student, score, max_score, outcome, feedback)


def _banner(outcome: str, failures: list[str] = ()) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in failures)
    listing = f"<br>Failed test cells:<ul style='margin:4px 0'>{items}</ul>" if failures else ""
    return (
        '<div style="padding:8px;margin:8px;border:2px solid #c60;background:#fff4e5;font:14px sans-serif">'
        f"<b>Grading note:</b> {html.escape(outcome)}{listing}</div>"
    )


def _banner_page(outcome: str) -> str:
    return f"<!DOCTYPE html><html><body>{_banner(outcome)}</body></html>\n"


def _publish(private: Layout, public: Layout) -> list[str]:
    """Copy the regular files of the submitted, autograded and feedback folders (never a link);
    returns notes on what was left out."""
    notes = []
    for step in ("submitted", "autograded", "feedback"):
        notes += copy_tree(private.step(step), public.step(step))
    return sorted(set(notes))


def _add_banner(feedback_dir: Path, outcome: str, failures: list[str]) -> Path:
    """Put the outcome on every feedback page (a page of its own when there is none)."""
    pages = sorted(feedback_dir.glob("*.html"))
    if not pages:
        feedback_dir.mkdir(parents=True, exist_ok=True)
        page = feedback_dir / "index.html"
        page.write_text(_banner_page(outcome))
        return page
    for page in pages:
        text = MATHJAX_CDN.sub(f'src="{MATHJAX_URL}"', page.read_text(errors="replace"))
        page.write_text(text.replace("<body>", "<body>" + _banner(outcome, failures), 1))
    return pages[0]


def quote(text: str, limit: int = 300) -> str:
    """Text that came from a student, fit for one line: control characters escaped, shortened."""
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in str(text))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_table(results: list[Result], assignment_id: str) -> str:
    """The grade table printed by `course grade` and `course demo`."""
    width = max([len("student"), *(len(r.student) for r in results)])
    lines = [
        f"{assignment_id}",
        f"{'student':<{width}}  {'score':>11}  outcome",
        "-" * (width + 50),
    ]
    for r in results:
        score = f"{r.score:>5g}" if records.scored(Record(r.outcome)) else "    -"
        lines.append(f"{r.student:<{width}}  {score} / {r.max_score:<3g}  {r.outcome}")
    return "\n".join(lines)
