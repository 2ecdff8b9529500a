"""`course grade`: autograde every submission in its own nbgrader course folder, then merge.

Each student is graded by a separate `nbgrader autograde` process in a private folder with
its own copy of the assignment's gradebook, so one submission cannot disturb another and N
of them can run at once (--workers). The main thread alone writes the shared gradebook, one
student at a time, so SQLite never sees two writers.
"""

from __future__ import annotations

import csv
import html
import os
import resource
import secrets
import shutil
import subprocess
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from queue import Queue

import nbformat
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from .course import Course
from .execute import GRADING_ERRORS
from .nbgrader_cli import NbgraderError, run_nbgrader, sqlite_url
from .release import generate
from .sandbox import KERNEL_NAME, check_available, write_kernelspec
from .submissions import Submission, collect

STARTUP_SECONDS = 120  # nbgrader start-up and saving, on top of the notebook's own time limit

AUTOGRADE_CONFIG = """\
from course_utils.grading.execute import autograde_preprocessors

c = get_config()
c.CourseDirectory.course_id = "deep-generative-models"
c.CourseDirectory.source_directory = "source"
c.Autograde.autograde_preprocessors = autograde_preprocessors()
c.GuardedExecute.notebook_timeout = {timeout}
c.GuardedExecute.timeout = {timeout}
c.GuardedExecute.test_seed = {seed}
c.GuardedExecute.kernel_name = "{kernel}"
c.KernelManager.transport = "ipc"
c.KernelManager.ip = "{runtime}/kernel"
c.KernelManager.connection_file = "{runtime}/connection.json"
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"\\w*Warning: "
c.OverwriteCells.add_missing_cells = True
"""
NPROC_LIMIT = 256  # processes and threads of one submission's kernel
UNSANDBOXED = "UNSANDBOXED (--no-sandbox)"


@dataclass
class Settings:
    """How to grade: workers, device, per-notebook seconds, memory limit in bytes, sandbox, test seed."""

    workers: int = 1
    device: str = "cpu"
    timeout: int = 600
    memory: int | None = 6 * 2**30
    sandbox: bool = True
    seed: int | None = None  # of the hidden test inputs; None draws a fresh one per grading run


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
    work = out_dir / ".work" / assignment_id
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db_url = db_url or sqlite_url(out_dir / "gradebook.db")
    master_db = work / "master.db"
    generate(course, assignment_id, work / "release", sqlite_url(master_db))
    generate(course, assignment_id, work / "release-main", db_url)

    release = nbformat.read(
        work / "release" / assignment_id / f"{assignment_id}.ipynb", as_version=4
    )
    subs = collect(Path(submissions), assignment_id, work / "staging", release)
    if not subs:
        raise SystemExit(f"no submissions found in {submissions}")
    if settings.sandbox:
        check_available()
    else:
        for sub in subs:
            sub.notes.append(UNSANDBOXED)
    results = []
    slots = Queue()
    for slot in range(max(1, settings.workers)):
        slots.put(slot)
    with ThreadPoolExecutor(max_workers=max(1, settings.workers)) as pool:
        futures = {
            pool.submit(_autograde_one, sub, assignment_id, work, master_db, settings, slots): sub
            for sub in subs
            if sub.notebook is not None
        }
        for sub in subs:
            if sub.notebook is None:
                results.append(_record_ungradable(sub, assignment_id, db_url, out_dir))
        for future in as_completed(futures):
            results.append(
                _record(futures[future], future.result(), assignment_id, db_url, out_dir)
            )
    results.sort(key=lambda r: r.student)
    write_csv(results, assignment_id, out_dir / f"grades_{assignment_id}.csv")
    write_all_grades(out_dir)
    shutil.rmtree(work, ignore_errors=True)
    return results


