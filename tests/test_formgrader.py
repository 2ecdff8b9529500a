"""`course formgrader` serves nbgrader's formgrader on a graded folder: its API reports the
gradebook's scores, a manual grade given there reaches grades.csv through `course export`, on
SQLite and, where a PostgreSQL server can be started here, on PostgreSQL."""

import csv
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from grading_helpers import free_port
from nbgrader.api import Gradebook

from course_utils.grading.nbgrader_cli import read_schema_version_in_process, sqlite_url

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_formgrader")]

COURSE = str(Path(sys.executable).parent / "course")  # the installed command
A5, NOTEBOOK, CELL, TOKEN = "a5_gan_dynamics", "a5_gan_dynamics", "test_cell", "formgrader-test"
SCORES = {"ada": 2.0, "bob": 0.0}


def fill(db_url: str) -> None:
    """A gradebook as course grade leaves it: one assignment, one 2-point cell, two students."""
    read_schema_version_in_process()
    with Gradebook(db_url) as gb:
        gb.update_or_create_assignment(A5)
        gb.update_or_create_notebook(NOTEBOOK, A5)
        gb.update_or_create_grade_cell(CELL, NOTEBOOK, A5, max_score=2.0, cell_type="code")
        for student, score in SCORES.items():
            gb.update_or_create_student(student)
            gb.update_or_create_submission(A5, student)
            gb.find_grade(CELL, NOTEBOOK, A5, student).auto_score = score
        gb.db.commit()


@pytest.fixture(params=["sqlite", "postgresql"])
def graded(request, tmp_path):
    out = tmp_path / "grading"
    out.mkdir()
    if request.param == "sqlite":
        db_url = sqlite_url(out / "gradebook.db")
    else:
        db_url = request.getfixturevalue("postgres_server")("formgrader")
    fill(db_url)
    return out, db_url


def call(port: int, path: str, data: dict | None = None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/formgrader/api/{path}",
        data=None if data is None else json.dumps(data).encode(),
        method="GET" if data is None else "PUT",
        headers={"Authorization": f"token {TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def jupyter_servers_on(out: Path) -> list[int]:
    """Processes whose command line serves `out` (a moment to let a terminated server exit)."""
    time.sleep(2)
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if (
                proc.name.isdigit()
                and f"root_dir={out}".encode() in (proc / "cmdline").read_bytes()
            ):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def course(*args: str, **kwargs):
    return subprocess.run([COURSE, *args], **kwargs)


def test_formgrader_shows_the_gradebook_and_its_manual_grades_reach_the_csv(graded):
    out, db_url = graded
    port = free_port()
    server = subprocess.Popen(
        [COURSE, "formgrader", "--out", str(out),
         "--db", db_url, "--port", str(port), "--no-browser"],
        env={**os.environ, "JUPYTER_TOKEN": TOKEN}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                submissions = call(port, f"submissions/{A5}")
                break
            except OSError:
                assert server.poll() is None, "course formgrader exited"
                assert time.monotonic() < deadline, "formgrader did not answer within 120 s"
                time.sleep(0.5)
        assert {s["student"]: s["score"] for s in submissions} == SCORES
        with Gradebook(db_url) as gb:
            grade_id = gb.find_grade(CELL, NOTEBOOK, A5, "bob").id
        call(port, f"grade/{grade_id}", {"manual_score": 1.5})  # what a TA does by hand
        assert {s["student"]: s["score"] for s in call(port, f"submissions/{A5}")}["bob"] == 1.5
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not jupyter_servers_on(out), "the Jupyter server outlived course formgrader"
    course("export", "--out", str(out), "--db", db_url, check=True, capture_output=True)
    with (out / "grades.csv").open(newline="") as f:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    assert scores == {"ada": 2.0, "bob": 1.5}


def test_formgrader_refuses_a_folder_without_a_gradebook(tmp_path):
    done = course("formgrader", "--out", str(tmp_path), capture_output=True, text=True)
    assert done.returncode != 0 and "no gradebook" in done.stderr
