"""`course calibrate`: how often each graded cell passes the solution, and each wrong variant, over seeds.

The solution and every variant of tests/variants/<id>.py are graded `seeds` times, each copy with
the notebook's seeds moved to seed s (see `reseeded`), in one sandboxed batch with its own
grading seed. Per test cell, the report gives the solution's pass rate (its false rejects
are the rest) and the pass rate of each variant that must fail the cell (its false accepts).
"""

from __future__ import annotations

import copy
import re
import tempfile
from datetime import date
from pathlib import Path

import nbformat

from .course import Course
from .grade import Settings, cell_scores, grade
from .samples import apply, grade_ids, load_variants, write_submission

SEED_CALL = "setup(seed=0)"
MANUAL_SEED = re.compile(r"\bmanual_seed\((\d+)\)")
SEED_STRIDE = 1000  # manual_seed(n) becomes manual_seed(n + 1000 * seed): distinct streams per seed


def reseeded(nb: nbformat.NotebookNode, seed: int) -> nbformat.NotebookNode:
    """nb with every seed its own cells set moved to calibration seed `seed`: its one
    `setup(seed=0)` call becomes `setup(seed=seed)` and each `manual_seed(n)` (a cell that
    reseeds before training, as the ring GAN does) `manual_seed(n + 1000 * seed)`. Graded
    test cells are left alone: the grader runs the gradebook's copy of them."""
    nb = copy.deepcopy(nb)
    code = [
        c
        for c in nb.cells
        if c.cell_type == "code" and not c.metadata.get("nbgrader", {}).get("grade")
    ]
    calls = [c for c in code if SEED_CALL in c.source]
    if len(calls) != 1:
        raise ValueError(f"expected one cell calling {SEED_CALL}, found {len(calls)}")
    calls[0].source = calls[0].source.replace(SEED_CALL, f"setup(seed={seed})")
    for cell in code:
        cell.source = MANUAL_SEED.sub(
            lambda m: f"manual_seed({int(m.group(1)) + SEED_STRIDE * seed})", cell.source
        )
    return nb


def calibrate(course: Course, assignment_id: str, seeds: int, workers: int, only: list[str]) -> str:
    """Grade every sample on `seeds` seeds; returns the markdown report."""
    solution = nbformat.read(course.solution_notebook(assignment_id), as_version=4)
    variants = [v for v in load_variants(course, assignment_id) if not only or v.name in only]
    samples = {
        "solution": solution,
        **{f"variant{i:02d}": apply(solution, v) for i, v in enumerate(variants)},
    }
    with tempfile.TemporaryDirectory(prefix="course-calibrate-") as tmp:
        folder, out = Path(tmp) / "subs", Path(tmp) / "out"
        for label, nb in samples.items():
            for seed in range(seeds):
                write_submission(folder, f"{label}-seed{seed}", assignment_id, reseeded(nb, seed))
        results = grade(course, assignment_id, folder, out, Settings(workers=workers))
        passed = {
            r.student: {
                name
                for name, (score, top) in cell_scores(out, assignment_id, r.student).items()
                if score >= top
            }
            for r in results
        }

    def rate(label: str, cell: str) -> str:
        hits = sum(cell in passed.get(f"{label}-seed{seed}", set()) for seed in range(seeds))
        return f"{hits}/{seeds}"

    lines = [
        f"## {assignment_id}",
        "",
        f"`course calibrate {assignment_id} --seeds {seeds}` on {date.today().isoformat()}: each sample graded "
        f"with notebook seeds 0-{seeds - 1}.",
        "",
        "| test cell | solution passes | wrong variants that must fail it: how often they pass |",
        "|---|---|---|",
    ]
    for cell in grade_ids(solution):
        accepts = [
            f"{v.name}: {rate(f'variant{i:02d}', cell)}"
            for i, v in enumerate(variants)
            if cell in v.fails
        ]
        lines.append(f"| {cell} | {rate('solution', cell)} | {'; '.join(accepts) or '-'} |")
    return "\n".join(lines) + "\n"
