# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 3: VQ-VAE, learning a discrete code
#
# A VAE compresses an image into a few continuous numbers and pays for it with a KL term and
# blurry samples. The VQ-VAE (van den Oord, Vinyals, Kavukcuoglu, 2017) makes a different
# choice: **make a dictionary of vectors $e_1, \dots, e_K$, and for each latent pixel look up the
# nearest dictionary element.** An image becomes a small grid of integers, like a word becomes
# a list of letters, and a second model learns which grids are likely.
#
# **What you will learn**
#
# * the autoencoder we start from, and where the discrete bottleneck goes;
# * nearest-code lookup and its Voronoi cells, in a 2D codebook you can play with;
# * how to backpropagate through a lookup that has no gradient: the **straight-through
#   estimator** ("apply the gradient of $e$ to the non-discretized vector");
# * the three loss terms, and what each one moves;
# * codebook usage: perplexity, dead codes, and one remedy (restarting dead codes);
# * why the VQ-VAE alone does not generate, and how an autoregressive prior over code grids does;
# * how GANs, VAEs, PixelCNNs and VQ-VAEs compare.
#
# Assignment 3 asks you to build the same pieces yourself; the code here is written differently
# on purpose.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from IPython.display import display

from course_utils.data import load_digits
from course_utils.device import setup
from course_utils.plotting import image_grid, plot_curves
from course_utils.widgets_vqvae import codebook_explorer, codebook_usage_explorer

device = setup(seed=0)
digits = load_digits("unit")
x_train, x_test = digits.train_images.to(device), digits.test_images.to(device)

# %% [markdown]
# ## 1. The autoencoder we start from
#
# An autoencoder is an encoder $z_e = f_\phi(x)$ followed by a decoder $\hat x = g_\theta(z)$,
# trained to reconstruct: $\min \|x - g_\theta(f_\phi(x))\|^2$. It compresses well but it
# does not generate: we do not know which $z$ the decoder has learnt to understand, so a random
# $z$ decodes to nothing in particular.
#
# * The **VAE** fixes this with a continuous latent, a Gaussian posterior and a KL term that
#   pulls the posterior towards $\mathcal N(0, I)$.
# * The **VQ-VAE** makes the latent **discrete**. Here the encoder maps an $8 \times 8$ digit to a
#   $4 \times 4$ grid of $D$-dimensional vectors, and each vector is replaced by the nearest of $K$
#   codebook vectors:
#
# $$z_q(x)_{ij} = e_{k_{ij}}, \qquad k_{ij} = \arg\min_k \|z_e(x)_{ij} - e_k\|^2 .$$
#
# The posterior $q(k \mid x)$ is one-hot, and with a uniform prior over the $K$ codes the KL
# term of the ELBO is the constant $\log K$ per position: **the VQ-VAE assumes a uniform
# categorical over the codes** during training and drops the KL term.

# %% [markdown]
# ## 2. Nearest-code lookup in two dimensions
#
# With $D = 2$ we can draw the codebook. The set of points whose nearest code is $e_k$ is the
# **Voronoi cell** of $e_k$; quantization maps a whole cell onto its code. Our lookup uses
# `torch.cdist` (all pairwise distances); the assignment expands the square instead.

