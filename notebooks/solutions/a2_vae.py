# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 2: the variational autoencoder, and how good its bound is
#
# A latent-variable model explains an image $x$ through an unobserved code $z$:
#
# $$p_\theta(x) = \int p_\theta(x \mid z)\, p(z)\, dz, \qquad p(z) = \mathcal N(0, I).$$
#
# With a neural decoder $p_\theta(x \mid z)$ the integral has no closed form, so we cannot
# maximise $\log p_\theta(x)$ directly. An encoder $q_\phi(z \mid x)$ gives a lower bound, the
# **ELBO**, that we can maximise instead:
#
# $$\log p_\theta(x) \;\ge\; \mathcal L(x) =
#   \mathbb E_{q_\phi(z \mid x)}\big[\log p_\theta(x \mid z)\big]
#   - \mathrm{KL}\big(q_\phi(z \mid x)\,\|\,p(z)\big).$$
#
# **What you will do**
# 1. Sample $z$ with the reparameterization trick so that gradients reach the encoder.
# 2. Write the KL term in closed form for a diagonal Gaussian encoder.
# 3. Write a numerically stable Bernoulli log-likelihood, and the ELBO.
# 4. Build a small MLP VAE, train it on binarized 8x8 digits with early stopping, and check
#    its test ELBO and that its code carries information (KL not collapsed).
# 5. Estimate $\log p_\theta(x)$ more tightly with the importance-weighted (IWAE) bound and
#    measure how much the ELBO underestimates it.
#
# All log-likelihoods are in **nats**, summed over the pixels of an image, one value per image.
# Run the cells from top to bottom; each exercise is followed by a cell that shows what you
# should see and a test cell.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.checks import as_float, as_tensor, check_close, check_in_range, check_less_equal, check_true
from course_utils.data import load_digits, train_val_split
from course_utils.device import setup
from course_utils.metrics import write_metrics
from course_utils.plotting import image_grid, plot_curves
from course_utils.training import train

device = setup(seed=0)

split = load_digits("binary")
x_train, x_val = train_val_split(split.train_images, val_fraction=0.15, seed=0)
x_train, x_val, x_test = x_train.to(device), x_val.to(device), split.test_images.to(device)
print(f"train {tuple(x_train.shape)}, validation {tuple(x_val.shape)}, test {tuple(x_test.shape)}")

# %% [markdown]
# ## 1. The reparameterization trick
#
# The encoder outputs, for every image, the mean $\mu$ and the **log-variance**
# $\log \sigma^2$ of a diagonal Gaussian $q_\phi(z \mid x) = \mathcal N(\mu, \operatorname{diag}\sigma^2)$.
# (Predicting $\log\sigma^2$ instead of $\sigma$ keeps $\sigma$ positive without a constraint.)
#
# Sampling $z \sim \mathcal N(\mu, \sigma^2)$ directly gives no gradient with respect to
# $\mu$ and $\sigma$. Instead, draw the randomness from a fixed distribution and move it:
#
# $$\varepsilon \sim \mathcal N(0, I), \qquad z = \mu + \sigma \odot \varepsilon,
#   \qquad \sigma = \exp\big(\tfrac12 \log\sigma^2\big).$$
#
# Now $z$ is a differentiable function of $\mu$ and $\log\sigma^2$:
# $\partial z / \partial \mu = 1$ and $\partial z / \partial \log\sigma^2 = \tfrac12\,\sigma\,\varepsilon$.
#
# Implement `reparameterize(mu, logvar)`; both arguments have shape `(B, L)` (any shape in
# fact), and the result has the same shape. Draw fresh noise on every call.

# %% nbgrader={"grade": false, "grade_id": "reparameterize", "locked": false, "schema_version": 3, "solution": true, "task": false}
def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """A sample z ~ N(mu, diag(exp(logvar))), differentiable in mu and logvar.

    mu, logvar: (B, L). Returns z: (B, L).
    """
    ### BEGIN SOLUTION
    std = torch.exp(0.5 * logvar)
    eps = torch.randn_like(std)
    return mu + std * eps
    ### END SOLUTION


# %% [markdown]
# You should see a histogram centred on $\mu = 1$ with standard deviation close to
# $\sigma = 2$ ($\log\sigma^2 = \log 4$), and a gradient of 1 with respect to $\mu$.

# %%
mu = torch.full((20000, 1), 1.0, requires_grad=True)
logvar = torch.full((20000, 1), math.log(4.0), requires_grad=True)
z = reparameterize(mu, logvar)
z.sum().backward()
print(f"sample mean {z.mean():.3f} (expected 1), sample std {z.std():.3f} (expected 2)")
print(f"d z / d mu: {mu.grad[:3].flatten().tolist()}  (expected all 1)")
fig, ax = plt.subplots(figsize=(4, 3))
ax.hist(z.detach().flatten().cpu().numpy(), bins=60, density=True)
ax.set_xlabel("z")
ax.set_ylabel("density")
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_reparameterize", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""reparameterize: shape, mean and spread of the samples, fresh noise, and gradients reaching mu and logvar."""
import math

import torch
from course_utils.checks import as_list, as_tensor, check_close, check_true
from course_utils.verdict import run_test


def inputs(given, rng):
    given.seed = 1
    given.mu = torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float32)
    given.logvar = torch.tensor([[0.0, math.log(0.25), math.log(9.0)]], dtype=torch.float32)
    given.n_spread = 20_000  # samples of N(1, 2^2): the sample mean and std are within 0.015 of 1 and 2
    ### BEGIN HIDDEN TESTS
    given.n = 200_000
    given.seed_many = int(rng.integers(2**31))
    given.mu_many = torch.tensor(rng.uniform(-2.0, 2.0, size=2), dtype=torch.float32)
    given.sigma_many = [float(rng.uniform(1.5, 2.0)), float(rng.uniform(0.3, 0.6))]
    given.logvar_many = torch.tensor([2 * math.log(s) for s in given.sigma_many], dtype=torch.float32)
    ### END HIDDEN TESTS


def probe(given, seen):
    torch.manual_seed(given.seed)
    mu, logvar = given.mu.requires_grad_(True), given.logvar.requires_grad_(True)
    z = reparameterize(mu, logvar)
    seen.z = z
    seen.requires_grad = getattr(z, "requires_grad", False)
    seen.grads = list(torch.autograd.grad(z, (mu, logvar), grad_outputs=torch.ones_like(z), allow_unused=True)
                      if seen.requires_grad is True else (None, None))
    n = given.n_spread
    seen.z_spread = reparameterize(torch.full((n, 1), 1.0), torch.full((n, 1), math.log(4.0)))
    ### BEGIN HIDDEN TESTS
    torch.manual_seed(given.seed_many)
    mu = given.mu_many.repeat(given.n, 1).requires_grad_(True)
    logvar = given.logvar_many.repeat(given.n, 1).requires_grad_(True)
    z = reparameterize(mu, logvar)
    seen.z_many = z
    seen.z_again = reparameterize(mu, logvar)
    grads = (torch.autograd.grad(z, (mu, logvar), grad_outputs=torch.ones_like(z), allow_unused=True)
             if getattr(z, "requires_grad", False) is True else (None, None))
    seen.grads_many = [None if g is None else g[:5] for g in grads]
    ### END HIDDEN TESTS


def judge(given, seen):
    z = as_tensor(seen.z, "reparameterize(mu, logvar) for mu, logvar of shape (1, 3)", shape=(1, 3))
    check_true(seen.requires_grad, "reparameterize(mu, logvar) returned a tensor that does not require grad.",
               hint="build z = mu + sigma * eps from mu and logvar with torch operations (no .detach()).")
    g_mu, g_logvar = as_list(seen.grads, "gradients of reparameterize", 2)
    check_true(g_mu is not None and g_logvar is not None,
               "reparameterize: no gradient reaches mu or logvar.",
               hint="build z = mu + sigma * eps from mu and logvar with torch operations (no torch.normal, no .detach()).")
    check_close("d z / d mu of reparameterize", g_mu, [[1.0, 1.0, 1.0]], atol=1e-5,
                hint="z = mu + sigma * eps, so dz/dmu = 1; torch.normal(mu, sigma) gives no gradient.")
    n = given.n_spread
    spread = as_tensor(seen.z_spread, f"reparameterize(mu, logvar) for ({n}, 1) inputs", shape=(n, 1))
    check_close(f"sample mean of reparameterize(mu=1, logvar=log 4) over {n} draws", spread.mean(), 1.0,
                atol=0.08, rtol=0.0, hint="z = mu + sigma * eps with eps ~ N(0, 1).")
    check_close(f"sample std of reparameterize(mu=1, logvar=log 4) over {n} draws (sigma = 2)", spread.std(), 2.0,
                atol=0.08, rtol=0.0, hint="logvar is log(sigma^2), so sigma = exp(0.5 * logvar) = 2 here: using logvar"
                                           " itself as sigma gives 1.39, exp(logvar) gives 4.")
    check_close("d z / d logvar of reparameterize", g_logvar, 0.5 * (z - given.mu.double()), atol=1e-5, rtol=1e-5,
                hint="z = mu + exp(0.5 * logvar) * eps, so dz/dlogvar = 0.5 * sigma * eps = 0.5 * (z - mu).")
    ### BEGIN HIDDEN TESTS
    n, mu = given.n, given.mu_many.double()
    name = (f"reparameterize(mu=[{mu[0]:.3g}, {mu[1]:.3g}],"
            f" logvar=[log {given.sigma_many[0]**2:.3g}, log {given.sigma_many[1]**2:.3g}])")
    values = as_tensor(seen.z_many, f"reparameterize(mu, logvar) for ({n}, 2) inputs", shape=(n, 2))
    check_close(f"sample mean of {name}", values.mean(dim=0), mu, atol=0.02)
    check_close(f"sample std of {name}", values.std(dim=0), given.sigma_many, atol=0.02,
                hint="logvar is log(sigma^2): sigma = exp(0.5 * logvar).")
    again = as_tensor(seen.z_again, "a second call of reparameterize", shape=(n, 2))
    check_true(bool((again - values).abs().mean() > 0.1), "two calls of reparameterize returned the same z.",
               hint="draw fresh noise eps on every call (torch.randn_like).")
    g_mu, g_logvar = as_list(seen.grads_many, "gradients of reparameterize", 2)
    check_true(g_mu is not None and g_logvar is not None, "reparameterize: no gradient reaches mu or logvar.")
    check_close("d z / d logvar of reparameterize (first 5 rows)", g_logvar, 0.5 * (values[:5] - mu),
                atol=1e-4, rtol=1e-4, hint="dz/dlogvar = 0.5 * sigma * eps = 0.5 * (z - mu).")
    check_close("d z / d mu of reparameterize (first 5 rows)", g_mu, torch.ones(5, 2), atol=1e-6)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 2. The KL term in closed form
