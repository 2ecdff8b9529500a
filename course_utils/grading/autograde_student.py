"""One student's nbgrader run in one process: `autograde`, then `generate_feedback`.

The grader runs this once per student in the student's private course folder (whose
nbgrader_config.py says everything: gradebook, kernel, limits, test seed). Each run is forked
from a warm server (`Forker`, one per grading worker) that has already imported nbgrader, torch
and the grading code, so a student costs no interpreter start-up and no imports: seconds per
student on 2 cores. The server only imports and forks; no student code ever runs in it.
Usage by hand: python -m course_utils.grading.autograde_student ROOT ASSIGNMENT_ID STUDENT_ID
"""

from __future__ import annotations

import ctypes
import json
import os
import queue
import resource
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

from .nbgrader_cli import path_with_alembic

PR_SET_PDEATHSIG = 1  # linux/prctl.h
PRELOAD = ("nbgrader.apps", "torch", "course_utils.checks", "course_utils.grading.execute")
SERVE = "--serve"


def main(argv: list[str]) -> int:
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    root, assignment_id, student = argv
    config = PyFileConfigLoader("nbgrader_config.py", path=root).load_config()
    config.CourseDirectory.root = root
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    for step, run_step in (
        ("autograde", lambda: api.autograde(assignment_id, student, force=True, create=True)),
        ("generate_feedback", lambda: api.generate_feedback(assignment_id, student, force=True)),
    ):
        result = run_step()
        if not result["success"]:
            print(
                f"nbgrader {step} failed", result.get("log", ""), result.get("error", ""), sep="\n"
            )
            return 1
    return 0


def die_with_parent() -> None:
    """Linux: SIGKILL this process when the thread that started it ends, so a `course grade`
    that is killed (not interrupted) leaves no server, nbgrader run or kernel behind (the
    sandboxed kernel dies with its nbgrader run through bubblewrap's --die-with-parent).
    A server is started by a grading thread, which lives until the batch is over."""
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the call
        os._exit(1)


def _child(request: dict) -> None:
    """In the forked process: its own session (killed as a group), folder, environment and log."""
    fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # never the server's request pipe
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # the server ignores it; nbgrader must not
        die_with_parent()
        os.setsid()
        os.chdir(request["root"])
        os.environ.update(request["env"])
        if request["memory"]:
            resource.setrlimit(resource.RLIMIT_AS, (request["memory"], request["memory"]))
        code = main(request["argv"])
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    """The warm server: import once, then fork one child per request line; report pid and exit code.

    Ctrl-C in the terminal reaches the server too: it ignores it, and the grader, which gets it
    as well, kills the running child and closes the server."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    for module in PRELOAD:
        __import__(module)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"exit": os.waitstatus_to_exitcode(status)}), flush=True)
    os._exit(0)  # nothing to clean up; the interpreter's teardown with torch loaded costs seconds


class Forker:
    """A warm server and the one student it grades at a time."""

    def __init__(self, stopped: threading.Event):
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self._buffer = b""
        self._stopped = stopped  # set: kill the child at once, start none
        self._child: int | None = None
        self._reply(None)

    def _reply(self, timeout: float | None) -> dict | None:
        """The server's next reply line, or None when `timeout` seconds pass first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([self.process.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                raise RuntimeError("the grading server stopped")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def run(
        self, argv: list[str], root: Path, env: dict, timeout: float, memory: int | None = None
    ) -> None:
        """Grade one student (argv as for main) in a fresh fork, with cwd=root and env added.

        Raises subprocess.TimeoutExpired after `timeout` seconds (the whole process group is
        killed) and RuntimeError with the end of the log when the run fails.
        """
        log = root / "autograde.log"
        request = {
            "argv": argv,
            "root": str(root),
            "log": str(log),
            "memory": memory,
            "env": {**env, "PATH": path_with_alembic()},
        }
        if self._stopped.is_set():
            raise RuntimeError("grading was interrupted")
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()
        self._child = self._reply(None)["pid"]
        if self._stopped.is_set():  # stopped while this child was being forked
            self.kill()
        done = self._reply(timeout)
        if done is None:
            self.kill()
            self._reply(None)
        self._child = None
        if done is None:
            raise subprocess.TimeoutExpired(argv, timeout)
        if self._stopped.is_set():
            raise RuntimeError("grading was interrupted")
        if done["exit"] != 0:
            text = log.read_text(errors="replace") if log.exists() else ""
            tail = "\n".join(text.strip().splitlines()[-15:])
            raise RuntimeError(
                f"autograde {' '.join(argv[1:])} failed (exit {done['exit']}):\n{tail}"
            )

    def kill(self) -> None:
        """Kill the running child's process group: nbgrader and everything it started (a
        sandboxed kernel dies with it: bubblewrap runs with --die-with-parent)."""
        pid = self._child
        if pid is None:
            return
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:  # killed before it made its own session, or already gone
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


class ForkerPool:
    """One warm server per grading worker, started when first needed, closed at the end."""

    def __init__(self):
        self._idle: queue.SimpleQueue[Forker] = queue.SimpleQueue()
        self._all: list[Forker] = []
        self._stopped = threading.Event()

    def run(self, *args, **kwargs) -> None:
        """Forker.run on an idle server (a new one when none is idle or one stopped)."""
        if self._stopped.is_set():
            raise RuntimeError("grading was interrupted")
        try:
            forker = self._idle.get_nowait()
        except queue.Empty:
            forker = Forker(self._stopped)
            self._all.append(forker)
        try:
            forker.run(*args, **kwargs)
        finally:
            if forker.process.poll() is None:
                self._idle.put(forker)

    def stop(self) -> None:
        """Kill every running child now; runs started later fail at once."""
        self._stopped.set()
        for forker in list(self._all):
            forker.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        for forker in self._all:
            if forker.process.poll() is None:
                forker.close()


if __name__ == "__main__":
    if sys.argv[1:] == [SERVE]:
        serve()
    else:
        sys.exit(main(sys.argv[1:]))
