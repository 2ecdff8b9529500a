# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 3: VQ-VAE, a discrete codebook and a prior that generates
#
# A VQ-VAE (van den Oord, Vinyals and Kavukcuoglu, 2017) is an autoencoder whose latent
# variables are **discrete**. The encoder maps an image to a small grid of vectors
# $z_e(x)$; each vector is replaced by its nearest entry of a learned dictionary (the
# *codebook*) $e_1, \dots, e_K$; the decoder reconstructs the image from these codes $z_q(x)$.
# An image becomes a small grid of integers, and a second model, a prior over such grids,
# turns the autoencoder into a generative model.
#
# The training loss for one image has three terms,
#
# $$L = \underbrace{\|x - \hat x(z_q(x))\|^2}_{\text{reconstruction}}
#     + \underbrace{\|\mathrm{sg}[z_e(x)] - e\|^2}_{\text{codebook}}
#     + \beta\,\underbrace{\|z_e(x) - \mathrm{sg}[e]\|^2}_{\text{commitment}},$$
#
# where $\mathrm{sg}[\cdot]$ (stop-gradient, `.detach()` in PyTorch) is the identity in the
# forward pass and has zero gradient. The reconstruction term is $-\log p(x \mid z_q)$ for a
# Gaussian decoder up to constants; the KL term of a VAE is a constant here, because the
# posterior is one-hot and the prior during training is uniform over the $K$ codes.
#
# **What you will do**
# 1. `quantize`: the nearest code for each encoder output.
# 2. `straight_through`: copy the decoder's gradient past the non-differentiable lookup.
# 3. `vq_losses`: the codebook and commitment terms, each moving only what it should.
# 4. `VectorQuantizer` and `VQVAE`: put it together, train on 8x8 digits, measure the
#    reconstruction error and how many codes are used (`codebook_perplexity`).
# 5. `CodePrior` and `sample_vqvae`: an autoregressive prior over the grid of codes, and new
#    digits decoded from its samples.
#
# Run the cells from top to bottom; each exercise is followed by a cell that shows what you
# should see and a test cell. All code must work on the device chosen by `setup` (cpu or cuda).

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import math
import time

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F

from course_utils.checks import as_float, as_tensor, check_close, check_in_range, check_less_equal, check_true
from course_utils.data import load_digits
from course_utils.device import setup
from course_utils.plotting import image_grid, plot_curves
from course_utils.training import train

device = setup(seed=0)
notebook_start = time.perf_counter()
digits = load_digits("unit")  # 1437 train / 360 test images (N, 1, 8, 8), values in [0, 1]
x_train, x_test = digits.train_images.to(device), digits.test_images.to(device)
print("train", tuple(x_train.shape), "test", tuple(x_test.shape))

# %% [markdown]
# ## 1. Nearest-code lookup
#
# Given $N$ encoder outputs $z_e \in \mathbb{R}^{N \times D}$ and a codebook
# $E \in \mathbb{R}^{K \times D}$, each row gets the index of its nearest code in squared
# Euclidean distance and that code:
#
# $$k_n = \arg\min_k \|z_{e,n} - e_k\|^2, \qquad z_{q,n} = e_{k_n}.$$
#
# Do not loop over $N$ or $K$. Expanding the square,
# $\|z - e\|^2 = \|z\|^2 - 2\,z^\top e + \|e\|^2$, gives all $N \times K$ distances with one
# matrix product (`torch.cdist` is fine too). When two codes are equally near, return the
# **smaller index** (this is what `torch.argmin` does). `z_q` must be the codebook rows themselves,
# differentiable in the codebook (index `codebook`, or multiply a one-hot matrix by it, but do not
# detach it), so that gradients can reach the codebook later.

# %% nbgrader={"grade": false, "grade_id": "quantize", "locked": false, "schema_version": 3, "solution": true, "task": false}
def quantize(z_e: torch.Tensor, codebook: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Nearest code by squared L2 distance.

    z_e: (N, D) encoder outputs; codebook: (K, D).
    Returns indices (N,) int64 (smallest index on ties) and z_q = codebook[indices] (N, D).
    """
    ### BEGIN SOLUTION
    distances = (z_e**2).sum(dim=1, keepdim=True) - 2 * z_e @ codebook.T + (codebook**2).sum(dim=1)
    indices = distances.argmin(dim=1)
    return indices, codebook[indices]
    ### END SOLUTION


# %% [markdown]
# You should see each point joined to the code it snaps to (the codes are the black crosses).

# %%
toy_codebook = torch.tensor([[0.0, 0.0], [1.0, 1.0], [-1.0, 1.0], [0.0, -1.5]])
toy_z = torch.randn(40, 2)
toy_indices, toy_zq = quantize(toy_z, toy_codebook)
fig, ax = plt.subplots(figsize=(4, 4))
for z, q in zip(toy_z, toy_zq):
    ax.plot([z[0], q[0]], [z[1], q[1]], color="0.7", lw=0.6)
ax.scatter(toy_z[:, 0], toy_z[:, 1], c=toy_indices, cmap="tab10", vmin=0, vmax=9, s=12, label="$z_e$")
ax.scatter(toy_codebook[:, 0], toy_codebook[:, 1], marker="x", c="k", s=60, label="codes $e_k$")
ax.set_xlabel("$z_1$")
ax.set_ylabel("$z_2$")
ax.set_aspect("equal")
ax.legend(fontsize="small")
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_quantize", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""quantize: nearest code against a brute-force search, z_q = codebook[indices], ties to the smaller index."""
import torch
from course_utils.checks import as_list, as_tensor, check_close, check_less_equal, check_true
from course_utils.verdict import run_test


def inputs(given, rng):
    given.book = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 2.0]], dtype=torch.float32)
    given.points = torch.tensor([[0.4, 0.1], [2.5, -0.3], [0.2, 1.8], [1.4, 0.0]], dtype=torch.float32)
    ### BEGIN HIDDEN TESTS
    given.cases = []
    for n, k, d, scale in [(500, 64, 16, 1.0), (300, 7, 3, 10.0), (1, 5, 2, 0.1)]:
        scale *= float(rng.uniform(0.5, 2.0))
        z = torch.tensor(rng.normal(size=(n, d)) * scale, dtype=torch.float64)
        codes = torch.tensor(rng.normal(size=(k, d)) * scale + 0.5 * scale, dtype=torch.float64)
        given.cases.append([z, codes])
    # ties: duplicated codes and points exactly between two codes (a power-of-two scale keeps them exact)
    s, a = 2.0 ** int(rng.integers(-2, 3)), float(rng.uniform(0.1, 0.9))
    tie_book = torch.tensor([[s, 0.0], [-s, 0.0], [s, 0.0], [0.0, 5 * s]], dtype=torch.float32)
    tie_points = torch.tensor([[0.0, 0.0], [2 * s, 0.0], [0.0, a * s], [-3 * s, 0.0]], dtype=torch.float32)
    order = [1, 0] if rng.integers(2) else [0, 1]  # the same ties with the two coordinates swapped
    given.tie_book, given.tie_points = tie_book[:, order].contiguous(), tie_points[:, order].contiguous()
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.indices, seen.z_q = quantize(given.points, given.book)
    leaf = given.book.clone().requires_grad_(True)  # gradients reach the codebook through z_q
    _, zq = quantize(given.points, leaf)
    differentiable = type(zq) is torch.Tensor and zq.requires_grad
    seen.book_grad = torch.autograd.grad(zq.sum(), leaf)[0] if differentiable else None
    ### BEGIN HIDDEN TESTS
    seen.cases = [list(quantize(z, codes)) for z, codes in given.cases]
    seen.tie_indices = quantize(given.tie_points, given.tie_book)[0]
    ### END HIDDEN TESTS