#
# For $q = \mathcal N(\mu, \operatorname{diag}\sigma^2)$ and $p = \mathcal N(0, I)$ the KL
# divergence is a sum over the $L$ latent dimensions:
#
# $$\mathrm{KL}(q \,\|\, p) = \frac12 \sum_{j=1}^{L}
#   \Big(\mu_j^2 + \sigma_j^2 - 1 - \log\sigma_j^2\Big).$$
#
# Each term is $\ge 0$ and is 0 exactly when $\mu_j = 0, \sigma_j = 1$: the KL pulls every
# code towards the prior. Implement `gaussian_kl(mu, logvar)`, returning one value per
# example, shape `(B,)`.

# %% nbgrader={"grade": false, "grade_id": "gaussian_kl", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) per example, summed over latent dims.

    mu, logvar: (B, L). Returns (B,).
    """
    ### BEGIN SOLUTION
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)
    ### END SOLUTION


# %% [markdown] checks=["gaussian_kl(torch.tensor([[1.0, 0.0]]), torch.zeros(1, 2))[0] ~ 0.5 +- 1e-6", "gaussian_kl(torch.zeros(1, 2), torch.tensor([[math.log(2.0), 0.0]]))[0] ~ 0.1534 +- 0.00005"]
# You should see `[0.0, 0.5, 0.1534]`: the prior itself, a mean shifted by 1, and a
# variance of 2 ($\tfrac12(2 - 1 - \log 2)$).

# %%
print(gaussian_kl(torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]]),
                  torch.tensor([[0.0, 0.0], [0.0, 0.0], [math.log(2.0), 0.0]])))

# %% nbgrader={"grade": true, "grade_id": "test_gaussian_kl", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""gaussian_kl: closed-form values, shape (B,), and agreement with torch.distributions."""
import math

import torch
from course_utils.checks import check_close
from course_utils.verdict import run_test


def inputs(given, rng):
    given.mu = torch.tensor([[0.0], [1.0], [0.0]], dtype=torch.float32)
    given.logvar = torch.tensor([[0.0], [0.0], [math.log(2.0)]], dtype=torch.float32)
    ### BEGIN HIDDEN TESTS
    given.mu_random = torch.tensor(2 * rng.normal(size=(6, 5)), dtype=torch.float32)
    given.logvar_random = torch.tensor(3 * rng.normal(size=(6, 5)), dtype=torch.float32)
    given.mu_2d = torch.tensor(rng.normal(size=(1, 2)), dtype=torch.float32)
    given.logvar_2d = torch.tensor(rng.uniform(-1.5, 1.5, size=(1, 2)), dtype=torch.float32)
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.kl = gaussian_kl(given.mu, given.logvar)
    ### BEGIN HIDDEN TESTS
    seen.kl_random = gaussian_kl(given.mu_random, given.logvar_random)
    seen.kl_2d = gaussian_kl(given.mu_2d, given.logvar_2d)
    ### END HIDDEN TESTS


def judge(given, seen):
    check_close(
        "gaussian_kl for (mu, sigma^2) = (0, 1), (1, 1), (0, 2) in one dimension",
        seen.kl, [0.0, 0.5, 0.5 * (1.0 - math.log(2.0))], atol=1e-5,
        hint="KL = 0.5 * sum(mu^2 + sigma^2 - 1 - log sigma^2), with sigma^2 = exp(logvar).",
    )
    ### BEGIN HIDDEN TESTS
    from torch.distributions import Normal, kl_divergence

    mu, logvar = given.mu_random.double(), given.logvar_random.double()
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(dim=1)
    check_close("gaussian_kl on random (6, 5) inputs against torch.distributions", seen.kl_random, expected,
                atol=1e-4, rtol=1e-4, hint="sum over the latent dimension, one value per example.")
    mu, logvar = given.mu_2d.double(), given.logvar_2d.double()
    check_close("gaussian_kl with 2 latent dims", seen.kl_2d,
                0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=1), atol=1e-5)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 3. A stable Bernoulli log-likelihood, and the ELBO
#
# The decoder outputs one **logit** $\ell_i$ per pixel; pixel $i$ is 1 with probability
# $\sigma(\ell_i) = 1/(1 + e^{-\ell_i})$. For a binary image,
#
# $$\log p_\theta(x \mid z) = \sum_i \Big( x_i \log \sigma(\ell_i) + (1 - x_i)\log\big(1 - \sigma(\ell_i)\big) \Big)
#  = \sum_i \Big( x_i \log \sigma(\ell_i) + (1 - x_i) \log \sigma(-\ell_i) \Big).$$
#
# Computing $\sigma(\ell)$ first and then its log fails for large logits: $\sigma(100)$ rounds
# to 1 and $\log(1 - 1) = -\infty$. Work with logits throughout (`F.logsigmoid`, or
# `F.binary_cross_entropy_with_logits` with `reduction="none"`).
#
# Implement `bernoulli_log_likelihood(x_logits, x)`: `x_logits` and `x` have the same shape
# `(B, ...)` (for instance `(B, 1, 8, 8)`); return the log-likelihood **summed** over all
# pixels of each image, shape `(B,)`. Then `elbo(x, x_logits, mu, logvar)` = log-likelihood
# minus KL (use your `bernoulli_log_likelihood` and `gaussian_kl`), one value per image, shape `(B,)`.

# %% nbgrader={"grade": false, "grade_id": "bernoulli_elbo", "locked": false, "schema_version": 3, "solution": true, "task": false}
def bernoulli_log_likelihood(x_logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log p(x | logits) for binary x, summed over all but the first dimension.

    x_logits, x: (B, ...) of the same shape. Returns (B,), in nats.
    """
    ### BEGIN SOLUTION
    x = x.to(x_logits.dtype)
    per_pixel = x * F.logsigmoid(x_logits) + (1.0 - x) * F.logsigmoid(-x_logits)
    return per_pixel.flatten(1).sum(dim=1)
    ### END SOLUTION


def elbo(x: torch.Tensor, x_logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """The one-sample ELBO log p(x | z) - KL(q(z | x) || p(z)) per example.

    x, x_logits: (B, ...); mu, logvar: (B, L). Returns (B,), in nats.
    """
    ### BEGIN SOLUTION
    return bernoulli_log_likelihood(x_logits, x) - gaussian_kl(mu, logvar)
    ### END SOLUTION


# %% [markdown] checks=["bernoulli_log_likelihood(torch.zeros(2, 1, 8, 8), ones)[1] ~ -44.36 +- 0.005"]
# You should see `-44.36` twice ($64 \log 2$: every pixel a coin flip) and a finite number
# near 0 for confident, correct logits of size 100.

# %%
ones = torch.ones(2, 1, 8, 8)
print(bernoulli_log_likelihood(torch.zeros(2, 1, 8, 8), ones))
print(bernoulli_log_likelihood(torch.full((2, 1, 8, 8), 100.0), ones))

# %% nbgrader={"grade": true, "grade_id": "test_bernoulli_log_likelihood", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""bernoulli_log_likelihood: shape (B,), a sum over pixels, and finite values for logits of size 100."""
import math

import torch
import torch.nn.functional as F
from course_utils.checks import as_tensor, check_close
from course_utils.verdict import run_test


def inputs(given, rng):
    given.x = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]], [[[1.0, 1.0], [1.0, 1.0]]]], dtype=torch.float32)
    given.zeros = torch.zeros(2, 1, 2, 2, dtype=torch.float32)  # logits for x of shape (2, 1, 2, 2)
    ### BEGIN HIDDEN TESTS
    signs = rng.choice([-1.0, 1.0], size=(2, 1, 2, 2))
    signs[0, 0, 0, 0] = 1.0  # at least one logit of +100, where sigmoid rounds to 1
    x_sharp = (rng.random((2, 1, 2, 2)) < 0.5).astype("float32")
    x_sharp[1, 0, 0, 0] = float(signs[1, 0, 0, 0] < 0)  # at least one pixel the logit gets wrong
    given.logits_sharp = torch.tensor(100.0 * signs, dtype=torch.float32)
    given.x_sharp = torch.tensor(x_sharp, dtype=torch.float32)
    given.x_random = torch.tensor(rng.random((5, 1, 8, 8)) < 0.4, dtype=torch.float32)
    given.logits_random = torch.tensor(4 * rng.normal(size=(5, 1, 8, 8)), dtype=torch.float32)
    given.x_flat, given.logits_flat = given.x_random.flatten(1), given.logits_random.flatten(1)
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.half = bernoulli_log_likelihood(given.zeros, given.x)
    ### BEGIN HIDDEN TESTS
    seen.sharp = bernoulli_log_likelihood(given.logits_sharp, given.x_sharp)
    seen.random = bernoulli_log_likelihood(given.logits_random, given.x_random)
    seen.flat = bernoulli_log_likelihood(given.logits_flat, given.x_flat)
    ### END HIDDEN TESTS


