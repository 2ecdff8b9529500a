"""Who a downloaded file is from: LMS file names, a roster, safe student ids, submission times.

File names, as the two LMS write them into their "download all submissions" zips:

- Canvas: `<name>[_late]_<user id>_<attachment id>_<the student's file name>`, e.g.
  `smithjohn_12345_67890_a5_gan_dynamics.ipynb` (the layout shown in
  github.com/mikewesthad/canvas-unzipper's README); `late` is inserted when the submission came
  after the due date, and a file uploaded again under the same name gets `-1`, `-2`, ... before
  its extension (github.com/TimHanneman/Canvas_submission_sort, whose README describes both, and
  students asking about the suffix in github.com/nus-cs2103-AY2324S1/forum/issues/459).
- Moodle: `<full name>_<participant id>_assignsubmission_file_<the student's file name>`, or with
  "download submissions in folders" a folder `<full name>_<participant id>_assignsubmission_file_`
  holding the student's files (Moodle's own import test, mod/assign/feedback/file/tests, builds
  `'Student Name_' . $studentid . '_assignsubmission_file_'`).

Anything else is `<student>.ipynb` or a folder `<student>/`, as before. A roster CSV maps LMS
ids, emails or names to the course's student ids; without one (or for a name it lacks) the name
becomes a safe id (ASCII letters, digits, `_ . @ -`) and the original is kept for the CSV.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from nbgrader.utils import parse_utc

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
CANVAS = re.compile(
    r"^(?P<name>[^_]+?)(?P<late>_late)?_(?P<lms_id>\d+)_(?P<order>\d+)_(?P<file>.+)$", re.I
)
MOODLE = re.compile(r"^(?P<name>.+)_(?P<lms_id>\d+)_assignsubmission_file_(?P<file>.*)$")
RESUBMISSION = re.compile(r"^(?P<stem>.+)-(?P<attempt>\d{1,3})$")


@dataclass(frozen=True)
class Origin:
    """Whom an entry of the download says it is from, and which upload it is."""

    name: str  # the name it came under: a folder or file name, or the LMS's student name
    file: str = ""  # the student's own file name, LMS prefix and resubmission suffix removed
    lms_id: str = ""
    attempt: int = 0  # Canvas's -N resubmission suffix
    order: int = 0  # Canvas's attachment id: later uploads have larger ones
    late: bool = False  # Canvas put `late` in the name


def origin(entry_name: str, is_file: bool) -> Origin:
    """Parse one top-level entry of a download (a file or a folder name)."""
    stem = entry_name[: -len(".ipynb")] if is_file and entry_name.endswith(".ipynb") else None
    if is_file:
        match = MOODLE.match(entry_name) or CANVAS.match(entry_name)
    else:
        match = MOODLE.match(entry_name)
    if not match:
        return Origin(name=stem if stem is not None else entry_name)
    parts = match.groupdict()
    file, attempt = parts["file"], 0
    if file.endswith(".ipynb"):
        again = RESUBMISSION.match(file[: -len(".ipynb")])
        if again:
            file, attempt = again["stem"] + ".ipynb", int(again["attempt"])
    return Origin(
        name=parts["name"],
        file=file,
        lms_id=parts["lms_id"],
        attempt=attempt,
        order=int(parts.get("order") or 0),
        late=bool(parts.get("late")),
    )


# Latin letters that Unicode does not decompose into a base letter and an accent.
LETTERS = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                         "ß": "ss", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
                         "þ": "th", "Þ": "Th", "ı": "i"})  # fmt: skip


def _ascii(text: str) -> str:
    """The name in ASCII letters: accents dropped (é -> e), ø -> o, ß -> ss; other scripts go."""
    plain = unicodedata.normalize("NFKD", text.translate(LETTERS))
    return plain.encode("ascii", "ignore").decode()


def _key(text: str) -> str:
    """A name compared loosely: accents, case, spaces and punctuation ignored."""
    return re.sub(r"[^a-z0-9]", "", _ascii(text).lower())


def safe_id(name: str) -> str:
    """A student id nbgrader and file paths accept, made from any display name."""
    if STUDENT_ID.match(name):
        return name
    text = re.sub(r"[^A-Za-z0-9_.@-]+", "_", _ascii(name)).strip("_.@-")[:64].rstrip("_.@-")
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return text if STUDENT_ID.match(text) else f"student_{digest}"


def disambiguate(names: list[str]) -> dict[str, str]:
    """{display name: safe id}, where two names that make the same safe id get a suffix each."""
    by_id: dict[str, list[str]] = {}
    for name in dict.fromkeys(names):
        by_id.setdefault(safe_id(name), []).append(name)
    ids = {}
    for sid, group in by_id.items():
        for name in group:
            clash = len(group) > 1 and name != sid
            digest = hashlib.sha256(name.encode()).hexdigest()[:6]
            ids[name] = f"{sid[:57]}_{digest}" if clash else sid
    return ids


@dataclass
class Roster:
    """The course's students: student_id plus any of lms_id, email, name, first_name, last_name."""

    ids: dict[str, str] = field(default_factory=dict)  # lookup key -> student id
    people: dict[str, dict[str, str]] = field(default_factory=dict)  # student id -> names, email

    def find(self, found: Origin) -> str | None:
        """The student id of an entry: by LMS id, then email, then name (loosely)."""
        for key in (f"lms:{found.lms_id}" if found.lms_id else "", f"email:{found.name.lower()}"):
            if key in self.ids:
                return self.ids[key]
        return self.ids.get(f"name:{_key(found.name)}")


