"""Measure a4's generators over seeds: what test_ring_coverage, test_packing_recovers_modes or test_dcgan_samples sees.

Runs the a4 solution's code cells up to the training of the chosen generator (seeds moved as
`course calibrate` moves them), once per seed in a fresh process with one torch thread, then
scores it as its test cell does (2000 points drawn after a fixed manual_seed). --generator
ring: `ring_generator` (test_ring_coverage); collapsed: `collapsed_generator`, the standard
discriminator in the collapse setting (not graded); packed: `packed_generator`
(test_packing_recovers_modes); dcgan: `dcgan_generator`, scored on 500 digits with the course's
digit classifier (test_dcgan_samples). Optionally the same for a wrong variant of
tests/variants/a4_gans.py. Prints one line per seed and a summary.

    .venv/bin/python scripts/measure_ring.py --seeds 50 --workers 2 [--generator packed] [--variant NAME]
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
GENERATORS = {  # name -> (text of the cell that ends its training, the test cell's seed)
    "ring_generator": ("ring_generator = ring_generators", 31),
    "collapsed_generator": ("collapsed_generator = train_collapse_setting", 32),
    "packed_generator": ("packed_generator = train_collapse_setting", 32),
    "dcgan_generator": ("dcgan_history = train_gan", 51),
}
SCORE = """
import json, torch
from course_utils.data import ring_means
from course_utils.metrics import mode_coverage
torch.manual_seed(SEED)
with torch.no_grad():
    points = GENERATOR(torch.randn(2000, GENERATOR.latent_dim, device=device)).cpu().float()
score = mode_coverage(points, ring_means(), 0.05)
dist = torch.cdist(points, ring_means()).min(dim=1).values / 0.05
score["spread"] = float(dist[dist <= 3].mean()) if bool((dist <= 3).any()) else 0.0
print("RESULT " + json.dumps(score))
"""
DIGIT_SCORE = """
import json, torch
from course_utils.digit_score import digit_sample_score
torch.manual_seed(SEED)
with torch.no_grad():
    images = GENERATOR(torch.randn(500, GENERATOR.latent_dim, device=device)).cpu()
print("RESULT " + json.dumps(digit_sample_score(images, value_range=(-1, 1))))
"""


def program(nb: nbformat.NotebookNode, generator: str) -> str:
    """The notebook's non-graded code cells up to the generator's training, then the scoring."""
    mark, seed = GENERATORS[generator]
    template = DIGIT_SCORE if generator == "dcgan_generator" else SCORE
    score = template.replace("GENERATOR", generator).replace("SEED", str(seed))
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade"):
            continue
        cells.append(cell.source)
        if mark in cell.source:
            return "import matplotlib\nmatplotlib.use('Agg')\n" + "\n\n".join(cells) + score
    raise ValueError(f"no cell contains {mark!r}")


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
    parser.add_argument(
        "--generator", choices=["ring", "collapsed", "packed", "dcgan"], default="ring"
    )
    parser.add_argument("--variant", help="a variant name from tests/variants/a4_gans.py")
    args = parser.parse_args()
    course = Course(ROOT)
    nb = nbformat.read(course.solution_notebook(ASSIGNMENT), as_version=4)
    if args.variant:
        (variant,) = [v for v in load_variants(course, ASSIGNMENT) if v.name == args.variant]
        nb = apply(nb, variant)
    seeds = range(args.first, args.first + args.seeds)
    with ThreadPoolExecutor(args.workers) as pool:
        generator = f"{args.generator}_generator"
        results = list(pool.map(lambda s: run(program(reseeded(nb, s), generator)), seeds))
    if args.generator == "dcgan":
        report_digits(seeds, results)
        return
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


def report_digits(seeds, results: list[dict]) -> None:
    for seed, r in zip(seeds, results):
        print(
            f"seed {seed:3d}: inception-like {r['inception_score']:.2f},"
            f" confident {100 * r['confident_fraction']:.1f}%, {r['classes_covered']} classes"
        )
    scores = [r["inception_score"] for r in results]
    confident = [100 * r["confident_fraction"] for r in results]
    print(
        f"{len(scores)} seeds: inception-like mean {statistics.mean(scores):.2f} (min {min(scores):.2f}),"
        f" confident mean {statistics.mean(confident):.1f}% (min {min(confident):.1f}%)"
    )


if __name__ == "__main__":
    main()
