"""Helpers shared by the lectures and assignments of the Deep Generative Models course.

Infrastructure only: data, seeding and device, training loop, plots, widgets, metrics,
checks for test cells, and the grading code behind the `course` command. Nothing here
answers a graded cell.
"""

__version__ = "0.1.0"
