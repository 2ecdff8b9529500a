"""The visible tests teach: each wrong variant is already caught by the visible part of the test
cell it names (what the student runs before submitting), with that cell's one-line message.

The variants run in the batches of samples.batches (no member fails another's visible cell),
each batch's release notebook run past errors up to its last named cell: each member's visible
cell must be the first of its cells to fail, and no other test cell may fail (nor any other cell
before a member is caught).
Prints, per variant, the message its visible test gives."""

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

from course_utils.grading.course import Course
from course_utils.grading.notebooks import failures
from course_utils.grading.samples import (
    apply_all,
    batches,
    grade_ids,
    load_variants,
    with_visible_tests,
)

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)


def _failures(nb_json: str) -> dict[str, str]:
    return {f.cell: f.message for f in failures(nbformat.reads(nb_json, as_version=4))}


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", COURSE.assignment_ids())
def test_visible_tests_catch_each_variant(assignment_id):
    solution = nbformat.read(COURSE.solution_notebook(assignment_id), as_version=4)
    release = nbformat.read(COURSE.release_notebook(assignment_id), as_version=4)
    variants = load_variants(COURSE, assignment_id)
    order = grade_ids(release)
    for v in variants:
        assert v.visible is None or v.visible in v.fails, (
            f"{v.name}: its visible cell {v.visible} is not among its fails"
        )
    packed = [[v for v in batch if v.visible] for batch in batches(solution, variants)]
    packed = [batch for batch in packed if batch]
    notebooks = [
        nbformat.writes(
            with_visible_tests(
                apply_all(solution, batch),
                release,
                max((v.visible for v in batch), key=order.index),
            )
        )
        for batch in packed
    ]
    with ProcessPoolExecutor(max_workers=2) as pool:
        raised = list(pool.map(_failures, notebooks))

    problems = []
    print(f"\n{assignment_id}: which visible test catches each wrong variant")
    for variant in variants:
        if not variant.visible:
            print(f"  hidden only   {variant.name}")
    for batch, failed in zip(packed, raised):
        for variant in batch:
            first = min((c for c in failed if c in variant.fails), key=order.index, default=None)
            if first == variant.visible:
                print(f"  {variant.visible:<13} {variant.name}: {failed[variant.visible][:110]}")
            else:
                problems.append(
                    f"{variant.name}: expected {variant.visible} to fail first, got {failed}"
                )
                print(f"  MISSED        {variant.name}")
        # a cell that is not a test (a training cell, say) may fail once a member has been caught
        claimed = set().union(*(v.fails for v in batch))
        caught = [i for i, cell in enumerate(failed) if cell in {v.visible for v in batch}]
        unexpected = [
            cell
            for i, cell in enumerate(failed)
            if cell not in claimed and (cell in order or not caught or i < caught[0])
        ]
        if unexpected:
            names = "; ".join(v.name for v in batch)
            problems.append(f"batch of {names}: also failed {unexpected}")
    assert not problems, "\n".join(problems)
