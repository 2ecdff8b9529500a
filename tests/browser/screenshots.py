"""Regenerate docs/screenshots/<lecture>.png: each lecture's main widget after interaction.

    .venv/bin/python -m tests.browser.screenshots            # every notebook in lectures/
    .venv/bin/python -m tests.browser.screenshots l5 l3      # lectures whose name starts so

Runs the same check as the browser suite (JupyterLab + headless Chromium: run all cells,
change every control of every `.course-widget`), then saves the main widget (the one with
class `course-widget-main`, else the first `.course-widget`). Exits non-zero if a lecture fails.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from jupyterlab_driver import (  # noqa: E402
    CHROMIUM,
    Browser,
    JupyterLab,
    WidgetCheckFailed,
    check_notebook,
    open_page,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lectures", nargs="*", help="name prefixes (default: all lectures)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)

    notebooks = sorted((ROOT / "lectures").glob("*.ipynb"))
    if args.lectures:
        notebooks = [n for n in notebooks if n.stem.startswith(tuple(args.lectures))]
    if not notebooks:
        print("no lecture notebook matches", file=sys.stderr)
        return 2
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: run scripts/install-system-packages", file=sys.stderr)
        return 2

    failed = 0
    with tempfile.TemporaryDirectory(prefix="course-screenshots-") as tmp:
        root = Path(tmp)
        (root / "lectures").mkdir()
        for notebook in notebooks:
            shutil.copy2(notebook, root / "lectures" / notebook.name)
        with Browser(CHROMIUM) as browser, JupyterLab(root) as lab:
            for notebook in notebooks:
                start = time.monotonic()
                target = args.out / f"{notebook.stem}.png"
                try:
                    with open_page(browser) as page:
                        report = check_notebook(
                            page, lab, f"lectures/{notebook.name}", screenshot=target
                        )
                    print(report.summary())
                    print(f"  ({time.monotonic() - start:.1f} s)")
                except WidgetCheckFailed as error:
                    failed += 1
                    print(f"FAILED {error}", file=sys.stderr)
                finally:
                    lab.shutdown_kernels()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
