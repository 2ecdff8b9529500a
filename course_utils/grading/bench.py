"""`course bench`: runtime of every notebook, CPU time of every widget redraw, quality numbers of
every model, grading throughput.

Writes docs/benchmarks.md. Budgets from the specification are shown as pass/fail columns;
they are measured here, never asserted in tests (shared machines are noisy).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import ipywidgets as widgets
import nbformat
import torch

from ..widgets_common import NOREDRAW
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


GRADING_CONFIGS = {  # label in the report: how `course grade` is asked to run
    "--workers 1": {"workers": 1},
    "--workers 2": {"workers": 2},
    "--cluster local:1": {"cluster": "local:1"},
    "--cluster local:2": {"cluster": "local:2"},
}


def grading_throughput(course: Course, n: int = 20, device: str = "cpu", repeat: int = 1) -> dict:
    """Grade n copies of a fast solution in each of GRADING_CONFIGS, `repeat` times each
    (medians). The overhead per submission is the median time per submission with 1 worker
    less a plain execution of the notebook; the scheduler's is local:1 less --workers 1, per
    submission."""
    solution = nbformat.read(course.solution_notebook(GRADING_SAMPLE), as_version=4)
    plain = statistics.median(
        execute(course.solution_notebook(GRADING_SAMPLE), device=device).seconds for _ in range(3)
    )
    runs: dict[str, list[float]] = {label: [] for label in GRADING_CONFIGS}
    grades = set()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "subs"
        for i in range(n):
            write_submission(folder, f"student{i:02d}", GRADING_SAMPLE, solution)
        for attempt in range(repeat):
            for number, (label, options) in enumerate(GRADING_CONFIGS.items()):
                start = time.perf_counter()
                results = grade(
                    course,
                    GRADING_SAMPLE,
                    folder,
                    Path(tmp) / f"out{number}-{attempt}",
                    Settings(device=device, **options),
                )
                runs[label].append(time.perf_counter() - start)
                grades.add(tuple((r.student, r.score, r.max_score, r.outcome) for r in results))
                print(
                    f"  grading {n} submissions, {label}, run {attempt + 1}/{repeat}: "
                    f"{runs[label][-1]:.1f} s",
                    flush=True,
                )
    (only,) = grades if len(grades) == 1 else (None,)
    median = {label: statistics.median(seconds) for label, seconds in runs.items()}
    return {
        "n": n,
        "plain_seconds": plain,
        "median": median,
        "runs": runs,
        "identical": only is not None and all(score == top for _, score, top, _ in only),
        "ratio": median["--workers 2"] / median["--workers 1"],
        "cluster_ratio": median["--cluster local:2"] / median["--cluster local:1"],
        "overhead": median["--workers 1"] / n - plain,
        "scheduler_overhead": (median["--cluster local:1"] - median["--workers 1"]) / n,
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
    timings: list[Timing],
    metrics: list[dict],
    throughput: dict | None,
    device: str,
    repeat: int,
    redraws: list[Redraws] = (),
) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Produced by `course bench --device {device} --repeat {repeat}` on {date.today().isoformat()}.",
        f"Machine: {machine()}.",
        "",
        "## Notebook wall time (fresh kernel, top to bottom)",
        "",
        NOTEBOOK_TABLE_HEADER + " min-max s | runs | budget s | within |",
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
    if redraws:
        lines += render_redraws(redraws)
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
            *(
                f"| `{label}`, median of {len(t['runs'][label])} (min-max) | {t['median'][label]:.1f} s "
                f"({_span(t['runs'][label])}) | - | - |"
                for label in t["median"]
            ),
            f"| grades identical in every run, all full marks | {t['identical']} | True | {_mark(t['identical'])} |",
            f"| ratio workers 2 / workers 1 | {t['ratio']:.2f} | <= {GRADING_RATIO_BUDGET} | {_mark(t['ratio'] <= GRADING_RATIO_BUDGET)} |",
            (
                f"| ratio local:2 / local:1 (Dask LocalCluster) | {t['cluster_ratio']:.2f} | <= {GRADING_RATIO_BUDGET} "
                f"| {_mark(t['cluster_ratio'] <= GRADING_RATIO_BUDGET)} |"
            ),
            (
                f"| overhead per submission beyond execution | {t['overhead']:.1f} s | <= {OVERHEAD_BUDGET} s "
                f"| {_mark(t['overhead'] <= OVERHEAD_BUDGET)} |"
            ),
            f"| Dask overhead per submission, cluster start included (local:1 less --workers 1) | {t['scheduler_overhead']:.2f} s | - | - |",
        ]
    return "\n".join(lines) + "\n"


NOTEBOOK_TABLE_HEADER = "| notebook | kind | device | median s |"


def measured_seconds(report: Path, device: str = "cpu") -> dict[str, float]:
    """The median wall time of each notebook in a report `render` wrote (docs/benchmarks.md):
    {notebook name: seconds}; notebooks that failed or are missing are left out."""
    if not report.exists():
        return {}
    seconds, in_table = {}, False
    for line in report.read_text().splitlines():
        if line.startswith(NOTEBOOK_TABLE_HEADER):
            in_table = True
        elif in_table and line.startswith("| "):
            name, _kind, row_device, median = (
                cell.strip() for cell in line.strip("|").split("|")[:4]
            )
            if row_device == device and median.replace(".", "", 1).isdigit():
                seconds[name] = float(median)
        elif in_table and not line.startswith("|---"):
            in_table = False
    return seconds


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
    print("timing widget redraws (CPU per control change) ...", flush=True)
    redraws = widget_redraws(only)
    throughput = grading_throughput(course, device=device, repeat=repeat) if grading else None
    out.parent.mkdir(parents=True, exist_ok=True)
    report = render(timings, metrics, throughput, device, repeat, redraws)
    if only and out.exists():
        report = merge_report(out.read_text(), report)
    out.write_text(report)
    return out


def _table_rows(lines: list[str], start: int) -> list[str]:
    """The rows of the table whose header is lines[start] (separator line after it)."""
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("| "):
            break
        rows.append(line)
    return rows


def _first_cell(row: str) -> str:
    return row.strip("|").split("|")[0].strip()


def merge_report(old: str, new: str) -> str:
    """`old` with the rows of `new` in place, for a run of some notebooks (`--only`): in the first
    table of `old` with the same header as a table of `new`, the rows of the notebooks `new`
    measured replace theirs (where the first of them was); tables `old` lacks are appended with
    their section title. Prose, hand-written sections and other notebooks' rows stay."""
    new_lines, lines = new.splitlines(), old.splitlines()
    fresh = {}
    for i, line in enumerate(new_lines[:-1]):
        if line.startswith("| ") and new_lines[i + 1].startswith("|---"):
            title = next((t for t in reversed(new_lines[:i]) if t.startswith("## ")), "")
            fresh[line] = (title, new_lines[i + 1], _table_rows(new_lines, i))
    merged, done, i = [], set(), 0
    while i < len(lines):
        line = lines[i]
        if (
            line in fresh
            and line not in done
            and lines[i + 1 : i + 2]
            and lines[i + 1].startswith("|---")
        ):
            rows, names, placed = fresh[line][2], {_first_cell(r) for r in fresh[line][2]}, False
            merged += [line, lines[i + 1]]
            old_rows = _table_rows(lines, i)
            for row in old_rows:
                if _first_cell(row) not in names:
                    merged.append(row)
                elif not placed:
                    merged += rows
                    placed = True
            if not placed:
                merged += rows
            i += 2 + len(old_rows)
            done.add(line)
        else:
            merged.append(line)
            i += 1
    for header, (title, separator, rows) in fresh.items():
        if header not in done:
            merged += ["", title, "", header, separator, *rows]
    return "\n".join(merged) + "\n"


