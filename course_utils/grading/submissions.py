"""Find each student's notebook in a folder or zip of submissions and decide whether it can be graded.

Accepted layouts: <student>/<ID>/<notebook>.ipynb, <student>/<notebook>.ipynb, or
<student>.ipynb (what a zip of one notebook per student usually holds). Only the notebook
goes on to grading: files next to it (a torch.py that would shadow torch) are left behind.
"""

from __future__ import annotations

import copy
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import read_notebook

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
MAX_UNZIPPED_BYTES = 512 * 2**20
MAX_NOTEBOOK_BYTES = 64 * 2**20
EXPECTED_KERNEL = "python3"


@dataclass
class Submission:
    """One student's submission: the notebook to grade, or the reason it cannot be graded."""

    student: str
    notebook: Path | None = None
    problem: str | None = None
    notes: list[str] = field(default_factory=list)


def unzip(archive: Path, target: Path) -> Path:
    """Extract a zip safely: no absolute paths or '..', no more than MAX_UNZIPPED_BYTES."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
                raise SystemExit(f"{archive}: more than {MAX_UNZIPPED_BYTES // 2**20} MiB unzipped")
            for member in members:
                parts = Path(member.filename).parts
                if member.filename.startswith("/") or ".." in parts or parts[0] == "__MACOSX":
                    continue
                zf.extract(member, target)
    except zipfile.BadZipFile:
        raise SystemExit(f"{archive} is not a valid zip file") from None
    return target


def _visible(paths):
    return sorted(p for p in paths if not p.name.startswith((".", "__")))


def _regular(path: Path) -> bool:
    """A regular file or folder itself, not a link to one (links are never followed)."""
    return not path.is_symlink() and (path.is_file() or path.is_dir())


def _candidates(folder: Path, assignment_id: str) -> list[Path]:
    inner = folder / assignment_id
    search = inner if inner.is_dir() and not inner.is_symlink() else folder
    return _visible(search.glob("*.ipynb"))


def _without_checksum(meta: dict) -> dict:
    """The metadata a person sets; nbgrader adds checksum and cell_type itself on release."""
    return {key: value for key, value in meta.items() if key not in ("checksum", "cell_type")}


def restore_metadata(nb: nbformat.NotebookNode, release: nbformat.NotebookNode) -> int:
    """Give every cell the nbgrader metadata of the release cell with its grade_id; strip made-up ones.

    Students cannot change what a cell is worth or whether it is a test: a cell whose grade_id
    is in the release gets the release's metadata back (nbgrader then restores locked sources,
    and re-inserts deleted test cells); nbgrader metadata with any other grade_id is removed.
    Returns how many cells were changed.
    """
    reference = {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]
        for c in release.cells
        if "nbgrader" in c.metadata
    }
    changed = 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        original = reference.get(meta.get("grade_id"))
        if original is None:
            del cell.metadata["nbgrader"]
            changed += 1
        else:
            changed += _without_checksum(meta) != _without_checksum(original)
            cell.metadata["nbgrader"] = copy.deepcopy(original)
    return changed


def collect(
    source: Path, assignment_id: str, staging: Path, release: nbformat.NotebookNode
) -> list[Submission]:
    """One Submission per student found under `source` (a folder or a .zip)."""
    source = Path(source)
    if not source.exists():
        raise SystemExit(f"submissions not found: {source}")
    if source.suffix == ".zip":
        source = unzip(source, staging / "unzipped")
    found: dict[str, list[Path]] = {}
    for entry in _visible(source.iterdir()):
        if entry.is_symlink():
            found[entry.name if entry.suffix != ".ipynb" else entry.stem] = [entry]
        elif entry.is_dir():
            found[entry.name] = _candidates(entry, assignment_id)
        elif entry.suffix == ".ipynb":
            found.setdefault(entry.stem, []).append(entry)
    return [
        _prepare(student, paths, assignment_id, staging, release)
        for student, paths in sorted(found.items())
    ]


def _prepare(
    student: str, paths: list[Path], assignment_id: str, staging: Path, release
) -> Submission:
    sub = Submission(student)
    if not STUDENT_ID.match(student):
        sub.problem = "the folder name is not a valid student id (letters, digits, _ . @ -)"
        return sub
    expected = f"{assignment_id}.ipynb"
    links = [p for p in paths if not _regular(p)]
    if links:
        sub.notes.append(f"{len(links)} links or special files ignored ({ascii(links[0].name)})")
        paths = [p for p in paths if _regular(p)]
    named = [p for p in paths if p.name == expected]
    if named:
        path = named[0]
    elif len(paths) == 1:
        path = paths[0]
        if path.name != f"{student}.ipynb":
            sub.notes.append(f"notebook was named {ascii(path.name)}, graded as {expected}")
    elif not paths:
        sub.problem = f"no notebook found (expected {expected})"
        return sub
    else:
        sub.problem = f"{len(paths)} notebooks and none named {expected}"
        return sub
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        sub.problem = f"the notebook is larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB"
        return sub
    try:
        nb = read_notebook(path)
    except ValueError as error:
        sub.problem = str(error)
        return sub
    if restore_metadata(nb, release):
        sub.notes.append("nbgrader cell metadata restored")
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != EXPECTED_KERNEL:
        sub.notes.append(f"kernelspec {ascii(kernel)[:80]} replaced by {EXPECTED_KERNEL!r}")
    sub.notebook = staging / "notebooks" / f"{student}.ipynb"
    sub.notebook.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, sub.notebook)
    return sub
