"""`course grade` refuses what it cannot grade in one line, before any slow work, writing nothing."""

import zipfile

import pytest

from course_utils.grading.grade import Settings, grade


def refused(course, tmp_path, submissions, out=None, db_url=None) -> str:
    out = out or tmp_path / "out"
    with pytest.raises(SystemExit) as stop:
        grade(course, "a5_gan_dynamics", submissions, out, Settings(sandbox=False), db_url=db_url)
    assert not (tmp_path / "out").exists(), "nothing may be written for refused arguments"
    return str(stop.value)


def test_missing_and_empty_submissions(course, tmp_path):
    assert "not found" in refused(course, tmp_path, tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    assert "empty" in refused(course, tmp_path, tmp_path / "empty")
    (tmp_path / "notes.txt").write_text("not a zip")
    assert "expected a folder" in refused(course, tmp_path, tmp_path / "notes.txt")


def test_unknown_assignment(course, tmp_path):
    with pytest.raises(SystemExit):
        grade(course, "a9_nothing", tmp_path, tmp_path / "out", Settings(sandbox=False))
    assert not (tmp_path / "out").exists()


def test_unwritable_out_and_unreachable_database(course, tmp_path):
    subs = tmp_path / "subs.zip"
    with zipfile.ZipFile(subs, "w") as z:
        z.writestr("alice.ipynb", "{}")
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert "cannot write" in refused(course, tmp_path, subs, out=blocker / "out")
    message = refused(course, tmp_path, subs, db_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert message.startswith("--db:"), message


def test_bad_cluster_options(course, tmp_path):
    subs = tmp_path / "subs.zip"
    with zipfile.ZipFile(subs, "w") as z:
        z.writestr("alice.ipynb", "{}")
    for cluster, option in (("local:0", "--cluster"), ("local:x", "--cluster"), ("host", "--sch")):
        with pytest.raises(SystemExit) as stop:
            grade(course, "a5_gan_dynamics", subs, tmp_path / "out", Settings(cluster=cluster))
        assert str(stop.value).startswith(option), stop.value
        assert not (tmp_path / "out").exists()
