"""The grading code behind the `course` command: release, grade, demo, check."""
