import json
import math

import matplotlib.pyplot as plt
import torch

from course_utils import data, plotting
from course_utils.metrics import METRICS_DIR_VARIABLE, code_purity, mode_coverage, write_metrics


def test_plots_are_labelled():
    ax = plotting.plot_curves({"train": [3, 2, 1], "validation": [3, 2.5, 2.4]})
    assert ax.get_xlabel() == "epoch" and ax.get_legend() is not None
    ax = plotting.scatter_samples(torch.randn(50, 2), data.ring_means())
    assert ax.get_xlabel() and len(ax.collections) == 2
    ax = plotting.image_grid(torch.rand(10, 1, 8, 8), nrow=5, title="digits")
    assert ax.get_title() == "digits"
    ax = plotting.vector_field(lambda X, Y: (-Y, X))
    plotting.contours(lambda X, Y: X * Y, ax=ax)
    plotting.trajectories({"a": torch.randn(5, 2), "b": torch.randn(5, 2)}, ax=ax)
    assert ax.get_legend() is not None
    plt.close("all")


def test_perfect_sampler_scores_one_minus_exp_minus_4_5():
    means, std = data.ring_means(8), 0.02
    samples = data.sample_mixture(means, 20000, std, torch.Generator().manual_seed(0))
    score = mode_coverage(samples, means, std)
    assert score["modes_captured"] == 8 and score["n_modes"] == 8
    assert abs(score["high_quality"] - (1 - math.exp(-4.5))) < 0.005


def test_collapsed_and_off_target_samplers_score_low():
    means, std = data.ring_means(8), 0.02
    collapsed = means[0] + std * torch.randn(1000, 2, generator=torch.Generator().manual_seed(0))
    assert mode_coverage(collapsed, means, std)["modes_captured"] == 1
    far = torch.zeros(100, 2)
    assert mode_coverage(far, means, std) == {
        "modes_captured": 0,
        "n_modes": 8,
        "high_quality": 0.0,
    }


def test_metrics_are_written_only_where_course_bench_asks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(METRICS_DIR_VARIABLE, raising=False)
    records = write_metrics("l9_demo", [("test NLL (nats)", 18.6, "baseline 20.1")])
    assert records == [
        {
            "notebook": "l9_demo",
            "quantity": "test NLL (nats)",
            "value": 18.6,
            "baseline": "baseline 20.1",
        }
    ]
    assert not list(tmp_path.iterdir()), "a student's or lecturer's run must leave no metrics file"
    monkeypatch.setenv(METRICS_DIR_VARIABLE, str(tmp_path / "bench"))
    (tmp_path / "bench").mkdir()
    write_metrics("l9_demo", [("test NLL (nats)", 18.6, "baseline 20.1")])
    assert json.loads((tmp_path / "bench" / "l9_demo_metrics.json").read_text()) == records


def test_code_purity_counts_each_codes_most_common_mode():
    means = data.ring_means()
    # code 0: three samples on mode 0, one on mode 1; code 1: two on mode 2 and one far off
    samples = torch.stack([means[0], means[0], means[0], means[1], means[2], means[2]])
    samples = torch.cat([samples, torch.tensor([[9.0, 9.0]])])
    codes = torch.tensor([0, 0, 0, 0, 1, 1, 1])
    purity, modes = code_purity(samples, codes, means, std=0.05)
    assert math.isclose(purity, (3 / 4 + 2 / 2) / 2) and modes == 2
    purity, modes = code_purity(samples[:4], torch.zeros(4, dtype=torch.long), means, std=0.05)
    assert math.isclose(purity, 0.75) and modes == 1