ROSTER_COLUMNS = ("student_id", "lms_id", "email", "name", "first_name", "last_name")


def load_roster(path: Path | None) -> Roster:
    """Read a roster CSV; SystemExit with the line at fault when it cannot be used."""
    roster = Roster()
    if path is None:
        return roster
    rows = _read_csv(path, "--roster", required=("student_id",))
    for line, row in rows:
        student = row.get("student_id", "").strip()
        if not STUDENT_ID.match(student):
            raise SystemExit(
                f"--roster {path}, line {line}: student_id {student!r} is not a valid id "
                "(letters, digits, _ . @ -, at most 64)"
            )
        first, last = row.get("first_name", "").strip(), row.get("last_name", "").strip()
        keys = [f"name:{_key(student)}"]
        if row.get("lms_id", "").strip():
            keys.append(f"lms:{row['lms_id'].strip()}")
        if row.get("email", "").strip():
            keys += [f"email:{row['email'].strip().lower()}", f"name:{_key(row['email'])}"]
        for name in (row.get("name", ""), first + last, last + first, f"{last}, {first}"):
            if _key(name):
                keys.append(f"name:{_key(name)}")
        for key in keys:
            roster.ids.setdefault(key, student)
        person = {"first_name": first, "last_name": last, "email": row.get("email", "").strip()}
        roster.people[student] = {k: v for k, v in person.items() if v}
    return roster


def load_timestamps(path: Path | None) -> dict[str, datetime]:
    """{file or folder name in the download, or student id: submission time (UTC)}."""
    if path is None:
        return {}
    times = {}
    for line, row in _read_csv(path, "--timestamps", required=("file", "timestamp")):
        try:
            times[row["file"].strip()] = parse_utc(row["timestamp"].strip())
        except (ValueError, OverflowError):
            raise SystemExit(
                f"--timestamps {path}, line {line}: {row['timestamp']!r} is not a date and time "
                "(such as 2026-03-01T23:59:00+01:00)"
            ) from None
    return times


def parse_due(text: str | None) -> datetime | None:
    """--due as a UTC datetime (an ISO 8601 date and time; without a zone it is UTC)."""
    if text is None:
        return None
    try:
        return parse_utc(text)
    except (ValueError, OverflowError):
        raise SystemExit(
            f"--due: {text!r} is not a date and time (such as 2026-03-01T23:59:00+01:00)"
        ) from None


def _read_csv(path: Path, option: str, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise SystemExit(f"{option} {path}: no column {', '.join(missing)} in the header")
            return [(index + 2, row) for index, row in enumerate(reader)]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise SystemExit(f"{option} {path}: cannot read it ({error})") from None
