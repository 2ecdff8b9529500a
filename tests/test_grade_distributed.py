"""`course grade --cluster local:N` / `--scheduler ADDRESS` grade on Dask workers: the same grades
as `--workers`, and a worker killed mid-job loses no student and records none twice."""

import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from grading_helpers import write_submission

from course_utils.grading import grade as grading
from course_utils.grading.grade import Settings, grade
from course_utils.grading.samples import apply, load_variants

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_grade_distributed")]

A5 = "a5_gan_dynamics"


def submissions(course, folder, copies=1):
    """The solution (ada, and dee for copies=2), the blank release (bob), a wrong variant (cy)."""
    solution = nbformat.read(course.solution_notebook(A5), as_version=4)
    write_submission(folder, "ada", A5, solution)
    write_submission(folder, "bob", A5, nbformat.read(course.release_notebook(A5), as_version=4))
    write_submission(folder, "cy", A5, apply(solution, load_variants(course, A5)[0]))
    if copies == 2:
        write_submission(folder, "dee", A5, solution)
    return folder


def table(results):
    return {r.student: (r.score, r.max_score, r.outcome) for r in results}


def until(condition, seconds, what):
    """Wait for a condition and return its value (a limit on waiting, not a performance assertion)."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)
    return value


def test_a_local_cluster_grades_as_workers_do(course, tmp_path):
    subs = submissions(course, tmp_path / "subs")
    here = grade(course, A5, subs, tmp_path / "here", Settings(workers=2, seed=3))
    there = grade(course, A5, subs, tmp_path / "there", Settings(cluster="local:2", seed=3))
    assert table(there) == table(here)
    assert table(there)["ada"][:2] == (20, 20) and table(there)["bob"][0] == 0
    assert 0 < table(there)["cy"][0] < 20
    assert (tmp_path / "there" / "feedback" / "cy" / A5 / f"{A5}.html").exists()


def test_a_worker_killed_mid_job_loses_no_student_and_records_none_twice(
    course, tmp_path, monkeypatch
):
    from distributed import Client, LocalCluster

    subs = submissions(course, tmp_path / "subs", copies=2)
    recorded = Counter()
    record = grading._record

    def counting(sub, *args):
        recorded[sub.student] += 1
        return record(sub, *args)

    monkeypatch.setattr(grading, "_record", counting)
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            dashboard_address=None,
            local_directory=str(tmp_path / "dask"),
        ) as cluster,
        Client(cluster) as client,
    ):
        results = {}
        settings = Settings(cluster=cluster.scheduler_address, seed=3)
        grading_thread = threading.Thread(
            target=lambda: results.update(
                table(grade(course, A5, subs, tmp_path / "out", settings))
            )
        )
        grading_thread.start()

        folders = client.run(lambda dask_worker: dask_worker.local_directory)
        pids = client.run(os.getpid)

        def grading_ada():  # the worker whose private folder holds ada's running job
            running = [
                w
                for w, d in folders.items()
                if list(Path(d).glob("course-grading-*/ada-*/students"))
            ]
            return running[0] if running else None

        killed = pids[until(grading_ada, 300, "ada's job to start")]
        os.kill(killed, signal.SIGKILL)
        grading_thread.join(timeout=600)
        assert not grading_thread.is_alive()
        assert killed not in client.run(os.getpid).values()  # the nanny started a new worker
    assert set(results) == {"ada", "bob", "cy", "dee"}
    assert recorded == Counter({"ada": 1, "bob": 1, "cy": 1, "dee": 1})
    assert results["ada"][:2] == (20, 20) and results["ada"][2].startswith("7/7"), results["ada"]
    assert results["dee"][:2] == (20, 20)
