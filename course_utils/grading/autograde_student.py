"""One student's nbgrader run in one process: `autograde`, then `generate_feedback`.

The grader starts this once per student in the student's private course folder (whose
nbgrader_config.py says everything: gradebook, kernel, limits, test seed). One process instead
of two saves a second start-up of nbgrader (several seconds per student).
Usage: python -m course_utils.grading.autograde_student ROOT ASSIGNMENT_ID STUDENT_ID
"""

from __future__ import annotations

import sys

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader


def main(argv: list[str]) -> int:
    root, assignment_id, student = argv
    config = PyFileConfigLoader("nbgrader_config.py", path=root).load_config()
    config.CourseDirectory.root = root
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    for step, run in (
        ("autograde", lambda: api.autograde(assignment_id, student, force=True, create=True)),
        ("generate_feedback", lambda: api.generate_feedback(assignment_id, student, force=True)),
    ):
        result = run()
        if not result["success"]:
            print(f"nbgrader {step} failed", result.get("log", ""), result.get("error", ""), sep="\n")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