def judge(given, seen):
    check_close("bernoulli_log_likelihood(zeros logits, x) for 2 images of 4 pixels",
                seen.half, [-4 * math.log(2.0)] * 2, atol=1e-5,
                hint="sum (not mean) the per-pixel log-probabilities of each image; log(1/2) per pixel here.")
    ### BEGIN HIDDEN TESTS
    from torch.distributions import Bernoulli

    logits, x = given.logits_sharp.double(), given.x_sharp.double()
    exact = (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).flatten(1).sum(1)
    check_close("bernoulli_log_likelihood for logits +-100", seen.sharp, exact, atol=1e-3,
                hint="work with logits (F.logsigmoid): sigmoid(100) rounds to 1 and log(1 - 1) = -inf.")
    expected = Bernoulli(logits=given.logits_random.double()).log_prob(given.x_random.double()).flatten(1).sum(dim=1)
    check_close("bernoulli_log_likelihood on random (5, 1, 8, 8) inputs", seen.random,
                expected, atol=1e-3, rtol=1e-5)
    flat = as_tensor(seen.flat, "bernoulli_log_likelihood on flattened (5, 64) inputs", shape=(5,))
    check_close("bernoulli_log_likelihood on flattened (5, 64) inputs", flat, expected, atol=1e-3, rtol=1e-5)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% nbgrader={"grade": true, "grade_id": "test_elbo", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""elbo: log-likelihood minus the KL, one value per example (first, the two functions it uses)."""
import math

import torch
import torch.nn.functional as F
from course_utils.checks import check_close, prerequisite
from course_utils.verdict import run_test


def inputs(given, rng):
    # tiny inputs for the earlier functions this test relies on (prerequisite checks)
    given.pre_mu = torch.tensor([[0.5, -1.0], [2.0, 0.0]], dtype=torch.float32)
    given.pre_logvar = torch.tensor([[0.0, math.log(0.25)], [math.log(4.0), -1.0]], dtype=torch.float32)
    given.pre_logits = torch.tensor([[[[0.5, -1.0], [2.0, 0.0]]], [[[-0.3, 1.5], [3.0, -2.0]]]], dtype=torch.float32)
    given.pre_x = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]], [[[1.0, 1.0], [0.0, 0.0]]]], dtype=torch.float32)
    given.x = torch.ones(1, 1, 2, 2, dtype=torch.float32)
    given.logits = torch.zeros(1, 1, 2, 2, dtype=torch.float32)
    given.mu = torch.tensor([[1.0]], dtype=torch.float32)
    given.logvar = torch.tensor([[0.0]], dtype=torch.float32)
    ### BEGIN HIDDEN TESTS
    given.x_random = torch.tensor(rng.random((4, 1, 8, 8)) < 0.5, dtype=torch.float32)
    given.logits_random = torch.tensor(3 * rng.normal(size=(4, 1, 8, 8)), dtype=torch.float32)
    given.mu_random = torch.tensor(rng.normal(size=(4, 3)), dtype=torch.float32)
    given.logvar_random = torch.tensor(rng.normal(size=(4, 3)), dtype=torch.float32)
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.pre_kl = gaussian_kl(given.pre_mu, given.pre_logvar)
    seen.pre_ll = bernoulli_log_likelihood(given.pre_logits, given.pre_x)
    seen.elbo = elbo(given.x, given.logits, given.mu, given.logvar)
    ### BEGIN HIDDEN TESTS
    seen.elbo_random = elbo(given.x_random, given.logits_random, given.mu_random, given.logvar_random)
    ### END HIDDEN TESTS


def judge(given, seen):
    def reference_terms():  # (KL, log-likelihood) of the tiny prerequisite inputs
        mu, logvar = given.pre_mu.double(), given.pre_logvar.double()
        logits, x = given.pre_logits.double(), given.pre_x.double()
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
        return kl, (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).flatten(1).sum(1)

    def check_kl(kl):
        with prerequisite("gaussian_kl", "test_gaussian_kl"):
            check_close("gaussian_kl(mu, logvar) for 2 examples with 2 latent dims", seen.pre_kl, kl, atol=1e-5,
                        hint="0.5 * sum(mu^2 + exp(logvar) - 1 - logvar) over the latent dims, one value per example.")

    def check_log_likelihood(ll):
        with prerequisite("bernoulli_log_likelihood", "test_bernoulli_log_likelihood"):
            check_close("bernoulli_log_likelihood(logits, x) for 2 images of 2x2 pixels", seen.pre_ll, ll, atol=1e-5,
                        hint="sum (not mean) over the pixels of each image of x*log(sigmoid(l)) + (1-x)*log(sigmoid(-l)).")

    kl, ll = reference_terms()
    check_kl(kl)
    check_log_likelihood(ll)
    check_close("elbo(x=ones, logits=0, mu=1, logvar=0) with one latent dim", seen.elbo,
                [-4 * math.log(2.0) - 0.5], atol=1e-5, hint="ELBO = log p(x|z) - KL(q(z|x) || p(z)).")
    ### BEGIN HIDDEN TESTS
    from torch.distributions import Bernoulli, Normal, kl_divergence

    x, logits = given.x_random.double(), given.logits_random.double()
    mu, logvar = given.mu_random.double(), given.logvar_random.double()
    expected = (Bernoulli(logits=logits).log_prob(x).flatten(1).sum(1)
                - kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(1))
    check_close("elbo on random inputs (4 images, 3 latent dims)", seen.elbo_random, expected,
                atol=1e-3, rtol=1e-5)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 4. The VAE
#
# Build `VAE(latent_dim=8, hidden_dim=256, image_shape=(1, 8, 8))`, an MLP encoder and decoder:
#
# * `encode(x)`: images `(B, *image_shape)` -> `(mu, logvar)`, each `(B, latent_dim)`: flatten,
#   one hidden layer of `hidden_dim` ReLU units, then a linear layer with `2 * latent_dim`
#   outputs split into the two halves;
# * `decode(z)`: `(B, latent_dim)` -> logits `(B, *image_shape)`: one hidden ReLU layer, then
#   a linear layer with one logit per pixel (no sigmoid: the likelihood takes logits);
# * `forward(x)` -> `(x_logits, mu, logvar)`, decoding one reparameterized sample.
#
# It must be buildable with no arguments and work for any `image_shape`.

# %% nbgrader={"grade": false, "grade_id": "vae", "locked": false, "schema_version": 3, "solution": true, "task": false}
class VAE(nn.Module):
    """A VAE with a diagonal Gaussian encoder and a Bernoulli MLP decoder."""

    def __init__(self, latent_dim: int = 8, hidden_dim: int = 256, image_shape: tuple[int, ...] = (1, 8, 8)):
        super().__init__()
        self.latent_dim = latent_dim
        self.image_shape = tuple(image_shape)
        ### BEGIN SOLUTION
        num_pixels = math.prod(self.image_shape)
        self.encoder = nn.Sequential(
            nn.Flatten(), nn.Linear(num_pixels, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 2 * latent_dim)
        )
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, num_pixels))
        ### END SOLUTION

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: (B, *image_shape) -> (mu, logvar), each (B, latent_dim)."""
        ### BEGIN SOLUTION
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar
        ### END SOLUTION

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z: (B, latent_dim) -> Bernoulli logits (B, *image_shape)."""
        ### BEGIN SOLUTION
        return self.decoder(z).view(-1, *self.image_shape)
        ### END SOLUTION

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x: (B, *image_shape) -> (x_logits (B, *image_shape), mu (B, L), logvar (B, L))."""
        ### BEGIN SOLUTION
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar)
        return self.decode(z), mu, logvar
        ### END SOLUTION


# %% [markdown]
# You should see `(5, 8) (5, 8) (5, 1, 8, 8)`.

# %%
mu, logvar = VAE().encode(torch.zeros(5, 1, 8, 8))
print(tuple(mu.shape), tuple(logvar.shape), tuple(VAE()(torch.zeros(5, 1, 8, 8))[0].shape))

# %% nbgrader={"grade": true, "grade_id": "test_vae_shapes", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""VAE: built with no arguments; encode, decode and forward return the contract's shapes; forward decodes a sample."""
import torch
from course_utils.checks import as_list, as_tensor, check_true
from course_utils.verdict import run_test


def inputs(given, rng):
    given.seed = 6
    given.x = torch.tensor(rng.random((3, 1, 8, 8)) < 0.5, dtype=torch.float32)
    given.z = torch.tensor(rng.normal(size=(3, 8)), dtype=torch.float32)
    ### BEGIN HIDDEN TESTS
    given.latent_dim, given.hidden_dim = int(rng.integers(2, 6)), int(rng.integers(16, 65))
    given.image_shape = [1, int(rng.integers(5, 15)), int(rng.integers(5, 15))]
    given.x_other = torch.tensor(rng.random((4, *given.image_shape)) < 0.5, dtype=torch.float32)
    ### END HIDDEN TESTS


def probe(given, seen):
    torch.manual_seed(given.seed)
    net = VAE()
    seen.encoded = list(net.encode(given.x))
    seen.decoded = net.decode(given.z)
    out = net(given.x)
    seen.forward_is_tuple = type(out) is tuple
    seen.forward = list(out) if type(out) is tuple else []
    seen.forward_again = net(given.x)[0] if seen.forward_is_tuple else None
    ### BEGIN HIDDEN TESTS
    net = VAE(latent_dim=given.latent_dim, hidden_dim=given.hidden_dim, image_shape=tuple(given.image_shape))
    seen.forward_other = list(net(given.x_other))
    ### END HIDDEN TESTS


