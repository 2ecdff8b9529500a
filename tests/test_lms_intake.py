"""LMS downloads: Canvas and Moodle file names, resubmissions, a roster, safe ids for any display
name, and submission times that nbgrader's late penalty uses."""

import csv
import shutil
import zipfile
from datetime import datetime

import nbformat
import pytest

from course_utils.grading.course import Course
from course_utils.grading.grade import Settings, grade
from course_utils.grading.intake import (
    disambiguate,
    load_roster,
    load_timestamps,
    origin,
    parse_due,
    safe_id,
)
from course_utils.grading.submissions import collect

A5 = "a5_gan_dynamics"


def test_canvas_and_moodle_names():
    first = origin("smith_12345_67890_a5_gan_dynamics.ipynb", is_file=True)
    assert (first.name, first.lms_id, first.file, first.attempt, first.late) == (
        "smith",
        "12345",
        f"{A5}.ipynb",
        0,
        False,
    )
    again = origin("smith_late_12345_67999_a5_gan_dynamics-2.ipynb", is_file=True)
    assert (again.name, again.file, again.attempt, again.late) == ("smith", f"{A5}.ipynb", 2, True)
    moodle = origin("José Pérez_987_assignsubmission_file_a5_gan_dynamics.ipynb", is_file=True)
    assert (moodle.name, moodle.lms_id, moodle.file) == ("José Pérez", "987", f"{A5}.ipynb")
    folder = origin("Ana María_55_assignsubmission_file_", is_file=False)
    assert (folder.name, folder.lms_id) == ("Ana María", "55")
    assert origin("alice.ipynb", is_file=True).name == "alice"


def test_any_display_name_gets_a_safe_distinct_id():
    names = ["José Pérez", "Jose Perez", "O'Brien", "-rf", "rf", "李雷", "ada", "Søren Łęcki"]
    ids = disambiguate(names)
    assert ids["ada"] == "ada" and ids["rf"] == "rf" and ids["O'Brien"] == "O_Brien"
    assert ids["Søren Łęcki"] == "Soren_Lecki"  # letters without a decomposition kept too
    assert len(set(ids.values())) == len(names)
    assert all(safe_id(i) == i for i in ids.values())  # each is a valid id itself


def write_csv(path, rows):
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def test_bad_roster_timestamps_and_due_date_are_refused_clearly(tmp_path):
    roster = write_csv(
        tmp_path / "roster.csv", [["student_id", "email"], ["ok", "a@b"], ["-x", ""]]
    )
    with pytest.raises(SystemExit, match="line 3: student_id '-x'"):
        load_roster(roster)
    with pytest.raises(SystemExit, match="no column student_id"):
        load_roster(write_csv(tmp_path / "r2.csv", [["id"], ["a"]]))
    times = write_csv(tmp_path / "t.csv", [["file", "timestamp"], ["a.ipynb", "yesterday"]])
    with pytest.raises(SystemExit, match="line 2: 'yesterday'"):
        load_timestamps(times)
    with pytest.raises(SystemExit, match="--due"):
        parse_due("soon")


def nb_bytes(course, kind="release"):
    path = course.solution_notebook(A5) if kind == "solution" else course.release_notebook(A5)
    return nbformat.writes(nbformat.read(path, as_version=4))


def canvas_zip(course, path):
    """A Canvas download: smith uploaded twice (the second one late), a roster name, a Moodle
    file and display names that are no valid ids."""
    entries = {
        "smith_12345_67890_a5_gan_dynamics.ipynb": ("release", (2026, 3, 1, 10, 0, 0)),
        "smith_late_12345_67999_a5_gan_dynamics-1.ipynb": ("solution", (2026, 3, 2, 9, 0, 0)),
        "doejane_222_333_a5_gan_dynamics.ipynb": ("solution", (2026, 3, 1, 11, 0, 0)),
        "Zoë O'Neil_987_assignsubmission_file_a5_gan_dynamics.ipynb": (
            "solution",
            (2026, 3, 1, 12, 0, 0),
        ),
        "-rf.ipynb": ("solution", (2026, 3, 1, 13, 0, 0)),
    }
    with zipfile.ZipFile(path, "w") as zf:
        for name, (kind, when) in entries.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=when), nb_bytes(course, kind))
    return path


