"""Lecture 2 demos (VAE): the reparameterization trick, a 2D latent space, the ELBO terms.

Each demo takes the functions it visualises as arguments (a sampler, a decoder, an encoder
and the likelihood/KL terms), so the lecture's implementation and a student's own can be
plugged in alike. The controls, figure and error status line come from the shared `Demo`
container (`widgets_common`): a failure of plugged-in code is shown under the figure.

CSS classes: `reparam-explorer`, `latent-explorer`, `elbo-terms-explorer` (and `-status`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch

from .widgets_common import Demo, returned_array, slider

Sampler = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""(mu, logvar) -> z of the same shape, differentiable in mu (the reparameterized sample)."""
Decoder = Callable[[torch.Tensor], torch.Tensor]
"""z (N, L) -> Bernoulli logits (N, 1, H, W) or (N, H*W)."""
Encoder = Callable[[torch.Tensor], tuple]
"""x (N, 1, H, W) -> (mu, logvar), each (N, L)."""
Term = Callable[..., torch.Tensor]
"""A per-example term, returning (N,)."""

LABEL_BOX = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8}


def gradient_estimates(
    sample: Sampler,
    f: Callable[[torch.Tensor], torch.Tensor],
    mu: float,
    sigma: float,
    n: int,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n single-sample estimates of d/dmu E_{z ~ N(mu, sigma^2)}[f(z)] by two estimators.

    Reparameterized: f'(z) dz/dmu through `sample` (autograd). Score function (REINFORCE):
    f(z) * d/dmu log N(z; mu, sigma^2) = f(z) (z - mu) / sigma^2, with z detached.
    Returns (z, reparameterized, score_function), each (n,).
    """
    torch.manual_seed(seed)
    mus = torch.full((n,), float(mu), dtype=torch.float64, requires_grad=True)
    logvars = torch.full((n,), 2 * math.log(sigma), dtype=torch.float64)
    z = sample(mus, logvars)
    returned_array(z, "sample(mu, logvar)", (n,))
    if not z.requires_grad:
        raise ValueError(
            "sample(mu, logvar) returned a z without a gradient to mu: is it reparameterized?"
        )
    (grad,) = torch.autograd.grad(f(z).sum(), mus, allow_unused=True)
    if grad is None:
        raise ValueError("no gradient reaches mu through sample(mu, logvar)")
    z0 = z.detach()
    score = f(z0) * (z0 - float(mu)) / sigma**2
    return z0.numpy(), grad.detach().numpy(), score.detach().numpy()


def reparam_explorer(
    sample: Sampler,
    f: Callable[[torch.Tensor], torch.Tensor] = lambda z: (z - 2.0) ** 2,
    f_label: str = "$f(z) = (z - 2)^2$",
    mu: float = 0.0,
    sigma: float = 1.0,
    n: int = 2000,
) -> widgets.VBox:
    """mu and sigma sliders: samples z ~ N(mu, sigma^2) and the spread of two gradient estimators.

    sample: fn(mu, logvar) -> z (the reparameterized sampler under study).
    Left: f, the density of z and a histogram of the samples. Right: histograms of the n
    single-sample estimates of d/dmu E[f(z)] (reparameterized vs score function), with
    their standard deviations. Returns the container (class "reparam-explorer").
    """
    mu_slider = slider("μ", mu, -3.0, 3.0, 0.1)
    sigma_slider = slider("σ", sigma, 0.1, 3.0, 0.05)
    n_slider = slider("samples", n, 100, 10000, 100)

    def draw(fig: plt.Figure) -> str:
        m, s, k = mu_slider.value, sigma_slider.value, n_slider.value
        z, reparam, score = gradient_estimates(sample, f, m, s, k)
        left, right = fig.axes
        grid = np.linspace(-6, 6, 400)
        left.plot(grid, f(torch.from_numpy(grid)).numpy(), color="0.4", label=f_label)
        left.hist(z, bins=50, density=True, alpha=0.5, histtype="stepfilled", label="samples z")
        left.plot(
            grid,
            np.exp(-0.5 * ((grid - m) / s) ** 2) / (s * math.sqrt(2 * math.pi)),
            label="$q(z)$",
        )
        left.set_ylim(0, max(1.0, 1.2 / (s * math.sqrt(2 * math.pi))))
        left.set_xlabel("z")
        left.legend(loc="upper left")
        lo, hi = np.percentile(np.concatenate([reparam, score]), [1, 99])
        bins = np.linspace(lo, hi, 60)
        for values, name in ((score, "score function"), (reparam, "reparameterized")):
            label = f"{name} (std {values.std():.2f})"
            right.hist(values, bins=bins, alpha=0.55, histtype="stepfilled", label=label)
        right.axvline(
            reparam.mean(), color="k", lw=0.8, ls="--", label=f"mean {reparam.mean():.2f}"
        )
        right.set_xlabel("single-sample estimate of $\\partial_\\mu \\mathbb{E}[f(z)]$")
        right.set_ylabel("count")
        right.legend(loc="upper left")
        right.set_title(f"μ = {m:.1f}, σ = {s:.2f}")
        ratio = score.std() / max(reparam.std(), 1e-12)
        return (
            f"μ = {m:.1f}, σ = {s:.2f}: std of the estimates: reparameterized {reparam.std():.3f},"
            f" score function {score.std():.3f} ({ratio:.1f}x)"
        )

    return Demo("reparam-explorer", [mu_slider, sigma_slider, n_slider], draw).widget


def _image(logits, what: str) -> np.ndarray:
    """Probabilities of one decoded image as (H, W); accepts (1, 1, H, W), (1, H, W) or (1, D)."""
    array = returned_array(logits, what)
    if array.shape[0] != 1:
        raise ValueError(f"{what} returned {array.shape[0]} images for one code")
    array = array.reshape(array.shape[1:])
    if array.ndim == 3:
        array = array[0]
    if array.ndim == 1:
        side = math.isqrt(array.size)
        array = array.reshape(side, side)
    return 1.0 / (1.0 + np.exp(-array))


def latent_explorer(decode: Decoder, codes, labels=None, view: float = 3.0) -> widgets.VBox:
    """z1, z2 sliders over a 2D latent space, with the image decoded at that point.

    decode: fn(z (1, 2)) -> logits of one image. codes (N, 2): encoder means of some images
    (drawn as a scatter, coloured by labels (N,) when given, each label written at the mean of
    its codes). Left: the codes and the current z. Right: the decoded pixel probabilities.
    Returns the container (class "latent-explorer").
    """
    codes = returned_array(codes, "codes")
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"codes must have shape (N, 2), got {codes.shape}")
    labels = None if labels is None else returned_array(labels, "labels", (len(codes),))
    centres = {}
    if labels is not None:
        for label in np.unique(labels):
            centre = codes[labels == label].mean(axis=0)
            if np.all(np.abs(centre) < view):
                centres[f"{label:g}"] = centre
    z1 = slider("$z_1$", 0.0, -view, view, 0.1)
    z2 = slider("$z_2$", 0.0, -view, view, 0.1)

    def draw(fig: plt.Figure) -> str:
        z = torch.tensor([[z1.value, z2.value]], dtype=torch.float32)
        with torch.no_grad():
            image = _image(decode(z), "decode(z)")
        left, right = fig.axes
        left.scatter(
            codes[:, 0], codes[:, 1], c=labels, cmap="tab10", vmin=0, vmax=9, s=6, alpha=0.7
        )
        for label, (x, y) in centres.items():  # each digit's name at the mean of its codes
            left.text(x, y, label, ha="center", va="center", weight="bold", bbox=LABEL_BOX)
        left.plot(z1.value, z2.value, "k*", ms=14, label="z")
        left.set_xlim(-view, view)
        left.set_ylim(-view, view)
        left.set_xlabel("$z_1$")
        left.set_ylabel("$z_2$")
        left.set_aspect("equal")
        left.legend(loc="upper right")
        right.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        right.set_axis_off()
        right.set_title(f"decoded at z = ({z1.value:.1f}, {z2.value:.1f})")
        return f"z = ({z1.value:.1f}, {z2.value:.1f}): mean pixel probability {image.mean():.3f}"

    return Demo("latent-explorer", [z1, z2], draw).widget


def elbo_terms_explorer(
    encode: Encoder,
    decode: Decoder,
    log_likelihood: Term,
    kl: Term,
    images,
    iwae: Callable[[torch.Tensor, int], torch.Tensor] | None = None,
) -> widgets.VBox:
    """Pick an image and a number of samples: its reconstruction and its ELBO terms in nats.

    encode: fn(x (1, ...)) -> (mu, logvar); decode: fn(z) -> logits; log_likelihood:
    fn(logits, x) -> (N,); kl: fn(mu, logvar) -> (N,); iwae (optional): fn(x, k) -> (1,).
    Left: the image and the mean reconstruction over the samples. Right: bars of
    E[log p(x|z)], -KL, the ELBO, and the IWAE bound with k = samples. Returns the container
    (class "elbo-terms-explorer").
    """
    images = torch.as_tensor(images)
    index = slider("image", 0, 0, len(images) - 1)
    samples = slider("samples", 10, 1, 200)

    def draw(fig: plt.Figure) -> str:
        torch.manual_seed(0)
        x = images[index.value : index.value + 1]
        k = samples.value
        with torch.no_grad():
            mu, logvar = encode(x)
            z = mu + (0.5 * logvar).exp() * torch.randn(
                k, *mu.shape[1:], dtype=mu.dtype, device=mu.device
            )
            logits = decode(z)
            x_rep = x.expand(k, *x.shape[1:]).reshape(logits.shape)
            recon = float(
                returned_array(log_likelihood(logits, x_rep), "log_likelihood", (k,)).mean()
            )
            divergence = float(returned_array(kl(mu, logvar), "kl", (1,))[0])
            bound = None if iwae is None else float(returned_array(iwae(x, k), "iwae", (1,))[0])
        left, right = fig.axes
        side = x.shape[-1]
        mean_image = returned_array(torch.sigmoid(logits.float()).mean(0), "decode(z)").reshape(
            -1, side
        )
        left.imshow(
            np.concatenate(
                [
                    returned_array(x, "image").reshape(-1, side),
                    np.ones((mean_image.shape[0], 1)),
                    mean_image,
                ],
                axis=1,
            ),
            cmap="gray",
            vmin=0,
            vmax=1,
            interpolation="nearest",
        )
        left.set_axis_off()
        left.set_title("image | mean reconstruction")
        names = ["E log p(x|z)", "-KL", "ELBO"] + ([f"IWAE (k={k})"] if bound is not None else [])
        values = [recon, -divergence, recon - divergence] + ([bound] if bound is not None else [])
        bars = right.barh(range(len(names)), values, color=["C0", "C1", "C2", "C3"][: len(values)])
        right.set_yticks(range(len(names)), names)
        right.bar_label(bars, fmt="%.2f", padding=3)
        right.margins(x=0.3)  # room for the value labels inside the axes
        right.axvline(0, color="k", lw=0.8)
        right.set_xlabel("nats")
        right.yaxis.set_inverted(True)  # the first term on top
        right.set_title(f"image {index.value}, {k} samples")
        return f"image {index.value}: ELBO {recon - divergence:.2f} nats = {recon:.2f} - KL {divergence:.2f}"

    margins = {"left": 12, "gap": 120}  # the bars' names sit between the two panels
    return Demo("elbo-terms-explorer", [index, samples], draw, margins=margins).widget
