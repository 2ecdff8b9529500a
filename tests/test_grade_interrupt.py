"""Ctrl-C stops `course grade` within seconds and ends every child; the students that finished are
recorded; a rerun skips unchanged submissions (unless --force)."""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from grading_helpers import write_submission

from course_utils.grading.grade import Settings, grade

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_grade_interrupt")]

A5 = "a5_gan_dynamics"
MARK = "COURSE_INTERRUPT_TEST"


def solution(course, loop=False):
    nb = nbformat.read(course.solution_notebook(A5), as_version=4)
    if loop:
        first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
        first.source += "\n\nwhile True:\n    pass"
    return nb


def until(condition, seconds, what):
    """Wait for a condition (a limit on waiting, not a performance assertion)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.5)


def processes_of(tmp: Path) -> dict[int, str]:
    """{pid: working folder} of the processes this test's grading run started: by the marker in
    their environment (the grader's children) or their working folder (sandboxed kernels, whose
    environment is cleared)."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if cwd.startswith(str(tmp)) or f"{MARK}={tmp.name}".encode() in environ:
            found[int(proc.name)] = cwd
    return found


def kernel_running(tmp: Path, student: str) -> bool:
    """The student's kernel runs in their autograded folder."""
    return any(f"/students/{student}/autograded/" in cwd for cwd in processes_of(tmp).values())


def start_grading(subs: Path, out: Path, tmp: Path, **options) -> subprocess.Popen:
    """`course grade` of subs into out in a process of its own, marked as this test's."""
    command = (
        "from course_utils.grading.cli import main; "
        f"main(['grade', '{A5}', '{subs}', '--out', '{out}', '--timeout', '300'])"
    )
    return subprocess.Popen(
        [sys.executable, "-c", command],
        env={**os.environ, MARK: tmp.name},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


def rows(out):
    with (out / "grades.csv").open(newline="") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def test_ctrl_c_records_the_finished_ends_every_child_and_a_rerun_skips_them(course, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    write_submission(subs, "ada", A5, solution(course))
    write_submission(subs, "zed", A5, solution(course, loop=True))
    grading = start_grading(subs, out, tmp_path, start_new_session=True)  # a terminal's job
    feedback = out / "feedback" / "ada" / A5
    until(lambda: any("Grading note" in p.read_text() for p in feedback.glob("*.html")), 300, "ada")
    until(lambda: kernel_running(tmp_path, "zed"), 120, "zed's kernel")
    os.killpg(grading.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
    stdout, stderr = grading.communicate(timeout=60)
    assert grading.returncode == 130, stderr[-2000:]
    assert "interrupted: 1 of 2 students graded" in stderr
    assert "1/2" in stderr and "failed=0" in stderr  # the progress bar
    assert "ada" in stdout
    until(lambda: not processes_of(tmp_path), 10, "the children to end")
    assert set(rows(out)) == {"ada"} and rows(out)["ada"]["score"] == "20.0"

    write_submission(subs, "zed", A5, solution(course))  # zed fixes the loop; ada is unchanged
    results = {r.student: r for r in grade(course, A5, subs, out, Settings(seed=1))}
    assert results["ada"].outcome.startswith("unchanged, not regraded: 7/7")
    assert results["zed"].score == 20 and results["zed"].outcome.startswith("7/7")
    assert {s: r["score"] for s, r in rows(out).items()} == {"ada": "20.0", "zed": "20.0"}

    (subs / "zed").rename(tmp_path / "zed")
    [ada] = grade(course, A5, subs, out, Settings(seed=1, force=True))
    assert ada.outcome.startswith("7/7"), ada.outcome


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_a_killed_grader_leaves_no_child_behind(course, tmp_path, sig):
    """SIGTERM (a job scheduler) stops the batch like Ctrl-C; SIGKILL to the grader alone, which
    cannot be caught, still ends its servers, nbgrader runs and kernels (they die with it)."""
    subs, out = tmp_path / "subs", tmp_path / "out"
    write_submission(subs, "zed", A5, solution(course, loop=True))
    grading = start_grading(subs, out, tmp_path)
    until(lambda: kernel_running(tmp_path, "zed"), 180, "zed's kernel")
    grading.send_signal(sig)  # to the grader's process only, not its group
    _, stderr = grading.communicate(timeout=60)
    assert grading.returncode == (130 if sig == signal.SIGTERM else -signal.SIGKILL), stderr[-2000:]
    until(lambda: not processes_of(tmp_path), 20, "the children to end")