def judge(given, seen):
    mu, logvar = as_list(seen.encoded, "VAE().encode(x)", 2, hint="encode returns the pair (mu, logvar).")
    as_tensor(mu, "VAE().encode(x)[0] (mu)", shape=(3, 8))
    as_tensor(logvar, "VAE().encode(x)[1] (logvar)", shape=(3, 8))
    as_tensor(seen.decoded, "VAE().decode(z)", shape=(3, 1, 8, 8))
    check_true(seen.forward_is_tuple is True and len(seen.forward) == 3,
               "VAE().forward(x) must return a tuple (x_logits, mu, logvar).")
    first = as_tensor(seen.forward[0], "VAE().forward(x)[0] (x_logits)", shape=(3, 1, 8, 8))
    again = as_tensor(seen.forward_again, "a second VAE().forward(x)[0] (x_logits)", shape=(3, 1, 8, 8))
    check_true(bool((first - again).abs().max() > 1e-4),
               "VAE().forward(x) returned the same x_logits twice: it must decode a fresh sample z, not mu.",
               hint="z = reparameterize(mu, logvar), then return self.decode(z), mu, logvar.")
    ### BEGIN HIDDEN TESTS
    latent, shape = given.latent_dim, tuple(given.image_shape)
    name = f"VAE(latent_dim={latent}, image_shape={shape}).forward(x)"
    logits, mu, logvar = as_list(seen.forward_other, name, 3)
    as_tensor(logits, f"{name}[0]", shape=(4, *shape))
    as_tensor(mu, f"{name}[1]", shape=(4, latent))
    as_tensor(logvar, f"{name}[2]", shape=(4, latent))
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown] checks=["len(x_train) ~ 1221 +- 0"]
# ## 5. Training on binarized digits
#
# We minimise the negative ELBO averaged over a minibatch with Adam, and keep the weights with
# the best **validation** negative ELBO: a VAE this size overfits 1,221 training images after
# some tens of epochs (the training loss keeps falling while the validation loss turns up), so
# early stopping matters. Training stops after 10 epochs without improvement, at most 150
# epochs (well under a minute on a CPU).
#
# For reference, on this test set a model of 64 independent pixels scores about 25.2 nats per
# image and a mixture of 10 such models about 20.2 (assignment 1 computes both).

# %%
def negative_elbo(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Mean negative ELBO of a batch: the loss we minimise."""
    x_logits, mu, logvar = model(x)
    return -elbo(x, x_logits, mu, logvar).mean()


torch.manual_seed(0)
model = VAE().to(device)
history = train(model, negative_elbo, x_train, n_epochs=150, lr=1e-3, batch_size=64,
                x_val=x_val, patience=10, seed=0, desc="VAE")
print(f"{len(history.train_loss)} epochs, best validation -ELBO {min(history.val_loss):.2f} nats"
      f" at epoch {history.best_epoch}")
plot_curves({"train": history.train_loss, "validation": history.val_loss}, ylabel="-ELBO (nats)")
plt.show()

# %% [markdown] checks=["-elbo(x_test, x_logits, mu, logvar).mean() ~ 19 +- 1", "gaussian_kl(mu, logvar).mean() ~ 6 +- 1"]
# You should see test reconstructions that keep the digit's identity and samples from the
# prior that mostly look like digits, and a test negative ELBO around 19 nats with a KL of 5
# to 7 nats (the number of nats the code spends on each image).

# %%
model.eval()
with torch.no_grad():
    x_logits, mu, logvar = model(x_test)
    print(f"test -ELBO {-elbo(x_test, x_logits, mu, logvar).mean():.2f} nats,"
          f" KL {gaussian_kl(mu, logvar).mean():.2f} nats")
    samples = torch.bernoulli(torch.sigmoid(model.decode(torch.randn(16, model.latent_dim, device=device))))
fig, axes = plt.subplots(1, 3, figsize=(11, 2.6))
image_grid(x_test[:16], ax=axes[0], title="test images")
image_grid(torch.sigmoid(x_logits[:16]), ax=axes[1], title="reconstructions (probabilities)")
image_grid(samples, ax=axes[2], title="samples from p(z)")
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_training_elbo", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
"""The trained `model`: test negative ELBO (mean over the 360 test images, 10 samples each) at most 21 nats,
and not implausibly good (more than 15 nats); first, the functions training used, on tiny inputs."""
import math

import torch
import torch.nn.functional as F
from course_utils.checks import as_list, as_tensor, check_close, check_less_equal, check_true, prerequisite
from course_utils.data import load_digits
from course_utils.verdict import run_test


def inputs(given, rng):
    given.x_test = load_digits("binary").test_images
    given.seed = 7
    # tiny inputs for the earlier functions this test relies on (prerequisite checks)
    given.pre_mu = torch.tensor([[0.5, -1.0], [2.0, 0.0]], dtype=torch.float32)
    given.pre_logvar = torch.tensor([[0.0, math.log(0.25)], [math.log(4.0), -1.0]], dtype=torch.float32)
    given.pre_logits = torch.tensor([[[[0.5, -1.0], [2.0, 0.0]]], [[[-0.3, 1.5], [3.0, -2.0]]]], dtype=torch.float32)
    given.pre_x = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]], [[[1.0, 1.0], [0.0, 0.0]]]], dtype=torch.float32)
    given.pre_images = (torch.arange(128).view(2, 1, 8, 8) % 3 == 0).to(torch.float32)
    ### BEGIN HIDDEN TESTS
    given.eps = torch.tensor(rng.normal(size=(10, 360, 64)), dtype=torch.float32)  # up to 64 latent dims
    ### END HIDDEN TESTS


def probe(given, seen):
    def reparameterize_record(gradients):  # reparameterize on tiny inputs, for the prerequisite check
        torch.manual_seed(3)
        record = {"spread": reparameterize(torch.full((20_000, 1), 1.0), torch.full((20_000, 1), math.log(4.0)))}
        if gradients:
            mu, logvar = given.pre_mu.clone().requires_grad_(True), given.pre_logvar.clone().requires_grad_(True)
            z = reparameterize(mu, logvar)
            record["z"] = z
            record["grads"] = (list(torch.autograd.grad(z, (mu, logvar), grad_outputs=torch.ones_like(z),
                                                        allow_unused=True))
                               if getattr(z, "requires_grad", False) is True else [None, None])
        return record

    seen.pre_reparameterize = reparameterize_record(gradients=True)
    seen.pre_kl = gaussian_kl(given.pre_mu, given.pre_logvar)
    seen.pre_ll = bernoulli_log_likelihood(given.pre_logits, given.pre_x)
    seen.pre_elbo = elbo(given.pre_x, given.pre_logits, given.pre_mu, given.pre_logvar)
    torch.manual_seed(0)
    fresh = VAE()
    seen.pre_forward = [fresh(given.pre_images)[0] for _ in range(2)]  # two samples: they must differ
    x_test = given.x_test.to(device)
    model.eval()
    torch.manual_seed(given.seed)
    with torch.no_grad():
        seen.elbos = [elbo(x_test, *model(x_test)) for _ in range(10)]
    ### BEGIN HIDDEN TESTS
    with torch.no_grad():
        mu, logvar = model.encode(x_test)
        seen.mu, seen.logvar = mu, logvar
        eps = given.eps[:, :, : mu.shape[1]].to(device=mu.device, dtype=mu.dtype)
        seen.z = [mu + (0.5 * logvar).exp() * e for e in eps]
        seen.logits = [model.decode(z.to(device=device, dtype=torch.float32)) for z in seen.z]
    ### END HIDDEN TESTS


def judge(given, seen):
    def check_reparameterize(record, gradients):
        with prerequisite("reparameterize", "test_reparameterize"):
            check_true(type(record) is dict, "reparameterize: the test recorded no result.")
            spread = as_tensor(record["spread"], "reparameterize(mu=1, logvar=log 4) for (20000, 1) inputs",
                               shape=(20_000, 1))
            check_close("sample mean of reparameterize(mu=1, logvar=log 4)", spread.mean(), 1.0, atol=0.08, rtol=0.0,
                        hint="z = mu + sigma * eps with eps ~ N(0, 1).")
            check_close("sample std of reparameterize(mu=1, logvar=log 4) (sigma = 2)", spread.std(), 2.0, atol=0.08,
                        rtol=0.0, hint="sigma = exp(0.5 * logvar), not logvar itself and not exp(logvar).")
            if gradients:
                z = as_tensor(record["z"], "reparameterize(mu, logvar) for (2, 2) inputs", shape=(2, 2))
                g_mu, g_logvar = as_list(record["grads"], "gradients of reparameterize", 2)
                check_true(g_mu is not None and g_logvar is not None,
                           "reparameterize: no gradient reaches mu or logvar, so training cannot improve the encoder.",
                           hint="build z = mu + sigma * eps with torch operations (no torch.normal, no .detach()).")
                check_close("d z / d mu of reparameterize", g_mu, torch.ones(2, 2), atol=1e-5,
                            hint="z = mu + sigma * eps, so dz/dmu = 1; torch.normal(mu, sigma) gives no gradient.")
                check_close("d z / d logvar of reparameterize", g_logvar, 0.5 * (z - given.pre_mu.double()),
                            atol=1e-5, rtol=1e-5, hint="dz/dlogvar = 0.5 * sigma * eps = 0.5 * (z - mu).")

    def reference_terms():  # (KL, log-likelihood) of the tiny prerequisite inputs
        mu, logvar = given.pre_mu.double(), given.pre_logvar.double()
        logits, x = given.pre_logits.double(), given.pre_x.double()
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
        return kl, (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).flatten(1).sum(1)

    def check_kl(kl):
        with prerequisite("gaussian_kl", "test_gaussian_kl"):
            check_close("gaussian_kl(mu, logvar) for 2 examples with 2 latent dims", seen.pre_kl, kl, atol=1e-5,
                        hint="0.5 * sum(mu^2 + exp(logvar) - 1 - logvar) over the latent dims, one value per example.")

    def check_log_likelihood(ll):
        with prerequisite("bernoulli_log_likelihood", "test_bernoulli_log_likelihood"):
            check_close("bernoulli_log_likelihood(logits, x) for 2 images of 2x2 pixels", seen.pre_ll, ll, atol=1e-5,
                        hint="sum (not mean) over the pixels of each image of x*log(sigmoid(l)) + (1-x)*log(sigmoid(-l)).")

    check_reparameterize(seen.pre_reparameterize, gradients=True)
    kl, ll = reference_terms()
    check_kl(kl)
    check_log_likelihood(ll)
    with prerequisite("elbo", "test_elbo"):
        check_close("elbo(x, logits, mu, logvar) for 2 images of 2x2 pixels", seen.pre_elbo, ll - kl, atol=1e-5,
                    hint="ELBO = log p(x|z) - KL(q(z|x) || p(z)), one value per image.")
    with prerequisite("VAE.forward", "test_vae_shapes"):
        first, again = (as_tensor(v, "VAE().forward(x)[0] (x_logits)", shape=(2, 1, 8, 8))
                        for v in as_list(seen.pre_forward, "VAE().forward(x) results", 2))
        check_true(bool((first - again).abs().max() > 1e-4),
                   "VAE().forward(x) returned the same x_logits twice: it must decode a fresh sample z, not mu.")
    values = [as_tensor(v, "elbo on the test set", shape=(360,)).mean() for v in as_list(seen.elbos, "elbo values", 10)]
    negative_elbo = float(-sum(values) / 10)
    check_less_equal("test negative ELBO of the trained model (nats)", negative_elbo, 21.0,
                     hint="train with the cell above (seed 0, early stopping); around 19 nats is expected.")
    # The solution measures 19.0 nats; sigma = logvar in reparameterize reports 8.5, forward decoding mu instead
    # of a sample 8.7 (both let the decoder see z with less noise than the KL charges for).
    check_true(negative_elbo > 15.0, (
        f"test negative ELBO of the trained model: got {negative_elbo:.3g} nats, expected more than 15: that is too"
        " good to be true on this data (a1's PixelCNN computes the exact NLL, about 18.5 nats, and a VAE's negative"
        " ELBO is an upper bound on its own NLL)."
    ), hint="usually the decoder receives z with less noise than the KL assumes: forward must decode a sample"
            " z = mu + exp(0.5 * logvar) * eps, not mu, and sigma is exp(0.5 * logvar), not logvar.")
    ### BEGIN HIDDEN TESTS
    from torch.distributions import Bernoulli

    mu = as_tensor(seen.mu, "model.encode(x_test)[0]", shape=(360, None))
    logvar = as_tensor(seen.logvar, "model.encode(x_test)[1]", shape=(360, None))
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
    eps = given.eps[:, :, : mu.shape[1]].double()
    recon = []
    for e, z, logits in zip(eps, as_list(seen.z, "decoder inputs z", 10), as_list(seen.logits, "model.decode(z)", 10)):
        check_close("decoder input z = mu + exp(logvar / 2) * eps", z, mu + (0.5 * logvar).exp() * e,
                    atol=1e-4, rtol=1e-4)
        logits = as_tensor(logits, "model.decode(z)", shape=(360, 1, 8, 8))
        recon.append(Bernoulli(logits=logits).log_prob(given.x_test.double()).flatten(1).sum(1))
    reference = -(sum(recon) / 10 - kl).mean()
    check_less_equal("test negative ELBO of the trained model, recomputed from encode/decode (nats)",
                     reference, 21.0, hint="the ELBO you train must be log p(x|z) summed over pixels minus the KL.")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% nbgrader={"grade": true, "grade_id": "test_kl_not_collapsed", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""The trained `model` uses its code: mean test KL(q(z|x) || p(z)) at least 3 nats (no posterior collapse);
first, the functions training used, on tiny inputs."""
import math

import torch
import torch.nn.functional as F
from course_utils.checks import as_list, as_tensor, check_close, check_in_range, check_true, prerequisite
from course_utils.data import load_digits
from course_utils.verdict import run_test


def inputs(given, rng):
    given.x_test = load_digits("binary").test_images
    # tiny inputs for the earlier functions this test relies on (prerequisite checks)
    given.pre_mu = torch.tensor([[0.5, -1.0], [2.0, 0.0]], dtype=torch.float32)
    given.pre_logvar = torch.tensor([[0.0, math.log(0.25)], [math.log(4.0), -1.0]], dtype=torch.float32)
    given.pre_logits = torch.tensor([[[[0.5, -1.0], [2.0, 0.0]]], [[[-0.3, 1.5], [3.0, -2.0]]]], dtype=torch.float32)
    given.pre_x = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]], [[[1.0, 1.0], [0.0, 0.0]]]], dtype=torch.float32)
    given.pre_images = (torch.arange(128).view(2, 1, 8, 8) % 3 == 0).to(torch.float32)


