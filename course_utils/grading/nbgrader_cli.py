"""What nbgrader needs around it: a gradebook URL, its schema version, `alembic` on PATH, an error type."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries the end of its log."""


def path_with_alembic() -> str:
    """PATH with this environment's bin/ first: nbgrader runs `alembic` when it creates a gradebook."""
    bin_dir, path = str(Path(sys.executable).parent), os.environ.get("PATH", "")
    return path if path.split(os.pathsep)[0] == bin_dir else bin_dir + os.pathsep + path


@functools.cache
def _alembic_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


def read_schema_version_in_process() -> None:
    """nbgrader stamps every new gradebook with its schema version, which it learns by running
    `alembic heads` in a subprocess that imports nbgrader again (5 s on 2 cores, per gradebook).
    The version is fixed for the installed nbgrader: read it once, here, with alembic's own API."""
    import nbgrader.api

    nbgrader.api.get_alembic_version = _alembic_head


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"
