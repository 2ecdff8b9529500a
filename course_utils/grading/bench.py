"""`course bench`: runtime of every notebook, quality numbers of every model, grading throughput.

Writes docs/benchmarks.md. Budgets from the specification are shown as pass/fail columns;
they are measured here, never asserted in tests (shared machines are noisy).
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import nbformat
import torch

from .course import Course
from .grade import Settings, grade
from .notebooks import NotebookFailed, execute
from .samples import write_submission

BUDGET_SECONDS = {("solution", "cpu"): 120, ("lecture", "cpu"): 60, ("solution", "cuda"): 30}
GRADING_RATIO_BUDGET = 0.6
OVERHEAD_BUDGET = 5.0
GRADING_SAMPLE = "a5_gan_dynamics"
CELL_TIMEOUT = 300  # seconds per cell: a hung kernel fails that run instead of the benchmark


@dataclass
class Timing:
    """Wall times of one notebook on one device."""

    name: str
    kind: str
    device: str
    seconds: list[float]
    failures: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return (
        f"{cpu}, {os.cpu_count()} cores; GPU: {gpu}; Python {platform.python_version()}, "
        f"torch {torch.__version__}"
    )


def time_notebooks(
    course: Course, device: str, repeat: int, only: list[str], keep: Path
) -> tuple[list[Timing], list[dict]]:
    """Execute each lecture and solution `repeat` times; returns timings and the recorded metrics.

    The first run's executed notebook and metrics JSON are kept in `keep`.
    """
    targets = [(p, "lecture") for p in course.lecture_notebooks()]
    targets += [(course.solution_notebook(i), "solution") for i in course.assignment_ids()]
    timings, metrics = [], []
    for path, kind in targets:
        if only and path.stem not in only:
            continue
        timing = Timing(path.stem, kind, device, [])
        for attempt in range(repeat):
            try:
                run = execute(
                    path, timeout=CELL_TIMEOUT, device=device, keep=None if timing.seconds else keep
                )
            except NotebookFailed as error:  # one failed run must not lose the whole report
                timing.failures.append(str(error))
                print(f"  {path.stem:<22} {device} run {attempt + 1}/{repeat}: FAILED {error}")
                continue
            if not timing.seconds:
                metrics += run.metrics
            timing.seconds.append(run.seconds)
            print(
                f"  {path.stem:<22} {device} run {attempt + 1}/{repeat}: {run.seconds:.1f} s",
                flush=True,
            )
        timings.append(timing)
    return timings, metrics


def grading_throughput(course: Course, n: int = 20, device: str = "cpu", repeat: int = 1) -> dict:
    """Grade n copies of a fast solution with 1 and 2 workers, `repeat` times each (medians);
    the overhead per submission is the median time per submission with 1 worker less a plain
    execution of the notebook."""
    solution = nbformat.read(course.solution_notebook(GRADING_SAMPLE), as_version=4)
    plain = statistics.median(
        execute(course.solution_notebook(GRADING_SAMPLE), device=device).seconds for _ in range(3)
    )
    seconds: dict[int, list[float]] = {1: [], 2: []}
    grades = set()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "subs"
        for i in range(n):
            write_submission(folder, f"student{i:02d}", GRADING_SAMPLE, solution)
        for attempt in range(repeat):
            for workers in (1, 2):
                start = time.perf_counter()
                results = grade(
                    course,
                    GRADING_SAMPLE,
                    folder,
                    Path(tmp) / f"out{workers}-{attempt}",
                    Settings(workers=workers, device=device),
                )
                seconds[workers].append(time.perf_counter() - start)
                grades.add(tuple((r.student, r.score, r.max_score, r.outcome) for r in results))
                print(
                    f"  grading {n} submissions, --workers {workers}, run {attempt + 1}/{repeat}: "
                    f"{seconds[workers][-1]:.1f} s",
                    flush=True,
                )
    (only,) = grades if len(grades) == 1 else (None,)
    workers1, workers2 = statistics.median(seconds[1]), statistics.median(seconds[2])
    return {
        "n": n,
        "plain_seconds": plain,
        "workers1": workers1,
        "workers2": workers2,
        "runs": seconds,
        "identical": only is not None and all(score == top for _, score, top, _ in only),
        "ratio": workers2 / workers1,
        "overhead": workers1 / n - plain,
    }


def _span(values: list[float]) -> str:
    return f"{min(values):.1f}-{max(values):.1f} s"


def _mark(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def likelihood_comparison(metrics: list[dict]) -> list[str]:
    """Table lines: a1's exact test NLL next to a2's bounds and a1's baselines (same test set)."""
    a1 = {m["quantity"]: m["value"] for m in metrics if m["notebook"] == "a1_autoregressive"}
    a2 = [
        m
        for m in metrics
        if m["notebook"] == "a2_vae" and ("ELBO" in m["quantity"] or "IWAE" in m["quantity"])
    ]
    if "test NLL (nats)" not in a1 or not a2:
        return []
    rows = [
        ("a1 independent Bernoulli, exact NLL", a1["independent Bernoulli test NLL (nats)"]),
        ("a1 Bernoulli mixture (10), exact NLL", a1["Bernoulli mixture (10) test NLL (nats)"]),
        ("a1 PixelCNN, exact NLL", a1["test NLL (nats)"]),
        *[
            (f"a2 VAE, {m['quantity'].replace(' (nats)', '')} (upper bound on its NLL)", m["value"])
            for m in a2
        ],
    ]
    lines = [
        "",
        "## Exact likelihood against bounds (nats per test image, same 360 test digits)",
        "",
        "| model and number | nats |",
        "|---|---|",
    ]
    return lines + [f"| {name} | {value:.2f} |" for name, value in rows]


