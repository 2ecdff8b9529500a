"""Shared fixtures: the course directory and the Agg backend for plots."""

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from course_utils.grading.course import Course  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def course() -> Course:
    return Course(ROOT)