def probe(given, seen):
    def reparameterize_record(gradients):  # reparameterize on tiny inputs, for the prerequisite check
        torch.manual_seed(3)
        record = {"spread": reparameterize(torch.full((20_000, 1), 1.0), torch.full((20_000, 1), math.log(4.0)))}
        if gradients:
            mu, logvar = given.pre_mu.clone().requires_grad_(True), given.pre_logvar.clone().requires_grad_(True)
            z = reparameterize(mu, logvar)
            record["z"] = z
            record["grads"] = (list(torch.autograd.grad(z, (mu, logvar), grad_outputs=torch.ones_like(z),
                                                        allow_unused=True))
                               if getattr(z, "requires_grad", False) is True else [None, None])
        return record

    seen.pre_reparameterize = reparameterize_record(gradients=True)
    seen.pre_kl = gaussian_kl(given.pre_mu, given.pre_logvar)
    seen.pre_ll = bernoulli_log_likelihood(given.pre_logits, given.pre_x)
    torch.manual_seed(0)
    fresh = VAE()
    seen.pre_forward = [fresh(given.pre_images)[0] for _ in range(2)]  # two samples: they must differ
    model.eval()
    with torch.no_grad():
        mu, logvar = model.encode(given.x_test.to(device))
        seen.kl = gaussian_kl(mu, logvar)
    ### BEGIN HIDDEN TESTS
    seen.mu, seen.logvar = mu, logvar
    ### END HIDDEN TESTS


def judge(given, seen):
    def check_reparameterize(record, gradients):
        with prerequisite("reparameterize", "test_reparameterize"):
            check_true(type(record) is dict, "reparameterize: the test recorded no result.")
            spread = as_tensor(record["spread"], "reparameterize(mu=1, logvar=log 4) for (20000, 1) inputs",
                               shape=(20_000, 1))
            check_close("sample mean of reparameterize(mu=1, logvar=log 4)", spread.mean(), 1.0, atol=0.08, rtol=0.0,
                        hint="z = mu + sigma * eps with eps ~ N(0, 1).")
            check_close("sample std of reparameterize(mu=1, logvar=log 4) (sigma = 2)", spread.std(), 2.0, atol=0.08,
                        rtol=0.0, hint="sigma = exp(0.5 * logvar), not logvar itself and not exp(logvar).")
            if gradients:
                z = as_tensor(record["z"], "reparameterize(mu, logvar) for (2, 2) inputs", shape=(2, 2))
                g_mu, g_logvar = as_list(record["grads"], "gradients of reparameterize", 2)
                check_true(g_mu is not None and g_logvar is not None,
                           "reparameterize: no gradient reaches mu or logvar, so training cannot improve the encoder.",
                           hint="build z = mu + sigma * eps with torch operations (no torch.normal, no .detach()).")
                check_close("d z / d mu of reparameterize", g_mu, torch.ones(2, 2), atol=1e-5,
                            hint="z = mu + sigma * eps, so dz/dmu = 1; torch.normal(mu, sigma) gives no gradient.")
                check_close("d z / d logvar of reparameterize", g_logvar, 0.5 * (z - given.pre_mu.double()),
                            atol=1e-5, rtol=1e-5, hint="dz/dlogvar = 0.5 * sigma * eps = 0.5 * (z - mu).")

    def reference_terms():  # (KL, log-likelihood) of the tiny prerequisite inputs
        mu, logvar = given.pre_mu.double(), given.pre_logvar.double()
        logits, x = given.pre_logits.double(), given.pre_x.double()
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
        return kl, (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).flatten(1).sum(1)

    def check_kl(kl):
        with prerequisite("gaussian_kl", "test_gaussian_kl"):
            check_close("gaussian_kl(mu, logvar) for 2 examples with 2 latent dims", seen.pre_kl, kl, atol=1e-5,
                        hint="0.5 * sum(mu^2 + exp(logvar) - 1 - logvar) over the latent dims, one value per example.")

    def check_log_likelihood(ll):
        with prerequisite("bernoulli_log_likelihood", "test_bernoulli_log_likelihood"):
            check_close("bernoulli_log_likelihood(logits, x) for 2 images of 2x2 pixels", seen.pre_ll, ll, atol=1e-5,
                        hint="sum (not mean) over the pixels of each image of x*log(sigmoid(l)) + (1-x)*log(sigmoid(-l)).")

    check_reparameterize(seen.pre_reparameterize, gradients=True)
    kl, ll = reference_terms()
    check_kl(kl)
    check_log_likelihood(ll)
    with prerequisite("VAE.forward", "test_vae_shapes"):
        first, again = (as_tensor(v, "VAE().forward(x)[0] (x_logits)", shape=(2, 1, 8, 8))
                        for v in as_list(seen.pre_forward, "VAE().forward(x) results", 2))
        check_true(bool((first - again).abs().max() > 1e-4),
                   "VAE().forward(x) returned the same x_logits twice: it must decode a fresh sample z, not mu.")
    kl_student = as_tensor(seen.kl, "gaussian_kl(*model.encode(x_test))", shape=(360,)).mean()
    check_in_range("mean test KL of the trained model (nats)", kl_student, 3.0, 1e6,
                   hint="a KL near 0 means the decoder ignores z (posterior collapse): is the likelihood summed over pixels?")
    ### BEGIN HIDDEN TESTS
    mu = as_tensor(seen.mu, "model.encode(x_test)[0]", shape=(360, None))
    logvar = as_tensor(seen.logvar, "model.encode(x_test)[1]", shape=(360, None))
    check_in_range("mean test KL of the trained model, recomputed from encode (nats)",
                   0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1).mean(), 3.0, 1e6)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 6. A tighter bound: importance weighting
