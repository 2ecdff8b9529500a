"""Where things are in a course directory, and how notebooks are read safely."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import nbformat

NOTEBOOK_TIMEOUT = 600  # seconds for one notebook, top to bottom: the one default everywhere

CONFIG_FILE = "nbgrader_config.py"


@dataclass(frozen=True)
class Course:
    """A course directory: nbgrader_config.py, solutions/, assignments/, lectures/, tests/."""

    root: Path

    @classmethod
    def find(cls, start: str | Path | None = None) -> Course:
        """The course whose root holds nbgrader_config.py, searching upwards from `start`."""
        here = Path(start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / CONFIG_FILE).exists() and (folder / "solutions").is_dir():
                return cls(folder)
        raise SystemExit(
            f"no course found: {here} and its parents have no {CONFIG_FILE} next to solutions/"
        )

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def assignments(self) -> Path:
        return self.root / "assignments"

    @property
    def lectures(self) -> Path:
        return self.root / "lectures"

    def assignment_ids(self) -> list[str]:
        return sorted(p.name for p in self.solutions.iterdir() if (p / f"{p.name}.ipynb").exists())

    def check_id(self, assignment_id: str) -> str:
        if assignment_id not in self.assignment_ids():
            known = ", ".join(self.assignment_ids())
            raise SystemExit(f"unknown assignment {assignment_id!r}; known: {known}")
        return assignment_id

    def solution_notebook(self, assignment_id: str) -> Path:
        return self.solutions / assignment_id / f"{assignment_id}.ipynb"

    def solution_digest(self, assignment_id: str) -> str:
        """sha256 of the solution notebook: which instructor version a grade was made with."""
        return hashlib.sha256(self.solution_notebook(assignment_id).read_bytes()).hexdigest()

    def release_notebook(self, assignment_id: str) -> Path:
        return self.assignments / assignment_id / f"{assignment_id}.ipynb"

    def lecture_notebooks(self) -> list[Path]:
        return sorted(self.lectures.glob("l*.ipynb"))


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read and validate a notebook; raises ValueError with a one-line reason when it is unusable."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # invalid JSON, wrong encoding, not a notebook at all
        raise ValueError(
            f"{path.name} is not a readable notebook ({type(error).__name__})"
        ) from None
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        raise ValueError(f"{path.name} is not a valid notebook ({error.message[:80]})") from None
    return nb
