"""Every lecture's widgets work in a real browser: JupyterLab + headless Chromium (Playwright).

For each notebook in lectures/ (found at collection time, so a new lecture is covered without
editing this file): open it in JupyterLab, Run > Run All Cells, wait for the kernel, fail on any
error output, then change every control of every `.course-widget` and require its
`.course-widget-figure` image to change with no error shown. Lectures without a
`.course-widget` fail. Self-tests prove that a broken widget, a notebook without widgets and a
failing cell are caught, with the notebook and the widget named.

Run alone with `pytest -m browser`. Needs Debian's chromium (scripts/install-system-packages)
and the playwright package (no browser download). Without /usr/bin/chromium the suite is
skipped, unless CI is set: then it fails. Set COURSE_SCREENSHOTS=1 to also save
docs/screenshots/<lecture>.png (or run `python -m tests.browser.screenshots`).
JupyterLab (with its kernels) and Chromium are stopped by the fixtures, pass or fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest
from jupyterlab_driver import (  # tests/browser is on sys.path (rootdir-relative imports)
    CHROMIUM,
    FIGURE,
    WIDGET,
    Browser,
    JupyterLab,
    WidgetCheckFailed,
    check_notebook,
    open_page,
)

pytestmark = [  # slow: it executes the lectures; one xdist worker runs them all, one at a time
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("browser"),
]

ROOT = Path(__file__).resolve().parents[2]
LECTURES = sorted((ROOT / "lectures").glob("*.ipynb"))
SCREENSHOTS = ROOT / "docs" / "screenshots"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str):
    if _in_ci():
        pytest.fail(f"{reason} (CI is set, so the browser suite must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _unavailable(
            f"{CHROMIUM} is missing: install Debian's chromium (scripts/install-system-packages)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is missing: pip install -e '.[test]'")
    chromium = Browser(CHROMIUM)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory) -> Path:
    """A copy of lectures/ (JupyterLab may save into it) and the self-test notebooks."""
    root = tmp_path_factory.mktemp("lab")
    (root / "lectures").mkdir()
    for notebook in LECTURES:
        shutil.copy2(notebook, root / "lectures" / notebook.name)
    selftest = root / "selftest"
    selftest.mkdir()
    for name, cells in SELFTEST_NOTEBOOKS.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        }
        nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        nbformat.write(nb, selftest / f"{name}.ipynb")
    return root


@pytest.fixture(scope="module")
def lab(browser, lab_root, request):
    server = JupyterLab(lab_root)
    request.addfinalizer(server.cleanup)  # stops the server's process group and kernels
    return server.start()


@pytest.fixture
def page(browser, lab):
    with open_page(browser) as tab:
        yield tab
    lab.shutdown_kernels()


# ------------------------------------------------------------------------------- lectures


def test_the_lectures_folder_has_notebooks():
    assert LECTURES, f"no notebook in {ROOT / 'lectures'}"


@pytest.mark.parametrize("lecture", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_widgets_work_in_the_browser(lecture: Path, lab, page, tmp_path):
    shot = SCREENSHOTS / f"{lecture.stem}.png" if os.environ.get("COURSE_SCREENSHOTS") else None
    try:
        report = check_notebook(page, lab, f"lectures/{lecture.name}", screenshot=shot)
    except WidgetCheckFailed:
        page.screenshot(path=str(tmp_path / "page.png"))
        print(f"the page at the failure: {tmp_path / 'page.png'}")
        raise
    print(report.summary())
    assert report.widgets and report.controls


# ----------------------------------------------------------------------- the checker itself

_DEMO = """
import ipywidgets as widgets
import matplotlib.pyplot as plt
from course_utils.widgets_common import Demo

slider = widgets.IntSlider(value=3, min=1, max=10, description="frequency",
                           continuous_update=False)

def draw(fig):
    if slider.value != 3:
        raise RuntimeError("deliberately broken callback")
    for ax in fig.axes:
        ax.plot(range(10), [i % slider.value for i in range(10)])
    return f"frequency {slider.value}"

Demo("broken-explorer", [slider], draw).widget  # Demo adds the course-widget classes
"""

_OBSERVER = """
import ipywidgets as widgets
import matplotlib.pyplot as plt

out = widgets.Output()
out.add_class("course-widget-figure")
choice = widgets.Dropdown(options=["sin", "cos"], description="curve")
with out:
    plt.plot([0, 1, 0])
    plt.show()

def redraw(change):
    raise ValueError("observer broken on purpose")  # the kernel log gets it, not the cell

choice.observe(redraw, names="value")
box = widgets.VBox([choice, out])
box.add_class("course-widget")
box.add_class("silent-explorer")
box
"""

SELFTEST_NOTEBOOKS = {
    "broken_widget": [_DEMO],
    "silent_widget": [_OBSERVER],
    "no_widget": ["import ipywidgets as widgets\nwidgets.IntSlider()  # no course-widget class"],
    "failing_cell": ["x = 1", "raise KeyError('a lecture cell that fails')", "y = 2"],
}


def test_a_widget_whose_callback_raises_fails_naming_notebook_and_widget(lab, page):
    with pytest.raises(WidgetCheckFailed) as failure:
        check_notebook(page, lab, "selftest/broken_widget.ipynb", redraw_timeout=20)
    message = str(failure.value)
    print(message)
    assert "broken_widget.ipynb" in message
    assert "broken-explorer" in message
    assert "frequency" in message  # the control
    assert "deliberately broken callback" in message  # the traceback shown in the widget


def test_a_widget_whose_figure_never_changes_fails_naming_notebook_and_widget(lab, page):
    with pytest.raises(WidgetCheckFailed) as failure:
        check_notebook(page, lab, "selftest/silent_widget.ipynb", redraw_timeout=8)
    message = str(failure.value)
    print(message)
    assert "silent_widget.ipynb" in message and "silent-explorer" in message
    assert "curve" in message and "did not change" in message


def test_a_notebook_without_course_widget_fails(lab, page):
    with pytest.raises(WidgetCheckFailed, match=rf"no_widget\.ipynb: no widget .*'{WIDGET}'"):
        check_notebook(page, lab, "selftest/no_widget.ipynb")


def test_a_failing_cell_fails_naming_notebook_and_cell(lab, page):
    with pytest.raises(WidgetCheckFailed) as failure:
        check_notebook(page, lab, "selftest/failing_cell.ipynb")
    message = str(failure.value)
    assert "failing_cell.ipynb: a cell shows an error" in message
    assert "cell 1" in message and "KeyError" in message


def test_the_convention_classes_are_the_documented_ones():
    assert (WIDGET, FIGURE) == ("course-widget", "course-widget-figure")
