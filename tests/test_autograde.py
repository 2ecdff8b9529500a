"""nbgrader autograding of every assignment: the solution scores full marks, the blank release 0,
every wrong variant in tests/variants/<id>.py loses exactly the points of the cells it must fail,
and the correct alternatives in tests/alternatives/<id>.py, all applied at once, score full marks."""

import re
from pathlib import Path

import nbformat
import pytest
from grading_helpers import cell_scores, failed_cells, write_submission

from course_utils.grading.course import Course
from course_utils.grading.grade import Settings, grade
from course_utils.grading.samples import (
    apply,
    apply_all,
    grade_ids,
    load_alternatives,
    load_variants,
)

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:60]


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", COURSE.assignment_ids())
def test_solution_blank_and_wrong_variants(assignment_id, tmp_path):
    solution = nbformat.read(COURSE.solution_notebook(assignment_id), as_version=4)
    blank = nbformat.read(COURSE.release_notebook(assignment_id), as_version=4)
    variants = load_variants(COURSE, assignment_id)
    alternatives = load_alternatives(COURSE, assignment_id)
    assert variants, f"tests/variants/{assignment_id}.py must list wrong variants"
    assert alternatives, f"tests/alternatives/{assignment_id}.py must list correct alternatives"
    folder = tmp_path / "submissions"
    write_submission(folder, "solution", assignment_id, solution)
    write_submission(folder, "alternatives", assignment_id, apply_all(solution, alternatives))
    write_submission(folder, "blank", assignment_id, blank)
    for variant in variants:
        write_submission(folder, slug(variant.name), assignment_id, apply(solution, variant))

    results = {
        r.student: r
        for r in grade(COURSE, assignment_id, folder, tmp_path / "out", Settings(workers=2))
    }

    out = tmp_path / "out"
    all_cells = set(grade_ids(solution))
    assert results["solution"].score == results["solution"].max_score > 0, results[
        "solution"
    ].outcome
    assert results["blank"].score == 0
    rejected = failed_cells(out, assignment_id, "alternatives")
    assert not rejected, (
        f"correct alternatives ({', '.join(a.name for a in alternatives)}) lost points in {sorted(rejected)}"
    )
    assert failed_cells(out, assignment_id, "blank") == all_cells
    for variant in variants:
        student = slug(variant.name)
        assert variant.fails <= all_cells, (
            f"{variant.name}: unknown grade ids {variant.fails - all_cells}"
        )
        assert failed_cells(out, assignment_id, student) == variant.fails, (
            f"{variant.name}: failed {sorted(failed_cells(out, assignment_id, student))},"
            f" expected exactly {sorted(variant.fails)}"
        )
        scores = cell_scores(out, assignment_id, student)
        lost = sum(top - score for score, top in scores.values())
        expected_lost = sum(scores[name][1] for name in variant.fails)
        assert lost == expected_lost, (
            f"{variant.name}: lost {lost} points, expected {expected_lost}"
        )
