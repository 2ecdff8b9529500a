"""`course grade` gives each broken or hostile submission its deserved score and a clear outcome,
and the batch goes on. Uses a5 (it runs in seconds)."""

import re
import zipfile
from pathlib import Path

import nbformat
import pytest
from grading_helpers import cell_scores, failed_cells, write_submission

from course_utils.grading.course import Course
from course_utils.grading.grade import Settings, grade, parse_memory
from course_utils.grading.samples import hostile, load_variants

pytestmark = pytest.mark.xdist_group(
    "test_grading_survives"
)  # its module fixture runs once, on one worker

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)
A5 = "a5_gan_dynamics"
FULL = 20


def _solution():
    return nbformat.read(COURSE.solution_notebook(A5), as_version=4)


def _solution_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]


def _tests(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def _with_code_after_first_solution(code):
    nb = _solution()
    _solution_cells(nb)[0].source += "\n\n" + code
    return nb


def _with_code_before_last_test(code):
    nb = _solution()
    nb.cells.insert(nb.cells.index(_tests(nb)[-1]), nbformat.v4.new_code_cell(code))
    return nb


def _edited_tests():
    nb = _solution()
    for cell in _tests(nb):
        cell.source = "pass"
        cell.metadata["nbgrader"]["points"] = 1000
        cell.metadata["nbgrader"]["locked"] = False
    return nb


def _changed_metadata():
    nb = _solution()
    tests = _tests(nb)
    tests[0].metadata["nbgrader"].update(grade=False, solution=True)  # turned into an answer cell
    tests[1].metadata["nbgrader"]["grade_id"] = "my_own_id"
    tests[2].metadata.pop("nbgrader")
    return nb


ALWAYS_EQUAL = """
class Anything:
    def __eq__(self, other):
        return True
    def __bool__(self):
        return True
    def __getattr__(self, name):
        return lambda *args, **kwargs: self

def simultaneous_gda(*args, **kwargs):
    return Anything()
"""


def _deleted_test():
    nb = _solution()
    nb.cells.remove(_tests(nb)[2])
    return nb


def _wrong_kernel():
    nb = _solution()
    nb.metadata["kernelspec"] = {"name": "julia-1.9", "display_name": "Julia", "language": "julia"}
    return nb


def _warning_in_answer():
    code = "import warnings\n    warnings.warn('this API is deprecated', UserWarning)\n    "
    nb = _solution()
    cell = _solution_cells(nb)[0]
    cell.source = cell.source.replace(
        "### BEGIN SOLUTION\n    path", "### BEGIN SOLUTION\n    " + code + "path", 1
    )
    assert "warnings.warn" in cell.source
    return nb


def _with_code_at_end(code):
    nb = _solution()
    nb.cells.append(nbformat.v4.new_code_cell(code))
    return nb


SNOOP = """
import os, socket
from pathlib import Path
escaped = []
here = Path.cwd()
for folder in [here, *here.parents]:
    for name in ("gradebook.db", "nbgrader_config.py", "solutions", "master.db"):
        if (folder / name).exists() and folder != here:
            escaped.append(f"sees {folder / name}")
    if folder == Path("/tmp"):
        continue  # the sandbox's private /tmp is writable by design
    try:
        (folder / "escape.txt").write_text("written from a student kernel")
        if folder != here:
            escaped.append(f"wrote {folder / 'escape.txt'}")
    except OSError:
        pass
try:
    escaped.append(f"read hidden tests ({len(open('a5_gan_dynamics.ipynb').read())} chars)")
except OSError:
    pass
try:
    socket.create_connection(("1.1.1.1", 53), timeout=3)
    escaped.append("reached the network")
except OSError:
    pass
if escaped:
    simultaneous_gda = None  # loses the 3 points of its test cell: the sandbox leaked
print(escaped)
"""

LAST_TEST_POINTS = 3

# student -> (notebook or None, expected score, text expected in the outcome)
CASES = {
    "solution": (_solution, FULL, "7/7 test cells passed"),
    "edited_tests": (_edited_tests, FULL, "metadata restored"),
    "deleted_test": (_deleted_test, FULL, "7/7"),
    "wrong_kernel": (_wrong_kernel, FULL, "kernelspec 'julia-1.9' replaced"),
    "warning": (_warning_in_answer, FULL, "7/7"),
    "sys_exit": (lambda: _with_code_after_first_solution("import sys\nsys.exit(3)"), FULL, "7/7"),
    "memory_bomb": (
        lambda: _with_code_after_first_solution("hog = bytearray(64 * 2**30)"),
        FULL,
        "7/7",
    ),
    "os_exit": (
        lambda: _with_code_before_last_test("import os\nos._exit(0)"),
        FULL - LAST_TEST_POINTS,
        "kernel died",
    ),
    "segfault": (
        lambda: _with_code_before_last_test("import ctypes\nctypes.string_at(0)"),
        FULL - LAST_TEST_POINTS,
        "kernel died",
    ),
    "infinite_loop": (
        lambda: _with_code_before_last_test("while True:\n    pass"),
        FULL - LAST_TEST_POINTS,
        "time limit",
    ),
    "changed_metadata": (_changed_metadata, FULL, "metadata restored"),
    "always_equal": (lambda: _with_code_after_first_solution(ALWAYS_EQUAL), FULL - 3, "6/7"),
    "snoop": (lambda: _with_code_after_first_solution(SNOOP), FULL, "7/7"),
    # The bomb is the last cell, after every test: on a loaded machine its own cell may run out
    # the notebook's time instead of failing at the process limit; the score is full either way.
    "fork_bomb": (
        lambda: _with_code_at_end("import os\nwhile True:\n    os.fork()"),
        FULL,
        "7/7|time limit",
    ),
    "output_flood": (
        lambda: _with_code_after_first_solution("print('spam\\n' * 2_000_000)"),
        FULL,
        "7/7",
    ),
    "patched_checks": (
        lambda: _with_code_after_first_solution(
            "import numpy as np, torch\ntorch.allclose = np.allclose = lambda *a, **k: True\n"
            "check_close = check_true = lambda *a, **k: None\n"
            "def simultaneous_gda(*args):\n    return torch.zeros(3, 2)"
        ),
        FULL - 3,
        "6/7",
    ),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("survive")
    folder = tmp / "submissions"
    for student, (make, _, _) in CASES.items():
        write_submission(folder, student, A5, make())
    write_submission(folder, "renamed", A5, _solution(), name="a5 (1).ipynb")
    shadow = write_submission(folder, "shadowed", A5, _solution())
    (shadow.parent / "torch.py").write_text(
        "raise ImportError('a shadowing torch.py was imported')\n"
    )
    (folder / "missing" / A5).mkdir(parents=True)
    (folder / "corrupt" / A5).mkdir(parents=True)
    (folder / "corrupt" / A5 / f"{A5}.ipynb").write_text('{"cells": [ oops')
    variant = load_variants(COURSE, A5)[0]
    write_submission(folder, "hostile", A5, hostile(_solution(), variant))
    out = tmp / "out"
    results = grade(COURSE, A5, folder, out, Settings(workers=2, timeout=60))
    return {r.student: r for r in results}, out


@pytest.mark.slow
@pytest.mark.parametrize("student", CASES)
def test_deserved_score_and_outcome(graded, student):
    results, _ = graded
    _, score, text = CASES[student]
    assert results[student].score == score, results[student].outcome
    assert results[student].max_score == FULL
    assert re.search(text, results[student].outcome), results[student].outcome


@pytest.mark.slow
def test_feedback_lists_the_test_cell_a_kernel_death_left_unrun(graded):
    results, _ = graded
    page = results["os_exit"].feedback.read_text()
    expected = f"(0 of {LAST_TEST_POINTS} points): KernelDied: not run: the run stopped at cell"
    assert "Failed test cells" in page and expected in page


@pytest.mark.slow
def test_broken_files_get_a_clear_outcome(graded):
    results, out = graded
    assert results["missing"].score == 0 and "no notebook found" in results["missing"].outcome
    assert results["corrupt"].score == 0 and "not a readable notebook" in results["corrupt"].outcome
    assert (
        results["renamed"].score == FULL
        and "was named 'a5 (1).ipynb'" in results["renamed"].outcome
    )
    assert results["shadowed"].score == FULL
    for student in ("missing", "corrupt"):
        assert "Grading note" in results[student].feedback.read_text()


@pytest.mark.slow
def test_hostile_submission_gets_the_variant_score_less_the_cells_after_os_exit(graded):
    results, out = graded
    variant = load_variants(COURSE, A5)[0]
    scores = cell_scores(out, A5, "hostile")
    last = list(scores)[-1]
    assert failed_cells(out, A5, "hostile") == set(variant.fails) | {last}
    assert results["hostile"].max_score == FULL  # the points edited to 100 were restored


@pytest.mark.slow
def test_outputs_feedback_and_csv(graded):
    results, out = graded
    csv_text = (out / "grades.csv").read_text()
    header = csv_text.splitlines()[0].split(",")
    assert header[:4] == ["assignment", "duedate", "timestamp", "student_id"], header
    assert header[-3:] == ["max_score", "submitted_as", "outcome"], header
    assert len(csv_text.splitlines()) == len(results) + 1
    page = results["os_exit"].feedback.read_text()
    assert "Grading note" in page and "kernel died" in page
    assert (out / "autograded" / "solution" / A5 / f"{A5}.ipynb").exists()
    assert not (out / "autograded" / "shadowed" / A5 / "torch.py").exists()


@pytest.mark.slow
def test_nothing_escapes_the_sandbox(graded):
    _, out = graded
    own_folders = {out / step / "snoop" / A5 / "escape.txt" for step in ("autograded", "feedback")}
    assert set(out.parent.rglob("escape.txt")) <= own_folders
    assert not Path("/tmp/escape.txt").exists()


@pytest.mark.slow
def test_no_sandbox_is_marked_in_the_outcome(tmp_path):
    folder = tmp_path / "subs"
    write_submission(folder, "alice", A5, _solution())
    [result] = grade(COURSE, A5, folder, tmp_path / "out", Settings(sandbox=False))
    assert result.score == FULL and "UNSANDBOXED" in result.outcome
    assert "UNSANDBOXED" in (tmp_path / "out" / "grades.csv").read_text()


def test_missing_bubblewrap_says_how_to_install(monkeypatch):
    from course_utils.grading import sandbox

    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit, match="apt-get install bubblewrap"):
        sandbox.check_available()


@pytest.mark.slow
def test_zip_of_notebooks_and_workers_agree(tmp_path):
    archive = tmp_path / "subs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("alice.ipynb", nbformat.writes(_solution()))
        zf.writestr(
            "bob.ipynb", nbformat.writes(nbformat.read(COURSE.release_notebook(A5), as_version=4))
        )
        zf.writestr("../evil.ipynb", "{}")
    one = grade(COURSE, A5, archive, tmp_path / "w1", Settings(workers=1))
    two = grade(COURSE, A5, archive, tmp_path / "w2", Settings(workers=2))
    assert [(r.student, r.score) for r in one] == [("alice", FULL), ("bob", 0)]
    assert [(r.student, r.score, r.outcome) for r in one] == [
        (r.student, r.score, r.outcome) for r in two
    ]
    assert not (tmp_path / "evil.ipynb").exists()


def test_memory_sizes_parse():
    assert parse_memory("6G") == 6 * 2**30 and parse_memory("512m") == 512 * 2**20
    with pytest.raises(SystemExit, match="--memory"):
        parse_memory("lots")


def test_its_tests_share_one_worker(request):
    """Under `--dist loadgroup` this module's tests carry their group, so one worker grades the
    fixture's batch once (pytest 9.2 dropped the group and graded it on both workers)."""
    if request.config.getoption("loadgroup", default=False):
        assert request.node.nodeid.endswith("@test_grading_survives"), request.node.nodeid
