"""Shared fixtures: the course directory, the Agg backend for plots, a PostgreSQL server."""

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from grading_helpers import free_port

from course_utils.grading.course import Course

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def course() -> Course:
    return Course(ROOT)


@pytest.fixture(autouse=True)
def _no_open_figures():
    """Every test starts and ends with no matplotlib figure open (the widget tests count them)."""
    import matplotlib.pyplot as plt

    plt.close("all")
    yield
    plt.close("all")


def pytest_collection_modifyitems(items):
    """Browser tests run last: the quick checks report first, and a slow browser never hides them."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server on 127.0.0.1 (run as user postgres when the tests run as
    root); yields a function that creates a fresh database and returns its SQLAlchemy URL.
    Skips where the server binaries (Debian package postgresql) or psycopg are missing."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg (the postgres extra) is missing")
    initdb = shutil.which("initdb") or next(
        iter(glob.glob("/usr/lib/postgresql/*/bin/initdb")), None
    )
    if initdb is None:
        pytest.skip("no PostgreSQL server binaries (Debian package postgresql)")
    bindir, port = Path(initdb).parent, free_port()
    home = Path(tempfile.mkdtemp(prefix="course-postgres-"))  # outside pytest's 0700 folders
    home.chmod(0o755)
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if runner:  # initdb refuses to run as root
        shutil.chown(home, "postgres")

    def pg(program: str, *args) -> None:
        done = subprocess.run([*runner, bindir / program, "-D", home / "data", *args],
                              capture_output=True, text=True)  # fmt: skip
        assert done.returncode == 0, f"{program} failed: {done.stderr}"

    pg("initdb", "-A", "trust", "-U", "course")
    pg("pg_ctl", "-o", f"-h 127.0.0.1 -p {port} -k {home}", "-l", home / "log", "-w", "start")
    made = []

    def database(name: str) -> str:
        made.append(f"{name}_{len(made)}")
        with psycopg.connect(f"host=127.0.0.1 port={port} user=course dbname=postgres",
                             autocommit=True) as db:  # fmt: skip
            db.execute(f'CREATE DATABASE "{made[-1]}"')
        return f"postgresql+psycopg://course@127.0.0.1:{port}/{made[-1]}"

    try:
        yield database
    finally:
        pg("pg_ctl", "-m", "fast", "stop")
        shutil.rmtree(home, ignore_errors=True)