# ------------------------------------------------------------------ widget redraws (CPU time)

WIDGET_BUDGET_MS = 300  # CPU per redraw, from the specification
WIDGET_CHANGES = 5  # changes of each control; the median is reported


class _MaskedConv(torch.nn.Conv2d):
    """A raster-scan masked convolution (A hides the centre pixel, B keeps it)."""

    def __init__(self, mask_type, in_channels, out_channels, kernel_size, **kwargs):
        super().__init__(in_channels, out_channels, kernel_size, **kwargs)
        mask = torch.zeros(kernel_size, kernel_size)
        mask.view(-1)[: kernel_size**2 // 2 + (mask_type == "B")] = 1
        self.register_buffer("mask", mask)

    def forward(self, x):
        return self._conv_forward(x, self.weight * self.mask, self.bias)


def lecture_demos() -> dict[str, Callable[[], list]]:
    """Lecture name -> a function building its demos with the constructors its cells call, and
    untrained stand-ins of the lecture's sizes for its models (the redraw cost is the demo's)."""
    import torch.nn.functional as F
    from torch import nn
    from torch.distributions import Bernoulli, Normal

    from ..data import ring_means, sample_ring
    from ..metrics import mode_coverage
    from ..widgets_autoregressive import receptive_field_explorer, sampling_stepper
    from ..widgets_diffusion import (
        forward_process_explorer,
        guidance_explorer,
        reverse_process_explorer,
        score_field_explorer,
    )
    from ..widgets_gan_dynamics import dirac_gan_explorer, gda_explorer
    from ..widgets_gan_family import cycle_explorer, paired_translation_explorer, pyramid_explorer
    from ..widgets_gans import gan_1d_stepper, generator_loss_explorer, latent_walk, ring_snapshots
    from ..widgets_vae import elbo_terms_explorer, latent_explorer, reparam_explorer
    from ..widgets_vqvae import codebook_explorer, codebook_usage_explorer

    torch.manual_seed(0)
    pixelcnn = nn.Sequential(
        _MaskedConv("A", 1, 32, 7, padding=3),
        *[m for _ in range(4) for m in (nn.ReLU(), _MaskedConv("B", 32, 32, 3, padding=1))],
        nn.ReLU(),
        nn.Conv2d(32, 1, 1),
    )

    def draw_pixel(model, x, row, col):
        x[:, 0, row, col] = torch.bernoulli(torch.sigmoid(model(x)[:, 0, row, col]))
        return x

    encoder = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 4))
    decoder = nn.Sequential(nn.Linear(2, 128), nn.ReLU(), nn.Linear(128, 64))
    images = (torch.rand(360, 1, 8, 8) < 0.4).float()
    labels = torch.arange(360) % 10
    angles = labels * (2 * math.pi / 10)
    codes = 1.5 * torch.stack([angles.cos(), angles.sin()], 1) + 0.4 * torch.randn(360, 2)

    def encode(x):
        mu, logvar = encoder(x).chunk(2, dim=-1)
        return mu, logvar

    def log_likelihood(logits, x):
        return Bernoulli(logits=logits).log_prob(x).flatten(1).sum(1)

    def kl(mu, logvar):
        return 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1)

    def iwae(x, k):
        mu, logvar = encode(x)
        q = Normal(mu, (0.5 * logvar).exp())
        z = q.sample((k,))
        log_w = log_likelihood(decoder(z).reshape(k, -1), x.reshape(1, -1).expand(k, -1))
        log_w = log_w + Normal(0.0, 1.0).log_prob(z).sum(-1)[:, 0] - q.log_prob(z).sum(-1)[:, 0]
        return (torch.logsumexp(log_w, 0) - math.log(k)).reshape(1)

    def quantize(z_e, codebook):
        indices = torch.cdist(z_e, codebook).argmin(dim=1)
        return indices, codebook[indices]

    def perplexity(indices, num_codes):
        p = torch.bincount(indices.reshape(-1), minlength=num_codes).double()
        p = p[p > 0] / p.sum()
        return float(torch.exp(-(p * p.log()).sum()))

    usage = {  # counts (epochs, K): the first `alive` codes chosen, as in the lecture's runs
        name: torch.randint(1, 60, (12, 32)).numpy() * (torch.arange(32) < alive).numpy()
        for name, alive in [("β = 0.25", 32), ("β = 0", 6), ("far init", 1), ("restarts", 32)]
    }

    def d_loss(real, fake):
        return F.softplus(-real).mean() + F.softplus(fake).mean()

    losses = {
        "non-saturating": lambda fake: F.softplus(-fake).mean(),
        "minimax": lambda fake: -F.softplus(fake).mean(),
    }
    pixels = torch.randn(42, 64)

    def digit_generator(z, y):  # an untrained stand-in for l4's conditional DCGAN
        return torch.tanh(torch.cat([z, F.one_hot(y, 10).float()], dim=1) @ pixels).reshape(
            -1, 1, 8, 8
        )

    steps = list(range(0, 1001, 100))
    rings = {  # samples spreading from the centre onto the ring's modes
        name: [(s / 1000) * sample_ring(1000, std=0.05) + 0.3 * torch.randn(1000, 2) for s in steps]
        for name in losses
    }

    def rotation(eta):
        return torch.tensor([[1.0, -eta], [eta, 1.0]], dtype=torch.float64)

    def simultaneous(x0, y0, eta, n):
        z = [torch.tensor([x0, y0], dtype=torch.float64)]
        for _ in range(n):
            z.append(rotation(eta) @ z[-1])
        return torch.stack(z)

    def alternating(x0, y0, eta, n):
        z = [torch.tensor([x0, y0], dtype=torch.float64)]
        for _ in range(n):
            x, y = z[-1]
            x = x - eta * y
            z.append(torch.stack([x, y + eta * x]))
        return torch.stack(z)

    def flow(x0, y0, t):
        return torch.stack(
            [x0 * torch.cos(t) - y0 * torch.sin(t), x0 * torch.sin(t) + y0 * torch.cos(t)], 1
        )

    def dirac_field(theta, psi, gamma):
        return -psi, theta - gamma * psi

    def dirac_simulate(theta0, psi0, eta, n, gamma):
        z = [torch.tensor([theta0, psi0], dtype=torch.float64)]
        for _ in range(n):
            theta, psi = z[-1]
            z.append(z[-1] + eta * torch.stack([-psi, theta - gamma * psi]))
        return torch.stack(z)

    book = [[-1.2, -0.8], [1.0, -1.0], [0.1, 1.3], [-1.5, 0.9], [1.6, 0.7], [0.0, -0.1]]

    betas = torch.linspace(0.001, 0.2, 100, dtype=torch.float64)  # l7's sizes: T = 100, 2000 points
    ring = sample_ring(2000, std=0.05).double()

    def alpha_bar(b):
        return torch.cumprod(1 - b, 0)

    def q_sample(x0, t, noise, b):
        abar = alpha_bar(b)[t - 1][:, None]
        return abar.sqrt() * x0 + (1 - abar).sqrt() * noise

    chains = {  # stand-ins for the sampler runs: straight lines from noise to the data
        name: (
            torch.stack([ring + (1 - i / n) * torch.randn_like(ring) for i in range(n + 1)]),
            list(range(n, -1, -1)),
        )  # fmt: skip
        for name, n in (("DDPM, 100 steps", 100), ("DDIM, 20 steps", 20))
    }

    def pyramid(images, levels):  # l6's Laplacian pyramid of 8x8 digits
        details = []
        for _ in range(levels):
            coarser = torch.nn.functional.avg_pool2d(images, 2)
            details.append(images - coarser.repeat_interleave(2, 2).repeat_interleave(2, 3))
            images = coarser
        return [*details, images]

    def rebuild(levels):
        *details, image = levels
        for detail in reversed(details):
            image = image.repeat_interleave(2, 2).repeat_interleave(2, 3) + detail
        return image

    translators = {  # l6's pix2pix toy: two untrained generators of (x, z), 400 samples each
        name: (lambda net: lambda x, z: net(torch.cat([x, z], 1)))(nn.Linear(2, 1))
        for name in ("L1 only", "L1 + adversarial")
    }
    pairs = (torch.rand(2000, 1) * 1.8 - 0.9, torch.randn(2000, 1))
    corners = torch.tensor([[1.5, 1.5], [-1.5, 1.5], [-1.5, -1.5], [1.5, -1.5]])
    cycles = {name: (nn.Linear(2, 2), nn.Linear(2, 2)) for name in ("λ = 0", "λ = 10")}

    requested = torch.arange(100) % 10  # l7's guidance demo: 100 digits for each of 6 weights
    guided = {w: torch.rand(100, 1, 8, 8) * 2 - 1 for w in (0.0, 0.5, 1.0, 2.0, 3.0, 5.0)}
    guidance_scores = {
        w: {"label_agreement": w / 6, "confident_fraction": w / 7, "spread": 0.3} for w in guided
    }
    return {
        "l1_autoregressive": lambda: [
            receptive_field_explorer(_MaskedConv),
            sampling_stepper(pixelcnn, draw_pixel, height=8, width=8, n=8),
        ],
        "l2_vae": lambda: [
            reparam_explorer(lambda mu, logvar: Normal(mu, (0.5 * logvar).exp()).rsample()),
            latent_explorer(decoder, codes, labels),
            elbo_terms_explorer(
                encode,
                lambda z: decoder(z).unflatten(-1, (1, 8, 8)),
                log_likelihood,
                kl,
                images,
                iwae=iwae,
            ),
        ],
        "l3_vqvae": lambda: [
            codebook_explorer(quantize, lambda z_e, z_q: z_e + (z_q - z_e).detach(), book),
            codebook_usage_explorer(usage, perplexity, run="far init"),
        ],
        "l4_gans": lambda: [
            generator_loss_explorer(losses, d_fake=0.02),
            gan_1d_stepper(d_loss, losses, lambda p_data, p_g: p_data / (p_data + p_g)),
            ring_snapshots(rings, steps, ring_means(), 0.05, coverage=mode_coverage),
            ring_snapshots(
                rings, steps, ring_means(), 0.05, coverage=mode_coverage, side_by_side=True
            ),
            latent_walk(digit_generator, torch.randn(2, 32), torch.randn(32)),
        ],
        "l5_gan_dynamics": lambda: [
            gda_explorer({"simultaneous": simultaneous, "alternating": alternating}, flow),
            dirac_gan_explorer(dirac_field, dirac_simulate),
        ],
        "l6_gan_family": lambda: [
            pyramid_explorer(torch.rand(40, 1, 8, 8), pyramid, rebuild),
            paired_translation_explorer(
                translators, pairs, lambda x: torch.cat([x, -x], 1), tolerance=0.09
            ),
            cycle_explorer(
                cycles,
                corners[torch.arange(800) % 4],
                torch.arange(800) % 4,
                corners,
                corners.flip(1),
                0.1,
            ),
        ],
        "l7_diffusion": lambda: [
            forward_process_explorer(q_sample, {"cosine": betas, "linear": betas}, ring, alpha_bar),
            reverse_process_explorer(chains, ring_means().double(), 0.05, mode_coverage),
            score_field_explorer(lambda x, t: -x * (1 + 1 / t), 100, ring_means()),
            guidance_explorer(guided, requested, guidance_scores, guidance_scores[0.0]),
        ],
    }


