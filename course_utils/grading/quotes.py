"""Numbers the prose quotes are checked against the code's own output.

A markdown cell that quotes numbers lists, in its metadata, what each number is (the py:percent
header of the cell; nothing is shown to students, in JupyterLab or in the feedback HTML):

    # %% [markdown] checks=["100 * ring_scores[\"minimax\"][\"high_quality\"] ~ 67 +- 1"]
    # The minimax run puts 67% of its samples within 3 std of a mode.

Each entry is `expression ~ value +- tolerance`. `with_quote_checks` inserts, after the first
code cell that follows such a markdown cell, a code cell that evaluates each expression in the
notebook's namespace and prints the values; `quote_failures` reads them back from the executed
notebook. tests/test_notebooks.py does both for every lecture and solution, so a number in the
prose cannot drift from what the code prints.
"""

from __future__ import annotations

import copy
import json
import re
from typing import NamedTuple

import nbformat

NUMBER = r"[-+]?[0-9.]+(?:e[-+]?[0-9]+)?"
CHECK = re.compile(rf"^(?P<expr>.+)\s~\s*(?P<value>{NUMBER})\s*\+-\s*(?P<tol>{NUMBER})$", re.DOTALL)
METADATA_KEY = "checks"  # the markdown cell's list of quoted numbers
MARK = "course-quote-check "  # the first word of the check cell's output line
CELL_TAG = "course-quote-check"


class Quote(NamedTuple):
    """One quoted number: the expression that computes it, the value the prose states, the
    tolerance of the prose's rounding."""

    expr: str
    value: float
    tol: float


def quotes(cell: nbformat.NotebookNode) -> list[Quote]:
    """The quotes of one markdown cell; an entry that is not `expr ~ value +- tol` raises."""
    found = []
    for entry in cell.metadata.get(METADATA_KEY, []):
        match = CHECK.match(entry.strip())
        if not match:
            raise ValueError(f"quote check {entry!r} is not 'expression ~ value +- tolerance'")
        found.append(Quote(match["expr"].strip(), float(match["value"]), float(match["tol"])))
    return found


def _check_cell(checks: list[Quote]) -> nbformat.NotebookNode:
    source = (
        "def _course_quote_values(exprs, scope):\n"
        "    values = []\n"
        "    for expr in exprs:\n"
        "        try:\n"
        "            value = eval(expr, scope)\n"
        "            values.append(float(value.detach() if hasattr(value, 'detach') else value))\n"
        "        except Exception as error:\n"
        "            values.append(f'{type(error).__name__}: {error}')\n"
        "    return values\n\n\n"
        f"print({MARK!r} + __import__('json').dumps("
        f"_course_quote_values({[q.expr for q in checks]!r}, globals())))\n"
        "del _course_quote_values"
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = [CELL_TAG]
    cell.metadata["course_quotes"] = [q._asdict() for q in checks]
    return cell


def with_quote_checks(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, int]:
    """A copy of nb with a check cell after the code cell that follows each quoting markdown
    cell (at the end if none follows); returns it and the number of quotes."""
    nb = copy.deepcopy(nb)
    cells, pending, count = [], [], 0
    for cell in nb.cells:
        cells.append(cell)
        if cell.cell_type == "markdown":
            found = quotes(cell)
            pending += found
            count += len(found)
        elif cell.cell_type == "code" and pending:
            cells.append(_check_cell(pending))
            pending = []
    if pending:
        cells.append(_check_cell(pending))
    nb.cells = cells
    return nb, count


def quote_failures(executed: nbformat.NotebookNode) -> list[str]:
    """One line per quote whose value is not within its tolerance (or could not be computed)."""
    failures = []
    for cell in executed.cells:
        if CELL_TAG not in cell.metadata.get("tags", []):
            continue
        printed = [
            line[len(MARK) :]
            for output in cell.get("outputs", [])
            for line in output.get("text", "").splitlines()
            if line.startswith(MARK)
        ]
        checks = [Quote(**q) for q in cell.metadata["course_quotes"]]
        if not printed:
            failures += [f"{q.expr}: the check cell printed nothing" for q in checks]
            continue
        for q, value in zip(checks, json.loads(printed[-1])):
            if isinstance(value, str):
                failures.append(f"{q.expr}: {value}")
            elif abs(value - q.value) > q.tol:
                failures.append(f"the prose says {q.value:g} ± {q.tol:g}, {q.expr} is {value:.6g}")
    return failures