# %%
def nearest_code(z_e: torch.Tensor, codebook: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """z_e (N, D), codebook (K, D) -> indices (N,), z_q = codebook[indices] (N, D)."""
    indices = torch.cdist(z_e, codebook).argmin(dim=1)
    return indices, codebook[indices]


def pass_through(z_e: torch.Tensor, z_q: torch.Tensor) -> torch.Tensor:
    """Forward value z_q; backward: the gradient goes to z_e unchanged (z_e - sg[z_e] is 0 with slope 1)."""
    return z_q.detach() + (z_e - z_e.detach())


book_2d = torch.tensor([[-1.2, -0.8], [1.0, -1.0], [0.1, 1.3], [-1.5, 0.9], [1.6, 0.7], [0.0, -0.1]])
points = torch.tensor([[0.4, 0.5], [-1.0, -1.0], [2.0, 1.0]])
print("nearest codes:", nearest_code(points, book_2d)[0].tolist())

# %% [markdown]
# ## 3. Backpropagating through the lookup: the straight-through estimator
#
# $\arg\min$ is piecewise constant: moving $z_e$ a little does not change its code, so
# $\partial z_q / \partial z_e = 0$ and the encoder would never learn. The VQ-VAE pretends
# the lookup is the identity in the backward pass: the gradient the decoder sends to $z_q$
# is **copied onto $z_e$**,
#
# $$\tilde z_q = z_e + \mathrm{sg}[z_q - z_e], \qquad
#   \frac{\partial L}{\partial z_e} := \frac{\partial L}{\partial z_q}.$$
#
# The copied gradient tells the encoder in which direction the *code* should move to lower the
# loss, and the encoder output follows; if it moves far enough it crosses into another Voronoi
# cell and gets another code.
#
# In the widget, the decoder is replaced by a loss $L = \frac12\|z_q - t\|^2$ that wants the
# quantized vector at the target $t$ (the star). Move the encoder output with the sliders: the
# cell colour tells its code, the red arrow is $-\partial L / \partial z_e$ as autograd
# computes it through `pass_through`. Notice that the arrow depends on the **code**, not on
# where $z_e$ is inside its cell, and that no gradient reaches the codebook. Plug in
# `lambda z_e, z_q: z_q` (no estimator) and the arrow disappears.

# %%
display(codebook_explorer(nearest_code, pass_through, codebook=book_2d.numpy()))

# %% [markdown]
# ## 4. The three loss terms and what each one moves
#
# $$L = \underbrace{-\log p(x \mid z_q(x))}_{\text{reconstruction}}
#     + \underbrace{\|\mathrm{sg}[z_e(x)] - e\|^2}_{\text{codebook}}
#     + \beta\,\underbrace{\|z_e(x) - \mathrm{sg}[e]\|^2}_{\text{commitment}}$$
#
# * **Reconstruction** trains the decoder, and the encoder through the straight-through copy.
#   It gives the codebook **nothing**.
# * **Codebook** term: moves each code towards the encoder outputs assigned to it (an online
#   k-means). The stop-gradient on $z_e$ keeps it from moving the encoder.
# * **Commitment** term: keeps the encoder outputs near their codes (otherwise they can drift
#   and grow without bound, since the straight-through gradient does not see the distance). The
#   stop-gradient on $e$ keeps it from moving the codes. $\beta \approx 0.25$.
#
# We check this table with autograd on a toy model: a linear encoder and decoder on 2D data.

# %%
torch.manual_seed(0)
toy_encoder, toy_decoder = nn.Linear(2, 2), nn.Linear(2, 2)
toy_book = nn.Parameter(torch.randn(4, 2))
x_toy = torch.randn(32, 2)
z_e = toy_encoder(x_toy)
_, z_q = nearest_code(z_e, toy_book)
terms = {
    "reconstruction": F.mse_loss(toy_decoder(pass_through(z_e, z_q)), x_toy),
    "codebook": F.mse_loss(z_q, z_e.detach()),
    "commitment": 0.25 * F.mse_loss(z_e, z_q.detach()),
}
parts = {"encoder": toy_encoder.weight, "codebook": toy_book, "decoder": toy_decoder.weight}
print(f"{'term':>15} " + " ".join(f"{name:>9}" for name in parts))
for term, loss in terms.items():
    grads = torch.autograd.grad(loss, list(parts.values()), retain_graph=True, allow_unused=True)
    moved = ["yes" if g is not None and g.abs().sum() > 0 else "-" for g in grads]
    print(f"{term:>15} " + " ".join(f"{m:>9}" for m in moved))

# %% [markdown]
# ## 5. Training on digits, and watching the codebook
#
# A codebook is only as good as the number of codes in use. Two numbers measure it on a batch
# of code ids: **codes used**, and the **perplexity** $\exp(-\sum_k p_k \log p_k)$ of the
# usage frequencies $p_k$ (1 when one code does everything, $K$ when all are used equally).
#
# Codes that no encoder output is ever nearest to receive no gradient from the codebook term
# and stay where they are forever: **dead codes**. It happens when the codebook starts far
# from where the encoder outputs are. One remedy is to **restart** dead codes: after each epoch,
# move every code that was not used to a random encoder output of the epoch. (Another is to
# update the codes as exponential moving averages of their assigned outputs, as in VQ-VAE-2.)
#
# Below, a small VQ-VAE ($K = 32$ codes of dimension 8, a $4 \times 4$ grid) is trained four times
# for 12 epochs with the same seed: the default setting, without the commitment term
# ($\beta = 0$), with a codebook initialised far from the encoder outputs, and far with restarts.
# The loop counts how often each code is chosen in each epoch.

# %%
K, D = 32, 8


class SmallVQVAE(nn.Module):
    """8x8 digits -> 4x4 grid of D-dim vectors -> K codes -> 8x8 reconstructions."""

    def __init__(self, num_codes: int = K, code_dim: int = D, init_scale: float | None = None):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 48, 4, stride=2, padding=1), nn.ReLU(), nn.Conv2d(48, code_dim, 3, padding=1))
        self.decoder = nn.Sequential(
            nn.Conv2d(code_dim, 48, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
            nn.Conv2d(48, 48, 3, padding=1), nn.ReLU(), nn.Conv2d(48, 1, 3, padding=1),
        )
        self.codebook = nn.Embedding(num_codes, code_dim)
        with torch.no_grad():
            if init_scale is None:
                self.codebook.weight.uniform_(-1 / num_codes, 1 / num_codes)
            else:
                self.codebook.weight.normal_(0.0, init_scale)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, 8, 8) -> encoder outputs as rows (B*16, D), channels last."""
        z = self.encoder(x)
        return z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])

    def decode_rows(self, rows: torch.Tensor, batch: int) -> torch.Tensor:
        """(B*16, D) rows of a 4x4 grid -> images (B, 1, 8, 8)."""
        return self.decoder(rows.reshape(batch, 4, 4, -1).permute(0, 3, 1, 2))

    def codes(self, x: torch.Tensor) -> torch.Tensor:
        """Code-id grids (B, 4, 4)."""
        return nearest_code(self.encode(x), self.codebook.weight)[0].reshape(len(x), 4, 4)


def fit(model: SmallVQVAE, epochs: int = 12, beta: float = 0.25, restart: bool = False, seed: int = 0):
    """Adam on MSE + codebook + beta * commitment; returns the usage counts (epochs, K) and the losses."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    usage, losses = [], []
    for _ in range(epochs):
        counts = torch.zeros(K, dtype=torch.long, device=device)
        seen, total = [], 0.0
        for batch in torch.randperm(len(x_train), generator=generator).split(64):
            x = x_train[batch.to(device)]
            z_e = model.encode(x)
            codes, z_q = nearest_code(z_e, model.codebook.weight)
            loss = (F.mse_loss(model.decode_rows(pass_through(z_e, z_q), len(x)), x)
                    + F.mse_loss(z_q, z_e.detach()) + beta * F.mse_loss(z_e, z_q.detach()))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            counts += torch.bincount(codes, minlength=K)
            seen.append(z_e.detach())
            total += float(loss.detach()) * len(x)
        if restart and (counts == 0).any():
            dead = (counts == 0).nonzero().flatten()
            pool = torch.cat(seen)
            pick = torch.randint(len(pool), (len(dead),), generator=generator).to(device)
            with torch.no_grad():
                model.codebook.weight[dead] = pool[pick]
        usage.append(counts.cpu().numpy())
        losses.append(total / len(x_train))
    return np.stack(usage), losses


