"""Measure lecture 6's two toy translations over seeds (docs/benchmarks.md quotes the result).

Runs the lecture's source once (which trains seed 0 and shows its demos, silenced here), then
trains both pix2pix generators and both CycleGAN pairs again with each further seed, scored as
the lecture scores them. Prints one line per seed and run, and the mean of each score.

    .venv/bin/python scripts/measure_gan_family.py --seeds 3
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import runpy
import statistics
from pathlib import Path

LECTURE = Path(__file__).resolve().parents[1] / "notebooks" / "lectures" / "l6_gan_family.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 (default 3)")
    seeds = range(parser.parse_args().seeds)
    os.environ.setdefault("MPLBACKEND", "agg")
    with contextlib.redirect_stdout(io.StringIO()):
        lecture = runpy.run_path(str(LECTURE))
    runs = {
        "pix2pix, L1 only": lambda s: lecture["translation_scores"](lecture["train_pix2pix"](False, seed=s)),
        "pix2pix, L1 + adversarial": lambda s: lecture["translation_scores"](lecture["train_pix2pix"](True, seed=s)),
        "cycle, lambda = 0": lambda s: lecture["cycle_scores"](*lecture["train_cycle"](0.0, seed=s)),
        "cycle, lambda = 10": lambda s: lecture["cycle_scores"](*lecture["train_cycle"](10.0, seed=s)),
    }  # fmt: skip
    for name, run in runs.items():
        scores = [run(seed) for seed in seeds]
        for seed, score in zip(seeds, scores):
            print(f"{name}, seed {seed}: " + ", ".join(f"{k} {v:.3f}" for k, v in score.items()))
        means = {k: statistics.mean(s[k] for s in scores) for k in scores[0]}
        print(
            f"{name}, mean of {len(scores)}: " + ", ".join(f"{k} {v:.3f}" for k, v in means.items())
        )


if __name__ == "__main__":
    main()