def render(
    timings: list[Timing], metrics: list[dict], throughput: dict | None, device: str, repeat: int
) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Produced by `course bench --device {device} --repeat {repeat}` on {date.today().isoformat()}.",
        f"Machine: {machine()}.",
        "",
        "## Notebook wall time (fresh kernel, top to bottom)",
        "",
        "| notebook | kind | device | median s | min-max s | runs | budget s | within |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for t in timings:
        budget = BUDGET_SECONDS.get((t.kind, t.device))
        if not t.seconds:
            lines.append(
                f"| {t.name} | {t.kind} | {t.device} | failed | - | 0 | {budget} | **FAIL** |"
            )
            continue
        within = _mark(t.median <= budget) if budget else "-"
        lines.append(
            f"| {t.name} | {t.kind} | {t.device} | {t.median:.1f} | {min(t.seconds):.1f}-{max(t.seconds):.1f} "
            f"| {len(t.seconds)} | {budget or '-'} | {within} |"
        )
    failures = [f"- {t.name}: {message}" for t in timings for message in t.failures]
    if failures:
        lines += ["", "Failed runs (not in the medians):", "", *failures]
    lines += [
        "",
        "## Quality (recorded by each notebook, next to its baseline)",
        "",
        "| notebook | quantity | value | baseline |",
        "|---|---|---|---|",
    ]
    for m in metrics:
        lines.append(f"| {m['notebook']} | {m['quantity']} | {m['value']:.4g} | {m['baseline']} |")
    lines += likelihood_comparison(metrics)
    if throughput:
        t = throughput
        lines += [
            "",
            f"## Grading throughput ({t['n']} copies of the {GRADING_SAMPLE} solution, sandboxed)",
            "",
            "| measure | value | budget | within |",
            "|---|---|---|---|",
            f"| plain execution of one notebook (median of 3) | {t['plain_seconds']:.1f} s | - | - |",
            (
                f"| `--workers 1`, median of {len(t['runs'][1])} (min-max) | {t['workers1']:.1f} s "
                f"({_span(t['runs'][1])}) | - | - |"
            ),
            (
                f"| `--workers 2`, median of {len(t['runs'][2])} (min-max) | {t['workers2']:.1f} s "
                f"({_span(t['runs'][2])}) | - | - |"
            ),
            f"| grades identical with 1 and 2 workers, all full marks | {t['identical']} | True | {_mark(t['identical'])} |",
            f"| ratio workers 2 / workers 1 | {t['ratio']:.2f} | <= {GRADING_RATIO_BUDGET} | {_mark(t['ratio'] <= GRADING_RATIO_BUDGET)} |",
            (
                f"| overhead per submission beyond execution | {t['overhead']:.1f} s | <= {OVERHEAD_BUDGET} s "
                f"| {_mark(t['overhead'] <= OVERHEAD_BUDGET)} |"
            ),
        ]
    return "\n".join(lines) + "\n"


def bench(
    course: Course, device: str, repeat: int, only: list[str], grading: bool, out: Path
) -> Path:
    """Run everything and write the report to `out`; returns its path."""
    if device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no CUDA GPU on this machine")
    print(f"timing notebooks on {device} ({repeat} run(s) each) ...", flush=True)
    executed = course.root / "grading" / "bench" / device
    timings, metrics = time_notebooks(course, device, repeat, only, executed)
    print(f"executed notebooks and their metrics JSON: {executed}", flush=True)
    throughput = grading_throughput(course, device=device, repeat=repeat) if grading else None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(timings, metrics, throughput, device, repeat))
    return out
