"""--device cuda proves the sandboxed kernel sees a GPU before grading anyone, and a setup cell
that fails (the grading machine's fault) is "not graded: environment", never a score."""

import csv

import nbformat
import pytest
import torch
from grading_helpers import write_submission

from course_utils.grading import grade as grading
from course_utils.grading.grade import Settings, format_table, grade

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU"),
]

A5 = "a5_gan_dynamics"


def submissions(course, tmp_path):
    folder = tmp_path / "subs"
    write_submission(folder, "ada", A5, nbformat.read(course.solution_notebook(A5), as_version=4))
    return folder


def test_cuda_without_a_gpu_stops_before_anything_is_graded(course, tmp_path):
    with pytest.raises(SystemExit, match="--device cuda: the sandboxed kernel sees no GPU"):
        grade(course, A5, submissions(course, tmp_path), tmp_path / "out", Settings(device="cuda"))
    assert not (tmp_path / "out").exists()


def test_a_failing_setup_cell_is_not_graded_environment(course, tmp_path, monkeypatch):
    monkeypatch.setattr(grading, "require_gpu", lambda sandbox: None)  # as if the probe had passed
    out = tmp_path / "out"
    [ada] = grade(course, A5, submissions(course, tmp_path), out, Settings(device="cuda", seed=1))
    assert ada.outcome.startswith("not graded: environment: the setup cell (cell 2) failed"), (
        ada.outcome
    )
    assert "torch sees no CUDA GPU" in ada.outcome
    assert "    - / 20" in format_table([ada], A5)
    with (out / "grades.csv").open(newline="") as f:
        [row] = list(csv.DictReader(f))
    assert (row["raw_score"], row["score"]) == ("", "")  # never a score