def test_a_canvas_zip_is_read_with_roster_newest_upload_and_zip_times(course, tmp_path):
    roster = load_roster(
        write_csv(
            tmp_path / "roster.csv",
            [
                ["student_id", "lms_id", "first_name", "last_name", "email"],
                ["s0001", "12345", "John", "Smith", "john@uni.edu"],
                ["s0002", "", "Jane", "Doe", "jane@uni.edu"],
            ],
        )
    )
    release = nbformat.read(course.release_notebook(A5), as_version=4)
    subs = collect(canvas_zip(course, tmp_path / "canvas.zip"), A5, tmp_path / "s", release, roster)
    by_id = {s.student: s for s in subs}
    assert set(by_id) == {"s0001", "s0002", "Zoe_O_Neil", "rf"}
    smith = by_id["s0001"]
    assert smith.timestamp == datetime(2026, 3, 2, 9, 0, 0)  # the newest upload, -1
    assert "newest of 2 uploads graded" in smith.notes and "the LMS marked it late" in smith.notes
    assert smith.person == {"first_name": "John", "last_name": "Smith", "email": "john@uni.edu"}
    assert smith.submitted_as == "smith"
    assert by_id["s0002"].submitted_as == "doejane"  # found by name: last + first
    assert by_id["Zoe_O_Neil"].submitted_as == "Zoë O'Neil"
    assert by_id["rf"].submitted_as == "-rf" and by_id["rf"].notebook is not None


def test_a_timestamps_file_overrides_zip_times(course, tmp_path):
    times = load_timestamps(
        write_csv(
            tmp_path / "t.csv",
            [
                ["file", "timestamp"],
                ["doejane_222_333_a5_gan_dynamics.ipynb", "2026-03-05T10:00+01:00"],
            ],
        )
    )
    release = nbformat.read(course.release_notebook(A5), as_version=4)
    subs = collect(canvas_zip(course, tmp_path / "c.zip"), A5, tmp_path / "s", release, times=times)
    assert {s.student: s.timestamp for s in subs}["doejane"] == datetime(2026, 3, 5, 9, 0)


@pytest.mark.slow
def test_late_submissions_get_nbgraders_penalty_and_the_csv_keeps_the_names(course, tmp_path):
    """A copy of the course whose nbgrader_config.py says penalty_method = "zero"."""
    root = tmp_path / "course"
    shutil.copytree(course.solutions / A5, root / "solutions" / A5)
    config = (course.root / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(config.replace('= "none"', '= "zero"'))
    assert 'penalty_method = "zero"' in (root / "nbgrader_config.py").read_text()
    out = tmp_path / "out"
    settings = Settings(workers=2, seed=1, due="2026-03-01T12:30:00+00:00")
    results = grade(Course(root), A5, canvas_zip(course, tmp_path / "canvas.zip"), out, settings)
    by_student = {r.student: r for r in results}
    assert {r.student: r.score for r in results} == {
        "smith": 0,  # late: penalty "zero"
        "doejane": 20,
        "Zoe_O_Neil": 20,
        "rf": 0,  # 13:00, after the due date
    }
    assert "submitted 20.5 h after the due date, late penalty 20" in by_student["smith"].outcome
    with (out / "grades.csv").open(newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    late = rows["smith"]
    assert (late["raw_score"], late["late_submission_penalty"], late["score"]) == (
        "20.0",
        "20.0",
        "0.0",
    )
    assert late["timestamp"] == "2026-03-02 09:00:00"
    assert late["duedate"] == "2026-03-01 12:30:00"
    on_time = rows["doejane"]
    assert (on_time["late_submission_penalty"], on_time["score"]) == ("0.0", "20.0")
    assert rows["Zoe_O_Neil"]["submitted_as"] == "Zoë O'Neil"
    assert rows["rf"]["submitted_as"] == "'-rf"  # a spreadsheet will not run it
    assert rows["rf"]["late_submission_penalty"] == "20.0"