def judge(given, seen):
    check_close("quantize(points, book) indices", seen.indices, [0, 1, 2, 0], atol=0,
                hint="argmin over the K squared distances of each row.")
    check_close("quantize(points, book) z_q", seen.z_q, given.book[[0, 1, 2, 0]], atol=1e-6)
    check_true(seen.book_grad is not None,
               "z_q returned by quantize does not depend on the codebook (it must be codebook[indices], not detached).")
    check_close("d sum(z_q) / d codebook", seen.book_grad, [[2.0, 2.0], [1.0, 1.0], [1.0, 1.0]], atol=1e-6,
                hint="z_q = codebook[indices] sends each row's gradient to the code it used.")
    ### BEGIN HIDDEN TESTS
    for (z, codes), result in zip(given.cases, as_list(seen.cases, "quantize results", 3)):
        (n, d), k = z.shape, codes.shape[0]
        name = f"quantize(z ({n}, {d}), codebook ({k}, {d}))"
        got_i, got_q = as_list(result, f"outputs of {name}", 2)
        idx = as_tensor(got_i, f"indices of {name}", shape=(n,)).long()
        check_true(bool(((idx >= 0) & (idx < k)).all()), f"quantize returned indices outside [0, {k}).")
        brute = ((z[:, None, :] - codes[None, :, :]) ** 2).sum(-1)  # (n, k), one difference per pair
        best = brute.min(dim=1).values
        chosen = brute[torch.arange(n), idx]
        worst = int((chosen - best).argmax())
        check_less_equal(
            f"distance to the chosen code minus the nearest distance (n={n}, K={k}, D={d}), row {worst}",
            (chosen - best)[worst] / best.abs().max().clamp(min=1.0), 1e-9,
            hint="each row must get the code with the smallest squared distance ||z - e||^2 (argmin, not argmax;"
            " keep every term of the expansion).",
        )
        check_close(f"z_q of quantize (n={n}, K={k})", got_q, codes[idx], atol=1e-9,
                    hint="z_q must be the codebook rows of the returned indices.")
    check_close("quantize indices with tied codes", seen.tie_indices, [0, 0, 0, 1], atol=0,
                hint="on ties return the smallest index, as torch.argmin does.")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 2. The straight-through estimator
#
# $\arg\min$ has no useful gradient: a small move of $z_e$ does not change the chosen code,
# so $\partial z_q / \partial z_e = 0$ almost everywhere. The VQ-VAE copies the decoder's
# gradient with respect to $z_q$ onto $z_e$ unchanged, as if the lookup were the identity:
#
# $$\tilde z_q = z_e + \mathrm{sg}[z_q - z_e] .$$
#
# In the forward pass $\tilde z_q = z_q$; in the backward pass $\partial \tilde z_q / \partial z_e = I$
# and the codebook receives **nothing** through this path (the codebook is trained by its own loss
# term instead). Implement `straight_through(z_e, z_q)`.

# %% nbgrader={"grade": false, "grade_id": "straight_through", "locked": false, "schema_version": 3, "solution": true, "task": false}
def straight_through(z_e: torch.Tensor, z_q: torch.Tensor) -> torch.Tensor:
    """Forward value z_q, gradient passed to z_e unchanged, none to z_q. Shapes: any, equal."""
    ### BEGIN SOLUTION
    return z_e + (z_q - z_e).detach()
    ### END SOLUTION


# %% [markdown]
# You should see the value of `z_q` and the gradient `[1, 2, 3]` arriving at `z_e`
# (and `None` at the codebook).

# %%
demo_ze = torch.tensor([[0.3, -0.2, 1.1]], requires_grad=True)
demo_book = torch.tensor([[0.0, 0.0, 1.0], [1.0, 1.0, 1.0]], requires_grad=True)
_, demo_zq = quantize(demo_ze, demo_book)
out = straight_through(demo_ze, demo_zq)
(out * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
print("value:", out.detach(), "\ngrad at z_e:", demo_ze.grad, "\ngrad at codebook:", demo_book.grad)

# %% nbgrader={"grade": true, "grade_id": "test_straight_through", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""straight_through: value equal to z_q; d(output)/d(z_e) is the identity; no gradient to z_q."""
import torch
from course_utils.checks import as_list, check_close, check_true
from course_utils.verdict import run_test


def inputs(given, rng):
    given.z_e = torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=torch.float32)
    given.z_q = torch.tensor([[0.0, -1.5], [2.0, 1.0]], dtype=torch.float32)
    ### BEGIN HIDDEN TESTS
    given.random_z_e = torch.tensor(rng.normal(size=(6, 4)), dtype=torch.float64)
    given.book = torch.tensor(rng.normal(size=(5, 4)), dtype=torch.float64)
    given.idx = ((given.random_z_e[:, None] - given.book[None]) ** 2).sum(-1).argmin(1)  # the nearest codes
    given.upstream = [torch.tensor(rng.normal(size=(6, 4)), dtype=torch.float64) for _ in range(3)]
    ### END HIDDEN TESTS


def probe(given, seen):
    z_e = given.z_e.clone().requires_grad_(True)
    z_q = given.z_q.clone().requires_grad_(True)
    st = straight_through(z_e, z_q)
    seen.value = st
    differentiable = type(st) is torch.Tensor and st.requires_grad
    seen.differentiable = differentiable
    seen.grad_z_e, seen.grad_z_q = (torch.autograd.grad(st.sum(), [z_e, z_q], allow_unused=True) if differentiable
                                    else (None, None))
    ### BEGIN HIDDEN TESTS
    z_e = given.random_z_e.clone().requires_grad_(True)
    book = given.book.clone().requires_grad_(True)
    z_q = book[given.idx]
    seen.random_value = straight_through(z_e, z_q)
    seen.trials = []
    for upstream in given.upstream:  # vector-Jacobian products with random upstream gradients: J^T g = g for all g
        st = straight_through(z_e, z_q)
        differentiable = type(st) is torch.Tensor and st.requires_grad
        seen.trials.append(list(torch.autograd.grad((st * upstream).sum(), [z_e, book], retain_graph=True,
                                                    allow_unused=True)) if differentiable else [None, None])
    ### END HIDDEN TESTS


def judge(given, seen):
    check_close("value of straight_through(z_e, z_q)", seen.value, given.z_q, atol=1e-6,
                hint="in the forward pass the output must be z_q.")
    check_true(seen.differentiable, "straight_through(z_e, z_q) is not differentiable in z_e.")
    g_e, g_q = seen.grad_z_e, seen.grad_z_q
    check_close("d sum(straight_through) / d z_e", torch.zeros(2, 2) if g_e is None else g_e, torch.ones(2, 2),
                atol=1e-6, hint="the gradient must reach z_e unchanged: z_e + (z_q - z_e).detach().")
    check_close("d sum(straight_through) / d z_q", torch.zeros(2, 2) if g_q is None else g_q, torch.zeros(2, 2),
                atol=0, hint="no gradient may reach z_q (the codebook) through this path: detach the whole"
                " difference (z_q - z_e), not only z_e.")
    ### BEGIN HIDDEN TESTS
    check_close("value of straight_through on random inputs", seen.random_value, given.book[given.idx], atol=1e-9)
    trials = as_list(seen.trials, "gradients of straight_through on random inputs", 3)
    for trial, (upstream, grads) in enumerate(zip(given.upstream, trials)):
        g_e, g_book = as_list(grads, f"gradients at z_e and the codebook (trial {trial})", 2)
        check_close(f"d(output)/d(z_e) applied to a random upstream gradient (trial {trial})",
                    torch.zeros(6, 4) if g_e is None else g_e, upstream, atol=1e-9,
                    hint="d straight_through / d z_e must be the identity.")
        check_close(f"gradient reaching the codebook through straight_through (trial {trial})",
                    torch.zeros(5, 4) if g_book is None else g_book, torch.zeros(5, 4), atol=0,
                    hint="the reconstruction path must give the codebook nothing: detach (z_q - z_e).")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 3. The two VQ loss terms and where their gradients go
#
# With the straight-through estimator the codebook gets no gradient from the reconstruction,
# and nothing yet ties the encoder's outputs to the codes. Two terms fix this, each with a
# stop-gradient on the other side:
#
# * **codebook loss** $\|\mathrm{sg}[z_e] - e\|^2$: moves the codes towards the encoder outputs
#   assigned to them (a k-means step done by gradient descent); it must not move the encoder;
# * **commitment loss** $\beta\,\|z_e - \mathrm{sg}[e]\|^2$: keeps the encoder outputs close to
#   their codes, so that they do not grow without bound; it must not move the codes.
#
# Use the **mean** over all elements (like `F.mse_loss`), and apply $\beta$ to the commitment term
# only. Implement `vq_losses(z_e, z_q, beta)`, where `z_q` are the (differentiable) codebook rows
# returned by `quantize`.

