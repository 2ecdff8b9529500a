"""The visible tests teach: each wrong variant is already caught by the visible part of the test
cell it names (what the student runs before submitting), with that cell's one-line message.

Prints, per variant, which visible test caught it (or that only a hidden edge case does)."""

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

from course_utils.grading.course import Course
from course_utils.grading.notebooks import first_failure
from course_utils.grading.samples import apply, load_variants, with_visible_tests

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)


def _first_failure(nb_json: str):
    return first_failure(nbformat.reads(nb_json, as_version=4))


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", COURSE.assignment_ids())
def test_visible_tests_catch_each_variant(assignment_id):
    solution = nbformat.read(COURSE.solution_notebook(assignment_id), as_version=4)
    release = nbformat.read(COURSE.release_notebook(assignment_id), as_version=4)
    variants = load_variants(COURSE, assignment_id)
    checked = [v for v in variants if v.visible]
    for v in checked:
        assert v.visible in v.fails, (
            f"{v.name}: its visible cell {v.visible} is not among its fails"
        )
    notebooks = [
        nbformat.writes(with_visible_tests(apply(solution, v), release, v.visible)) for v in checked
    ]
    with ProcessPoolExecutor(max_workers=2) as pool:
        failures = dict(zip((v.name for v in checked), pool.map(_first_failure, notebooks)))

    missed = []
    print(f"\n{assignment_id}: which visible test catches each wrong variant")
    for variant in variants:
        failure = failures.get(variant.name)
        if not variant.visible:
            print(f"  hidden only   {variant.name}")
        elif failure is None or failure.cell != variant.visible:
            missed.append(f"{variant.name}: expected {variant.visible} to fail, got {failure}")
            print(f"  MISSED        {variant.name}: {failure}")
        else:
            print(f"  {failure.cell:<13} {variant.name}: {failure.message[:110]}")
    assert not missed, "\n".join(missed)
