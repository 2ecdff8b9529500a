"""`course release`: nbgrader generate_assignment from solutions/ into assignments/."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from .course import Course
from .nbgrader_cli import NbgraderError, read_schema_version_in_process, sqlite_url


def generate(course: Course, assignment_id: str, release_dir: Path, db_url: str) -> Path:
    """Generate the student version of one assignment into release_dir/<id>/ and record it in db_url.

    nbgrader's generate_assignment runs in this process, with the course's nbgrader_config.py:
    a `python -m nbgrader` per call would pay nbgrader's import time (about 10 s on 2 cores)
    twice per grading batch. Only the instructor's solutions are read here."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    config.CourseDirectory.root = str(course.root)
    config.CourseDirectory.db_url = db_url
    config.CourseDirectory.release_directory = str(release_dir)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    read_schema_version_in_process()
    result = api.generate_assignment(assignment_id, force=True, create=True)
    if not result["success"]:
        tail = "\n".join(
            (result.get("log", "") + result.get("error", "")).strip().splitlines()[-15:]
        )
        raise NbgraderError(f"nbgrader generate_assignment {assignment_id} failed:\n{tail}")
    return release_dir / assignment_id


def release(course: Course, assignment_ids: list[str]) -> list[Path]:
    """Regenerate assignments/<id>/ for each id (all when empty); returns the notebooks written."""
    written = []
    for assignment_id in assignment_ids or course.assignment_ids():
        course.check_id(assignment_id)
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            generated = generate(
                course, assignment_id, tmp / "release", sqlite_url(tmp / "gradebook.db")
            )
            target = course.assignments / assignment_id
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(generated, target)
        notebook = course.release_notebook(assignment_id)
        _normalise(notebook)
        written.append(notebook)
    return written


def _normalise(path: Path) -> None:
    """Stable JSON layout (sorted keys, one-space indent) so the committed file is reproducible."""
    nb = json.loads(path.read_text())
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