# %% nbgrader={"grade": false, "grade_id": "vq_losses", "locked": false, "schema_version": 3, "solution": true, "task": false}
def vq_losses(z_e: torch.Tensor, z_q: torch.Tensor, beta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(codebook_loss, commitment_loss), two scalars: mean ||sg[z_e] - z_q||^2 and beta * mean ||z_e - sg[z_q]||^2.

    z_e, z_q: (N, D); z_q are the codebook rows chosen for z_e (differentiable in the codebook).
    """
    ### BEGIN SOLUTION
    codebook_loss = ((z_e.detach() - z_q) ** 2).mean()
    commitment_loss = beta * ((z_e - z_q.detach()) ** 2).mean()
    return codebook_loss, commitment_loss
    ### END SOLUTION


# %% [markdown] checks=["vq_losses(torch.tensor([[1.0, 0.0], [0.0, 0.5]]), torch.zeros(2, 2), 0.25)[0] ~ 0.3125 +- 1e-6", "vq_losses(torch.tensor([[1.0, 0.0], [0.0, 0.5]]), torch.zeros(2, 2), 0.25)[1] ~ 0.078125 +- 1e-6"]
# You should see both terms equal to the mean squared distance (0.3125 here), the commitment
# term times $\beta = 0.25$.

# %%
print([float(v) for v in vq_losses(torch.tensor([[1.0, 0.0], [0.0, 0.5]]), torch.tensor([[0.0, 0.0], [0.0, 0.0]]), 0.25)])

# %% nbgrader={"grade": true, "grade_id": "test_vq_losses", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
"""vq_losses: values with mean reduction and beta on the commitment term only; the codebook loss reaches only
the codebook, the commitment loss only the encoder (checked by gradients)."""
import torch
from course_utils.checks import as_float, as_list, check_close, check_true
from course_utils.verdict import run_test


def inputs(given, rng):
    given.z_e = torch.tensor([[1.0, 2.0], [0.0, -1.0]], dtype=torch.float32)
    given.z_q = torch.tensor([[0.0, 2.0], [1.0, 1.0]], dtype=torch.float32)
    given.beta = 0.5
    ### BEGIN HIDDEN TESTS
    given.x = torch.tensor(rng.normal(size=(10, 3)), dtype=torch.float64)
    # a stand-in linear encoder z_e = x W^T + b: its weights W receive the commitment gradient
    given.weight = torch.tensor(rng.uniform(-0.6, 0.6, size=(4, 3)), dtype=torch.float64)
    given.bias = torch.tensor(rng.uniform(-0.6, 0.6, size=4), dtype=torch.float64)
    given.book = torch.tensor(rng.normal(size=(6, 4)), dtype=torch.float64)
    z_e = given.x @ given.weight.T + given.bias
    given.idx = ((z_e[:, None] - given.book[None]) ** 2).sum(-1).argmin(1)
    given.betas = [float(rng.uniform(0.1, 0.5)), float(rng.uniform(1.0, 3.0))]
    ### END HIDDEN TESTS


def probe(given, seen):
    z_e = given.z_e.clone().requires_grad_(True)
    z_q = given.z_q.clone().requires_grad_(True)
    seen.codebook_loss, seen.commitment_loss = vq_losses(z_e, z_q, given.beta)
    seen.gradients = {}  # where each term sends its gradient: [at z_e, at z_q]
    for name, loss in (("codebook_loss", seen.codebook_loss), ("commitment_loss", seen.commitment_loss)):
        differentiable = type(loss) is torch.Tensor and loss.requires_grad
        seen.gradients[name] = list(torch.autograd.grad(
            loss.sum(), [z_e, z_q], retain_graph=True, allow_unused=True)) if differentiable else [None, None]
    ### BEGIN HIDDEN TESTS
    weight = given.weight.clone().requires_grad_(True)
    book = given.book.clone().requires_grad_(True)
    seen.cases = []
    for beta in given.betas:
        z_e = given.x @ weight.T + given.bias
        codebook_loss, commitment_loss = vq_losses(z_e, book[given.idx], beta)
        case = {"codebook_loss": codebook_loss, "commitment_loss": commitment_loss}
        for name, loss in (("codebook_loss", codebook_loss), ("commitment_loss", commitment_loss)):
            differentiable = type(loss) is torch.Tensor and loss.requires_grad
            case[f"{name} differentiable"] = differentiable
            case[f"{name} gradients"] = list(torch.autograd.grad(
                loss.sum(), [weight, book], retain_graph=True, allow_unused=True)) if differentiable else [None, None]
        seen.cases.append(case)
    ### END HIDDEN TESTS


def judge(given, seen):
    check_close("codebook_loss of vq_losses", as_float(seen.codebook_loss, "codebook_loss"), 1.5, atol=1e-6,
                hint="mean over all N*D entries of (z_e - z_q)^2, without beta.")
    check_close("commitment_loss of vq_losses (beta=0.5)", as_float(seen.commitment_loss, "commitment_loss"), 0.75,
                atol=1e-6, hint="beta times the same mean squared distance.")
    diff = given.z_e.double() - given.z_q.double()  # the gradients of mean (z_e - z_q)^2: +-2 diff / N*D
    g_e, g_q = as_list(seen.gradients["codebook_loss"], "gradients of codebook_loss", 2)
    check_close("d codebook_loss / d z_e", torch.zeros(2, 2) if g_e is None else g_e, torch.zeros(2, 2), atol=0,
                hint="the codebook loss must not move the encoder: ||sg[z_e] - e||^2 (detach z_e).")
    check_close("d codebook_loss / d z_q", torch.zeros(2, 2) if g_q is None else g_q, -diff / 2, atol=1e-6,
                hint="the codebook loss moves each code towards its encoder outputs (keep z_q differentiable).")
    g_e, g_q = as_list(seen.gradients["commitment_loss"], "gradients of commitment_loss", 2)
    check_close("d commitment_loss / d z_q", torch.zeros(2, 2) if g_q is None else g_q, torch.zeros(2, 2), atol=0,
                hint="the commitment loss must not move the codes: beta * ||z_e - sg[e]||^2 (detach z_q).")
    check_close("d commitment_loss / d z_e (beta=0.5)", torch.zeros(2, 2) if g_e is None else g_e,
                given.beta * diff / 2, atol=1e-6, hint="the commitment loss pulls z_e towards its code.")
    ### BEGIN HIDDEN TESTS
    for beta, case in zip(given.betas, as_list(seen.cases, "vq_losses results", 2)):
        weight = given.weight.clone().requires_grad_(True)
        book = given.book.clone().requires_grad_(True)
        z_e = given.x @ weight.T + given.bias
        z_q = book[given.idx]
        mse = float(((z_e.detach() - z_q.detach()) ** 2).mean())
        check_close(f"codebook_loss (beta={beta:.3g})", as_float(case["codebook_loss"], "codebook_loss"), mse,
                    atol=1e-9, hint="the codebook term has no beta.")
        check_close(f"commitment_loss (beta={beta:.3g})", as_float(case["commitment_loss"], "commitment_loss"),
                    beta * mse, atol=1e-9)
        for name in ("codebook_loss", "commitment_loss"):
            check_true(case[f"{name} differentiable"] is True, f"{name} is not a differentiable tensor.")
        g_enc, g_book = as_list(case["codebook_loss gradients"], "gradients of codebook_loss", 2)
        check_close(f"gradient of codebook_loss at the encoder (beta={beta:.3g})",
                    torch.zeros(4, 3) if g_enc is None else g_enc, torch.zeros(4, 3), atol=0,
                    hint="the codebook loss must not move the encoder: ||sg[z_e] - e||^2 (detach z_e).")
        expected_book = torch.autograd.grad(((z_e.detach() - z_q) ** 2).mean(), book)[0]
        check_close(f"gradient of codebook_loss at the codebook (beta={beta:.3g})",
                    torch.zeros(6, 4) if g_book is None else g_book, expected_book, atol=1e-9,
                    hint="the codebook loss moves each used code towards its encoder outputs.")
        g_enc, g_book = as_list(case["commitment_loss gradients"], "gradients of commitment_loss", 2)
        check_close(f"gradient of commitment_loss at the codebook (beta={beta:.3g})",
                    torch.zeros(6, 4) if g_book is None else g_book, torch.zeros(6, 4), atol=0,
                    hint="the commitment loss must not move the codes: beta * ||z_e - sg[e]||^2 (detach z_q).")
        expected_enc = torch.autograd.grad(beta * ((z_e - z_q.detach()) ** 2).mean(), weight)[0]
        check_close(f"gradient of commitment_loss at the encoder (beta={beta:.3g})",
                    torch.zeros(4, 3) if g_enc is None else g_enc, expected_enc, atol=1e-9)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 4. The VQ-VAE
#
# The encoder turns an $8 \times 8$ digit into a $4 \times 4$ grid of $D$-dimensional vectors
# (shape `(B, D, 4, 4)`); the decoder maps such a grid back to an image in $[0, 1]$. The
# layers are given. Complete:
#
# * `VectorQuantizer.forward(z_e)`: flatten the grid to `(B*H*W, D)` rows (channels last), quantize,
#   compute the two losses, apply the straight-through estimator and reshape back. Return
#   `(z_q, vq_loss, indices)` with `z_q` of shape `(B, D, H, W)`, `vq_loss` the sum of the two terms
#   and `indices` of shape `(B, H, W)`.
# * `VQVAE.forward(x)` returning `(x_recon, vq_loss, indices)`, and
#   `VQVAE.decode_codes(indices)`: a grid of code ids `(B, H, W)` to images `(B, 1, 8, 8)`.
#
# The codebook starts small and uniform ($\pm 1/K$), close to the encoder's first outputs, so
# that many codes get used from the start.

# %% nbgrader={"grade": false, "grade_id": "vqvae", "locked": false, "schema_version": 3, "solution": true, "task": false}
class VectorQuantizer(nn.Module):
    """A codebook of num_codes vectors of size code_dim; forward(z_e (B, D, H, W)) -> (z_q, vq_loss, indices)."""

    def __init__(self, num_codes: int = 64, code_dim: int = 16, beta: float = 0.25):
        super().__init__()
        self.num_codes, self.code_dim, self.beta = num_codes, code_dim, beta
        self.codebook = nn.Parameter(torch.empty(num_codes, code_dim).uniform_(-1 / num_codes, 1 / num_codes))

    def forward(self, z_e: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """z_e (B, D, H, W) -> z_q (B, D, H, W) (straight-through), vq_loss (scalar), indices (B, H, W)."""
        ### BEGIN SOLUTION
        b, d, h, w = z_e.shape
        flat = z_e.permute(0, 2, 3, 1).reshape(-1, d)
        indices, z_q = quantize(flat, self.codebook)
        codebook_loss, commitment_loss = vq_losses(flat, z_q, self.beta)
        z_q = straight_through(flat, z_q)
        z_q = z_q.reshape(b, h, w, d).permute(0, 3, 1, 2)
        return z_q, codebook_loss + commitment_loss, indices.reshape(b, h, w)
        ### END SOLUTION


class VQVAE(nn.Module):
    """Conv encoder (B, 1, H, W) -> (B, D, H/2, W/2), vector quantizer, conv decoder back to (B, 1, H, W)."""

    def __init__(self, num_codes: int = 64, code_dim: int = 16, beta: float = 0.25, hidden: int = 32):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, hidden, 3, padding=1), nn.ReLU(),
            nn.Conv2d(hidden, hidden, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(hidden, code_dim, 1),
        )
        self.quantizer = VectorQuantizer(num_codes, code_dim, beta)
        self.decoder = nn.Sequential(
            nn.Conv2d(code_dim, hidden, 3, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(hidden, hidden, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(hidden, 1, 3, padding=1), nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x (B, 1, H, W) -> x_recon (B, 1, H, W), vq_loss (scalar), indices (B, H/2, W/2) int64."""
        ### BEGIN SOLUTION
        z_q, vq_loss, indices = self.quantizer(self.encoder(x))
        return self.decoder(z_q), vq_loss, indices
        ### END SOLUTION

    def decode_codes(self, indices: torch.Tensor) -> torch.Tensor:
        """Code ids (B, h, w) int64 -> images (B, 1, 2h, 2w)."""
        ### BEGIN SOLUTION
        z_q = self.quantizer.codebook[indices]  # (B, h, w, D)
        return self.decoder(z_q.permute(0, 3, 1, 2))
        ### END SOLUTION


# %% [markdown]
# You should see `x_recon` of shape `(5, 1, 8, 8)`, a scalar loss and a `(5, 4, 4)` grid of code ids.

# %%
check_model = VQVAE().to(device)
x_recon, vq_loss, indices = check_model(x_train[:5])
print(tuple(x_recon.shape), float(vq_loss.detach()), tuple(indices.shape), indices.dtype)

# %% nbgrader={"grade": true, "grade_id": "test_vqvae", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
"""VQVAE: shapes; decode_codes matches forward; the reconstruction gives the codebook nothing, the codebook
term reaches only the codebook and the commitment term only the encoder (gradients through the whole model)."""
import math

import torch
import torch.nn.functional as F
from course_utils.checks import as_float, as_list, as_tensor, check_close, check_true, prerequisite
from course_utils.data import load_digits
from course_utils.verdict import run_test


def inputs(given, rng):
    train_images = load_digits("unit").train_images
    given.x = train_images[:16]
    # the functions the model is built from, on tiny inputs: quantize, straight_through, vq_losses
    given.book = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 2.0]], dtype=torch.float32)
    given.points = torch.tensor([[0.4, 0.1], [2.5, -0.3], [0.2, 1.8], [1.4, 0.0]], dtype=torch.float32)
    given.z_e = torch.tensor([[1.0, 2.0], [0.0, -1.0]], dtype=torch.float32)
    given.z_q = torch.tensor([[0.0, 2.0], [1.0, 1.0]], dtype=torch.float32)
    ### BEGIN HIDDEN TESTS
    given.x_grad = train_images[torch.as_tensor(rng.choice(len(train_images), 16, replace=False))]
    ### END HIDDEN TESTS


