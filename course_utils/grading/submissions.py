"""Find each student's notebook in a folder or zip of submissions and decide whether it can be graded.

Accepted layouts: <student>/<ID>/<notebook>.ipynb, <student>/<notebook>.ipynb, or
<student>.ipynb (what a zip of one notebook per student usually holds), and the file and folder
names of Canvas and Moodle downloads (intake.py says which). Of several uploads of one file the
newest is graded. Only the notebook goes on to grading: files next to it (a torch.py that would
shadow torch) are left behind.
"""

from __future__ import annotations

import copy
import hashlib
import os
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from .course import read_notebook
from .intake import Origin, Roster, disambiguate, origin

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
    submitted_as: str = ""  # the name it came under, when that is not the student id
    timestamp: datetime | None = None  # when it was submitted (UTC), for nbgrader's late penalty
    person: dict[str, str] = field(default_factory=dict)  # first_name, last_name, email (roster)
    checksum: str = ""  # sha256 of the submitted file's bytes


@dataclass(frozen=True)
class Upload:
    """One notebook (or link) found in the download, with what its name and time say."""

    path: Path
    origin: Origin
    time: datetime | None

    @property
    def own_name(self) -> str:
        """The student's own file name (LMS prefix and resubmission suffix removed)."""
        return self.origin.file or self.path.name

    def newness(self) -> tuple:
        """Sorts uploads oldest first: by time, then Canvas's resubmission number, attachment id."""
        return (self.time or datetime.min, self.origin.attempt, self.origin.order)


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
                written = zf.extract(member, target)
                when = datetime(*member.date_time, tzinfo=timezone.utc).timestamp()
                os.utime(written, (when, when), follow_symlinks=False)  # the zip entry's time
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
    source: Path,
    assignment_id: str,
    staging: Path,
    release: nbformat.NotebookNode,
    roster: Roster = Roster(),
    times: dict[str, datetime] | None = None,
) -> list[Submission]:
    """One Submission per student found under `source` (a folder or a .zip).

    times: {name in the download or student id: submission time}; without one, a file from a
    zip has its zip entry's time (read as UTC).
    """
    source = Path(source)
    times = times or {}
    if not source.exists():
        raise SystemExit(f"submissions not found: {source}")
    zipped = source.suffix == ".zip"
    if zipped:
        source = unzip(source, staging / "unzipped")
    uploads: list[tuple[str, Upload]] = []  # (entry name, upload)
    for entry in _visible(source.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            paths = _candidates(entry, assignment_id) or [entry]  # empty: "no notebook found"
        elif entry.is_symlink() or entry.suffix == ".ipynb":
            paths = [entry]  # a link is never followed: _prepare says it was ignored
        else:
            continue
        found = origin(entry.name, is_file=entry.is_symlink() or not entry.is_dir())
        uploads += [(entry.name, Upload(p, found, _time(p, zipped))) for p in paths]
    students = _student_ids([u.origin for _, u in uploads], roster)
    grouped: dict[str, list[Upload]] = {}
    for entry_name, upload in uploads:
        student = students[upload.origin]
        when = times.get(entry_name) or times.get(student) or upload.time
        grouped.setdefault(student, []).append(Upload(upload.path, upload.origin, when))
    return [
        _prepare(student, group, assignment_id, staging, release, roster)
        for student, group in sorted(grouped.items())
    ]


def _time(path: Path, zipped: bool) -> datetime | None:
    """A zipped file's entry time (naive UTC, as nbgrader stores times); None for a folder's."""
    if not zipped or path.is_symlink():
        return None
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).replace(tzinfo=None)


def _student_ids(origins: list[Origin], roster: Roster) -> dict[Origin, str]:
    """The student id of every origin: the roster's, else a safe id made from its name (a name
    two LMS users share gets the LMS id appended)."""
    lms_ids: dict[str, set[str]] = {}
    for o in origins:
        lms_ids.setdefault(o.name, set()).add(o.lms_id)

    def display(o: Origin) -> str:
        return f"{o.name}_{o.lms_id}" if len(lms_ids[o.name]) > 1 else o.name

    unlisted = [o for o in origins if roster.find(o) is None]
    safe = disambiguate([display(o) for o in unlisted])
    return {o: roster.find(o) or safe[display(o)] for o in origins}


def _prepare(
    student: str, uploads: list[Upload], assignment_id: str, staging: Path, release, roster
) -> Submission:
    sub = Submission(student, person=roster.people.get(student, {}))
    names = sorted({u.origin.name for u in uploads})
    if names != [student]:
        sub.submitted_as = ", ".join(names)
    expected = f"{assignment_id}.ipynb"
    links = [u for u in uploads if not _regular(u.path)]
    if links:
        sub.notes.append(
            f"{len(links)} links or special files ignored ({ascii(links[0].path.name)})"
        )
        uploads = [u for u in uploads if _regular(u.path)]
    uploads = [u for u in uploads if not u.path.is_dir()]  # an empty folder has none
    if not uploads:
        sub.problem = f"no notebook found (expected {expected})"
        return sub
    named = [u for u in uploads if u.own_name == expected]
    pool = named or (uploads if len({u.own_name for u in uploads}) == 1 else [])
    if not pool:
        sub.problem = f"{len(uploads)} notebooks and none named {expected}"
        return sub
    chosen = max(pool, key=Upload.newness)
    if len(pool) > 1:
        sub.notes.append(f"newest of {len(pool)} uploads graded")
    if chosen.own_name not in (expected, f"{chosen.origin.name}.ipynb"):
        sub.notes.append(f"notebook was named {ascii(chosen.own_name)}, graded as {expected}")
    if chosen.origin.late:
        sub.notes.append("the LMS marked it late")
    sub.timestamp = chosen.time
    path = chosen.path
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        sub.problem = f"the notebook is larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB"
        return sub
    sub.checksum = hashlib.sha256(path.read_bytes()).hexdigest()
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
