"""`course grade --scheduler tcp://HOST:8786` or `--cluster local:N`: grade on Dask workers.

A job carries one student's staged notebook (bytes), the assignment id and the grading settings.
A worker, which has the same course checkout and environment, runs the same per-student step as
`--workers` (sandbox, nbgrader forked from a warm server kept per worker process) in a private
folder and sends back the submitted and autograded notebooks, the feedback and the student's
gradebook as bytes; the main process writes them where `_record` reads them, and alone writes
the gradebook. A worker that dies mid-job has its students given to another worker by the
scheduler (after `distributed.scheduler.allowed-failures` deaths, 3 by default, the student is
"not graded: ... KilledWorker"). distributed is imported only when a cluster option is given.
docs/distributed.md: how to run workers on SLURM or Kubernetes.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from .course import Course
from .files import pack, unpack

LOCAL = "local:"
GPU = "GPU"  # the worker resource that a --device cuda job asks for (dask worker --resources GPU=1)
STEPS = ["submitted", "autograded", "feedback"]
GRADEBOOK = "gradebook.db"  # the student's own copy, written by nbgrader outside the sandbox


def check_address(address: str) -> None:
    """Refuse, in one line, what is neither local:N nor a scheduler address."""
    if address.startswith(LOCAL):
        if not address[len(LOCAL) :].isdigit() or int(address[len(LOCAL) :]) < 1:
            raise SystemExit(f"--cluster: expected local:N with N >= 1 workers, got {address!r}")
    elif "://" not in address:
        raise SystemExit(
            f"--scheduler: expected an address such as tcp://HOST:8786, got {address!r}"
        )


def remote(address: str | None) -> bool:
    """Whether the students' kernels run on other machines (bubblewrap is then checked there)."""
    return address is not None and not address.startswith(LOCAL)


@dataclass(frozen=True)
class Job:
    """What a worker needs to grade one student; `solution` is the sha256 of the main process's
    solution notebook, so a worker with another checkout refuses instead of grading differently."""

    student: str
    notebook: bytes
    timestamp: datetime | None
    assignment_id: str
    settings: object  # grade.Settings
    due: datetime | None
    solution: str


@dataclass(frozen=True)
class Returned:
    """A worker's answer: why grading failed (None: it did not), the files, notes on left-outs."""

    failure: str | None
    files: dict[str, bytes]
    notes: list[str]


class _Worker:
    """Per worker process: the course checkout, a warm server per thread, kernel uids, and one
    released assignment with its gradebook per (assignment, due date, solution)."""

    def __init__(self, threads: int, folder: Path):
        from . import autograde_student
        from .sandbox import UidPool

        self.course = Course(Path(__file__).resolve().parents[2])
        self.threads = threads
        self.folder = folder
        self.uids = UidPool(threads)
        self.forkers = autograde_student.ForkerPool()
        self.masters: dict[tuple, Path] = {}
        self.lock = threading.Lock()

    def master(self, job: Job) -> Path:
        from nbgrader.api import Gradebook

        from .grade import _set_due
        from .nbgrader_cli import sqlite_url
        from .release import generate

        key = (job.assignment_id, job.due, job.solution)
        with self.lock:
            if key not in self.masters:
                if self.course.solution_digest(job.assignment_id) != job.solution:
                    raise RuntimeError(
                        f"the worker's checkout ({self.course.root}) has another solution notebook "
                        f"for {job.assignment_id}: update it to the grading machine's"
                    )
                where = Path(tempfile.mkdtemp(prefix="master-", dir=self.folder))
                db = where / GRADEBOOK
                generate(self.course, job.assignment_id, where / "release", sqlite_url(db))
                with Gradebook(sqlite_url(db)) as gb:
                    _set_due(gb, job.assignment_id, job.due)
                self.masters[key] = db
            return self.masters[key]


_worker: _Worker | None = None
_worker_lock = threading.Lock()


def _this_worker(sandbox: bool) -> _Worker:
    global _worker
    from distributed import get_worker

    with _worker_lock:
        if _worker is None:
            if sandbox:
                from .sandbox import check_available

                check_available()
            dask = get_worker()
            folder = Path(tempfile.mkdtemp(prefix="course-grading-", dir=dask.local_directory))
            _worker = _Worker(dask.state.nthreads, folder)
        return _worker


def grade_job(job: Job) -> Returned:
    """On a worker: grade one student in a private folder; the files come back as bytes."""
    from .grade import _autograde_one, _private
    from .submissions import Submission

    try:
        worker = _this_worker(job.settings.sandbox)
        master = worker.master(job)
    except (SystemExit, Exception) as error:
        return Returned(f"worker {socket.gethostname()}: {error}", {}, [])
    with tempfile.TemporaryDirectory(prefix=f"{job.student}-", dir=worker.folder) as tmp:
        work = Path(tmp)
        staged = work / "staged.ipynb"
        staged.write_bytes(job.notebook)
        sub = Submission(job.student, notebook=staged, timestamp=job.timestamp)
        settings = replace(job.settings, workers=worker.threads)
        failure = _autograde_one(
            worker.course, sub, job.assignment_id, work, master, settings, worker.uids,
            worker.forkers,
        )  # fmt: skip
        root = _private(work, sub, job.assignment_id).root
        files, notes = pack(root, STEPS)
        if (root / GRADEBOOK).is_file():
            files[GRADEBOOK] = (root / GRADEBOOK).read_bytes()
    return Returned(failure, files, notes)


def _stop_worker() -> None:
    """On each worker, at Ctrl-C: kill the running nbgrader runs; later jobs get fresh servers."""
    from . import autograde_student

    if _worker is not None:
        stopped, _worker.forkers = _worker.forkers, autograde_student.ForkerPool()
        stopped.stop()


class Cluster:
    """The main process's side: a Dask client (and a LocalCluster for local:N)."""

    def __init__(self, address: str, device: str):
        from distributed import Client, LocalCluster

        self.resources = {GPU: 1} if device == "cuda" else None
        self.local = None
        if address.startswith(LOCAL):
            self.local = LocalCluster(
                n_workers=int(address[len(LOCAL) :]),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                resources=self.resources,
            )
        self.client = Client(self.local or address)
        self.futures = []

    def grade(self, job: Job, root: Path) -> Returned:
        """Grade one student on the cluster (blocks); its files are written under root."""
        future = self.client.submit(
            grade_job, job, key=f"grade-{job.student}-{uuid.uuid4().hex}", resources=self.resources
        )
        self.futures.append(future)
        returned = future.result()
        files = dict(returned.files)
        gradebook = files.pop(GRADEBOOK, None)
        unpack(files, root, STEPS)
        if gradebook is not None:
            (root / GRADEBOOK).write_bytes(gradebook)
        return returned

    def probe(self, sandbox: bool) -> dict:
        """What a students' kernel on a (GPU) worker sees, for gpu_probe.require_gpu."""
        from .gpu_probe import what_the_kernel_sees

        probe = self.client.submit(
            what_the_kernel_sees, sandbox, resources=self.resources, pure=False
        )
        return probe.result()

    def stop(self) -> None:
        self.client.cancel(self.futures, force=True)
        self.client.run(_stop_worker)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()
        if self.local is not None:
            self.local.close()
