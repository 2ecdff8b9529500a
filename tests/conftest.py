"""Shared fixtures: the course directory and the Agg backend for plots."""

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from course_utils.grading.course import Course

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def course() -> Course:
    return Course(ROOT)


@pytest.fixture(autouse=True)
def _no_open_figures():
    """Every test starts and ends with no matplotlib figure open (the widget tests count them)."""
    import matplotlib.pyplot as plt

    plt.close("all")
    yield
    plt.close("all")


def pytest_collection_modifyitems(items):
    """Browser tests run last: the quick checks report first, and a slow browser never hides them."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