#
# The ELBO is $\log p(x)$ minus $\mathrm{KL}(q(z\mid x)\,\|\,p(z\mid x))$: it is only tight if the
# encoder matches the true posterior. Burda et al. (2016) average $k$ importance weights
# inside the log:
#
# $$\mathcal L_k(x) = \mathbb E\Big[\log \frac1k \sum_{i=1}^k w_i\Big], \qquad
#   w_i = \frac{p_\theta(x \mid z_i)\, p(z_i)}{q_\phi(z_i \mid x)}, \quad z_i \sim q_\phi(z \mid x).$$
#
# $\mathcal L_1$ is the ELBO, $\mathcal L_k \le \mathcal L_{k+1} \le \log p(x)$, and
# $\mathcal L_k \to \log p(x)$ as $k \to \infty$. One estimate of $\mathcal L_k$ uses a single
# draw of the $k$ samples.
#
# The weights themselves are tiny: $\log w \approx -20$ nats per digit, and $-6{,}000$ for an
# image the model finds very unlikely, where `exp` underflows to 0. Compute
# $\log w_i = \log p(x\mid z_i) + \log p(z_i) - \log q(z_i\mid x)$ (the first term with your
# `bernoulli_log_likelihood`; the constants $-\tfrac12\log 2\pi$ of the two Gaussian densities
# cancel, so they may be left out) and use
# `torch.logsumexp(log_w, dim=0) - math.log(k)`: it averages the weights $w_i$, not their logs.
#
# Implement `iwae_bound(model, x, k)`: call `model.encode(x)` once, draw $k$ samples per image
# with your `reparameterize`, decode each of them once with `model.decode` (which takes
# `(N, latent_dim)`),
# and return one estimate per image, shape `(B,)`, in nats.

# %% nbgrader={"grade": false, "grade_id": "iwae_bound", "locked": false, "schema_version": 3, "solution": true, "task": false}
def iwae_bound(model: nn.Module, x: torch.Tensor, k: int) -> torch.Tensor:
    """Importance-weighted estimate of log p(x) with k samples per image.

    x: (B, *image_shape) binary. Returns (B,), in nats.
    """
    ### BEGIN SOLUTION
    batch = x.shape[0]
    mu, logvar = model.encode(x)
    mu_k, logvar_k = mu.expand(k, *mu.shape), logvar.expand(k, *logvar.shape)
    z = reparameterize(mu_k, logvar_k)  # (k, B, L)
    x_logits = model.decode(z.reshape(k * batch, -1))
    x_rep = x.repeat(k, *([1] * (x.dim() - 1)))  # (k * B, ...), in the order of z.reshape
    log_px_z = bernoulli_log_likelihood(x_logits, x_rep).view(k, batch)
    log_pz = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).sum(dim=-1)
    log_qz = (-0.5 * (z - mu_k).pow(2) / logvar_k.exp() - 0.5 * logvar_k - 0.5 * math.log(2 * math.pi)).sum(dim=-1)
    log_w = log_px_z + log_pz - log_qz
    return torch.logsumexp(log_w, dim=0) - math.log(k)
    ### END SOLUTION


# %% [markdown] checks=["iwae_bound(model, x_test, 100).mean() - iwae_bound(model, x_test, 1).mean() ~ 0.8 +- 0.25"]
# You should see the estimate rise with $k$, by about 0.8 nats from $k = 1$ to $k = 100$
# (most of it by $k = 10$), and stay finite.

# %%
torch.manual_seed(0)
with torch.no_grad():
    for k in (1, 10, 100):
        print(f"k = {k:3d}: mean IWAE bound {iwae_bound(model, x_test, k).mean():.3f} nats")

# %% nbgrader={"grade": true, "grade_id": "test_iwae_exact", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""iwae_bound: exact values. The weights all equal p(x) when q(z|x) = p(z) and the decoder ignores z (shape (B,),
and log p(x) down to -6400); for a decoder that depends on z, the bound computed from the codes it decoded."""
import math

import torch
import torch.nn.functional as F
from course_utils.checks import as_list, as_tensor, check_close, check_true, prerequisite
from course_utils.verdict import run_test
from torch import nn


def inputs(given, rng):
    # tiny inputs for the earlier functions this test relies on (prerequisite checks)
    given.pre_mu = torch.tensor([[0.5, -1.0], [2.0, 0.0]], dtype=torch.float32)
    given.pre_logvar = torch.tensor([[0.0, math.log(0.25)], [math.log(4.0), -1.0]], dtype=torch.float32)
    given.pre_logits = torch.tensor([[[[0.5, -1.0], [2.0, 0.0]]], [[[-0.3, 1.5], [3.0, -2.0]]]], dtype=torch.float32)
    given.pre_x = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]], [[[1.0, 1.0], [0.0, 0.0]]]], dtype=torch.float32)
    given.logits = torch.tensor(rng.normal(size=(1, 4, 4)), dtype=torch.float32)
    given.x = torch.tensor(rng.random((2, 1, 4, 4)) < 0.5, dtype=torch.float32)
    # logits +-100 in a checkerboard; the images get 0, 30 and all 64 pixels wrong: log p(x) = 0, -3000, -6400
    given.logits_sharp = 100.0 * (2.0 * (torch.arange(64).view(1, 8, 8) % 2 == torch.arange(8).view(8, 1) % 2) - 1.0)
    x_sharp = (given.logits_sharp > 0).float().expand(3, 1, 8, 8).clone()
    x_sharp[1].view(-1)[:30] = 1.0 - x_sharp[1].view(-1)[:30]
    x_sharp[2] = 1.0 - x_sharp[2]
    given.x_sharp = x_sharp
    # one image, an encoder q(z|x) = N(mu, diag(exp(logvar))) far from the prior, a decoder that depends on z
    given.recorded = [{"seed": 0, "k": 6, "mu": torch.tensor([[2.0, -1.5]]), "logvar": torch.tensor([[-2.0, -1.0]]),
                       "weight": torch.tensor([[2.0, -1.5, 1.0, 0.5] * 4, [-1.0, 2.0, -0.5, 1.5] * 4]),
                       "bias": torch.linspace(-1.0, 1.0, 16), "x": (torch.arange(16) % 3 == 0).float().view(1, 1, 4, 4)}]
    ### BEGIN HIDDEN TESTS
    given.logits_random_sharp = torch.tensor(100.0 * rng.choice([-1.0, 1.0], size=(1, 8, 8)), dtype=torch.float32)
    given.x_random_sharp = torch.tensor(rng.random((3, 1, 8, 8)) < 0.5, dtype=torch.float32)
    given.recorded.append({
        "seed": int(rng.integers(2**31)), "k": 20,
        "mu": torch.tensor(rng.normal(size=(1, 3)), dtype=torch.float32),
        "logvar": torch.tensor(rng.uniform(-2.0, 1.0, size=(1, 3)), dtype=torch.float32),
        "weight": torch.tensor(1.5 * rng.normal(size=(3, 16)), dtype=torch.float32),
        "bias": torch.tensor(rng.normal(size=16), dtype=torch.float32),
        "x": torch.tensor(rng.random((1, 1, 4, 4)) < 0.5, dtype=torch.float32),
    })
    ### END HIDDEN TESTS


def probe(given, seen):
    class FixedDecoder(nn.Module):
        """A model whose decoder ignores z and whose encoder returns the prior: every weight is p(x)."""

        def __init__(self, logits: torch.Tensor, latent_dim: int = 3):
            super().__init__()
            self.logits, self.latent_dim = logits, latent_dim
            self.unused = nn.Parameter(torch.zeros(1))

        def encode(self, x):
            zeros = torch.zeros(x.shape[0], self.latent_dim)
            return zeros, zeros.clone()

        def decode(self, z):
            return self.logits.expand(*z.shape[:-1], *self.logits.shape)

    class RecordingModel(nn.Module):
        """q(z|x) = N(mu, diag(exp(logvar))) for every image, decoder logits z @ weight + bias (they depend on z).

        Records every latent code it decodes, so that the test can compute the bound from them."""

        def __init__(self, mu, logvar, weight, bias):
            super().__init__()
            self.mu, self.logvar, self.weight, self.bias = mu, logvar, weight, bias
            self.unused = nn.Parameter(torch.zeros(1))
            self.decoded = []

        def encode(self, x):
            return self.mu.expand(x.shape[0], -1).clone(), self.logvar.expand(x.shape[0], -1).clone()

        def decode(self, z):
            self.decoded.append(z.detach().reshape(-1, z.shape[-1]).clone())
            return (z @ self.weight + self.bias).view(*z.shape[:-1], 1, 4, 4)

    def recorded_case(case):
        torch.manual_seed(case["seed"])
        fixture = RecordingModel(case["mu"], case["logvar"], case["weight"], case["bias"])
        with torch.no_grad():
            bound = iwae_bound(fixture, case["x"], case["k"])
        decoded = torch.cat(fixture.decoded) if fixture.decoded else torch.zeros(0, case["mu"].shape[1])
        return {"bound": bound, "z": decoded}

    seen.pre_ll = bernoulli_log_likelihood(given.pre_logits, given.pre_x)
    with torch.no_grad():
        seen.bound = iwae_bound(FixedDecoder(given.logits), given.x, 5)
        seen.bound_sharp = iwae_bound(FixedDecoder(given.logits_sharp), given.x_sharp, 20)
    seen.recorded = [recorded_case(case) for case in given.recorded]
    ### BEGIN HIDDEN TESTS
    with torch.no_grad():
        seen.bound_random_sharp = iwae_bound(FixedDecoder(given.logits_random_sharp), given.x_random_sharp, 20)
    ### END HIDDEN TESTS


def judge(given, seen):
    def exact_log_px(logits, x):
        logits = logits.double().expand(*x.shape)
        return -F.binary_cross_entropy_with_logits(logits, x.double(), reduction="none").flatten(1).sum(1)

    def reference_terms():  # (KL, log-likelihood) of the tiny prerequisite inputs
        mu, logvar = given.pre_mu.double(), given.pre_logvar.double()
        logits, x = given.pre_logits.double(), given.pre_x.double()
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
        return kl, (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).flatten(1).sum(1)

    def check_log_likelihood(ll):
        with prerequisite("bernoulli_log_likelihood", "test_bernoulli_log_likelihood"):
            check_close("bernoulli_log_likelihood(logits, x) for 2 images of 2x2 pixels", seen.pre_ll, ll, atol=1e-5,
                        hint="sum (not mean) over the pixels of each image of x*log(sigmoid(l)) + (1-x)*log(sigmoid(-l)).")

    def check_recorded(case, got):
        from torch.distributions import Normal

        k, latent = case["k"], case["mu"].shape[1]
        name = f"iwae_bound(model, x, k={k}) for one image, a decoder that depends on z and q(z|x) != p(z)"
        check_true(type(got) is dict, f"{name}: the test recorded no result.")
        z = as_tensor(got["z"], f"the latent codes that {name} passed to model.decode", shape=(None, latent))
        check_true(z.shape[0] == k, f"{name}: model.decode received {z.shape[0]} latent codes, expected k = {k}.",
                   hint="draw k samples z_i ~ q(z|x) per image with reparameterize, and decode each of them once.")
        logits = z @ case["weight"].double() + case["bias"].double()
        x = case["x"].double().flatten()
        log_px_z = (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum(1)
        log_q = Normal(case["mu"].double(), (0.5 * case["logvar"].double()).exp()).log_prob(z).sum(1)
        log_w = log_px_z + Normal(0.0, 1.0).log_prob(z).sum(1) - log_q
        value = float(as_tensor(got["bound"], name, shape=(1,))[0])
        hint = ("log w_i = log p(x|z_i) + log p(z_i) - log q(z_i|x) and the bound is"
                " torch.logsumexp(log_w, dim=0) - log k.")
        if abs(value - float(log_w.mean())) < 1e-3:
            hint = ("that is the mean of the log-weights (an ELBO estimate): IWAE averages the weights themselves"
                    " inside the log, torch.logsumexp(log_w, dim=0) - log k.")
        elif abs(value - float(torch.logsumexp(log_px_z, 0) - math.log(k))) < 1e-3:
            hint = "log w_i = log p(x|z_i) + log p(z_i) - log q(z_i|x): log p(z_i) - log q(z_i|x) is missing."
        check_close(f"{name}, computed from the codes z_i it decoded", value,
                    float(torch.logsumexp(log_w, 0) - math.log(k)), atol=1e-3, rtol=1e-5, hint=hint)

    check_log_likelihood(reference_terms()[1])
    check_close("iwae_bound(model, x, k=5) when every weight equals p(x)", seen.bound,
                exact_log_px(given.logits, given.x), atol=1e-4, rtol=1e-5,
                hint="log (1/k) sum_i w_i = log p(x) when all w_i = p(x); one value per image, shape (B,).")
    check_close("iwae_bound(model, x, k=20) when every weight equals p(x) and log p(x) is 0, -3000 and -6400",
                seen.bound_sharp, exact_log_px(given.logits_sharp, given.x_sharp), atol=1e-2, rtol=1e-5,
                hint="exp(-3000) underflows to 0 and its log is -inf: use torch.logsumexp(log_w, dim=0) - log(k).")
    for case, got in zip(given.recorded, as_list(seen.recorded, "iwae_bound results", len(given.recorded))):
        check_recorded(case, got)
    ### BEGIN HIDDEN TESTS
    check_close("iwae_bound(model, x, k=20) with log p(x) in the thousands of nats", seen.bound_random_sharp,
                exact_log_px(given.logits_random_sharp, given.x_random_sharp), atol=1e-2, rtol=1e-5,
                hint="exp(-3000) underflows to 0: use torch.logsumexp(log_w, dim=0) - log(k).")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% nbgrader={"grade": true, "grade_id": "test_iwae_bounds", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""iwae_bound on the trained model: mean over the test set not below the ELBO, and not decreasing in k;
first, the functions it uses, on tiny inputs."""
import math

