"""`course formgrader`: nbgrader's formgrader (manual grading, the gradebook's views) on a folder
that `course grade` wrote.

The graded folder is an nbgrader course folder (submitted/, autograded/, feedback/ and the
gradebook). The Jupyter server runs from a private temporary folder that holds the only
nbgrader_config.py it reads (written here, never taken from the graded folder), with the graded
folder as its root, so formgrader sees exactly the gradebook `course grade` filled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from .course import Course

CONFIG = """\
c = get_config()
load_subconfig({course_config!r})  # the course's settings (course id, late penalty policy)
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = {db_url!r}
"""


def server_command(out_dir: Path, port: int, open_browser: bool) -> list[str]:
    """The Jupyter server command line, with formgrader as the page it opens."""
    return [
        sys.executable,
        "-m",
        "jupyter_server",
        f"--ServerApp.root_dir={out_dir}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.default_url=/formgrader",
        f"--ServerApp.open_browser={open_browser}",
        *(["--allow-root"] if os.geteuid() == 0 else []),  # containers often run as root
    ]


def write_config(course: Course, out_dir: Path, db_url: str, where: Path) -> Path:
    """Write the nbgrader_config.py that points formgrader at out_dir and db_url."""
    path = where / "nbgrader_config.py"
    text = CONFIG.format(
        course_config=str(course.root / "nbgrader_config.py"), root=str(out_dir), db_url=db_url
    )
    path.write_text(text)
    return path


def formgrader(course: Course, out_dir: Path, db_url: str, port: int, open_browser: bool) -> int:
    """Run the server until Ctrl-C or SIGTERM, which stop it too; returns its exit status."""
    with tempfile.TemporaryDirectory(prefix="course-formgrader-") as where:
        write_config(course, out_dir, db_url, Path(where))
        print(f"formgrader on {out_dir} ({db_url}); Ctrl-C stops it", flush=True)
        server = subprocess.Popen(server_command(out_dir, port, open_browser), cwd=where)
        signal.signal(signal.SIGTERM, lambda *_: server.terminate())
        try:
            return server.wait()
        except KeyboardInterrupt:  # the terminal sent it to the server too; make sure it ends
            server.terminate()
            server.wait(timeout=30)
            return 130