def control_changes(control, n: int) -> list:
    """n changes of a control, as callables: a click, the next option, or a slider position."""
    if isinstance(control, widgets.Button):
        return [control.click] * n
    if hasattr(control, "options"):
        options = list(control.options)
        start = options.index(control.value)
        picks = [options[(start + 1 + i) % len(options)] for i in range(n)]
    else:
        step = control.step
        span = control.max - control.min
        picks = [control.min + round(f * span / step) * step for f in (0.3, 0.7, 0.5, 1.0, 0.1)]
        picks = (picks * n)[:n]
    return [lambda value=value: setattr(control, "value", value) for value in picks]


@dataclass
class Redraws:
    """CPU milliseconds of each redraw of one demo when one control changed."""

    lecture: str
    demo: str
    control: str
    ms: list[float]
    error: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.ms)


def widget_redraws(only: list[str] = (), changes: int = WIDGET_CHANGES) -> list[Redraws]:
    """CPU time (time.process_time, one torch thread) of each redraw as each control of each
    lecture demo (of the lectures in `only`, default all) changes `changes` times."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    rows = []
    try:
        for lecture, build in lecture_demos().items():
            if only and lecture not in only:
                continue
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                boxes = build()  # outside a kernel the demos print what they display
            for box in boxes:
                demo = box.demo
                for control in demo.controls:
                    if NOREDRAW in control._dom_classes:
                        continue  # it only sets what a button does next
                    row = Redraws(lecture, box._dom_classes[0], control.description, [])
                    for change in control_changes(control, changes):
                        count, start = demo.redraws, time.process_time()
                        with contextlib.redirect_stdout(io.StringIO()):
                            change()
                        if demo.redraws > count:
                            row.ms.append(1000 * (time.process_time() - start))
                        elif demo.error:
                            row.error = f"{type(demo.error).__name__}: {demo.error}"
                    rows.append(row)
                    median = f"{row.median:.0f} ms" if row.ms else "no redraw"
                    print(f"  {row.demo:<26} {row.control:<24} {median}", flush=True)
    finally:
        torch.set_num_threads(threads)
    return rows


def render_redraws(rows: list[Redraws]) -> list[str]:
    """Report lines: the median CPU time per redraw of every control, against the budget."""
    lines = [
        "",
        "## Widget redraws (CPU time per control change)",
        "",
        f"Each control of each lecture demo changed {WIDGET_CHANGES} times (`time.process_time` of "
        "the `course` process, one torch thread, PNG included); the demos are built by the "
        "constructors the lectures call, with untrained stand-ins of the lectures' models. "
        "Controls that do not redraw by design (`course-widget-noredraw`) are left out.",
        "",
        "| lecture | demo | control | median ms | min-max ms | budget ms | within |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if not r.ms:
            what = f"failed: {r.error}" if r.error else "no redraw"
            lines.append(f"| {r.lecture} | {r.demo} | {r.control} | {what} | - | - | **FAIL** |")
            continue
        within = _mark(r.median <= WIDGET_BUDGET_MS)
        lines.append(
            f"| {r.lecture} | {r.demo} | {r.control} | {r.median:.0f} "
            f"| {min(r.ms):.0f}-{max(r.ms):.0f} | {WIDGET_BUDGET_MS} | {within} |"
        )
    return lines