import torch
import torch.nn.functional as F
from course_utils.checks import as_list, as_tensor, check_close, check_less_equal, check_true, prerequisite
from course_utils.data import load_digits
from course_utils.verdict import run_test
from torch import nn


def inputs(given, rng):
    given.x_test = load_digits("binary").test_images
    given.seed = 10
    given.repeats = [[1, 10], [10, 1], [100, 1]]  # k = 1 is noisy: average 10 estimates
    # tiny inputs for the earlier functions this test relies on (prerequisite checks)
    given.pre_mu = torch.tensor([[0.5, -1.0], [2.0, 0.0]], dtype=torch.float32)
    given.pre_logvar = torch.tensor([[0.0, math.log(0.25)], [math.log(4.0), -1.0]], dtype=torch.float32)
    given.pre_logits = torch.tensor([[[[0.5, -1.0], [2.0, 0.0]]], [[[-0.3, 1.5], [3.0, -2.0]]]], dtype=torch.float32)
    given.pre_x = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]], [[[1.0, 1.0], [0.0, 0.0]]]], dtype=torch.float32)
    given.pre_images = (torch.arange(128).view(2, 1, 8, 8) % 3 == 0).to(torch.float32)
    # one image, an encoder q(z|x) = N(mu, diag(exp(logvar))) far from the prior, a decoder that depends on z
    given.recorded = [{"seed": 0, "k": 6, "mu": torch.tensor([[2.0, -1.5]]), "logvar": torch.tensor([[-2.0, -1.0]]),
                       "weight": torch.tensor([[2.0, -1.5, 1.0, 0.5] * 4, [-1.0, 2.0, -0.5, 1.5] * 4]),
                       "bias": torch.linspace(-1.0, 1.0, 16), "x": (torch.arange(16) % 3 == 0).float().view(1, 1, 4, 4)}]
    ### BEGIN HIDDEN TESTS
    given.eps = torch.tensor(rng.normal(size=(10, 360, 64)), dtype=torch.float32)  # up to 64 latent dims
    ### END HIDDEN TESTS


def probe(given, seen):
    def reparameterize_record(gradients):  # reparameterize on tiny inputs, for the prerequisite check
        torch.manual_seed(3)
        record = {"spread": reparameterize(torch.full((20_000, 1), 1.0), torch.full((20_000, 1), math.log(4.0)))}
        if gradients:
            mu, logvar = given.pre_mu.clone().requires_grad_(True), given.pre_logvar.clone().requires_grad_(True)
            z = reparameterize(mu, logvar)
            record["z"] = z
            record["grads"] = (list(torch.autograd.grad(z, (mu, logvar), grad_outputs=torch.ones_like(z),
                                                        allow_unused=True))
                               if getattr(z, "requires_grad", False) is True else [None, None])
        return record

    class RecordingModel(nn.Module):
        """q(z|x) = N(mu, diag(exp(logvar))) for every image, decoder logits z @ weight + bias (they depend on z).

        Records every latent code it decodes, so that the test can compute the bound from them."""

        def __init__(self, mu, logvar, weight, bias):
            super().__init__()
            self.mu, self.logvar, self.weight, self.bias = mu, logvar, weight, bias
            self.unused = nn.Parameter(torch.zeros(1))
            self.decoded = []

        def encode(self, x):
            return self.mu.expand(x.shape[0], -1).clone(), self.logvar.expand(x.shape[0], -1).clone()

        def decode(self, z):
            self.decoded.append(z.detach().reshape(-1, z.shape[-1]).clone())
            return (z @ self.weight + self.bias).view(*z.shape[:-1], 1, 4, 4)

    def recorded_case(case):
        torch.manual_seed(case["seed"])
        fixture = RecordingModel(case["mu"], case["logvar"], case["weight"], case["bias"])
        with torch.no_grad():
            bound = iwae_bound(fixture, case["x"], case["k"])
        decoded = torch.cat(fixture.decoded) if fixture.decoded else torch.zeros(0, case["mu"].shape[1])
        return {"bound": bound, "z": decoded}

    seen.pre_reparameterize = reparameterize_record(gradients=False)  # evaluation needs no gradient
    seen.pre_kl = gaussian_kl(given.pre_mu, given.pre_logvar)
    seen.pre_ll = bernoulli_log_likelihood(given.pre_logits, given.pre_x)
    seen.recorded = [recorded_case(case) for case in given.recorded]
    torch.manual_seed(0)
    fresh = VAE()
    seen.pre_forward = [fresh(given.pre_images)[0] for _ in range(2)]  # two samples: they must differ
    x_test = given.x_test.to(device)
    model.eval()
    torch.manual_seed(given.seed)
    with torch.no_grad():
        seen.bounds = [[iwae_bound(model, x_test, k) for _ in range(r)] for k, r in given.repeats]
    ### BEGIN HIDDEN TESTS
    with torch.no_grad():
        mu, logvar = model.encode(x_test)
        seen.mu, seen.logvar = mu, logvar
        eps = given.eps[:, :, : mu.shape[1]].to(device=mu.device, dtype=mu.dtype)
        seen.z = [mu + (0.5 * logvar).exp() * e for e in eps]
        seen.logits = [model.decode(z.to(device=device, dtype=torch.float32)) for z in seen.z]
    ### END HIDDEN TESTS