def usage_perplexity(indices: torch.Tensor, num_codes: int) -> float:
    """exp(entropy) of the code frequencies, with natural logs; unused codes count 0 log 0 = 0."""
    freq = torch.bincount(indices.flatten().cpu(), minlength=num_codes).double()
    freq = freq[freq > 0] / freq.sum()
    return math.exp(-float((freq * freq.log()).sum()))


settings = {
    "β = 0.25": {"beta": 0.25},
    "β = 0 (no commitment)": {"beta": 0.0},
    "far init": {"init_scale": 3.0},
    "far init + restarts": {"init_scale": 3.0, "restart": True},
}
models, usage, curves, results = {}, {}, {}, {}
for name, options in settings.items():
    torch.manual_seed(0)
    models[name] = model = SmallVQVAE(init_scale=options.get("init_scale")).to(device)
    usage[name], curves[name] = fit(model, beta=options.get("beta", 0.25), restart=options.get("restart", False))
    with torch.no_grad():
        rows = model.encode(x_test)
        codes, z_q = nearest_code(rows, model.codebook.weight)
        mse = float(F.mse_loss(model.decode_rows(z_q, len(x_test)), x_test))
    results[name] = (mse, int(codes.unique().numel()), usage_perplexity(codes, K), float(rows.norm(dim=1).mean()))
