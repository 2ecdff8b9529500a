"""Verdicts are decided outside the student's kernel: generic cheating snippets earn nothing.

Every attack in tests/hostile/attacks.py is pasted into a blank release (right after the setup
cell, before every test) and into a correct notebook (a1's correct notebook carries them all at
once); all are graded in one batch next to the plain solution. Each cheating blank must score
exactly 0, each correct notebook full marks.
"""

import copy
from pathlib import Path

import nbformat
import pytest
from grading_helpers import write_submission
from hostile.attacks import ATTACKS

from course_utils import verdict
from course_utils.checks import CheckFailed, check_close
from course_utils.grading.course import Course
from course_utils.grading.grade import Settings, grade

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)
# a5 runs in seconds: each attack gets a correct notebook of its own. a1 trains a PixelCNN, so
# one correct notebook carries every attack that can sit before its test cells, each in its own
# cell, and must still earn full marks.
CASES = {"a5_gan_dynamics": False, "a1_autoregressive": True}


def with_attack(nb, code: str, early: bool):
    """A copy of nb with one extra code cell: after the first code cell, or at the end."""
    nb = copy.deepcopy(nb)
    cell = nbformat.v4.new_code_cell(code.strip())
    if early:
        first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        nb.cells.insert(first + 1, cell)
    else:
        nb.cells.append(cell)
    return nb


def correct_with_attacks(solution, combined: bool) -> dict:
    """Correct notebooks carrying the attacks: one per attack, or one with every attack that
    spares the student's code (`combined`)."""
    if not combined:
        return {
            f"correct_{a.name}": with_attack(solution, a.code, early=a.spares_code) for a in ATTACKS
        }
    nb = solution
    for attack in reversed([a for a in ATTACKS if a.spares_code]):
        nb = with_attack(nb, attack.code, early=True)
    return {"correct_with_every_sparing_attack": nb}


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", CASES)
def test_generic_attacks_earn_exactly_the_honest_score(assignment_id, tmp_path):
    solution = nbformat.read(COURSE.solution_notebook(assignment_id), as_version=4)
    blank = nbformat.read(COURSE.release_notebook(assignment_id), as_version=4)
    folder = tmp_path / "submissions"
    write_submission(folder, "solution", assignment_id, solution)
    for attack in ATTACKS:
        write_submission(
            folder, f"blank_{attack.name}", assignment_id, with_attack(blank, attack.code, True)
        )
    for student, nb in correct_with_attacks(solution, CASES[assignment_id]).items():
        write_submission(folder, student, assignment_id, nb)

    results = {
        r.student: r
        for r in grade(COURSE, assignment_id, folder, tmp_path / "out", Settings(workers=2))
    }

    full = results["solution"].max_score
    assert results["solution"].score == full > 0, results["solution"].outcome
    wrong = {
        name: (r.score, r.outcome)
        for name, r in results.items()
        if r.score != (0 if name.startswith("blank_") else full)
    }
    assert not wrong, f"scores that are not exactly 0 (blank) or {full} (correct): {wrong}"


def test_observations_are_plain_data_only():
    """decode refuses anything but JSON data: no pickle, no code, sizes and dtypes checked."""
    import torch

    record = verdict.Record(
        x=torch.arange(6.0).view(2, 3), n=3, names=["a"], table={"k": 1.5}, f=print
    )
    back = verdict.decode(verdict.encode(record))
    assert torch.equal(back.x, record.x) and back.x.dtype == torch.float32
    assert back.n == 3 and back.names == ["a"] and back.table == {"k": 1.5}
    assert type(back.f) is verdict.Opaque and "builtin" in back.f.description
    for bad in (
        "not json",
        "[1, 2]",
        '{"x": {"__array__": {"kind": "torch", "dtype": "float64", "shape": [4], "data": "AAAA"}}}',
        '{"x": {"__array__": {"kind": "torch", "dtype": "object", "shape": [1], "data": ""}}}',
        '{"x": {"__pickle__": "gASVAAAA"}}',
        '{"__class__": 1}',
        '{"x": ' + "[" * 50 + "]" * 50 + "}",
    ):
        with pytest.raises(verdict.ObservationError):
            verdict.decode(bad)


def test_opaque_values_fail_the_checks_with_their_type():
    seen = verdict.decode(verdict.encode(verdict.Record(model=torch_module())))
    with pytest.raises(CheckFailed, match="Linear"):
        check_close("model output", seen.model, 1.0)


def torch_module():
    import torch

    return torch.nn.Linear(2, 2)


def test_test_cells_split_into_trusted_and_probe_parts():
    source = '''"""doc"""
import math
from course_utils.verdict import run_test


def inputs(given, rng):
    given.a = 1.0


def probe(given, seen):
    seen.b = f(given.a)


def judge(given, seen):
    assert seen.b == math.sqrt(given.a)


run_test(inputs, probe, judge)'''
    parts = verdict.split_test(source)
    assert "def judge" in parts.trusted and "def inputs" in parts.trusted
    assert "def probe" not in parts.trusted
    assert (
        "def probe" in parts.probe
        and "def judge" not in parts.probe
        and "def inputs" not in parts.probe
    )
    assert "import math" in parts.probe and "import math" in parts.trusted
    with pytest.raises(ValueError, match="only imports"):
        verdict.split_test(source + "\nexpected = 2.0\n")


def test_trusted_inputs_are_drawn_per_run_and_test():
    first = verdict.test_rng(1, "test_a").normal()
    assert first == verdict.test_rng(1, "test_a").normal()
    assert first != verdict.test_rng(2, "test_a").normal()
    assert first != verdict.test_rng(1, "test_b").normal()


@pytest.mark.parametrize("assignment_id", COURSE.assignment_ids())
def test_every_graded_cell_is_probe_and_judge(assignment_id):
    nb = nbformat.read(COURSE.solution_notebook(assignment_id), as_version=4)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert tests
    for cell in tests:
        parts = verdict.split_test(cell.source)
        assert "def probe" in parts.probe, cell.metadata["nbgrader"]["grade_id"]
