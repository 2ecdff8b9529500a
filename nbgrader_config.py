"""nbgrader configuration of the course (the `course` command adds the grading options)."""

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "deep-generative-models"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "*_metrics.json",
]

# Training cells run longer than nbgrader's 30 s default.
c.Execute.timeout = 600  # course_utils.grading.execute.NOTEBOOK_TIMEOUT
# A library warning on stderr must not zero a correct test cell.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"\w*Warning: "
# A deleted test cell is put back and graded, not left for manual grading.
c.OverwriteCells.add_missing_cells = True
# Late submissions (a submission time after `course grade --due`): nbgrader's penalty policy,
# "none" (the time is recorded, nothing deducted) or "zero"; a LateSubmissionPlugin subclass set
# as c.AssignLatePenalties.plugin_class can deduct anything else.
c.LateSubmissionPlugin.penalty_method = "none"