def probe(given, seen):
    book = given.book.clone().requires_grad_(True)
    seen.quantize_indices, z_q = quantize(given.points, book)
    differentiable = type(z_q) is torch.Tensor and z_q.requires_grad
    seen.quantize_grad = torch.autograd.grad(z_q.sum(), book)[0] if differentiable else None
    z_e, z_q = given.z_e.clone().requires_grad_(True), given.z_q.clone().requires_grad_(True)
    seen.parts = {"straight_through": [straight_through(z_e, z_q)], "vq_losses": list(vq_losses(z_e, z_q, 0.5))}
    seen.part_grads = {}  # for each output of the two functions: its gradients [at z_e, at z_q]
    for name, outputs in seen.parts.items():
        seen.part_grads[name] = [list(torch.autograd.grad(out.sum(), [z_e, z_q], retain_graph=True, allow_unused=True))
                                 if type(out) is torch.Tensor and out.requires_grad else [None, None]
                                 for out in outputs]
    torch.manual_seed(0)
    model = VQVAE().to(device)
    with torch.no_grad():  # spread the codes so that several are in use and the layout of z_q shows
        model.quantizer.codebook.normal_(0.0, 0.1)
    seen.x_recon, seen.vq_loss, indices = model(given.x.to(device))
    seen.indices = indices
    seen.decoded = model.decode_codes(torch.as_tensor(indices).long().to(device))
    with torch.no_grad():  # quantize on the encoder's outputs, one row per grid position (channels last)
        z_e = model.encoder(given.x.to(device))
        seen.row_indices = quantize(z_e.permute(0, 2, 3, 1).reshape(-1, z_e.shape[1]), model.quantizer.codebook)[0]
    ### BEGIN HIDDEN TESTS

    def grads(loss, module):
        """Gradient norm of loss at each parameter group: encoder, codebook, decoder."""
        groups = [list(module.encoder.parameters()), [module.quantizer.codebook], list(module.decoder.parameters())]
        flat = [p for group in groups for p in group]
        got = torch.autograd.grad(loss, flat, retain_graph=True, allow_unused=True)
        norms, i = [], 0
        for group in groups:
            total = sum(float(g.detach().double().pow(2).sum()) for g in got[i:i + len(group)] if g is not None)
            norms.append(math.sqrt(total))
            i += len(group)
        return norms

    def built(beta):
        torch.manual_seed(0)
        m = VQVAE(beta=beta).to(device)
        with torch.no_grad():  # spread the codes so that several are in use
            m.quantizer.codebook.normal_(0.0, 0.1)
        return m

    x = given.x_grad.to(device)
    models = {beta: built(beta) for beta in (0.0, 1.0)}
    outputs = {beta: m(x) for beta, m in models.items()}
    seen.output_types = [f"{type(v).__module__}.{type(v).__qualname__}" for v in outputs[0.0][:2]]
    seen.recon_grads = grads(F.mse_loss(outputs[0.0][0], x), models[0.0])
    seen.vq_grads = grads(outputs[0.0][1], models[0.0])
    seen.vq_grads_beta1 = grads(outputs[1.0][1], models[1.0])
    ### END HIDDEN TESTS


