"""nbgrader autograding of every assignment: the solution scores full marks, the blank release 0,
the correct alternatives in tests/alternatives/<id>.py, all applied at once, full marks, and the
wrong variants in tests/variants/<id>.py, packed into batches (samples.batches: no member fails
another's visible cell), fail every cell their members list and no other."""

from pathlib import Path

import nbformat
import pytest
from grading_helpers import cell_scores, failed_cells, write_submission

from course_utils.grading.course import Course
from course_utils.grading.grade import Settings, grade
from course_utils.grading.samples import (
    apply_all,
    batches,
    grade_ids,
    load_alternatives,
    load_variants,
)

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", COURSE.assignment_ids())
def test_solution_blank_and_wrong_variants(assignment_id, tmp_path):
    solution = nbformat.read(COURSE.solution_notebook(assignment_id), as_version=4)
    blank = nbformat.read(COURSE.release_notebook(assignment_id), as_version=4)
    variants = load_variants(COURSE, assignment_id)
    alternatives = load_alternatives(COURSE, assignment_id)
    assert variants, f"tests/variants/{assignment_id}.py must list wrong variants"
    assert alternatives, f"tests/alternatives/{assignment_id}.py must list correct alternatives"
    all_cells = set(grade_ids(solution))
    for variant in variants:
        assert variant.fails <= all_cells, (
            f"{variant.name}: unknown grade ids {variant.fails - all_cells}"
        )
    wrong = {f"batch_{i}": batch for i, batch in enumerate(batches(solution, variants))}
    folder = tmp_path / "submissions"
    write_submission(folder, "solution", assignment_id, solution)
    write_submission(folder, "alternatives", assignment_id, apply_all(solution, alternatives))
    write_submission(folder, "blank", assignment_id, blank)
    for student, batch in wrong.items():
        write_submission(folder, student, assignment_id, apply_all(solution, batch))

    results = {
        r.student: r
        for r in grade(COURSE, assignment_id, folder, tmp_path / "out", Settings(workers=2))
    }

    out = tmp_path / "out"
    assert results["solution"].score == results["solution"].max_score > 0, results[
        "solution"
    ].outcome
    assert results["blank"].score == 0
    rejected = failed_cells(out, assignment_id, "alternatives")
    assert not rejected, (
        f"correct alternatives ({', '.join(a.name for a in alternatives)}) lost points in {sorted(rejected)}"
    )
    assert failed_cells(out, assignment_id, "blank") == all_cells
    problems = []
    for student, batch in wrong.items():
        expected = set().union(*(v.fails for v in batch))
        failed = failed_cells(out, assignment_id, student)
        for variant in batch:
            if not variant.fails <= failed:
                problems.append(f"{variant.name}: passed {sorted(variant.fails - failed)}")
        if failed - expected:
            names = "; ".join(v.name for v in batch)
            problems.append(f"batch of {names}: also failed {sorted(failed - expected)}")
        scores = cell_scores(out, assignment_id, student)
        lost = sum(top - score for score, top in scores.values())
        if not failed - expected and lost != sum(scores[name][1] for name in expected):
            problems.append(f"batch {student}: lost {lost} points, not the failed cells' points")
    assert not problems, "\n".join(problems)
