"""The classifier-based digit sample score: real test digits score high, noise and a single
repeated digit low, results are deterministic, the cache lives outside the repository and the
caller's random state is untouched."""

import math
from pathlib import Path

import pytest
import torch

from course_utils import digit_score
from course_utils.data import load_digits

pytestmark = pytest.mark.xdist_group(
    "test_digit_score"
)  # its module fixture runs once, on one worker

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A private cache folder: the first use trains the classifier once for this module."""
    folder = tmp_path_factory.mktemp("cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("COURSE_UTILS_CACHE", str(folder))
    digit_score._MEMORY.clear()
    yield folder
    digit_score._MEMORY.clear()
    patch.undo()


def test_classifier_is_accurate_and_cached_outside_the_repository(cache):
    assert digit_score.classifier_accuracy() >= 0.97
    files = list(cache.glob("digit_classifier_v*.pt"))
    assert [f.name for f in files] == [f"digit_classifier_v{digit_score.CLASSIFIER_VERSION}.pt"]
    assert not list(ROOT.rglob("digit_classifier_v*.pt")), (
        "the classifier must not be cached in the repo"
    )


def test_real_test_digits_score_high(cache):
    ref = digit_score.reference_digit_score()
    assert ref["n"] == 360
    assert ref["confident_fraction"] >= 0.85, ref
    assert ref["classes_covered"] == 10, ref
    assert ref["inception_score"] >= 8.5, ref


def test_noise_scores_low(cache):
    g = torch.Generator().manual_seed(0)
    uniform = digit_score.digit_sample_score(torch.rand(400, 1, 8, 8, generator=g))
    gaussian = digit_score.digit_sample_score(
        torch.randn(400, 1, 8, 8, generator=g).tanh(), value_range=(-1, 1)
    )
    for score in (uniform, gaussian):
        assert score["confident_fraction"] <= 0.1, score
        assert score["inception_score"] <= 2.0, score


def test_a_single_repeated_digit_covers_one_class(cache):
    one = load_digits("unit").test_images[:1].repeat(200, 1, 1, 1)
    score = digit_score.digit_sample_score(one)
    assert score["classes_covered"] == 1 and score["inception_score"] == pytest.approx(
        1.0, abs=1e-6
    ), score


def test_value_range_and_shapes(cache):
    x = load_digits("unit").test_images[:50]
    base = digit_score.digit_sample_score(x)
    assert digit_score.digit_sample_score(2 * x - 1, value_range=(-1, 1)) == pytest.approx(base)
    assert digit_score.digit_sample_score(x.reshape(50, 64)) == pytest.approx(base)
    assert digit_score.digit_sample_score(x[:, 0].numpy()) == pytest.approx(base)
    with pytest.raises(ValueError, match=r"\(N, 1, 8, 8\)"):
        digit_score.digit_sample_score(torch.zeros(3, 1, 28, 28))
    nan = digit_score.digit_sample_score(torch.full((4, 1, 8, 8), float("nan")))
    assert nan["n"] == 4


def test_score_does_not_touch_the_callers_random_state(cache):
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    digit_score._MEMORY.clear()  # force a load (or training) inside the call
    digit_score.digit_sample_score(torch.zeros(10, 1, 8, 8))
    digit_score.reference_digit_score()
    assert torch.equal(torch.rand(3), expected)


def test_training_is_deterministic(cache):
    first = digit_score.get_classifier().state_dict()
    again = digit_score.train_classifier().state_dict()
    for name, tensor in first.items():
        assert torch.equal(tensor, again[name]), f"{name} differs between two trainings"


def test_within_class_spread_is_the_mean_rms_difference_within_each_label():
    blank, full = torch.zeros(1, 8, 8), torch.ones(1, 8, 8)
    half = torch.cat([torch.ones(1, 4, 8), torch.zeros(1, 4, 8)], dim=1)[None]
    images = torch.stack([blank, full, half[0], half[0]])
    # label 0: blank and full differ by 1 in every pixel; label 1: two copies; label 2 alone
    assert digit_score.within_class_spread(images, torch.tensor([0, 0, 1, 1])) == pytest.approx(0.5)
    assert digit_score.within_class_spread(images, torch.tensor([0, 0, 0, 2])) == pytest.approx(
        (1 + 2 * math.sqrt(0.5)) / 3
    )
    assert digit_score.within_class_spread(
        images * 2 - 1, torch.tensor([1, 1, 1, 1]), (-1, 1)
    ) == pytest.approx(digit_score.within_class_spread(images, torch.tensor([1, 1, 1, 1])))
    real = load_digits("unit")
    spread = digit_score.within_class_spread(real.test_images, real.test_labels)
    assert 0.15 < spread < 0.5
    assert (
        digit_score.within_class_spread(real.test_images[:1].repeat(20, 1, 1, 1), torch.zeros(20))
        == 0
    )