def judge(given, seen):
    def grads(name, i):
        """The gradients [at z_e, at z_q] of output i of `name`, zeros where none arrived."""
        got = as_list(as_list(seen.part_grads[name], f"gradients of {name}", len(seen.parts[name]))[i],
                      f"gradients of {name}", 2)
        return [torch.zeros(2, 2) if g is None else g for g in got]

    with prerequisite("quantize", "test_quantize"):  # z_q differentiable in the codebook, whichever codes it chose
        chosen = as_tensor(seen.quantize_indices, "indices of quantize(points, book)", shape=(4,)).long().clamp(0, 2)
        check_true(seen.quantize_grad is not None, "z_q of quantize(points, book) does not depend on the codebook.")
        check_close("d sum(z_q) / d codebook of quantize(points, book)", seen.quantize_grad,
                    torch.bincount(chosen, minlength=3).double()[:, None].expand(3, 2), atol=1e-6)
    zeros, diff = torch.zeros(2, 2), given.z_e.double() - given.z_q.double()
    with prerequisite("straight_through", "test_straight_through"):
        check_close("value of straight_through(z_e, z_q)", as_list(seen.parts["straight_through"], "output", 1)[0],
                    given.z_q, atol=1e-6)
        g_e, g_q = grads("straight_through", 0)
        check_close("d sum(straight_through(z_e, z_q)) / d z_e", g_e, torch.ones(2, 2), atol=1e-6)
        check_close("d sum(straight_through(z_e, z_q)) / d z_q", g_q, zeros, atol=0)
    with prerequisite("vq_losses", "test_vq_losses"):
        losses = as_list(seen.parts["vq_losses"], "outputs of vq_losses(z_e, z_q, 0.5)", 2)
        check_close("vq_losses(z_e, z_q, 0.5)", [as_float(v, "loss") for v in losses],
                    [float((diff**2).mean()), 0.5 * float((diff**2).mean())], atol=1e-6)
        for i, name, expected in ((0, "codebook_loss", [zeros, -diff / 2]), (1, "commitment_loss", [diff / 4, zeros])):
            for at, got, want in zip(("z_e", "z_q"), grads("vq_losses", i), expected):
                check_close(f"d {name} / d {at}", got, want, atol=1e-6)
    x_recon = as_tensor(seen.x_recon, "x_recon of VQVAE()(x (16, 1, 8, 8))", shape=(16, 1, 8, 8))
    indices = as_tensor(seen.indices, "indices of VQVAE()(x)", shape=(16, 4, 4))
    as_float(seen.vq_loss, "vq_loss of VQVAE()(x)")
    check_true(bool(((indices >= 0) & (indices < 64) & (indices == indices.round())).all()),
               "indices must be integer code ids in [0, 64).")
    check_close("indices of VQVAE()(x) against quantize of its encoder outputs, one row per grid position",
                indices.reshape(-1), seen.row_indices, atol=0, hint="VectorQuantizer.forward must quantize one"
                " D-vector per grid position: move the channels last (B, H, W, D) before reshaping to (B*H*W, D).")
    check_close("decode_codes(indices) against x_recon of forward", seen.decoded, x_recon, atol=1e-5,
                hint="decode_codes looks up codebook[indices], puts channels first and decodes.")
    ### BEGIN HIDDEN TESTS

    def norms(value, name):
        """The gradient norms at the encoder, the codebook and the decoder."""
        return [as_float(v, name) for v in as_list(value, name, 3)]

    check_true(seen.output_types == ["torch.Tensor", "torch.Tensor"],
               "VQVAE.forward must return torch tensors (x_recon, vq_loss, indices).")
    enc, book, dec = norms(seen.recon_grads, "gradient norms of the reconstruction loss")
    check_true(enc > 0 and dec > 0, f"the reconstruction loss gave the encoder a gradient of norm {enc:.3g} and the "
               f"decoder {dec:.3g}; both must be non-zero (straight-through: copy the gradient to z_e).")
    check_close("norm of the gradient of the reconstruction loss at the codebook", book, 0.0, atol=0,
                hint="the reconstruction path must give the codebook nothing (detach inside straight_through).")
    enc, book, dec = norms(seen.vq_grads, "gradient norms of vq_loss (beta=0)")
    check_close("norm of the gradient of vq_loss (beta=0: codebook term only) at the encoder", enc, 0.0, atol=0,
                hint="the codebook term is ||sg[z_e] - e||^2: it must not reach the encoder.")
    check_close("norm of the gradient of vq_loss at the decoder", dec, 0.0, atol=0)
    check_true(book > 0, "vq_loss with beta=0 gave the codebook no gradient; the codebook term must move the codes.")
    enc1, book1, _ = norms(seen.vq_grads_beta1, "gradient norms of vq_loss (beta=1)")
    check_true(enc1 > 0, "vq_loss with beta=1 gave the encoder no gradient; the commitment term must reach it.")
    check_close("norm of the codebook gradient of vq_loss with beta=1 (must equal beta=0)", book1, book, atol=1e-6,
                rtol=1e-4, hint="the commitment term beta*||z_e - sg[e]||^2 must not reach the codebook.")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 5. Codebook usage: perplexity
#
# A codebook is only useful if its codes are used. With $p_k$ the fraction of grid positions
# that use code $k$, the **perplexity**
#
# $$\mathrm{PPL} = \exp\Big(-\sum_k p_k \log p_k\Big) \qquad (0 \log 0 = 0)$$
#
# is the number of equally used codes with the same entropy: 1 if a single code is used, $K$ if
# all codes are used equally. Implement `codebook_perplexity(indices, num_codes)` for indices
# of any shape; return a Python float.

# %% nbgrader={"grade": false, "grade_id": "perplexity", "locked": false, "schema_version": 3, "solution": true, "task": false}
def codebook_perplexity(indices: torch.Tensor, num_codes: int) -> float:
    """exp(entropy) of the empirical code distribution of indices (any shape, int64 in [0, num_codes))."""
    ### BEGIN SOLUTION
    counts = torch.bincount(indices.reshape(-1), minlength=num_codes).double()
    p = counts / counts.sum()
    p = p[p > 0]
    return float(torch.exp(-(p * p.log()).sum()))
    ### END SOLUTION


# %%
print(codebook_perplexity(torch.tensor([3, 3, 3, 3]), 8), codebook_perplexity(torch.arange(8), 8))

# %% nbgrader={"grade": true, "grade_id": "test_perplexity", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""codebook_perplexity: 1 for a single code, K for uniform use, exp(entropy) otherwise, unused codes ignored."""
import torch
from course_utils.checks import as_float, check_close
from course_utils.verdict import run_test


