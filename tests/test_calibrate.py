"""`course calibrate` moves every seed a notebook sets, and only the notebook's own cells."""

import nbformat
import pytest

from course_utils.grading.calibrate import reseeded


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def test_reseeded_moves_the_setup_seed_and_every_manual_seed_but_not_the_tests():
    setup = nbformat.v4.new_code_cell("setup(seed=0)")
    train = nbformat.v4.new_code_cell("torch.manual_seed(0)\ng = torch.Generator().manual_seed(7)")
    test = nbformat.v4.new_code_cell("torch.manual_seed(22)")
    test.metadata["nbgrader"] = {"grade": True, "grade_id": "test_x", "points": 1}
    nb = notebook(setup, train, test)

    moved = reseeded(nb, 3)

    assert moved.cells[0].source == "setup(seed=3)"
    assert moved.cells[1].source == (
        "torch.manual_seed(3000)\ng = torch.Generator().manual_seed(3007)"
    )
    assert moved.cells[2].source == "torch.manual_seed(22)"
    assert nb.cells[1].source.startswith("torch.manual_seed(0)"), "the input notebook is unchanged"
    assert reseeded(nb, 0).cells[1].source == train.source


def test_reseeded_needs_exactly_one_setup_call():
    with pytest.raises(ValueError, match="one cell calling setup"):
        reseeded(notebook(nbformat.v4.new_code_cell("x = 1")), 1)
