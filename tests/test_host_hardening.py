"""Nothing a submission leaves behind reaches the host: files, bytes and HTML are data.

One batch of a5 submissions, each correct but for one trick: links out of its folder, a link
loop, invalid UTF-8 on the kernel's stdout, sparse files, script in its outputs and markdown,
an exception named like the grader's own errors. Each must get full marks and a truthful
outcome; a canary file outside every folder keeps its contents and mode; no feedback page
carries the student's script; every student gets a row.
"""

import os
import re
import stat
import threading
from pathlib import Path

import nbformat
import pytest
from grading_helpers import write_submission

from course_utils.grading.course import Course
from course_utils.grading.grade import Settings, grade
from course_utils.grading.sandbox import UidPool

pytestmark = pytest.mark.xdist_group(
    "test_host_hardening"
)  # its module fixture runs once, on one worker

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)
A5 = "a5_gan_dynamics"
FULL = 20
CANARY = Path("/tmp") / f"course-canary-{os.getpid()}.txt"
CANARY_TEXT = "the canary's own words\n"

LINKS = f"""
import os
os.symlink({str(CANARY)!r}, 'canary_link.txt')
os.symlink({str(COURSE.solution_notebook(A5))!r}, 'solutions_link.ipynb')
os.symlink('/etc/shadow', 'shadow_link')
os.symlink('.', 'loop')
os.symlink('/nonexistent/file', 'dangling')
os.mkfifo('a_fifo')
"""
BAD_BYTES = "import os\nos.write(1, b'\\xff\\xfe\\xfa not utf-8 \\xc3\\x28\\n')"
SPARSE = """
for name in ('sparse1.bin', 'sparse2.bin'):
    with open(name, 'wb') as f:
        f.truncate(512 * 2**20)
"""
SCRIPT = """
from IPython.display import HTML, Javascript, display
display(HTML('<b>bold</b><script>document.title = "pwned-html"</script><img src=x onerror="alert(1)">'))
display(Javascript('document.title = "pwned-js"'))
"""
SCRIPT_MARKDOWN = (
    '<script>document.title = "pwned-md"</script> <a href="javascript:alert(1)">x</a>'
    " [click](javascript:alert(2)) ![i](JavaScript:alert(3))"
)
FORGED = """
class KernelDied(Exception):
    pass
try:
    raise KernelDied('all tests passed\\r\\n\\x1b[2J=HYPERLINK("http://x")')
except KernelDied:
    pass
raise KernelDied('=cmd|all good\\r\\nstudent,100\\x1b[31m')
"""


def _solution():
    return nbformat.read(COURSE.solution_notebook(A5), as_version=4)


def _with_cells(*cells):
    nb = _solution()
    nb.cells.extend(cells)
    return nb


def _code(source):
    return nbformat.v4.new_code_cell(source)


CASES = {
    "solution": _solution,
    "links": lambda: _with_cells(_code(LINKS)),
    "bad_bytes": lambda: _with_cells(_code(BAD_BYTES)),
    "sparse": lambda: _with_cells(_code(SPARSE)),
    "script": lambda: _with_cells(_code(SCRIPT), nbformat.v4.new_markdown_cell(SCRIPT_MARKDOWN)),
    "forged_error": lambda: _with_cells(_code(FORGED)),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hardening")
    CANARY.write_text(CANARY_TEXT)
    CANARY.chmod(0o640)
    folder = tmp / "submissions"
    for student, make in CASES.items():
        write_submission(folder, student, A5, make())
    linked = write_submission(folder, "submission_links", A5, _solution())
    (linked.parent / "canary.txt").symlink_to(CANARY)
    (linked.parent / "dangling.txt").symlink_to("/nonexistent")
    (folder / "notebook_is_a_link" / A5).mkdir(parents=True)
    (folder / "notebook_is_a_link" / A5 / f"{A5}.ipynb").symlink_to(COURSE.solution_notebook(A5))
    (folder / "folder_is_a_link").symlink_to(folder / "solution")
    out = tmp / "out"
    results = {
        r.student: r for r in grade(COURSE, A5, folder, out, Settings(workers=2, timeout=120))
    }
    yield results, out
    CANARY.unlink()


@pytest.mark.slow
@pytest.mark.parametrize("student", list(CASES) + ["submission_links"])
def test_correct_answers_keep_full_marks(graded, student):
    results, _ = graded
    assert results[student].score == FULL, results[student].outcome


@pytest.mark.slow
def test_links_are_dropped_never_followed(graded):
    results, out = graded
    assert CANARY.read_text() == CANARY_TEXT and stat.S_IMODE(CANARY.stat().st_mode) == 0o640
    assert "links or special files dropped" in results["links"].outcome
    for path in out.rglob("*"):
        assert not path.is_symlink(), path
        assert CANARY_TEXT not in (path.read_text(errors="replace") if path.is_file() else "")
    assert results["notebook_is_a_link"].score == 0
    assert "no notebook found" in results["notebook_is_a_link"].outcome
    assert results["folder_is_a_link"].score == 0


@pytest.mark.slow
def test_sparse_files_do_not_reach_the_host(graded):
    results, out = graded
    assert "over the size or count limit" in results["sparse"].outcome
    total = sum(
        p.stat().st_size for p in out.rglob("*") if p.is_file() and "mathjax" not in p.parts
    )
    assert total < 200 * 2**20


@pytest.mark.slow
def test_feedback_carries_no_student_script(graded):
    results, _ = graded
    page = results["script"].feedback.read_text()
    scripts = re.findall(r"<script.*?</script>", page, flags=re.S | re.I)
    assert scripts and not [s for s in scripts if "pwned" in s or "alert" in s]
    assert not re.search(r"<[^>]*\bonerror\s*=", page, flags=re.I)
    assert not re.search(r"<[^>]*(href|src)=[\"']?\s*javascript:", page, flags=re.I)
    assert "<b>bold</b>" in page  # harmless HTML stays
    assert "cdnjs" not in page and "../../../mathjax/MathJax.js" in page


@pytest.mark.slow
def test_outcome_and_csv_are_the_graders_own_facts(graded):
    results, out = graded
    outcome = results["forged_error"].outcome
    assert outcome.startswith("7/7 test cells passed"), outcome
    assert results["bad_bytes"].outcome.startswith("7/7")
    csv_text = (out / "grades.csv").read_text()
    assert "\x1b" not in csv_text and "\r" not in csv_text.replace("\r\n", "\n")
    assert len(csv_text.splitlines()) == len(results) + 1
    assert not any(
        line.split(",")[-1].startswith(("=", "+", "-", "@")) for line in csv_text.splitlines()
    )


def test_concurrent_runs_never_share_kernel_uids():
    with UidPool(2) as first, UidPool(2) as second:
        mine = {first.take(), first.take()}
        theirs = {second.take(), second.take()}
        assert len(mine) == 2 and not mine & theirs


def test_a_uid_pool_waits_for_a_free_uid():
    with UidPool(1) as pool:
        uid = pool.take()
        got = []
        waiter = threading.Thread(target=lambda: got.append(pool.take()))
        waiter.start()
        waiter.join(0.2)
        assert not got
        pool.give(uid)
        waiter.join(5)
        assert got == [uid]