def inputs(given, rng):
    given.single = torch.full((10,), 2, dtype=torch.int64)
    given.uniform = torch.arange(8, dtype=torch.int64)
    ### BEGIN HIDDEN TESTS
    used = rng.choice(16, size=3, replace=False)  # 3 of 16 codes, drawn unevenly: unused codes must not count
    given.grid = torch.tensor(rng.choice(used, size=(2, 2, 2), p=[0.6, 0.3, 0.1]), dtype=torch.int64)
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.single = codebook_perplexity(given.single, 4)
    seen.uniform = codebook_perplexity(given.uniform, 8)
    ### BEGIN HIDDEN TESTS
    seen.grid = codebook_perplexity(given.grid, 16)
    ### END HIDDEN TESTS


def judge(given, seen):
    unused = "unused codes contribute 0 log 0 = 0: keep only the codes with p > 0 before taking the log."
    check_close("codebook_perplexity of a single code (4 codes)",
                as_float(seen.single, "codebook_perplexity of a single code (4 codes)", hint=unused), 1.0, atol=1e-6,
                hint="exp of the entropy in nats: 1 when one code does everything.")
    check_close("codebook_perplexity of 8 codes used equally", as_float(seen.uniform, "ppl", hint=unused), 8.0,
                atol=1e-6, hint="exp of the entropy in nats.")
    ### BEGIN HIDDEN TESTS
    counts = torch.bincount(given.grid.reshape(-1), minlength=16).double()
    p = counts[counts > 0] / counts.sum()
    check_close("codebook_perplexity of a (2, 2, 2) grid with unused codes", as_float(seen.grid, "ppl"),
                float(torch.exp(-(p * p.log()).sum())), atol=1e-6,
                hint="unused codes contribute 0 log 0 = 0; flatten indices of any shape.")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown] checks=["test_mse ~ 0.004 +- 0.001", "codes_used ~ 55 +- 8"]
# ## 6. Training
#
# We train for a fixed number of epochs with Adam on the reconstruction error plus the VQ loss
# (about 15 s on one CPU core). You should see the loss fall, reconstructions that look like the
# inputs (top: test digits, bottom: reconstructions), a test MSE of about 0.004 per pixel and
# most of the 64 codes in use (about 55 in the solution's seeded run).

