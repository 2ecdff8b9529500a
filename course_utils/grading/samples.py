"""Sample submissions built from the solution: blank, partly wrong (a variant), hostile.

A variant is a named set of text replacements applied to the solution notebook, with the
grade ids of the test cells it must fail and the test cell whose visible part (what the student
sees before submitting) must already catch it. tests/variants/<id>.py lists them per assignment;
`course demo` grades the first one as its "partly wrong" student. An alternative is a correct
answer written differently (tests/alternatives/<id>.py): it must score full marks.
"""

from __future__ import annotations

import copy
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .course import Course


@dataclass(frozen=True)
class Variant:
    """A plausible wrong implementation: replacements (old, new), the test cells it must fail, and
    `visible`: the test cell whose visible part catches it (None: only a hidden edge case does)."""

    name: str
    replacements: tuple[tuple[str, str], ...]
    fails: frozenset[str]
    visible: str | None = None


@dataclass(frozen=True)
class Alternative:
    """A correct implementation written differently from the solution: it must score full marks."""

    name: str
    replacements: tuple[tuple[str, str], ...]


def _solution_cell(nb: nbformat.NotebookNode, change: Variant | Alternative, old: str) -> int:
    """Index of the one solution cell in which `old` occurs, once."""
    hits = [
        i
        for i, c in enumerate(nb.cells)
        if c.metadata.get("nbgrader", {}).get("solution") and old in c.source
    ]
    if len(hits) != 1 or nb.cells[hits[0]].source.count(old) != 1:
        raise ValueError(f"variant {change.name!r}: {old!r} must occur once in the solution cells")
    return hits[0]


def apply(nb: nbformat.NotebookNode, variant: Variant | Alternative) -> nbformat.NotebookNode:
    """A copy of nb with each `old` (which must occur exactly once in solution cells) replaced."""
    nb = copy.deepcopy(nb)
    for old, new in variant.replacements:
        cell = nb.cells[_solution_cell(nb, variant, old)]
        cell.source = cell.source.replace(old, new)
    return nb


def _applies(nb: nbformat.NotebookNode, changes: list) -> bool:
    """Whether every change in `changes` still finds its text once after the ones before it."""
    try:
        apply_all(nb, changes)
    except ValueError:
        return False
    return True


def _own_cells(variant: Variant) -> frozenset[str]:
    """The cells whose failure a batch must pin on this variant alone: its visible cell, or all
    its cells when only hidden tests catch it."""
    return frozenset({variant.visible}) if variant.visible else variant.fails


def batches(solution: nbformat.NotebookNode, variants: list[Variant]) -> list[list[Variant]]:
    """The variants packed, in their listed order, into batches that one submission can carry.

    Two variants share a batch only when they edit different solution cells and neither must
    fail the other's own cell (its visible cell; all its cells if it has none). A batch's
    submission must fail every member's cells and no others. Each own cell is claimed by one
    member alone, so its failure is that member's: a member that broke another's own cell would,
    graded alone, have failed that cell too, against its own list. Cells several members list
    (the measured cells that check every function they use first) must fail, but are not pinned
    on one member. This grades a course's variants in a fraction of one run per variant.
    """
    packed: list[tuple[list[Variant], set[int]]] = []
    for variant in variants:
        cells = {_solution_cell(solution, variant, old) for old, _ in variant.replacements}
        for members, used_cells in packed:
            if (
                not cells & used_cells
                and all(
                    not _own_cells(variant) & other.fails and not _own_cells(other) & variant.fails
                    for other in members
                )
                and _applies(solution, [*members, variant])
            ):
                members.append(variant)
                used_cells |= cells
                break
        else:
            packed.append(([variant], cells))
    return [members for members, _ in packed]


