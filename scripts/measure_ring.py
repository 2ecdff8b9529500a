"""Measure a4's ring outcome over seeds: what test_ring_coverage sees, per seed.

Runs the a4 solution's code cells up to its ring training (seeds moved as `course calibrate`
moves them), once per seed in a fresh process with one torch thread, then scores
`ring_generator` as the test cell does (2000 points drawn after manual_seed(31)). Optionally the
same for a wrong variant of tests/variants/a4_gans.py. Prints one line per seed and a summary.

    .venv/bin/python scripts/measure_ring.py --seeds 50 --workers 2 [--variant NAME]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils.grading.calibrate import reseeded  # noqa: E402
from course_utils.grading.course import Course  # noqa: E402
from course_utils.grading.samples import apply, load_variants  # noqa: E402

ASSIGNMENT = "a4_gans"
LAST_CELL_MARK = "ring_generator = ring_generators"  # the cell that ends the ring training
SCORE = """
import json, torch
from course_utils.data import ring_means
from course_utils.metrics import mode_coverage
torch.manual_seed(31)
with torch.no_grad():
    points = ring_generator(torch.randn(2000, ring_generator.latent_dim, device=device)).cpu().float()
score = mode_coverage(points, ring_means(), 0.05)
dist = torch.cdist(points, ring_means()).min(dim=1).values / 0.05
score["spread"] = float(dist[dist <= 3].mean()) if bool((dist <= 3).any()) else 0.0
print("RESULT " + json.dumps(score))
"""


def program(nb: nbformat.NotebookNode) -> str:
    """The notebook's non-graded code cells up to the ring training, then the scoring."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade"):
            continue
        cells.append(cell.source)
        if LAST_CELL_MARK in cell.source:
            return "import matplotlib\nmatplotlib.use('Agg')\n" + "\n\n".join(cells) + SCORE
    raise ValueError(f"no cell contains {LAST_CELL_MARK!r}")


def run(source: str) -> dict:
    env = {
        "PATH": "/usr/bin:/bin",
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(ROOT),
        "MPLBACKEND": "Agg",
    }
    done = subprocess.run(
        [sys.executable, "-c", source],
        cwd=ROOT / "solutions",
        env=env,
        capture_output=True,
        text=True,
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(done.stderr[-2000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first", type=int, default=0, help="first seed")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--variant", help="a variant name from tests/variants/a4_gans.py")
    args = parser.parse_args()
    course = Course(ROOT)
    nb = nbformat.read(course.solution_notebook(ASSIGNMENT), as_version=4)
    if args.variant:
        (variant,) = [v for v in load_variants(course, ASSIGNMENT) if v.name == args.variant]
        nb = apply(nb, variant)
    seeds = range(args.first, args.first + args.seeds)
    with ThreadPoolExecutor(args.workers) as pool:
        results = list(pool.map(lambda s: run(program(reseeded(nb, s))), seeds))
    for seed, r in zip(seeds, results):
        print(
            f"seed {seed:3d}: {r['modes_captured']}/8 modes, {100 * r['high_quality']:.1f}% HQ, spread {r['spread']:.2f}"
        )
    hq = [100 * r["high_quality"] for r in results]
    modes = [r["modes_captured"] for r in results]
    print(
        f"{len(hq)} seeds: modes min {min(modes)}, HQ mean {statistics.mean(hq):.1f}%"
        f" sd {statistics.stdev(hq) if len(hq) > 1 else 0:.1f} min {min(hq):.1f} max {max(hq):.1f}"
    )


if __name__ == "__main__":
    main()
