"""grades.csv and grades_<id>.csv come from the gradebook: a partial regrade loses no row, and they
agree with nbgrader's own export, manual grades included; on SQLite and on PostgreSQL (a server the
tests start, where the Debian package postgresql is installed, as `make test` does)."""

import csv

import nbformat
import pytest
from grading_helpers import write_submission
from nbgrader.api import Gradebook
from nbgrader.plugins.export import CsvExportPlugin

from course_utils.grading.cli import main
from course_utils.grading.export import NBGRADER_COLUMNS
from course_utils.grading.grade import Settings, grade
from course_utils.grading.nbgrader_cli import sqlite_url
from course_utils.grading.samples import apply, load_variants

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_grade_export")]

A5 = "a5_gan_dynamics"


def table(path):
    with path.open(newline="") as f:
        return {(row["assignment"], row["student_id"]): row for row in csv.DictReader(f)}


def nbgrader_export(db_url, tmp_path):
    target = tmp_path / "nbgrader_grades.csv"
    with Gradebook(db_url) as gb:
        CsvExportPlugin(to=str(target)).export(gb)
    return table(target)


def same_as_nbgrader(ours, theirs):
    return {k: {c: row[c] for c in NBGRADER_COLUMNS} for k, row in ours.items()} == theirs


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def graded_twice(request, course, tmp_path_factory):
    """ada (solution), bob (blank) and cy (one wrong variant) graded, then bob's resubmission."""
    tmp = tmp_path_factory.mktemp("export")
    first, again, out = tmp / "first", tmp / "again", tmp / "out"
    if request.param == "sqlite":
        db_url = sqlite_url(out / "gradebook.db")
    else:
        db_url = request.getfixturevalue("postgres_server")("export")
    solution = nbformat.read(course.solution_notebook(A5), as_version=4)
    blank = nbformat.read(course.release_notebook(A5), as_version=4)
    wrong = apply(solution, load_variants(course, A5)[0])
    for student, nb in (("ada", solution), ("bob", blank), ("cy", wrong)):
        write_submission(first, student, A5, nb)
    grade(course, A5, first, out, Settings(workers=2, seed=1), db_url)
    write_submission(again, "bob", A5, solution)  # bob resubmits; only bob is regraded
    [bob] = grade(course, A5, again, out, Settings(seed=1), db_url)
    return out, bob, tmp, db_url


def test_a_partial_regrade_updates_its_row_and_keeps_the_others(graded_twice):
    out, bob, _, _ = graded_twice
    assert bob.score == 20
    for path in (out / "grades.csv", out / f"grades_{A5}.csv"):
        rows = table(path)
        assert sorted(student for _, student in rows) == ["ada", "bob", "cy"]
        assert rows[(A5, "bob")]["score"] == "20.0"
        assert rows[(A5, "ada")]["outcome"] == "7/7 test cells passed"
        assert rows[(A5, "cy")]["outcome"].startswith("6/7")


def test_the_csvs_agree_with_nbgrader_export(graded_twice):
    out, _, tmp, db_url = graded_twice
    assert same_as_nbgrader(table(out / "grades.csv"), nbgrader_export(db_url, tmp))


def test_a_manual_grade_shows_after_the_next_export(graded_twice, capsys):
    out, _, tmp, db_url = graded_twice
    with Gradebook(db_url) as gb:
        submission = gb.find_submission(A5, "cy")
        lost = next(g for nb in submission.notebooks for g in nb.grades if g.score < g.max_score)
        lost.manual_score = lost.max_score  # what formgrader does when a TA overrides a cell
        gb.db.commit()
    main(["export", "--out", str(out), "--db", db_url])
    assert "grades.csv" in capsys.readouterr().out
    assert table(out / "grades.csv")[(A5, "cy")]["score"] == "20.0"
    assert same_as_nbgrader(table(out / "grades.csv"), nbgrader_export(db_url, tmp))
