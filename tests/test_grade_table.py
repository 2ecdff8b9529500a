"""The grade files `course grade` leaves for the instructor."""

import csv

from course_utils.grading.grade import Result, write_all_grades, write_csv


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