# %%
def vqvae_loss(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Mean squared reconstruction error per pixel plus the VQ loss."""
    x_recon, vq_loss, _ = model(x)
    return F.mse_loss(x_recon, x) + vq_loss


torch.manual_seed(0)
vqvae = VQVAE().to(device)
history = train(vqvae, vqvae_loss, x_train, n_epochs=30, lr=3e-3, batch_size=64, seed=0, desc="VQ-VAE")
vqvae.eval()
with torch.no_grad():
    test_recon, _, test_indices = vqvae(x_test)
test_mse = float(F.mse_loss(test_recon, x_test))
test_ppl = codebook_perplexity(test_indices, 64)
codes_used = int(torch.unique(test_indices).numel())
print(f"test MSE per pixel {test_mse:.4f} | perplexity {test_ppl:.1f} | codes used {codes_used} of 64")
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 2.8), gridspec_kw={"width_ratios": [1, 2]})
plot_curves({"train loss": history.train_loss}, ax=ax1)
ax1.set_yscale("log")
image_grid(torch.cat([x_test[:12], test_recon[:12]]).cpu(), nrow=12, ax=ax2, title="test digits / reconstructions")
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_training", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
"""The trained VQ-VAE: test reconstruction error per pixel and how many codes it uses on the test set."""
import torch
from course_utils.checks import (as_list, as_tensor, check_close, check_in_range, check_less_equal, check_true,
                                 prerequisite)
from course_utils.data import load_digits
from course_utils.verdict import run_test


def inputs(given, rng):
    given.x_test = load_digits("unit").test_images
    # the functions whose mistakes break the training, on tiny inputs: quantize and straight_through
    given.book = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 2.0]], dtype=torch.float32)
    given.points = torch.tensor([[0.4, 0.1], [2.5, -0.3], [0.2, 1.8], [1.4, 0.0]], dtype=torch.float32)


def probe(given, seen):
    book = given.book.clone().requires_grad_(True)
    seen.quantized = list(quantize(given.points, book))
    z_q = seen.quantized[-1]
    seen.quantize_grad = torch.autograd.grad(z_q.sum(), book)[0] if (
        type(z_q) is torch.Tensor and z_q.requires_grad) else None
    z_e = given.points.clone().requires_grad_(True)
    st = straight_through(z_e, given.book[[1, 0, 0, 2]])
    seen.st_value = st
    seen.st_grad = torch.autograd.grad(st.sum(), z_e, allow_unused=True)[0] if (
        type(st) is torch.Tensor and st.requires_grad) else None
    vqvae.eval()
    with torch.no_grad():
        seen.recon, _, seen.indices = vqvae(given.x_test.to(device))
        seen.decoded = vqvae.decode_codes(torch.as_tensor(seen.indices).long().to(device))
        z_e = vqvae.encoder(given.x_test.to(device))  # quantized one row per grid position (channels last)
        seen.row_indices = quantize(z_e.permute(0, 2, 3, 1).reshape(-1, z_e.shape[1]), vqvae.quantizer.codebook)[0]


def judge(given, seen):
    with prerequisite("quantize", "test_quantize"):
        indices, z_q = as_list(seen.quantized, "outputs of quantize(points, book)", 2)
        check_close("quantize(points, book) indices", indices, [0, 1, 2, 0], atol=0)
        check_close("quantize(points, book) z_q", z_q, given.book[[0, 1, 2, 0]], atol=1e-6)
        check_true(seen.quantize_grad is not None, "z_q of quantize(points, book) does not depend on the codebook.")
        check_close("d sum(z_q) / d codebook of quantize(points, book)", seen.quantize_grad,
                    [[2.0, 2.0], [1.0, 1.0], [1.0, 1.0]], atol=1e-6)
    with prerequisite("straight_through", "test_straight_through"):
        check_close("value of straight_through(z_e, z_q)", seen.st_value, given.book[[1, 0, 0, 2]], atol=1e-6)
        check_close("d sum(straight_through) / d z_e", torch.zeros(4, 2) if seen.st_grad is None else seen.st_grad,
                    torch.ones(4, 2), atol=1e-6)
    recon = as_tensor(seen.recon, "reconstructions of the test set", shape=(360, 1, 8, 8))
    used = as_tensor(seen.indices, "code ids of the test set", shape=(360, 4, 4)).long()
    with prerequisite("VQVAE", "test_vqvae"):
        check_close("code ids of the test set against quantize of the encoder outputs, one row per grid position",
                    used.reshape(-1), seen.row_indices, atol=0,
                    hint="quantize one D-vector per grid position: channels last before reshaping to (B*H*W, D).")
        check_close("vqvae.decode_codes(indices) against the reconstructions of forward", seen.decoded, recon,
                    atol=1e-5)
    # the solution reaches 0.0043 with 55 codes; without .detach() in straight_through, or with argmax, 0.074
    # with 1 code; without ||e||^2 in the distances 0.023 with 3 codes; with a detached codebook in quantize 0.020;
    # quantizing z_e.reshape(-1, D) without moving the channels last 0.023
    mse = float(((recon - given.x_test.double()) ** 2).mean())
    check_less_equal("test MSE per pixel of the trained VQ-VAE", mse, 0.012,
                     hint="about 0.004 is expected; a collapsed codebook gives 0.02 or more.")
    counts = torch.bincount(used.reshape(-1).clamp(0, 63), minlength=64).double()
    check_in_range("number of codes used on the test set", int((counts > 0).sum()), 16, 64,
                   hint="about 55 codes are used after this training; only a few means the codebook collapsed.")
    ### BEGIN HIDDEN TESTS
    p = counts[counts > 0] / counts.sum()
    check_in_range("perplexity of the code usage on the test set", float(torch.exp(-(p * p.log()).sum())), 12.0, 64.0,
                   hint="about 47 after this training.")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 7. A prior over code grids, and sampling
#
# During training the VQ-VAE treats every code as equally likely a priori, so sampling each
# of the 16 grid positions uniformly gives noise. To generate, we fit a second model to the
# grids of code ids of the training images: an **autoregressive** prior, as in the PixelCNN of
# assignment 1, in raster order over the $4 \times 4$ grid:
#
# $$p(k_1, \dots, k_{16}) = \prod_{i=1}^{16} p(k_i \mid k_1, \dots, k_{i-1}) .$$
#
# `CodePrior` reads the sequence with a GRU. Position $i$ must see only the codes *before* it:
# feed the sequence shifted right by one, with a start token (id `num_codes`) in front.
#
# * `forward(codes)`: code ids `(B, H, W)` -> logits `(B, K, H, W)` where the logits at position $i$
#   (raster order) depend only on the codes at positions $< i$;
# * `sample(n)`: `(n, H, W)` int64 code ids, one position at a time, each code drawn at random
#   (`torch.multinomial`) from the same conditionals that `forward` computes (carry the GRU's hidden
#   state from one position to the next; keep the layers of `__init__`, a test sharpens `head`);
# * `sample_vqvae(model, prior, n)`: sample code grids from the prior and decode them with
#   `model.decode_codes` into `(n, 1, 8, 8)` images.

# %% nbgrader={"grade": false, "grade_id": "prior", "locked": false, "schema_version": 3, "solution": true, "task": false}
class CodePrior(nn.Module):
    """Autoregressive prior over (H, W) grids of code ids in raster order: a GRU over the shifted sequence."""

    def __init__(self, num_codes: int = 64, grid: tuple[int, int] = (4, 4), hidden: int = 128):
        super().__init__()
        self.num_codes, self.grid = num_codes, grid
        self.embed = nn.Embedding(num_codes + 1, hidden)  # id num_codes is the start token
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.head = nn.Linear(hidden, num_codes)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        """codes (B, H, W) int64 -> logits (B, K, H, W); position i sees only positions < i."""
        ### BEGIN SOLUTION
        b = codes.shape[0]
        seq = codes.reshape(b, -1)
        start = torch.full((b, 1), self.num_codes, dtype=torch.long, device=codes.device)
        inputs = torch.cat([start, seq[:, :-1]], dim=1)
        hidden_states, _ = self.rnn(self.embed(inputs))
        logits = self.head(hidden_states)  # (B, L, K)
        return logits.transpose(1, 2).reshape(b, self.num_codes, *self.grid)
        ### END SOLUTION

    @torch.no_grad()
    def sample(self, n: int) -> torch.Tensor:
        """n grids of code ids (n, H, W) int64, sampled position by position."""
        ### BEGIN SOLUTION
        device = self.head.weight.device
        token = torch.full((n, 1), self.num_codes, dtype=torch.long, device=device)
        state, out = None, []
        for _ in range(self.grid[0] * self.grid[1]):
            hidden_states, state = self.rnn(self.embed(token), state)
            probs = torch.softmax(self.head(hidden_states[:, -1]), dim=-1)
            token = torch.multinomial(probs, 1)
            out.append(token)
        return torch.cat(out, dim=1).reshape(n, *self.grid)
        ### END SOLUTION


def sample_vqvae(model: VQVAE, prior: CodePrior, n: int) -> torch.Tensor:
    """n new images (n, 1, H, W): code grids sampled from the prior, decoded by the VQ-VAE."""
    ### BEGIN SOLUTION
    with torch.no_grad():
        return model.decode_codes(prior.sample(n))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_prior_causal", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""CodePrior.forward: logits of shape (B, K, H, W); the logits at each position depend only on earlier codes."""
import torch
from course_utils.checks import as_list, as_tensor, check_close, check_true
from course_utils.verdict import run_test


def inputs(given, rng):
    given.seed = int(rng.integers(0, 2**31))
    given.codes = torch.tensor(rng.integers(0, 64, size=(3, 4, 4)), dtype=torch.int64)
    given.positions = [0, 9]  # raster positions whose code is changed, one at a time
    ### BEGIN HIDDEN TESTS
    given.positions = list(range(16))
    ### END HIDDEN TESTS
    shift = int(rng.integers(1, 64))
    given.changed = []  # grid j: the codes with the one at raster position j changed
    for j in given.positions:
        changed = given.codes.clone().reshape(3, 16)
        changed[:, j] = (changed[:, j] + shift) % 64
        given.changed.append(changed.reshape(3, 4, 4))


def probe(given, seen):
    torch.manual_seed(given.seed)
    prior_check = CodePrior().to(device)
    seen.base = prior_check(given.codes.to(device))
    seen.changed = [prior_check(changed.to(device)) for changed in given.changed]


def judge(given, seen):
    base = as_tensor(seen.base, "CodePrior()(codes (3, 4, 4))", shape=(3, 64, 4, 4)).reshape(3, 64, 16)
    changed_logits = as_list(seen.changed, "CodePrior logits of the changed grids", len(given.positions))
    for j, changed in zip(given.positions, changed_logits):
        logits = as_tensor(changed, "CodePrior logits", shape=(3, 64, 4, 4)).reshape(3, 64, 16)
        moved = (logits - base).abs().amax(dim=(0, 1))  # (16,): largest change at each position
        for i in range(j + 1):
            check_close(f"change of the logits at position {i} when the code at position {j} changes", moved[i], 0.0,
                        atol=1e-6, hint="position i may only see codes before it (not its own): shift the sequence"
                        " right by one and put the start token first.")
        if j < 15:
            check_true(bool(moved[j + 1] > 1e-6), f"the logits at position {j + 1} ignore the code at position {j};"
                       " each position must see all earlier codes.")


run_test(inputs, probe, judge)

# %% [markdown] checks=["16 * math.log(64) ~ 66.5 +- 0.05", "test_prior_nll ~ 45 +- 3"]
# We fit the prior to the code grids of the training images (cross-entropy, in nats per grid)
# and compare with the uniform prior the VQ-VAE assumed, $16 \log 64 \approx 66.5$ nats.
# You should see a test NLL well below that (about 45 nats), and samples that look like digits.

# %%
with torch.no_grad():
    train_codes = vqvae(x_train)[2]
    test_codes = vqvae(x_test)[2]


def prior_nll(prior: nn.Module, codes: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood in nats per grid of code ids (B, H, W)."""
    return F.cross_entropy(prior(codes), codes, reduction="sum") / len(codes)


torch.manual_seed(0)
prior = CodePrior().to(device)
prior_history = train(prior, prior_nll, train_codes, n_epochs=15, lr=3e-3, batch_size=64, seed=0, desc="prior")
prior.eval()
with torch.no_grad():
    test_prior_nll = float(prior_nll(prior, test_codes))
print(f"prior NLL on test grids: {test_prior_nll:.1f} nats (uniform prior: {16 * math.log(64):.1f})")
torch.manual_seed(1)
samples = sample_vqvae(vqvae, prior, 32)
image_grid(samples.cpu(), nrow=16, title="samples: prior codes decoded by the VQ-VAE")
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_sampling", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Prior samples: code grids of the right shape and range, drawn at random from the conditionals of forward, that
decode to images; the fitted prior beats the uniform one, and no normalized prior can beat the test grids' entropy."""
import math

import torch
import torch.nn.functional as F
from course_utils.checks import (as_list, as_tensor, check_close, check_in_range, check_less_equal, check_true,
                                 prerequisite)
from course_utils.data import load_digits
from course_utils.verdict import run_test


def inputs(given, rng):
    given.seed = int(rng.integers(0, 2**31))
    given.x_test = load_digits("unit").test_images
    given.fresh_seed = int(rng.integers(0, 2**31))
    codes = torch.tensor(rng.integers(0, 64, size=(2, 16)), dtype=torch.int64)
    given.codes, changed = codes.reshape(2, 4, 4), codes.clone()
    changed[:, 6] = (changed[:, 6] + 1) % 64  # the code at raster position 6 changed
    given.changed = changed.reshape(2, 4, 4)


def probe(given, seen):
    vqvae.eval()
    prior.eval()
    with torch.no_grad():
        seen.base, seen.changed = prior(given.codes.to(device)), prior(given.changed.to(device))
        test_codes = vqvae(given.x_test.to(device))[2]  # the fitted prior's logits on the test set's code grids
        seen.test_codes, seen.test_logits = test_codes, prior(test_codes)
    torch.manual_seed(given.seed)
    seen.grids = prior.sample(10)
    seen.images = sample_vqvae(vqvae, prior, 10)
    torch.manual_seed(given.fresh_seed)
    fresh = CodePrior().to(device)  # untrained: nearly uniform conditionals, so its samples must be diverse
    seen.fresh = fresh.sample(20)
    seen.sharp = []  # 8 untrained priors sharpened 1000-fold: each draw is (almost surely) a top code of forward
    for _ in range(8):
        sharp = CodePrior().to(device)
        with torch.no_grad():
            sharp.head.weight.mul_(1000.0)
            sharp.head.bias.mul_(1000.0)
        grids = sharp.sample(2)
        with torch.no_grad():
            seen.sharp.append([grids, sharp(torch.as_tensor(grids).long().to(device))])
    ### BEGIN HIDDEN TESTS
    seen.many = CodePrior().to(device).sample(200)
    seen.decoded = sample_vqvae(vqvae, prior, 200)
    ### END HIDDEN TESTS


def judge(given, seen):
    with prerequisite("CodePrior.forward", "test_prior_causal"):
        base = as_tensor(seen.base, "prior(codes (2, 4, 4))", shape=(2, 64, 4, 4)).reshape(2, 64, 16)
        changed = as_tensor(seen.changed, "prior(codes)", shape=(2, 64, 4, 4)).reshape(2, 64, 16)
        moved = (changed - base).abs().amax(dim=(0, 1))
        check_close("change of the fitted prior's logits at positions 0-6 when the code at position 6 changes",
                    moved[:7], torch.zeros(7), atol=1e-5)
        check_true(bool(moved[7] > 1e-6), "the fitted prior's logits at position 7 ignore the code at position 6.")
    grids = as_tensor(seen.grids, "prior.sample(10)", shape=(10, 4, 4))
    check_true(bool(((grids >= 0) & (grids < 64) & (grids == grids.round())).all()),
               "prior.sample must return integer code ids in [0, 64).")
    images = as_tensor(seen.images, "sample_vqvae(vqvae, prior, 10)", shape=(10, 1, 8, 8))
    check_in_range("smallest pixel of the decoded samples", float(images.min()), -0.05, 1.05)
    check_in_range("largest pixel of the decoded samples", float(images.max()), -0.05, 1.05)
    codes = as_tensor(seen.test_codes, "code ids of the test set", shape=(360, 4, 4))
    check_true(bool(((codes >= 0) & (codes < 64) & (codes == codes.round())).all()),
               "the VQ-VAE must return integer code ids in [0, 64).")
    logits = as_tensor(seen.test_logits, "prior(test code grids)", shape=(360, 64, 4, 4))
    test_prior_nll = float(F.cross_entropy(logits, codes.long(), reduction="sum")) / len(codes)
    # No normalized prior has a mean NLL below the entropy of the empirical distribution of the test grids (Gibbs'
    # inequality): log 360 = 5.9 nats when the 360 grids are distinct. The solution's prior: 45.4 nats; a prior that
    # sees the code it predicts: about 0.01. A collapsed VQ-VAE (one code) makes the bound 0, not a false alarm.
    _, counts = torch.unique(codes.reshape(360, 16), dim=0, return_counts=True)
    freq = counts.double() / 360
    entropy = float(-(freq * freq.log()).sum())
    check_true(test_prior_nll >= entropy - 1e-6, (
        f"the fitted prior's test NLL is {test_prior_nll:.3g} nats per grid, below {entropy:.3g}, the entropy of the"
        " test grids themselves: too good to be true, no normalized prior can do that. Usually the prior sees the code"
        " it predicts: feed the sequence shifted right by one, with the start token first."
    ))
    check_less_equal("test NLL of the fitted prior (nats per grid)", test_prior_nll, 0.85 * 16 * math.log(64),
                     hint="the prior should beat the uniform prior (66.5 nats) clearly; the solution reaches about 45.")
    fresh = as_tensor(seen.fresh, "CodePrior().sample(20)", shape=(20, 4, 4)).long()
    check_true(bool(torch.unique(fresh.reshape(20, 16), dim=0).shape[0] >= 15),
               "20 grids sampled from an untrained prior repeat: draw each code with torch.multinomial, not argmax.")
    # log p under forward of each code that sample drew: the solution's lowest over 400 such priors is -6; a sample
    # that does not carry the GRU's state draws codes of log p -24 to -580 (all 16 positions agree for 4% of priors)
    drawn = []
    for grids, logits in as_list(seen.sharp, "samples of 8 sharpened priors", 8):
        grids = as_tensor(grids, "CodePrior.sample(2)", shape=(2, 4, 4)).long().clamp(0, 63)
        log_p = torch.log_softmax(as_tensor(logits, "CodePrior logits", shape=(2, 64, 4, 4)), dim=1)
        drawn.append(log_p.gather(1, grids[:, None]).reshape(2, 16))
    drawn = torch.cat(drawn)
    worst = int(drawn.min(dim=0).values.argmin())
    check_true(bool(drawn.min() > -30.0), (
        f"CodePrior.sample drew a code at position {worst} to which forward gives log-probability"
        f" {float(drawn.min()):.3g}: sample must draw from the conditionals that forward computes (feed each drawn"
        " code back in and carry the GRU's hidden state from one position to the next)."
    ))
    ### BEGIN HIDDEN TESTS
    many = as_tensor(seen.many, "CodePrior().sample(200)", shape=(200, 4, 4)).long()
    check_true(bool(torch.unique(many).numel() >= 32),
               "200 grids sampled from an untrained prior use fewer than 32 codes: sample, do not take argmax.")
    check_true(bool(torch.unique(many.reshape(200, 16), dim=0).shape[0] >= 190),
               "200 grids sampled from an untrained prior repeat: sample each position with torch.multinomial.")
    decoded = as_tensor(seen.decoded, "sample_vqvae(vqvae, prior, 200)", shape=(200, 1, 8, 8))
    check_in_range("mean pixel of 200 decoded samples", float(decoded.mean()), 0.15, 0.5,
                   hint="the digits have a mean pixel value of about 0.3.")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## Record the quality numbers
#
# The last cell records the numbers of this run for the course benchmark (`course bench`),
# each with the baseline to compare it with.

# %%
from course_utils.metrics import write_metrics

write_metrics("a3_vqvae", [
    ("VQ-VAE test MSE per pixel (64 codes, 30 epochs)", test_mse, "mean image: "
     f"{float(((x_test - x_train.mean(0)) ** 2).mean()):.4f}"),
    ("VQ-VAE codebook perplexity on the test set", test_ppl, "64 (all codes used equally)"),
    ("VQ-VAE codes used on the test set", codes_used, "of 64"),
    ("code prior: test NLL (nats per 4x4 grid)", test_prior_nll, f"uniform prior {16 * math.log(64):.1f}"),
])
print(f"test MSE {test_mse:.4f} | perplexity {test_ppl:.1f} | codes used {codes_used} | prior NLL {test_prior_nll:.1f}"
      f" | {time.perf_counter() - notebook_start:.0f} s")

# %% [markdown]
# ## What to take away
#
# * The nearest-code lookup makes the latent discrete; the straight-through estimator lets the
#   decoder's gradient train the encoder anyway, and the two VQ terms, with their stop-gradients,
#   train the codebook (codebook term) and keep the encoder committed to it (commitment term).
# * Codebook usage (perplexity, codes used) is the health check of a VQ-VAE: a missing
#   `.detach()` or a wrong distance makes it collapse to a handful of codes.
# * The VQ-VAE alone is not a generative model; an autoregressive prior over its small grid of
#   codes is, and it is far cheaper than a PixelCNN over pixels.
#
# **References.** van den Oord, Vinyals, Kavukcuoglu, *Neural Discrete Representation Learning* (2017);
# Razavi, van den Oord, Vinyals, *Generating Diverse High-Fidelity Images with VQ-VAE-2* (2019);
# Bengio, Léonard, Courville, *Estimating or Propagating Gradients Through Stochastic Neurons* (2013).