def judge(given, seen):
    def check_reparameterize(record, gradients):
        with prerequisite("reparameterize", "test_reparameterize"):
            check_true(type(record) is dict, "reparameterize: the test recorded no result.")
            spread = as_tensor(record["spread"], "reparameterize(mu=1, logvar=log 4) for (20000, 1) inputs",
                               shape=(20_000, 1))
            check_close("sample mean of reparameterize(mu=1, logvar=log 4)", spread.mean(), 1.0, atol=0.08, rtol=0.0,
                        hint="z = mu + sigma * eps with eps ~ N(0, 1).")
            check_close("sample std of reparameterize(mu=1, logvar=log 4) (sigma = 2)", spread.std(), 2.0, atol=0.08,
                        rtol=0.0, hint="sigma = exp(0.5 * logvar), not logvar itself and not exp(logvar).")
            if gradients:
                z = as_tensor(record["z"], "reparameterize(mu, logvar) for (2, 2) inputs", shape=(2, 2))
                g_mu, g_logvar = as_list(record["grads"], "gradients of reparameterize", 2)
                check_true(g_mu is not None and g_logvar is not None,
                           "reparameterize: no gradient reaches mu or logvar, so training cannot improve the encoder.",
                           hint="build z = mu + sigma * eps with torch operations (no torch.normal, no .detach()).")
                check_close("d z / d mu of reparameterize", g_mu, torch.ones(2, 2), atol=1e-5,
                            hint="z = mu + sigma * eps, so dz/dmu = 1; torch.normal(mu, sigma) gives no gradient.")
                check_close("d z / d logvar of reparameterize", g_logvar, 0.5 * (z - given.pre_mu.double()),
                            atol=1e-5, rtol=1e-5, hint="dz/dlogvar = 0.5 * sigma * eps = 0.5 * (z - mu).")

    def reference_terms():  # (KL, log-likelihood) of the tiny prerequisite inputs
        mu, logvar = given.pre_mu.double(), given.pre_logvar.double()
        logits, x = given.pre_logits.double(), given.pre_x.double()
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
        return kl, (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).flatten(1).sum(1)

    def check_log_likelihood(ll):
        with prerequisite("bernoulli_log_likelihood", "test_bernoulli_log_likelihood"):
            check_close("bernoulli_log_likelihood(logits, x) for 2 images of 2x2 pixels", seen.pre_ll, ll, atol=1e-5,
                        hint="sum (not mean) over the pixels of each image of x*log(sigmoid(l)) + (1-x)*log(sigmoid(-l)).")

    def check_recorded(case, got):
        from torch.distributions import Normal

        k, latent = case["k"], case["mu"].shape[1]
        name = f"iwae_bound(model, x, k={k}) for one image, a decoder that depends on z and q(z|x) != p(z)"
        check_true(type(got) is dict, f"{name}: the test recorded no result.")
        z = as_tensor(got["z"], f"the latent codes that {name} passed to model.decode", shape=(None, latent))
        check_true(z.shape[0] == k, f"{name}: model.decode received {z.shape[0]} latent codes, expected k = {k}.",
                   hint="draw k samples z_i ~ q(z|x) per image with reparameterize, and decode each of them once.")
        logits = z @ case["weight"].double() + case["bias"].double()
        x = case["x"].double().flatten()
        log_px_z = (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum(1)
        log_q = Normal(case["mu"].double(), (0.5 * case["logvar"].double()).exp()).log_prob(z).sum(1)
        log_w = log_px_z + Normal(0.0, 1.0).log_prob(z).sum(1) - log_q
        value = float(as_tensor(got["bound"], name, shape=(1,))[0])
        hint = ("log w_i = log p(x|z_i) + log p(z_i) - log q(z_i|x) and the bound is"
                " torch.logsumexp(log_w, dim=0) - log k.")
        if abs(value - float(log_w.mean())) < 1e-3:
            hint = ("that is the mean of the log-weights (an ELBO estimate): IWAE averages the weights themselves"
                    " inside the log, torch.logsumexp(log_w, dim=0) - log k.")
        elif abs(value - float(torch.logsumexp(log_px_z, 0) - math.log(k))) < 1e-3:
            hint = "log w_i = log p(x|z_i) + log p(z_i) - log q(z_i|x): log p(z_i) - log q(z_i|x) is missing."
        check_close(f"{name}, computed from the codes z_i it decoded", value,
                    float(torch.logsumexp(log_w, 0) - math.log(k)), atol=1e-3, rtol=1e-5, hint=hint)

    check_reparameterize(seen.pre_reparameterize, gradients=False)
    with prerequisite("gaussian_kl", "test_gaussian_kl"):  # its sign: a negative KL makes training diverge
        kl_sign = as_tensor(seen.pre_kl, "gaussian_kl(mu, logvar) for 2 examples with 2 latent dims", shape=(2,))
        check_true(bool((kl_sign > 0).all()), (
            f"gaussian_kl(mu, logvar) returned {kl_sign.tolist()} for two codes away from the prior: a KL divergence"
            " is never negative, and training with a negative KL drives q(z|x) away from the prior without bound."
        ), hint="KL = 0.5 * sum(mu^2 + exp(logvar) - 1 - logvar).")
    check_log_likelihood(reference_terms()[1])
    with prerequisite("VAE.forward", "test_vae_shapes"):
        first, again = (as_tensor(v, "VAE().forward(x)[0] (x_logits)", shape=(2, 1, 8, 8))
                        for v in as_list(seen.pre_forward, "VAE().forward(x) results", 2))
        check_true(bool((first - again).abs().max() > 1e-4),
                   "VAE().forward(x) returned the same x_logits twice: it must decode a fresh sample z, not mu.")
    with prerequisite("iwae_bound", "test_iwae_exact"):
        for case, got in zip(given.recorded, as_list(seen.recorded, "iwae_bound results", len(given.recorded))):
            check_recorded(case, got)
    bound = {}
    for (k, r), runs in zip(given.repeats, as_list(seen.bounds, "iwae_bound results", len(given.repeats))):
        name = f"iwae_bound(model, x_test, {k})"
        bound[k] = sum(as_tensor(v, name, shape=(360,)).mean() for v in as_list(runs, name, r)) / r
    check_less_equal("mean IWAE bound with k=10 minus with k=100 (nats)", bound[10] - bound[100], 0.05,
                     hint="more importance samples can only tighten the bound (on average).")
    check_less_equal("mean IWAE bound with k=1 minus with k=10 (nats)", bound[1] - bound[10], 0.05)
    # The solution measures about -18.2 nats with k = 100; weights without log p(z) - log q(z|x) give -11.6.
    check_true(float(bound[100]) < -15.0, (
        f"mean IWAE bound with k=100: got {float(bound[100]):.3g} nats, expected below -15: that is too good to be"
        " true on this data (a1's PixelCNN computes the exact log-likelihood, about -18.5 nats per image)."
    ), hint="log w_i must be log p(x|z_i) + log p(z_i) - log q(z_i|x); without the last two terms it is not a bound.")
    ### BEGIN HIDDEN TESTS
    from torch.distributions import Bernoulli

    mu = as_tensor(seen.mu, "model.encode(x_test)[0]", shape=(360, None))
    logvar = as_tensor(seen.logvar, "model.encode(x_test)[1]", shape=(360, None))
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
    eps = given.eps[:, :, : mu.shape[1]].double()
    recon = []
    for e, z, logits in zip(eps, as_list(seen.z, "decoder inputs z", 10), as_list(seen.logits, "model.decode(z)", 10)):
        check_close("decoder input z = mu + exp(logvar / 2) * eps", z, mu + (0.5 * logvar).exp() * e,
                    atol=1e-4, rtol=1e-4)
        logits = as_tensor(logits, "model.decode(z)", shape=(360, 1, 8, 8))
        recon.append(Bernoulli(logits=logits).log_prob(given.x_test.double()).flatten(1).sum(1))
    reference_elbo = (sum(recon) / 10 - kl).mean()
    check_less_equal("mean test ELBO minus mean IWAE bound with k=100 (nats)", reference_elbo - bound[100], 0.0,
                     hint="the IWAE bound with k > 1 is at least the ELBO: log of a mean >= mean of the logs.")
    check_close("mean IWAE bound with k=1 (which is the ELBO), in nats", bound[1], reference_elbo, atol=0.3,
                hint="with k = 1 the IWAE bound is a one-sample ELBO estimate.")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown] checks=["iwae[1] - iwae[100] ~ 0.7 +- 0.25"]
# ## How good is the bound?
#
# The gap $\mathcal L_{100} - \mathcal L_1$ is a lower bound on how much the ELBO underestimates
# $\log p(x)$ on average; on these digits it is about 0.7 nats.
# But both numbers are **bounds**: we never know how far $\mathcal L_{100}$ still is from
# $\log p(x)$. Assignment 1's PixelCNN computes $\log p(x)$ exactly, pixel by pixel, on the
# same test set, so its test NLL can be compared with the VAE's bound directly; the VAE's
# number is only an upper bound on its own NLL. A bound is a weaker evaluation: a model can look
# worse than it is because $q$ is poor, not because $p$ is. The baselines on this split
# (computed in assignment 1): 25.2 nats for independent pixels, 20.2 for a mixture of 10
# Bernoulli models.
#
# The cell below prints the numbers of this run and records them for `course bench`.

# %%
model.eval()
torch.manual_seed(0)
with torch.no_grad():
    x_logits, mu, logvar = model(x_test)
    recon = bernoulli_log_likelihood(x_logits, x_test).mean().item()
    kl = gaussian_kl(mu, logvar).mean().item()
    iwae = {k: -iwae_bound(model, x_test, k).mean().item() for k in (1, 10, 100)}
rows = [
    ("test negative ELBO (nats)", kl - recon, "a1: Bernoulli mixture 20.2, independent pixels 25.2"),
    ("test KL(q(z|x) || p(z)) (nats)", kl, "0 = posterior collapse"),
    ("test reconstruction -E log p(x|z) (nats)", -recon, "a1: independent pixels 25.2"),
    *[(f"test negative IWAE bound, k={k} (nats)", v, "a1: Bernoulli mixture 20.2") for k, v in iwae.items()],
    ("training epochs run (early stopping)", len(history.train_loss), "at most 150"),
]
write_metrics("a2_vae", rows)
for name, value, _ in rows:
    print(f"{name:42s} {value:8.3f}")

# %% [markdown]
# **References.** Kingma and Welling, *Auto-Encoding Variational Bayes* (2014);
# Rezende, Mohamed and Wierstra, *Stochastic Backpropagation and Approximate Inference in Deep
# Generative Models* (2014); Burda, Grosse and Salakhutdinov, *Importance Weighted Autoencoders* (2016).
