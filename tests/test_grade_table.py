"""The grade files `course grade` leaves for the instructor, and the feedback banner."""

import csv

import nbformat

from course_utils.grading.grade import Result, _banner, failed_tests, write_all_grades, write_csv


def rows(path):
    with path.open(newline="") as f:
        return list(csv.reader(f))


def test_grades_csv_keeps_every_assignment_graded_into_the_folder(tmp_path):
    a1 = [Result("ada", 22, 22, "7/7 test cells passed"), Result("bob", 8, 22, "cell 12: timeout")]
    a5 = [Result("ada", 20, 20, "7/7 test cells passed")]
    write_csv(a5, "a5_gan_dynamics", tmp_path / "grades_a5_gan_dynamics.csv")
    write_csv(a1, "a1_autoregressive", tmp_path / "grades_a1_autoregressive.csv")
    write_all_grades(tmp_path)
    assert rows(tmp_path / "grades.csv") == [
        ["student_id", "assignment", "score", "max_score", "outcome"],
        ["ada", "a1_autoregressive", "22", "22", "7/7 test cells passed"],
        ["bob", "a1_autoregressive", "8", "22", "cell 12: timeout"],
        ["ada", "a5_gan_dynamics", "20", "20", "7/7 test cells passed"],
    ]


def test_regrading_an_assignment_replaces_its_rows(tmp_path):
    write_csv([Result("ada", 3, 20, "first try")], "a5", tmp_path / "grades_a5.csv")
    write_all_grades(tmp_path)
    write_csv([Result("ada", 20, 20, "regraded")], "a5", tmp_path / "grades_a5.csv")
    write_all_grades(tmp_path)
    assert rows(tmp_path / "grades.csv")[1:] == [["ada", "a5", "20", "20", "regraded"]]


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
