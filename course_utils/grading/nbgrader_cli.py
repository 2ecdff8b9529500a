"""Run nbgrader's own commands in a subprocess, with a course root and gradebook of our choosing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries the end of its log."""


def run_nbgrader(
    args: list[str],
    root: Path,
    db_url: str | None = None,
    timeout: float | None = None,
    env: dict | None = None,
    preexec_fn=None,
    check: bool = True,
    module: str = "nbgrader",
) -> subprocess.CompletedProcess:
    """`python -m MODULE ARGS` (nbgrader's own command by default) with cwd=root, so root's
    nbgrader_config.py applies; nbgrader's command also gets root and db_url as options."""
    bin_dir = str(
        Path(sys.executable).parent
    )  # nbgrader runs `alembic` from the environment's bin/
    path = bin_dir + os.pathsep + os.environ.get("PATH", "")
    cmd = [sys.executable, "-m", module, *args]
    if module == "nbgrader":
        cmd.append(f"--CourseDirectory.root={root}")
        if db_url:
            cmd.append(f"--CourseDirectory.db_url={db_url}")
    proc = subprocess.Popen(
        cmd,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        encoding="utf-8",
        errors="replace",  # what a student's kernel printed is never decoded strictly
        env={**os.environ, "PATH": path, **(env or {})},
        preexec_fn=preexec_fn,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # nbgrader and everything it started
        proc.communicate()
        raise
    proc = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
    if check and proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise NbgraderError(f"{module} {' '.join(args)} failed (exit {proc.returncode}):\n{tail}")
    return proc


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"
