"""The lecture 2 widgets: every control redraws the figure, plugged-in functions are used, and a
sampler without a reparameterized gradient is reported to the user."""

import math

import matplotlib
import pytest
import torch
from widget_helpers import assert_control_redraws, status

from course_utils.widgets_vae import (
    elbo_terms_explorer,
    gradient_estimates,
    latent_explorer,
    reparam_explorer,
)

matplotlib.use("Agg")


def rsample(mu, logvar):
    return torch.distributions.Normal(mu, (0.5 * logvar).exp()).rsample()


def decode(z):
    """A fixed 'decoder' whose image depends on z: a bright column at a position set by z1, a row by z2."""
    grid = torch.arange(8.0)
    cols = -((grid[None, :] - 3.5 - z[:, :1]) ** 2)
    rows = -((grid[None, :] - 3.5 - z[:, 1:2]) ** 2)
    return (cols[:, None, :] + rows[:, :, None] + 2.0).unsqueeze(1)  # (N, 1, 8, 8)


def encode(x):
    flat = x.flatten(1)
    return torch.stack([flat[:, :32].mean(1), flat[:, 32:].mean(1)], dim=1), torch.full(
        (len(x), 2), -1.0
    )


def log_likelihood(logits, x):
    return torch.distributions.Bernoulli(logits=logits).log_prob(x).flatten(1).sum(1)


def kl(mu, logvar):
    return 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1)


def iwae(x, k):
    return torch.full((len(x),), -10.0 - math.log(k))


IMAGES = (torch.rand(5, 1, 8, 8, generator=torch.Generator().manual_seed(0)) < 0.5).float()


def make(kind):
    if kind == "reparam":
        return reparam_explorer(rsample, n=500), "reparam-explorer"
    if kind == "latent":
        codes = torch.randn(50, 2, generator=torch.Generator().manual_seed(1))
        return latent_explorer(decode, codes, labels=torch.arange(50) % 10), "latent-explorer"
    return elbo_terms_explorer(
        encode, decode, log_likelihood, kl, IMAGES, iwae=iwae
    ), "elbo-terms-explorer"


@pytest.mark.parametrize(
    "kind,description,value",
    [
        ("reparam", "μ", 1.5),
        ("reparam", "σ", 2.0),
        ("reparam", "samples", 3000),
        ("latent", "$z_1$", 2.0),
        ("latent", "$z_2$", -1.5),
        ("elbo", "image", 3),
        ("elbo", "samples", 50),
    ],
)
def test_every_control_redraws_the_figure(kind, description, value):
    box, css = make(kind)
    assert css in box._dom_classes
    assert_control_redraws(box, description, value)
    assert "Error" not in status(box, css), status(box, css)


def test_gradient_estimates_are_unbiased_and_the_reparameterized_one_is_less_noisy():
    def f(z):
        return (z - 2.0) ** 2

    _, reparam, score = gradient_estimates(rsample, f, mu=0.5, sigma=1.0, n=20000)
    assert reparam.mean() == pytest.approx(-3.0, abs=0.05)
    assert score.mean() == pytest.approx(-3.0, abs=0.3)
    assert score.std() > 2 * reparam.std()


def test_a_sampler_without_gradient_is_reported():
    box = reparam_explorer(
        lambda mu, logvar: torch.normal(mu.detach(), (0.5 * logvar).exp()), n=200
    )
    message = status(box, "reparam-explorer")
    assert "ValueError" in message and "reparameterized" in message, message


def test_elbo_terms_status_reports_the_plugged_in_terms():
    box, css = make("elbo")
    x = IMAGES[:1]
    mu, logvar = encode(x)
    assert f"KL {float(kl(mu, logvar)[0]):.2f}" in status(box, css)
