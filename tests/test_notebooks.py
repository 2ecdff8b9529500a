"""Every notebook is built from its source, committed without outputs, and runs in a fresh kernel;
the committed assignments/ are exactly what `course release` generates."""

import json
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest

from course_utils.grading.course import Course
from course_utils.grading.notebooks import build, execute, source_pairs
from course_utils.grading.quotes import quote_failures, quotes, with_quote_checks
from course_utils.grading.release import release

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)
NOTEBOOKS = [nb for _, nb in source_pairs(COURSE)]


def test_every_lecture_and_solution_has_a_source():
    built = set(NOTEBOOKS)
    expected = set(COURSE.lecture_notebooks()) | {
        COURSE.solution_notebook(i) for i in COURSE.assignment_ids()
    }
    assert expected <= built, (
        f"notebooks without a notebooks/*.py source: {sorted(expected - built)}"
    )


@pytest.mark.parametrize("source,notebook", source_pairs(COURSE), ids=lambda p: p.name)
def test_notebook_is_built_from_its_source(source, notebook):
    assert notebook.read_text() == nbformat.writes(build(source)) + "\n", (
        "run `course sync` and commit"
    )


@pytest.mark.parametrize("source,notebook", source_pairs(COURSE), ids=lambda p: p.name)
def test_notebook_starts_with_device_setup(source, notebook):
    """setup() seeds, picks the device and sets one CPU thread: a shared machine stays usable."""
    code = [c.source for c in build(source).cells if c.cell_type == "code"]
    first = next((i for i, text in enumerate(code) if "setup(" in text), None)
    assert first is not None and first <= 1, (
        f"{source.name}: call course_utils.device.setup() first"
    )
    assert not any("set_num_threads" in text for text in code), (
        f"{source.name}: the thread count belongs to setup(threads=...)"
    )


COMMITTED = sorted(
    [
        *ROOT.glob("lectures/*.ipynb"),
        *ROOT.glob("solutions/*/*.ipynb"),
        *ROOT.glob("assignments/*/*.ipynb"),
    ]
)


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_committed_notebooks_have_no_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(nb["cells"]) if c.get("outputs") or c.get("execution_count")]
    assert not dirty, f"{path.name}: cells {dirty} have outputs"


@pytest.mark.slow
def test_assignments_are_what_release_generates(tmp_path):
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "course"
        for name in ("nbgrader_config.py", "solutions"):
            src = ROOT / name
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, copy / name)
            else:
                (copy / name).write_text(src.read_text())
        release(Course(copy), [])
        for assignment_id in COURSE.assignment_ids():
            generated = (
                copy / "assignments" / assignment_id / f"{assignment_id}.ipynb"
            ).read_text()
            committed = COURSE.release_notebook(assignment_id).read_text()
            assert generated == committed, (
                f"assignments/{assignment_id} is stale: run `course release`"
            )


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes_in_a_fresh_kernel(path, tmp_path):
    """...top to bottom, without errors or warnings, and every number its prose quotes (listed in
    the markdown cell's metadata, `checks=["expr ~ value +- tol"]`) is what its code computes."""
    checked, _ = with_quote_checks(nbformat.read(path, as_version=4))
    nbformat.write(checked, tmp_path / path.name)
    nb = execute(tmp_path / path.name).notebook
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    stderr = [
        o["text"] for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"
    ]
    assert not [t for t in stderr if "Warning" in t], f"warnings on stderr: {stderr}"
    failures = quote_failures(nb)
    assert not failures, (
        f"{path.name}: numbers in the prose that the code does not give:\n" + "\n".join(failures)
    )


def test_quote_checks_catch_a_number_the_code_does_not_print(tmp_path):
    nb = nbformat.v4.new_notebook()
    quoting = nbformat.v4.new_markdown_cell("The mean is 2.5 and the sum 10, the max 9.")
    quoting.metadata["checks"] = [
        "mean ~ 2.5 +- 0.05",
        "total ~ 10 +- 0",
        "max(values) ~ 9 +- 0.5",
        "missing_name ~ 1 +- 0",
    ]
    nb.cells = [
        quoting,
        nbformat.v4.new_code_cell("values = [1, 2, 3, 4]\nmean = sum(values) / 4\ntotal = 10"),
        nbformat.v4.new_code_cell("mean = 0  # later cells may overwrite: checks run right after"),
    ]
    assert len(quotes(quoting)) == 4
    checked, count = with_quote_checks(nb)
    assert count == 4 and checked.cells[2].metadata["tags"] == ["course-quote-check"]
    nbformat.write(checked, tmp_path / "quoted.ipynb")
    failures = quote_failures(execute(tmp_path / "quoted.ipynb").notebook)
    assert failures == [
        "the prose says 9 ± 0.5, max(values) is 4",
        "missing_name: NameError: name 'missing_name' is not defined",
    ]
    quoting.metadata["checks"] = ["mean is 2.5"]
    with pytest.raises(ValueError, match="not 'expression ~ value"):
        quotes(quoting)