def _limit_memory(limit: int | None):
    if limit is None:
        return None

    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def _autograde_one(
    sub: Submission,
    assignment_id: str,
    work: Path,
    master_db: Path,
    settings: Settings,
    slots: Queue,
) -> str | None:
    """Autograde one student in work/students/<student>; returns None or why grading failed."""
    root = work / "students" / sub.student
    target = root / "submitted" / sub.student / assignment_id
    target.mkdir(parents=True)
    shutil.copy(sub.notebook, target / f"{assignment_id}.ipynb")
    shutil.copy(master_db, root / "gradebook.db")
    runtime = Path(tempfile.mkdtemp(prefix="course-kernel-"))  # IPC socket paths must stay short
    kernel = KERNEL_NAME if settings.sandbox else "python3"
    (root / "nbgrader_config.py").write_text(
        AUTOGRADE_CONFIG.format(
            timeout=settings.timeout, seed=settings.seed, kernel=kernel, runtime=runtime
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
    slot = slots.get()
    if settings.sandbox:
        workdir = root / "autograded" / sub.student / assignment_id
        write_kernelspec(
            root / "jupyter",
            workdir,
            [workdir / f"{assignment_id}.ipynb"],
            runtime,
            settings.device,
            slot,
            memory,
            NPROC_LIMIT,
            threads,
        )
    limit = None if settings.sandbox else _limit_memory(memory)
    try:
        run_nbgrader(
            ["autograde", assignment_id, f"--student={sub.student}", "--force"],
            root=root,
            db_url=sqlite_url(root / "gradebook.db"),
            env=env,
            timeout=settings.timeout + STARTUP_SECONDS,
            preexec_fn=limit,
        )
        run_nbgrader(
            ["generate_feedback", assignment_id, f"--student={sub.student}", "--force"],
            root=root,
            db_url=sqlite_url(root / "gradebook.db"),
            timeout=STARTUP_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return f"grading did not finish within {settings.timeout + STARTUP_SECONDS} s"
    except NbgraderError as error:
        return str(error).splitlines()[0] + " " + str(error).splitlines()[-1][:200]
    finally:
        slots.put(slot)
        shutil.rmtree(runtime, ignore_errors=True)
    return None


def _copy_grades(src: Gradebook, dst: Gradebook, assignment_id: str, student: str) -> None:
    source = src.find_submission(assignment_id, student)
    for notebook in source.notebooks:
        for grade in notebook.grades:
            target = dst.find_grade(grade.name, notebook.name, assignment_id, student)
            target.auto_score = grade.auto_score
            target.needs_manual_grade = grade.needs_manual_grade
        for comment in notebook.comments:
            target = dst.find_comment(comment.name, notebook.name, assignment_id, student)
            target.auto_comment = comment.auto_comment
    dst.find_submission(assignment_id, student).timestamp = source.timestamp


def _fresh_submission(gb: Gradebook, assignment_id: str, student: str):
    """The student's submission record; every grade in it is overwritten by the caller."""
    gb.update_or_create_student(student)
    with warnings.catch_warnings():  # nbgrader's own autoflush noise on new submissions
        warnings.simplefilter("ignore", SAWarning)
        return gb.update_or_create_submission(assignment_id, student)


def _zero(submission) -> None:
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False


def _scores(gb: Gradebook, assignment_id: str, student: str) -> tuple[float, float, int, int]:
    sub = gb.find_submission(assignment_id, student)
    grades = [g for nb in sub.notebooks for g in nb.grades if g.max_score > 0]
    failed = sum(1 for g in grades if (g.score or 0) < g.max_score)
    return float(sub.score), float(sub.max_score), failed, len(grades)


def _record(
    sub: Submission, failure: str | None, assignment_id: str, db_url: str, out_dir: Path
) -> Result:
    root = out_dir / ".work" / assignment_id / "students" / sub.student
    autograded = root / "autograded" / sub.student / assignment_id
    with Gradebook(db_url) as gb:
        submission = _fresh_submission(gb, assignment_id, sub.student)
        if failure is None and autograded.exists():
            with Gradebook(sqlite_url(root / "gradebook.db")) as src:
                _copy_grades(src, gb, assignment_id, sub.student)
        else:
            _zero(submission)
        gb.db.commit()
        score, max_score, failed, total = _scores(gb, assignment_id, sub.student)
    if failure is not None:
        outcome, failures = f"not graded: {failure}", []
    else:
        nb = nbformat.read(autograded / f"{assignment_id}.ipynb", as_version=4)
        outcome = _grading_error(nb) or f"{total - failed}/{total} test cells passed"
        failures = failed_tests(nb)
    outcome = "; ".join([outcome, *sub.notes])
    feedback = _publish(root, sub.student, assignment_id, out_dir, outcome, failures)
    return Result(sub.student, score, max_score, outcome, feedback)


def failed_tests(nb: nbformat.NotebookNode) -> list[str]:
    """One line per graded test cell that raised: its id, its points and the error's last line."""
    lines = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if meta.get("grade") and meta.get("points") and errors:
            error = f"{errors[0].get('ename')}: {errors[0].get('evalue')}"[:400]
            lines.append(f"{meta.get('grade_id')} (0 of {meta['points']:g} points): {error}")
    return lines


def _grading_error(nb: nbformat.NotebookNode) -> str | None:
    """The KernelDied / NotebookTimeout line GuardedExecute left in the autograded notebook."""
    for index, cell in enumerate(nb.cells, 1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") in GRADING_ERRORS:
                return f"cell {index}: {output['evalue']}"
    return None


def _record_ungradable(sub: Submission, assignment_id: str, db_url: str, out_dir: Path) -> Result:
    with Gradebook(db_url) as gb:
        _zero(_fresh_submission(gb, assignment_id, sub.student))
        gb.db.commit()
        score, max_score, _, _ = _scores(gb, assignment_id, sub.student)
    outcome = f"not graded: {sub.problem}"
    feedback = out_dir / "feedback" / sub.student / assignment_id / "index.html"
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


def _publish(
    root: Path,
    student: str,
    assignment_id: str,
    out_dir: Path,
    outcome: str,
    failures: list[str],
) -> Path | None:
    """Copy the submitted, autograded and feedback folders to out_dir; put the outcome on the feedback."""
    for step in ("submitted", "autograded", "feedback"):
        src = root / step / student / assignment_id
        dst = out_dir / step / student / assignment_id
        shutil.rmtree(dst, ignore_errors=True)
        if src.exists():
            shutil.copytree(src, dst)
    feedback_dir = out_dir / "feedback" / student / assignment_id
    pages = sorted(feedback_dir.glob("*.html"))
    if not pages:
        feedback_dir.mkdir(parents=True, exist_ok=True)
        page = feedback_dir / "index.html"
        page.write_text(_banner_page(outcome))
        return page
    for page in pages:
        text = page.read_text()
        page.write_text(text.replace("<body>", "<body>" + _banner(outcome, failures), 1))
    return pages[0]


CSV_HEADER = ["student_id", "assignment", "score", "max_score", "outcome"]


def write_csv(results: list[Result], assignment_id: str, path: Path) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_HEADER)
        for r in results:
            writer.writerow(
                [r.student, assignment_id, f"{r.score:g}", f"{r.max_score:g}", r.outcome]
            )


def write_all_grades(out_dir: Path) -> None:
    """grades.csv: the rows of every grades_<id>.csv in out_dir, one assignment after another."""
    rows = []
    for path in sorted(out_dir.glob("grades_*.csv")):
        with path.open(newline="") as f:
            rows += list(csv.reader(f))[1:]
    with (out_dir / "grades.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_HEADER)
        writer.writerows(rows)


def format_table(results: list[Result], assignment_id: str) -> str:
    """The grade table printed by `course grade` and `course demo`."""
    width = max([len("student"), *(len(r.student) for r in results)])
    lines = [
        f"{assignment_id}",
        f"{'student':<{width}}  {'score':>11}  outcome",
        "-" * (width + 50),
    ]
    for r in results:
        lines.append(f"{r.student:<{width}}  {r.score:>5g} / {r.max_score:<3g}  {r.outcome}")
    return "\n".join(lines)
