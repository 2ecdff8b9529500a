"""The grade files `course grade` leaves for the instructor, and the feedback banner."""

import csv

import nbformat
import pytest
from nbgrader.api import Gradebook

from course_utils.grading import records
from course_utils.grading.export import COLUMNS, export
from course_utils.grading.grade import _banner, failed_tests
from course_utils.grading.nbgrader_cli import sqlite_url
from course_utils.grading.release import generate


def rows(path):
    with path.open(newline="") as f:
        return list(csv.reader(f))


@pytest.mark.slow  # nbgrader generate_assignment
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's autoflush noise
def test_export_has_a_row_per_student_and_assignment_and_quotes_student_text(course, tmp_path):
    db_url = sqlite_url(tmp_path / "gradebook.db")
    generate(course, "a5_gan_dynamics", tmp_path / "release", db_url)
    with Gradebook(db_url) as gb:
        records.ensure_table(gb)
        gb.add_student("ada", first_name="=HYPERLINK(1)")
        gb.add_student("bob")
        gb.add_submission("a5_gan_dynamics", "ada")
        records.save(gb, "a5_gan_dynamics", "ada", records.Record("-1 points?", "Ada L."))
        gb.db.commit()
    export(db_url, tmp_path)
    table = rows(tmp_path / "grades.csv")
    assert table[0] == COLUMNS
    by_student = {row[3]: dict(zip(COLUMNS, row)) for row in table[1:]}
    assert set(by_student) == {"ada", "bob"}
    assert by_student["bob"]["outcome"] == "no submission" and by_student["bob"]["score"] == "0.0"
    assert by_student["ada"]["first_name"] == "'=HYPERLINK(1)"
    assert by_student["ada"]["outcome"] == "'-1 points?"
    assert by_student["ada"]["submitted_as"] == "Ada L."
    assert rows(tmp_path / "grades_a5_gan_dynamics.csv") == table


def graded_cell(source, grade_id, points, error=None):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "points": points}
    if error:
        cell.outputs = [
            nbformat.v4.new_output("error", ename=error[0], evalue=error[1], traceback=[])
        ]
    return cell


def test_the_feedback_lists_each_failed_test_cell_with_its_message():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("def elbo(): ...", outputs=[]),
        graded_cell(
            "check_close(...)",
            "test_elbo",
            3,
            ("CheckFailed", "entry [0] is -2.77, expected -3.27"),
        ),
        graded_cell("check_close(...)", "test_kl", 2),
        graded_cell("check(...)", "test_trained", 4, ("KernelDied", "the kernel died <os._exit>")),
    ]
    failures = failed_tests(nb)
    assert failures == [
        "test_elbo (0 of 3 points): CheckFailed: entry [0] is -2.77, expected -3.27",
        "test_trained (0 of 4 points): KernelDied: the kernel died <os._exit>",
    ]
    banner = _banner("1/3 test cells passed", failures)
    assert "Failed test cells" in banner and "test_kl" not in banner
    assert "&lt;os._exit&gt;" in banner  # student text is escaped