def _listed(course: Course, folder: str, assignment_id: str, name: str) -> list:
    """The list `name` in tests/<folder>/<assignment_id>.py (empty when there is no such file)."""
    path = course.root / "tests" / folder / f"{assignment_id}.py"
    if not path.exists():
        return []
    spec = importlib.util.spec_from_file_location(f"{folder}_{assignment_id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(getattr(module, name))


def load_variants(course: Course, assignment_id: str) -> list[Variant]:
    """VARIANTS from tests/variants/<assignment_id>.py."""
    return _listed(course, "variants", assignment_id, "VARIANTS")


def load_alternatives(course: Course, assignment_id: str) -> list[Alternative]:
    """ALTERNATIVES from tests/alternatives/<assignment_id>.py."""
    return _listed(course, "alternatives", assignment_id, "ALTERNATIVES")


def apply_all(nb: nbformat.NotebookNode, changes: list) -> nbformat.NotebookNode:
    """nb with every variant or alternative in `changes` applied, one after the other."""
    for change in changes:
        nb = apply(nb, change)
    return nb


def with_visible_tests(
    submission: nbformat.NotebookNode, release: nbformat.NotebookNode, until: str
) -> nbformat.NotebookNode:
    """What the student runs before submitting: the release's cells (visible tests only) with the
    submission's answers in its solution cells, up to and including the cell `until`."""
    answers = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in submission.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    nb = copy.deepcopy(release)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    if until not in ids:
        raise ValueError(f"no cell {until!r} in the release")
    nb.cells = nb.cells[: ids.index(until) + 1]
    for cell, grade_id in zip(nb.cells, ids):
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def grade_ids(nb: nbformat.NotebookNode) -> list[str]:
    """grade_id of every graded (test) cell, in order."""
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    ]


HOSTILE_PATCH = """\
import numpy as np, torch, course_utils.checks as checks
torch.allclose = lambda *args, **kwargs: True
np.allclose = lambda *args, **kwargs: True
try:
    checks.check_close = lambda *args, **kwargs: None
except AttributeError:
    pass
check_close = check_true = lambda *args, **kwargs: None
"""


def hostile(nb: nbformat.NotebookNode, variant: Variant) -> nbformat.NotebookNode:
    """The variant, made hostile: comparison helpers monkeypatched, every test cell replaced by
    `pass` with 100 points, and os._exit(1) just before the last test cell. Deserved score: the
    variant's, less the points of the last test cell."""
    nb = apply(nb, variant)
    first_solution = next(
        i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution")
    )
    nb.cells[first_solution].source += "\n\n" + HOSTILE_PATCH
    tests = [i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade")]
    for i in tests:
        nb.cells[i].source = "pass"
        nb.cells[i].metadata["nbgrader"]["points"] = 100
    nb.cells.insert(tests[-1], nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    return nb


def write_submission(
    folder: Path, student: str, assignment_id: str, nb, name: str | None = None
) -> Path:
    """Write nb as <folder>/<student>/<id>/<name or id.ipynb>, the layout `course grade` reads."""
    path = folder / student / assignment_id / (name or f"{assignment_id}.ipynb")
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def write_samples(course: Course, assignment_id: str, folder: Path) -> dict[str, str]:
    """Write <folder>/<student>/<id>/<id>.ipynb for the demo students; returns {student: what it is}."""
    solution = nbformat.read(course.solution_notebook(assignment_id), as_version=4)
    samples = {
        "solution": (solution, "the instructor's solution"),
        "blank": (
            nbformat.read(course.release_notebook(assignment_id), as_version=4),
            "the release, untouched",
        ),
    }
    variants = load_variants(course, assignment_id)
    if variants:
        samples["partly_wrong"] = (
            apply(solution, variants[0]),
            f"wrong variant: {variants[0].name}",
        )
        samples["hostile"] = (
            hostile(solution, variants[0]),
            "patches checks, edits tests, calls os._exit",
        )
    for student, (nb, _) in samples.items():
        write_submission(folder, student, assignment_id, nb)
    return {student: about for student, (_, about) in samples.items()}
