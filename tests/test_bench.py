"""`course bench` writes a report with timings, budgets as pass/fail, quality numbers and throughput."""

from pathlib import Path

import nbformat
import pytest

from course_utils.grading.bench import Timing, bench, measured_seconds, merge_report, render
from course_utils.grading.course import Course

ROOT = Path(__file__).resolve().parents[1]


def test_report_shows_medians_budgets_and_throughput():
    timings = [
        Timing("a9_fast", "solution", "cpu", [10.0, 30.0, 20.0]),
        Timing("l9_slow", "lecture", "cpu", [70.0]),
    ]
    metrics = [
        {
            "notebook": "a9_fast",
            "quantity": "test NLL (nats)",
            "value": 18.5,
            "baseline": "mixture 20.4",
        }
    ]
    throughput = {
        "n": 20,
        "plain_seconds": 4.0,
        "median": {
            "--workers 1": 120.0,
            "--workers 2": 80.0,
            "--cluster local:1": 130.0,
            "--cluster local:2": 70.0,
        },
        "runs": {
            "--workers 1": [120.0, 118.0, 125.0],
            "--workers 2": [80.0, 79.0, 90.0],
            "--cluster local:1": [130.0],
            "--cluster local:2": [70.0],
        },
        "ratio": 0.67,
        "cluster_ratio": 0.54,
        "overhead": 2.0,
        "scheduler_overhead": 0.5,
        "identical": True,
    }
    report = render(timings, metrics, throughput, "cpu", 3)
    assert "| a9_fast | solution | cpu | 20.0 | 10.0-30.0 | 3 | 120 | pass |" in report
    assert "| l9_slow | lecture | cpu | 70.0 | 70.0-70.0 | 1 | 60 | **FAIL** |" in report
    assert "| a9_fast | test NLL (nats) | 18.5 | mixture 20.4 |" in report
    assert "| 0.67 | <= 0.6 | **FAIL** |" in report
    assert "| `--workers 2`, median of 3 (min-max) | 80.0 s (79.0-90.0 s) |" in report
    assert "| 2.0 s | <= 5.0 s | pass |" in report
    assert "| `--cluster local:2`, median of 1 (min-max) | 70.0 s (70.0-70.0 s) |" in report
    assert "| ratio local:2 / local:1 (Dask LocalCluster) | 0.54 | <= 0.6 | pass |" in report
    assert "cluster start included (local:1 less --workers 1) | 0.50 s |" in report


def test_measured_seconds_reads_back_the_medians_of_a_report(tmp_path):
    timings = [
        Timing("a9_fast", "solution", "cpu", [10.0, 30.0, 20.0]),
        Timing("l9_slow", "lecture", "cpu", [70.0]),
        Timing("l9_hung", "lecture", "cpu", [], ["hung"]),
    ]
    report = tmp_path / "benchmarks.md"
    report.write_text(
        render(
            timings,
            [{"notebook": "a9_fast", "quantity": "q", "value": 1.0, "baseline": "b"}],
            None,
            "cpu",
            3,
        )
    )
    assert measured_seconds(report) == {"a9_fast": 20.0, "l9_slow": 70.0}
    assert measured_seconds(report, device="cuda") == {}
    assert measured_seconds(tmp_path / "missing.md") == {}


def test_a_failed_run_is_reported_and_the_others_still_count(monkeypatch, tmp_path):
    from course_utils.grading import bench as bench_module
    from course_utils.grading.notebooks import NotebookFailed, Run

    calls = []

    def fake_execute(path, timeout, device, keep):
        calls.append(path.stem)
        if path.stem == "l5_gan_dynamics" and calls.count("l5_gan_dynamics") == 2:
            raise NotebookFailed("l5_gan_dynamics.ipynb: CellTimeoutError")
        return Run(None, 2.0 if path.stem.startswith("l5") else 1.0, [])

    monkeypatch.setattr(bench_module, "execute", fake_execute)
    timings, _ = bench_module.time_notebooks(
        Course(ROOT), "cpu", 3, ["l5_gan_dynamics", "a5_gan_dynamics"], tmp_path
    )
    l5, a5 = timings
    assert l5.seconds == [2.0, 2.0] and l5.failures == ["l5_gan_dynamics.ipynb: CellTimeoutError"]
    assert a5.seconds == [1.0, 1.0, 1.0] and not a5.failures
    report = render(
        [*timings, Timing("l9_hung", "lecture", "cpu", [], ["hung"])], [], None, "cpu", 3
    )
    assert "| l5_gan_dynamics | lecture | cpu | 2.0 | 2.0-2.0 | 2 | 60 | pass |" in report
    assert "- l5_gan_dynamics: l5_gan_dynamics.ipynb: CellTimeoutError" in report
    assert "| l9_hung | lecture | cpu | failed | - | 0 | 60 | **FAIL** |" in report