print(f"{'run':>24} {'test MSE':>9} {'codes used':>11} {'perplexity':>11} {'mean |z_e|':>11}")
for name, (mse, used, ppl, norm) in results.items():
    print(f"{name:>24} {mse:9.4f} {used:8d}/{K} {ppl:11.1f} {norm:11.2f}")
plot_curves(curves, ylabel="training loss")
plt.show()

# %% [markdown]
# Pick a run and an epoch: the left panel shows how often each code was chosen (dead codes in
# red), the right one the perplexity of every run per epoch. With a far initialisation a single
# code wins every assignment and the other 31 stay dead for all 12 epochs; restarting them brings
# 14 codes back in the second epoch and all 32 from the third on.

# %%
display(codebook_usage_explorer(usage, usage_perplexity, run="far init"))

# %% [markdown]
# ## 6. The latent: a small image of code ids
#
# Each digit is now a $4 \times 4$ grid of integers in $\{0, \dots, 31\}$: a 1-channel image
# whose "pixels" are code ids (colours below are arbitrary, one per code). Decoding the grid gives
# the reconstruction.

# %%
vq = models["β = 0.25"]
with torch.no_grad():
    grids = vq.codes(x_test[:6])
    recon = vq.decode_rows(vq.codebook(grids.reshape(-1)), 6)
fig, axes = plt.subplots(3, 6, figsize=(7, 3.6))
for i in range(6):
    axes[0, i].imshow(x_test[i, 0].cpu(), cmap="gray")
    axes[1, i].imshow(grids[i].cpu(), cmap="tab20", vmin=0, vmax=K - 1)
    for (r, c), code in np.ndenumerate(grids[i].cpu().numpy()):
        axes[1, i].text(c, r, str(code), ha="center", va="center", fontsize=6)
    axes[2, i].imshow(recon[i, 0].cpu(), cmap="gray", vmin=0, vmax=1)
for ax, label in zip(axes[:, 0], ["digit", "code ids", "decoded"]):
    ax.set_ylabel(label)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()

# %% [markdown]
# ## 7. Generating: a prior over code grids
#
# Decoding **uniformly random** code grids (the prior the VQ-VAE assumed during training) gives
# noise: the codes of a real digit are far from independent. So we fit a prior
# $p(k_{11}, \dots, k_{44})$ to the code grids of the training set and sample from it. The
# grids are tiny images of categorical pixels, so the PixelCNN idea of lecture 1 applies
# directly: masked convolutions in raster order, a softmax over $K$ codes per position, and
# sampling one position at a time. (The assignment uses a recurrent network instead; any
# autoregressive model will do.)

