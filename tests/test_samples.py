"""samples.batches: which wrong variants may share one submission."""

import nbformat

from course_utils.grading.samples import Variant, apply_all, batches


def notebook(*sources: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for source in sources:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = {"solution": True, "grade": False}
        nb.cells.append(cell)
    return nb


def variant(name, old, new, fails, visible):
    return Variant(name, ((old, new),), frozenset(fails), visible)


SOLUTION = notebook("def f(x):\n    return x + 1", "def g(x):\n    return 2 * x", "h = 3")


def names(packed):
    return [[v.name for v in batch] for batch in packed]


def test_variants_of_different_cells_share_a_batch_and_may_share_downstream_cells():
    f = variant("f", "x + 1", "x - 1", {"test_f", "test_all"}, "test_f")
    g = variant("g", "2 * x", "3 * x", {"test_g", "test_all"}, "test_g")
    assert names(batches(SOLUTION, [f, g])) == [["f", "g"]]
    assert "x - 1" in apply_all(SOLUTION, [f, g]).cells[0].source


def test_a_variant_that_fails_another_members_own_cell_goes_elsewhere():
    f = variant("f", "x + 1", "x - 1", {"test_f"}, "test_f")
    g = variant("g", "2 * x", "3 * x", {"test_g", "test_f"}, "test_g")
    h = variant("h", "h = 3", "h = 4", {"test_h"}, None)  # hidden only: all its cells are its own
    h_too = variant("h reads g", "def g", "def g_", {"test_g2", "test_h"}, "test_g2")
    assert names(batches(SOLUTION, [f, g, h, h_too])) == [["f", "h"], ["g"], ["h reads g"]]


def test_two_variants_of_one_cell_never_share_a_batch():
    one = variant("one", "x + 1", "x + 2", {"test_a"}, "test_a")
    two = variant("two", "def f", "def f_", {"test_b"}, "test_b")
    assert names(batches(SOLUTION, [one, two])) == [["one"], ["two"]]


def test_a_variant_whose_text_another_member_duplicates_goes_elsewhere():
    copies = variant("copies f", "h = 3", "h = 3  # x + 1", {"test_h"}, "test_h")
    f = variant("f", "x + 1", "x - 1", {"test_f"}, "test_f")
    assert names(batches(SOLUTION, [copies, f])) == [["copies f"], ["f"]]
