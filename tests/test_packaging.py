"""pyproject.toml (with every extra) and environment.yml list the same packages; the nbgrader config is the spec's."""

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pytorch": "torch"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_and_pyproject_list_the_same_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [r for group in project["optional-dependencies"].values() for r in group]
    pip_side = {_name(r) for r in project["dependencies"] + extras}
    lines = (ROOT / "environment.yml").read_text().split("dependencies:")[1].splitlines()
    conda_side = {_name(line.strip()[2:]) for line in lines if line.strip().startswith("- ")}
    conda_side = {CONDA_NAMES.get(n, n) for n in conda_side} - {"python", "pip"}
    assert pip_side == conda_side


def test_nbgrader_config_matches_the_layout():
    text = (ROOT / "nbgrader_config.py").read_text()
    assert 'source_directory = "solutions"' in text
    assert 'release_directory = "assignments"' in text
    assert "c.Execute.timeout = 600" in text


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make test" in ci
    assert "make demo" in readme


def test_every_course_subcommand_explains_itself():
    from course_utils.grading.cli import parser

    subcommands = next(a for a in parser()._actions if a.dest == "command").choices
    for name, sub in subcommands.items():
        assert sub.description and len(sub.description) > 60, (
            f"course {name} --help explains nothing"
        )