# %%
class MaskedConv(nn.Conv2d):
    """A convolution that sees only earlier positions in raster order ('A') or also the centre ('B')."""

    def __init__(self, kind: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mask = torch.ones_like(self.weight)
        _, _, h, w = mask.shape
        mask[:, :, h // 2, w // 2 + (kind == "B"):] = 0
        mask[:, :, h // 2 + 1:] = 0
        self.register_buffer("mask", mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


grid_prior = nn.Sequential(
    MaskedConv("A", K, 64, 5, padding=2), nn.ReLU(),
    MaskedConv("B", 64, 64, 3, padding=1), nn.ReLU(),
    nn.Conv2d(64, K, 1),
).to(device)


def grid_logits(grids: torch.Tensor) -> torch.Tensor:
    """Code grids (B, 4, 4) -> logits (B, K, 4, 4) of each position given the earlier ones."""
    return grid_prior(F.one_hot(grids, K).permute(0, 3, 1, 2).float())


with torch.no_grad():
    train_grids, test_grids = vq.codes(x_train), vq.codes(x_test)
optimizer = torch.optim.Adam(grid_prior.parameters(), lr=3e-3)
generator = torch.Generator().manual_seed(0)
for epoch in range(25):
    for batch in torch.randperm(len(train_grids), generator=generator).split(64):
        grids = train_grids[batch.to(device)]
        loss = F.cross_entropy(grid_logits(grids), grids)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
with torch.no_grad():
    nll = float(F.cross_entropy(grid_logits(test_grids), test_grids, reduction="sum")) / len(test_grids)
print(f"test NLL of the code grids: uniform prior {16 * math.log(K):.1f} nats, PixelCNN prior {nll:.1f} nats")

# %% [markdown]
# Sampling fills the grid position by position, each from the softmax given what was already
# drawn; then the VQ-VAE decodes. You should see digit-like samples from the fitted prior and
# noise from the uniform one.

# %%
@torch.no_grad()
def sample_grids(n: int) -> torch.Tensor:
    grids = torch.zeros(n, 4, 4, dtype=torch.long, device=device)
    for r in range(4):
        for c in range(4):
            probs = torch.softmax(grid_logits(grids)[:, :, r, c], dim=1)
            grids[:, r, c] = torch.multinomial(probs, 1)[:, 0]
    return grids


torch.manual_seed(0)
with torch.no_grad():
    fitted = vq.decode_rows(vq.codebook(sample_grids(24).reshape(-1)), 24)
    uniform = vq.decode_rows(vq.codebook(torch.randint(0, K, (24 * 16,), device=device)), 24)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 2.2))
image_grid(uniform.cpu(), nrow=12, ax=ax1, title="uniform prior over codes")
image_grid(fitted.cpu(), nrow=12, ax=ax2, title="autoregressive prior over codes")
plt.show()

# %% [markdown]
# The numbers of this lecture's runs are saved for the course benchmark (`course bench`).

# %%
from course_utils.metrics import write_metrics

rows = []
for name, (mse, used, ppl, _) in results.items():
    rows += [(f"{name}: test MSE per pixel", mse, "β = 0.25: " + f"{results['β = 0.25'][0]:.4f}"),
             (f"{name}: codes used", used, f"of {K}"),
             (f"{name}: perplexity", ppl, f"K = {K}")]
rows.append(("code-grid prior: test NLL (nats per grid)", nll, f"uniform prior {16 * math.log(K):.1f}"))
write_metrics("l3_vqvae", rows)

# %% [markdown]
# ## 8. GAN, VAE, PixelCNN, VQ-VAE side by side
#
# | | GAN | VAE | PixelCNN | VQ-VAE + prior |
# |---|---|---|---|---|
# | exact likelihood | no (no density at all) | no: a lower bound (ELBO), IWAE tighter | **yes**, by the chain rule | of the code grid, yes; of the image, no |
# | latent variable | yes, noise $z$ | yes, continuous $z$ | no | yes, a grid of **discrete** codes |
# | inference $x \to z$ | no (needs an extra encoder) | amortized, approximate $q(z \mid x)$ | none needed | deterministic: nearest code |
# | discrete latent | no | no (Gaussian) | — | **yes** |
# | stable training | no: a min-max game (lecture 5) | yes | yes | mostly; watch for dead codes |
# | sharp images | **yes** | blurry (Gaussian decoder, KL pressure) | yes, but sampling is slow (one pixel at a time) | sharp reconstructions; samples as good as the prior; sampling is sequential over a small grid only |
#
# The VQ-VAE splits generation in two: an autoencoder that compresses images into a few
# discrete symbols, and a likelihood model (PixelCNN, transformer) that only has to model those
# symbols. The same two-stage recipe drives VQ-VAE-2, VQGAN and the image tokenizers of today's
# text-to-image models.
#
# ## Summary
#
# * Nearest-code lookup turns the latent into integers; its Voronoi cells have no useful
#   gradient, and the straight-through estimator copies the decoder's gradient to the encoder.
# * The codebook term moves the codes, the commitment term the encoder; the stop-gradients
#   decide which is which.
# * Usage (perplexity, dead codes) is the thing to watch; restarting dead codes from encoder
#   outputs fixes a bad start.
# * The VQ-VAE assumes a uniform prior while training; to generate, fit an autoregressive prior
#   over the code grids and decode its samples.
#
# **References.** van den Oord, Vinyals, Kavukcuoglu, *Neural Discrete Representation Learning* (2017);
# Razavi, van den Oord, Vinyals, *Generating Diverse High-Fidelity Images with VQ-VAE-2* (2019);
# Bengio, Léonard, Courville, *Estimating or Propagating Gradients Through Stochastic Neurons* (2013);
# Esser, Rombach, Ommer, *Taming Transformers for High-Resolution Image Synthesis* (2021).