def test_exact_nll_is_set_next_to_the_vae_bounds():
    def row(notebook, quantity, value):
        return {"notebook": notebook, "quantity": quantity, "value": value, "baseline": "-"}

    metrics = [
        row("a1_autoregressive", "test NLL (nats)", 18.55),
        row("a1_autoregressive", "independent Bernoulli test NLL (nats)", 25.22),
        row("a1_autoregressive", "Bernoulli mixture (10) test NLL (nats)", 20.15),
        row("a2_vae", "test negative ELBO (nats)", 18.93),
        row("a2_vae", "test KL(q(z|x) || p(z)) (nats)", 5.74),
        row("a2_vae", "test negative IWAE bound, k=100 (nats)", 18.17),
    ]
    report = render([], metrics, None, "cpu", 1)
    comparison = report.split("## Exact likelihood against bounds")[1]
    assert "| a1 PixelCNN, exact NLL | 18.55 |" in comparison
    assert (
        "| a2 VAE, test negative IWAE bound, k=100 (upper bound on its NLL) | 18.17 |" in comparison
    )
    assert "KL" not in comparison
    assert "## Exact likelihood" not in render([], metrics[3:], None, "cpu", 1)


@pytest.mark.slow
def test_bench_runs_a_notebook_and_collects_its_metrics(tmp_path):
    out = bench(
        Course(ROOT), "cpu", 1, ["a5_gan_dynamics"], grading=False, out=tmp_path / "bench.md"
    )
    text = out.read_text()
    assert "| a5_gan_dynamics | solution | cpu |" in text
    assert "sqrt(1 + eta^2) = 1.0198" in text
    assert not list((ROOT / "solutions" / "a5_gan_dynamics").glob("*_metrics.json"))
    kept = ROOT / "grading" / "bench" / "cpu"
    assert "sqrt(1 + eta^2)" in (kept / "a5_gan_dynamics_metrics.json").read_text()
    executed = nbformat.read(kept / "a5_gan_dynamics.ipynb", as_version=4)
    assert any(cell.get("outputs") for cell in executed.cells)


def test_widget_redraws_are_reported_per_control_against_the_budget():
    from course_utils.grading.bench import Redraws

    rows = [
        Redraws("l9_demo", "fast-explorer", "step size η", [120.0, 80.0, 100.0]),
        Redraws("l9_demo", "slow-explorer", "samples", [900.0, 400.0, 500.0]),
        Redraws("l9_demo", "broken-explorer", "seed", [], "RuntimeError: no model"),
    ]
    report = render([], [], None, "cpu", 1, rows)
    section = report.split("## Widget redraws (CPU time per control change)")[1]
    assert "| l9_demo | fast-explorer | step size η | 100 | 80-120 | 300 | pass |" in section
    assert "| l9_demo | slow-explorer | samples | 500 | 400-900 | 300 | **FAIL** |" in section
    assert "| broken-explorer | seed | failed: RuntimeError: no model |" in section
    assert "## Widget redraws" not in render([], [], None, "cpu", 1)


def test_widget_redraws_time_each_control_of_the_lecture_demos():
    from course_utils.grading.bench import widget_redraws

    rows = widget_redraws(only=["l5_gan_dynamics"], changes=2)
    assert {r.demo for r in rows} == {"gda-explorer", "dirac-gan-explorer"}
    assert {r.control for r in rows if r.demo == "gda-explorer"} == {
        "method",
        "step size η",
        "steps",
    }
    assert all(len(r.ms) == 2 and not r.error for r in rows), rows


def test_a_run_of_some_notebooks_replaces_their_rows_and_keeps_the_rest():
    old = render(
        [Timing("a1_x", "solution", "cpu", [10.0]), Timing("a2_y", "solution", "cpu", [20.0])],
        [{"notebook": n, "quantity": "q", "value": 1.0, "baseline": "b"} for n in ("a1_x", "a2_y")],
        None,
        "cpu",
        3,
    )
    old = old.replace("## Quality", "## A hand-written section\n\nProse that stays.\n\n## Quality")
    new = render(
        [Timing("a2_y", "solution", "cpu", [25.0]), Timing("a3_z", "solution", "cpu", [5.0])],
        [{"notebook": "a2_y", "quantity": "q", "value": 2.0, "baseline": "b"}],
        None,
        "cpu",
        1,
        [],
    )
    merged = merge_report(old, new)
    rows = [line for line in merged.splitlines() if line.startswith("| a")]
    assert rows == [
        "| a1_x | solution | cpu | 10.0 | 10.0-10.0 | 1 | 120 | pass |",
        "| a2_y | solution | cpu | 25.0 | 25.0-25.0 | 1 | 120 | pass |",
        "| a3_z | solution | cpu | 5.0 | 5.0-5.0 | 1 | 120 | pass |",
        "| a1_x | q | 1 | b |",
        "| a2_y | q | 2 | b |",
    ]
    assert "Prose that stays." in merged and merged.startswith(old.splitlines()[0])
    assert "--repeat 3" in merged  # the report keeps its own header line
