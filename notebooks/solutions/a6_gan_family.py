# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 6: the GAN family
#
# Assignment 4 trained the original GAN. Its game can be changed in three places: the
# distance the discriminator measures, what the players are told, and what the generator's
# input means. This assignment changes each one, on data small enough to train in seconds.
#
# **What you will do**
# 1. **Wasserstein GAN with gradient penalty.** Replace the discriminator by a *critic* that
#    scores samples with a real number, and keep its gradients near norm 1 with a penalty at
#    points between real and fake samples. Train it on the ring of 8 Gaussians.
# 2. **Conditional GAN.** Give both players the digit label $y$: a generator $G(z, y)$ and a
#    projection discriminator $D(x, y)$. Train them with a *matching-aware* loss, which also
#    shows the discriminator real digits with wrong labels, and check with a digit classifier
#    that the generator draws the digit it is asked for.
# 3. **InfoGAN.** Feed the generator a categorical code $c$ with no meaning given to it, and
#    make the code readable from the samples by maximizing a lower bound on the mutual
#    information $I(c; G(z, c))$. See each code value take one mode of the ring.
# 4. **Adversarial autoencoder.** Play the game on the code of an autoencoder: a discriminator
#    tells the codes of digits from samples of a ring prior, and the encoder learns to fool it,
#    so that decoding a point of the ring draws a digit.
# 5. **CycleGAN.** Translate between two domains that come without pairs, with a translator
#    each way and a cycle-consistency loss that brings a round trip home.
#
# As in assignment 4, discriminators return **logits** $\ell$ with $D = \sigma(\ell)$. Run the
# cells from top to bottom; each exercise is followed by a cell that shows what you should see
# and a test cell.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import math

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.nn import functional as F

from course_utils.data import load_digits, ring_means, sample_ring
from course_utils.device import setup
from course_utils.digit_score import class_probabilities, digit_sample_score, reference_digit_score
from course_utils.metrics import code_purity, mode_coverage
from course_utils.plotting import image_grid, plot_curves, scatter_samples
from course_utils.toy_gans import BETAS, RING_STD, MLPDiscriminator, MLPGenerator, mlp

device = setup(seed=0)

# %% [markdown]
# ## 1. The Wasserstein critic and its gradient penalty
#
# When the data and the generator's samples lie on thin sets that do not overlap, the
# Jensen-Shannon divergence the original GAN minimizes is constant ($\log 2$) and gives the
# generator no direction. The Wasserstein-1 distance still does: by the Kantorovich-Rubinstein
# duality
#
# $$W_1(p_\text{data}, p_g) = \sup_{\|f\|_L \le 1} \;
#   \mathbb{E}_{x \sim p_\text{data}}[f(x)] - \mathbb{E}_{z}[f(G(z))],$$
#
# the largest gap in mean score that a 1-Lipschitz function $f$, the **critic**, can open
# between real and fake samples. The critic's output is a real number, not a logit: no
# sigmoid, no log. The critic minimizes
# $\mathcal{L}_C = \mathbb{E}[f(G(z))] - \mathbb{E}[f(x)]$ and the generator minimizes
# $\mathcal{L}_G = -\mathbb{E}[f(G(z))]$.
#
# The constraint $\|f\|_L \le 1$ is kept softly (Gulrajani et al., 2017): the optimal critic
# has gradients of norm 1 on the lines between real and fake samples, so the critic pays
#
# $$\lambda \, \mathbb{E}_{\hat x}\big[(\|\nabla_{\hat x} f(\hat x)\|_2 - 1)^2\big], \qquad
#   \hat x = \alpha x + (1 - \alpha) G(z), \quad \alpha \sim U[0, 1] \text{ per sample.}$$
#
# The penalty is a function of a gradient, and the critic's parameters are trained through
# it: the gradient must itself be differentiable (`create_graph=True`).
#
# **Exercise.** Write the two losses (means over the batch, scalars) and the penalty for
# samples `real` and `fake` of shape (B, D). With `alpha=None` draw one $\alpha$ per sample;
# a given `alpha` of shape (B, 1) is used as it is.

# %% nbgrader={"grade": false, "grade_id": "wgan_losses", "locked": false, "schema_version": 3, "solution": true, "task": false}
def critic_loss(critic_real: torch.Tensor, critic_fake: torch.Tensor) -> torch.Tensor:
    """mean f(fake) - mean f(real) from critic scores (B_real,) and (B_fake,); a scalar tensor."""
    ### BEGIN SOLUTION
    return critic_fake.mean() - critic_real.mean()
    ### END SOLUTION


def generator_loss_wgan(critic_fake: torch.Tensor) -> torch.Tensor:
    """-mean f(G(z)) from critic scores (B,); a scalar tensor."""
    ### BEGIN SOLUTION
    return -critic_fake.mean()
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "gradient_penalty", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                     alpha: torch.Tensor | None = None) -> torch.Tensor:
    """mean over the batch of (||grad f(x_hat)|| - 1)^2 at x_hat = alpha real + (1 - alpha) fake,
    for real and fake (B, D) and alpha (B, 1), uniform per sample when None; a scalar tensor
    that the critic's parameters get gradients from."""
    ### BEGIN SOLUTION
    if alpha is None:
        alpha = torch.rand(len(real), 1, device=real.device, dtype=real.dtype)
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.norm(dim=1) - 1) ** 2).mean()
    ### END SOLUTION


# %% [markdown]
# You should see a critic loss of $1 - 3 = -2$ when real samples score 3 and fakes 1, a
# generator loss of $-1.5$ for fake scores 1 and 2. A linear critic $f(x) = w^\top x$ has the
# gradient $w$ everywhere, so its penalty is $(\|w\| - 1)^2$ wherever it is taken: $(5 - 1)^2
# = 16$ for $w = (3, 4)$.

# %%
print(f"critic loss:       {float(critic_loss(torch.tensor([3.0, 3.0]), torch.tensor([1.0, 1.0]))):.1f}")
print(f"generator loss:    {float(generator_loss_wgan(torch.tensor([1.0, 2.0]))):.1f}")
linear = nn.Linear(2, 1, bias=False)
with torch.no_grad():
    linear.weight.copy_(torch.tensor([[3.0, 4.0]]))
print(f"penalty of w=(3,4): {float(gradient_penalty(linear, torch.randn(5, 2), torch.randn(5, 2)).detach()):.1f}")

# %% nbgrader={"grade": true, "grade_id": "test_wgan_losses", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""critic_loss and generator_loss_wgan: values on fixed scores (raw scores: no sigmoid, no log), scalars."""
import torch
from course_utils.checks import as_float, check_close
from course_utils.verdict import run_test


def inputs(given, rng):
    given.real, given.fake = [3.0, 1.0, 2.0], [0.5, -1.5]
    ### BEGIN HIDDEN TESTS
    given.real2 = rng.normal(0.0, 30.0, size=7).tolist()
    given.fake2 = rng.normal(5.0, 30.0, size=3).tolist()
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.critic = critic_loss(torch.tensor(given.real), torch.tensor(given.fake))
    seen.generator = generator_loss_wgan(torch.tensor(given.fake))
    ### BEGIN HIDDEN TESTS
    seen.critic2 = critic_loss(torch.tensor(given.real2, dtype=torch.float64), torch.tensor(given.fake2, dtype=torch.float64))
    seen.generator2 = generator_loss_wgan(torch.tensor(given.fake2, dtype=torch.float64))
    ### END HIDDEN TESTS


def judge(given, seen):
    def mean(values):
        return sum(values) / len(values)

    hint = "the critic's scores are used as they are: means of raw scores, fake minus real for the critic."
    check_close("critic_loss([3, 1, 2], [0.5, -1.5])", as_float(seen.critic, "critic_loss"),
                mean(given.fake) - mean(given.real), atol=1e-5, hint=hint)
    check_close("generator_loss_wgan([0.5, -1.5])", as_float(seen.generator, "generator_loss_wgan"),
                -mean(given.fake), atol=1e-5, hint="the generator raises the critic's mean score on its samples.")
    ### BEGIN HIDDEN TESTS
    check_close("critic_loss on 7 real and 3 fake scores", as_float(seen.critic2, "critic_loss"),
                mean(given.fake2) - mean(given.real2), atol=1e-6, hint=hint)
    check_close("generator_loss_wgan on 3 scores", as_float(seen.generator2, "generator_loss_wgan"),
                -mean(given.fake2), atol=1e-6)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% nbgrader={"grade": true, "grade_id": "test_gradient_penalty", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""gradient_penalty: exact on a linear critic (value and the gradient it gives the critic's weights),
exact at given alphas on a quadratic critic, and one uniform alpha per sample when alpha is None."""
import torch
from torch import nn
from course_utils.checks import as_float, as_tensor, check_close, check_in_range
from course_utils.verdict import run_test


def inputs(given, rng):
    given.w = [3.0, 4.0]
    given.real = rng.normal(size=(6, 2)).tolist()
    given.fake = rng.normal(size=(6, 2)).tolist()
    given.alpha = rng.uniform(size=(6, 1)).tolist()
    ### BEGIN HIDDEN TESTS
    given.w2 = rng.normal(0.0, 0.4, size=5).tolist()
    given.real2, given.fake2 = rng.normal(size=(9, 5)).tolist(), rng.normal(size=(9, 5)).tolist()
    ### END HIDDEN TESTS


def probe(given, seen):
    class Quadratic(nn.Module):
        """f(x) = s ||x||^2 / 2, whose gradient is s x."""

        def __init__(self):
            super().__init__()
            self.s = nn.Parameter(torch.tensor(1.5, dtype=torch.float64))

        def forward(self, x):
            return 0.5 * self.s * (x ** 2).sum(dim=1)

    def linear_case(w, real, fake):
        critic = nn.Linear(len(w), 1, bias=False).double()
        with torch.no_grad():
            critic.weight.copy_(torch.tensor([w], dtype=torch.float64))
        penalty = gradient_penalty(critic, torch.tensor(real, dtype=torch.float64), torch.tensor(fake, dtype=torch.float64))
        grad = None
        if isinstance(penalty, torch.Tensor) and penalty.requires_grad:
            (grad,) = torch.autograd.grad(penalty, critic.weight)
        return penalty, grad

    seen.linear, seen.linear_grad = linear_case(given.w, given.real, given.fake)
    quadratic = Quadratic()
    real, fake = torch.tensor(given.real, dtype=torch.float64), torch.tensor(given.fake, dtype=torch.float64)
    seen.quadratic = gradient_penalty(quadratic, real, fake, alpha=torch.tensor(given.alpha, dtype=torch.float64))
    seen.quadratic_grad = None
    if isinstance(seen.quadratic, torch.Tensor) and seen.quadratic.requires_grad:
        (seen.quadratic_grad,) = torch.autograd.grad(seen.quadratic, quadratic.s)
    # alpha drawn inside: real points at (2, 0), fake points at 0, s = 1 -> gradient 2 alpha (1, 0)
    torch.manual_seed(5)
    line_real, line_fake = torch.tensor([[2.0, 0.0]]).repeat(4000, 1).double(), torch.zeros(4000, 2).double()
    unit = Quadratic()
    with torch.no_grad():
        unit.s.fill_(1.0)
    seen.random = [gradient_penalty(unit, line_real, line_fake) for _ in range(4)]
    ### BEGIN HIDDEN TESTS
    seen.linear2, seen.linear2_grad = linear_case(given.w2, given.real2, given.fake2)
    ### END HIDDEN TESTS


def judge(given, seen):
    def linear_expected(w):
        w = torch.tensor(w, dtype=torch.float64)
        norm = w.norm()
        return float((norm - 1) ** 2), 2 * (norm - 1) * w / norm

    hint_graph = ("compute the gradient with torch.autograd.grad(..., create_graph=True), so that the critic's"
                  " parameters get gradients through the penalty.")
    value, grad = linear_expected(given.w)
    check_close("gradient_penalty of the linear critic w = (3, 4)", as_float(seen.linear, "gradient_penalty"), value,
                atol=1e-6, hint="the penalty is (||grad|| - 1)^2: the norm of the gradient, not its square, then 1 off.")
    check_close("gradient of the linear critic's penalty with respect to w",
                as_tensor(seen.linear_grad, "d penalty / d w", hint=hint_graph).flatten(), grad, atol=1e-6, hint=hint_graph)
    real, fake = torch.tensor(given.real, dtype=torch.float64), torch.tensor(given.fake, dtype=torch.float64)
    alpha = torch.tensor(given.alpha, dtype=torch.float64)
    x_hat = alpha * real + (1 - alpha) * fake
    expected = ((1.5 * x_hat.norm(dim=1) - 1) ** 2).mean()
    check_close("gradient_penalty of f(x) = 1.5 ||x||^2 / 2 at the given alphas", as_float(seen.quadratic, "gradient_penalty"),
                float(expected), atol=1e-6,
                hint="take the gradient at x_hat = alpha * real + (1 - alpha) * fake (alpha on the real samples), "
                     "one norm per sample, then the mean over the batch.")
    s = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    (ds,) = torch.autograd.grad(((s * x_hat.norm(dim=1) - 1) ** 2).mean(), s)
    check_close("gradient of that penalty with respect to the critic's parameter",
                as_tensor(seen.quadratic_grad, "d penalty / d s", hint=hint_graph), ds, atol=1e-6, hint=hint_graph)
    for i, penalty in enumerate(seen.random):
        check_in_range(f"gradient_penalty with alpha=None, call {i + 1}: real (2, 0), fake 0, f = ||x||^2 / 2 "
                       "(E (2 alpha - 1)^2 = 1/3 for one uniform alpha per sample)",
                       as_float(penalty, "gradient_penalty"), 1 / 3 - 0.03, 1 / 3 + 0.03,
                       hint="draw alpha of shape (B, 1), uniform in [0, 1]: one value per sample, new at every call.")
    ### BEGIN HIDDEN TESTS
    value, grad = linear_expected(given.w2)
    check_close("gradient_penalty of a linear critic in 5 dimensions", as_float(seen.linear2, "gradient_penalty"), value,
                atol=1e-6)
    check_close("its gradient with respect to w", as_tensor(seen.linear2_grad, "d penalty / d w", hint=hint_graph).flatten(),
                grad, atol=1e-6, hint=hint_graph)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ### Training WGAN-GP on the ring
#
# The training loop is given: WGAN_CRITIC_STEPS critic steps per generator step (the critic
# must stay near its optimum for its gap to measure the distance), the penalty weight
# `WGAN_LAMBDA`, and Adam with $\beta = (0.5, 0.9)$ as in the paper. The players are the
# ring MLPs of assignment 4; the critic's output is its score. The penalty weight is small
# here, 0.1: on this ring (modes 0.05 wide and 1.5 apart) the paper's $\lambda = 10$ kept the
# critic too smooth to tell the modes apart within WGAN_STEPS steps in our runs.

# %%
WGAN_STEPS, WGAN_CRITIC_STEPS, WGAN_LAMBDA, WGAN_LR = 800, 3, 0.1, 1e-3


def train_wgan_gp(generator, critic, sample_data, n_steps, n_critic=WGAN_CRITIC_STEPS, lam=WGAN_LAMBDA,
                  batch_size=256, lr=WGAN_LR):
    """Train with your losses and penalty; the learning rate drops 5x halfway. Returns the history."""
    c_opt = torch.optim.Adam(critic.parameters(), lr=lr, betas=(0.5, 0.9))
    g_opt = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.9))
    history = {"critic_gap": [], "penalty": []}
    for step in range(n_steps):
        if step == n_steps // 2:
            for group in c_opt.param_groups + g_opt.param_groups:
                group["lr"] = lr / 5
        for _ in range(n_critic):
            real = sample_data(batch_size)
            fake = generator(torch.randn(batch_size, generator.latent_dim, device=device)).detach()
            penalty = gradient_penalty(critic, real, fake)
            loss = critic_loss(critic(real), critic(fake)) + lam * penalty
            c_opt.zero_grad()
            loss.backward()
            c_opt.step()
        fake = generator(torch.randn(batch_size, generator.latent_dim, device=device))
        g_loss = generator_loss_wgan(critic(fake))
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
        history["critic_gap"].append(-float((loss - lam * penalty).detach()))
        history["penalty"].append(float(penalty.detach()))
    return history


ring_generator = torch.Generator().manual_seed(0)


def sample_ring_data(n: int) -> torch.Tensor:
    return sample_ring(n, std=RING_STD, generator=ring_generator).to(device)


torch.manual_seed(0)
wgan_generator, wgan_critic = MLPGenerator().to(device), MLPDiscriminator().to(device)
wgan_history = train_wgan_gp(wgan_generator, wgan_critic, sample_ring_data, WGAN_STEPS)
plot_curves({"critic's gap": wgan_history["critic_gap"]}, xlabel="generator step",
            ylabel="E f(x) - E f(G(z))")
plt.show()

# %% [markdown] checks=["wgan_score[\"modes_captured\"] ~ 8 +- 0"]
# You should see the critic's gap (its estimate of $W_1$) fall as the generator's samples move
# onto the ring, and samples on all 8 modes.

# %%
torch.manual_seed(1)
with torch.no_grad():
    wgan_samples = wgan_generator(torch.randn(2000, wgan_generator.latent_dim, device=device)).cpu()
wgan_score = mode_coverage(wgan_samples, ring_means(), RING_STD)
scatter_samples(wgan_samples, means=ring_means(), title="WGAN-GP samples")
plt.show()
print(f"modes captured {wgan_score['modes_captured']} of 8, high quality {100 * wgan_score['high_quality']:.1f}%")

# %% nbgrader={"grade": true, "grade_id": "test_wgan_ring", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""The `wgan_generator` trained above: at least 7 of 8 modes and 30% of 2000 samples within 3 std of a
mode (a uniform circle scores 19.8%); after checks of the losses and the penalty training relies on."""
import torch
from torch import nn
from course_utils.checks import as_float, as_tensor, check_close, check_in_range, prerequisite
from course_utils.data import ring_means
from course_utils.metrics import mode_coverage
from course_utils.verdict import run_test


def inputs(given, rng):
    given.seed, given.n = 61, 2000


def probe(given, seen):
    seen.pre_critic = critic_loss(torch.tensor([3.0, 1.0]), torch.tensor([0.5]))
    seen.pre_generator = generator_loss_wgan(torch.tensor([0.5, 1.5]))
    linear = nn.Linear(2, 1, bias=False).double()
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[0.6, 0.0]], dtype=torch.float64))
    seen.pre_penalty = gradient_penalty(linear, torch.ones(3, 2, dtype=torch.float64), torch.zeros(3, 2, dtype=torch.float64))
    torch.manual_seed(given.seed)
    with torch.no_grad():
        seen.samples = wgan_generator(torch.randn(given.n, wgan_generator.latent_dim, device=device))


def judge(given, seen):
    with prerequisite("critic_loss", "test_wgan_losses"):
        check_close("critic_loss([3, 1], [0.5])", as_float(seen.pre_critic, "critic_loss"), -1.5, atol=1e-5)
    with prerequisite("generator_loss_wgan", "test_wgan_losses"):
        check_close("generator_loss_wgan([0.5, 1.5])", as_float(seen.pre_generator, "generator_loss_wgan"), -1.0,
                    atol=1e-5)
    with prerequisite("gradient_penalty", "test_gradient_penalty"):
        check_close("gradient_penalty of the linear critic w = (0.6, 0)", as_float(seen.pre_penalty, "gradient_penalty"),
                    0.16, atol=1e-6)
    samples = as_tensor(seen.samples, "wgan_generator(z)", shape=(given.n, 2))
    score = mode_coverage(samples, ring_means(), 0.05)
    check_in_range("modes captured by the WGAN-GP generator (of 8)", score["modes_captured"], 7, 8,
                   hint="train with train_wgan_gp as in the cells above; the solution captures all 8.")
    check_in_range("fraction of WGAN-GP samples within 3 std of a mode", score["high_quality"], 0.3, 1.0,
                   hint="a uniform circle scores 0.198; the solution about 0.6.")
    ### BEGIN HIDDEN TESTS
    check_in_range("modes captured by the WGAN-GP generator (of 8)", score["modes_captured"], 8, 8)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 2. A conditional GAN with a matching-aware discriminator
#
# A conditional GAN (Mirza and Osindero, 2014) plays the same game given a label $y$:
#
# $$\min_G \max_D \; \mathbb{E}_{(x, y)}[\log D(x, y)] + \mathbb{E}_{z, y}[\log(1 - D(G(z, y), y))].$$
#
# The **generator** turns a noise vector and a label embedding into an image. The
# **projection discriminator** (Miyato and Koyama, 2018) computes features $\phi(x)$ of the
# image and scores them with a label-independent part plus an inner product with the label's
# embedding:
#
# $$\ell(x, y) = w^\top \phi(x) + b + e_y^\top \phi(x).$$
#
# A discriminator that only checks whether images look real never asks whether an image *is*
# the digit it claims to be. The **matching-aware** discriminator of text-to-image GANs (Reed
# et al., 2016) is also shown real images with wrong labels, as a second kind of negative:
#
# $$\mathcal{L}_D = -\log \sigma(\ell(x, y)) - \tfrac12\big[\log(1 - \sigma(\ell(x, \tilde y)))
#   + \log(1 - \sigma(\ell(G(z, y), y)))\big],$$
#
# each term a mean over the batch, $\tilde y \ne y$ a wrong label. The generator keeps the
# non-saturating loss $-\log \sigma(\ell(G(z, y), y))$.
#
# **Exercise.**
# - `ConditionalGenerator(latent_dim=16, classes=10, hidden=256)`: `forward(z, y)` with z
#   (B, latent_dim) and integer labels y (B,) returns images (B, 1, 8, 8) in $[-1, 1]$
#   (an embedding of y concatenated with z, an MLP, a tanh).
# - `ProjectionDiscriminator(classes=10, hidden=256)`: `forward(x, y)` with x (B, 1, 8, 8)
#   returns logits (B,) as in the formula (an MLP with LeakyReLU(0.2) for $\phi$).
# - `mismatched_labels(y, classes=10)`: a new tensor of labels, each different from its
#   y and uniform over the other classes.
# - `matching_aware_loss(logits_real, logits_wrong, logits_fake)`: $\mathcal{L}_D$ from the
#   three logit vectors (stable for logits beyond 100: `F.softplus`).

# %% nbgrader={"grade": false, "grade_id": "conditional_players", "locked": false, "schema_version": 3, "solution": true, "task": false}
class ConditionalGenerator(nn.Module):
    """(z (B, latent_dim), labels (B,)) -> images (B, 1, 8, 8) in [-1, 1]."""

    def __init__(self, latent_dim: int = 16, classes: int = 10, hidden: int = 256):
        super().__init__()
        self.latent_dim, self.classes = latent_dim, classes
        ### BEGIN SOLUTION
        self.embed = nn.Embedding(classes, 16)
        self.net = nn.Sequential(
            nn.Linear(latent_dim + 16, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, 64), nn.Tanh(),
        )
        ### END SOLUTION

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        ### BEGIN SOLUTION
        return self.net(torch.cat([z, self.embed(y)], dim=1)).view(-1, 1, 8, 8)
        ### END SOLUTION


class ProjectionDiscriminator(nn.Module):
    """(images (B, 1, 8, 8), labels (B,)) -> logits (B,): w.phi(x) + b + embed(y).phi(x)."""

    def __init__(self, classes: int = 10, hidden: int = 256):
        super().__init__()
        self.classes = classes
        ### BEGIN SOLUTION
        self.features = nn.Sequential(
            nn.Flatten(), nn.Linear(64, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden), nn.LeakyReLU(0.2)
        )
        self.out = nn.Linear(hidden, 1)
        self.embed = nn.Embedding(classes, hidden)
        ### END SOLUTION

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        ### BEGIN SOLUTION
        phi = self.features(x)
        return self.out(phi).squeeze(1) + (self.embed(y) * phi).sum(dim=1)
        ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "mismatched_labels", "locked": false, "schema_version": 3, "solution": true, "task": false}
def mismatched_labels(y: torch.Tensor, classes: int = 10) -> torch.Tensor:
    """A new tensor of labels, each different from its y, uniform over the classes - 1 others."""
    ### BEGIN SOLUTION
    shift = torch.randint(1, classes, y.shape, device=y.device)
    return (y + shift) % classes
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "matching_aware_loss", "locked": false, "schema_version": 3, "solution": true, "task": false}
def matching_aware_loss(logits_real: torch.Tensor, logits_wrong: torch.Tensor,
                        logits_fake: torch.Tensor) -> torch.Tensor:
    """-mean log D(x, y) - (mean log(1 - D(x, wrong y)) + mean log(1 - D(G(z, y), y))) / 2."""
    ### BEGIN SOLUTION
    return F.softplus(-logits_real).mean() + 0.5 * (F.softplus(logits_wrong).mean() + F.softplus(logits_fake).mean())
    ### END SOLUTION


# %% [markdown]
# You should see images of shape `(4, 1, 8, 8)`, logits of shape `(4,)`, wrong labels that
# differ from the labels everywhere, and a loss of $\log 2 + \log 2 = 1.386$ when every logit
# is 0.

# %%
g, d = ConditionalGenerator().to(device), ProjectionDiscriminator().to(device)
labels = torch.tensor([0, 3, 7, 9], device=device)
with torch.no_grad():
    images = g(torch.randn(4, g.latent_dim, device=device), labels)
    print(tuple(images.shape), tuple(d(images, labels).shape))
print("labels", labels.tolist(), "wrong labels", mismatched_labels(labels).tolist())
print(f"loss at logits 0: {float(matching_aware_loss(torch.zeros(4), torch.zeros(4), torch.zeros(4))):.3f}")

# %% nbgrader={"grade": true, "grade_id": "test_conditional_players", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""ConditionalGenerator and ProjectionDiscriminator: built with no arguments, shapes, the tanh range,
and both use the label (changing only y changes the output)."""
import torch
from course_utils.checks import as_tensor, check_true
from course_utils.verdict import run_test


def inputs(given, rng):
    given.n = 6
    given.labels = [0, 1, 2, 3, 4, 5]
    given.other = [9, 8, 7, 6, 5, 4]
    ### BEGIN HIDDEN TESTS
    given.z_scale = float(rng.uniform(20.0, 100.0))
    ### END HIDDEN TESTS


def probe(given, seen):
    torch.manual_seed(3)
    g, d = ConditionalGenerator().to(device), ProjectionDiscriminator().to(device)
    z = torch.randn(given.n, g.latent_dim, device=device)
    y, other = torch.tensor(given.labels, device=device), torch.tensor(given.other, device=device)
    with torch.no_grad():
        seen.images, seen.images_other = g(z, y), g(z, other)
        x = torch.rand(given.n, 1, 8, 8, device=device) * 2 - 1
        seen.logits, seen.logits_other = d(x, y), d(x, other)
        seen.one = d(x[:1], y[:1])
        ### BEGIN HIDDEN TESTS
        seen.big = g(given.z_scale * z, y)
        ### END HIDDEN TESTS


def judge(given, seen):
    n = given.n
    images = as_tensor(seen.images, "ConditionalGenerator()(z, y)", shape=(n, 1, 8, 8),
                       hint="return images of shape (B, 1, 8, 8).")
    check_true(bool(images.abs().max() <= 1.0), "ConditionalGenerator outputs must lie in [-1, 1]: end with a tanh.")
    other = as_tensor(seen.images_other, "ConditionalGenerator()(z, other labels)", shape=(n, 1, 8, 8))
    check_true(bool((images - other).abs().flatten(1).max(dim=1).values.min() > 1e-6),
               "ConditionalGenerator gives the same image for two different labels and the same z: it ignores y.",
               hint="embed the label and concatenate the embedding with z.")
    logits = as_tensor(seen.logits, "ProjectionDiscriminator()(x, y)", shape=(n,),
                       hint="return one logit per image, shape (B,).")
    logits_other = as_tensor(seen.logits_other, "ProjectionDiscriminator()(x, other labels)", shape=(n,))
    check_true(bool((logits - logits_other).abs().min() > 1e-6),
               "ProjectionDiscriminator gives the same logit for two different labels: it ignores y.",
               hint="add the inner product of the label's embedding with the image features.")
    as_tensor(seen.one, "ProjectionDiscriminator()(one image, one label)", shape=(1,),
              hint="keep the batch dimension: squeeze only the last one.")
    ### BEGIN HIDDEN TESTS
    big = as_tensor(seen.big, "ConditionalGenerator()(large z, y)", shape=(n, 1, 8, 8))
    check_true(bool(big.abs().max() <= 1.0), "ConditionalGenerator outputs must lie in [-1, 1] for any z.")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% nbgrader={"grade": true, "grade_id": "test_mismatched_labels", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""mismatched_labels: a new tensor of in-range integer labels, never equal to y, uniform over the
other classes, and y left unchanged."""
import torch
from course_utils.checks import as_tensor, check_true
from course_utils.verdict import run_test


def inputs(given, rng):
    given.classes = 10
    ### BEGIN HIDDEN TESTS
    given.classes = int(rng.integers(3, 8))
    ### END HIDDEN TESTS


def probe(given, seen):
    torch.manual_seed(9)
    y = torch.arange(given.classes).repeat_interleave(3000)
    wrong = mismatched_labels(y, given.classes)
    seen.wrong, seen.y_after, seen.same_object = wrong, y, wrong is y


def judge(given, seen):
    k = given.classes
    y = torch.arange(k).repeat_interleave(3000)
    wrong = as_tensor(seen.wrong, f"mismatched_labels(y, {k})", shape=(len(y),)).long()
    check_true(seen.same_object is False and bool(torch.equal(as_tensor(seen.y_after, "y").long(), y)),
               "mismatched_labels changed y in place: return a new tensor.")
    check_true(bool(((wrong >= 0) & (wrong < k)).all()), f"mismatched_labels returned labels outside 0..{k - 1}.",
               hint="take the result modulo the number of classes.")
    same = float((wrong == y).double().mean())
    check_true(same == 0.0, f"{100 * same:.1f}% of the wrong labels equal the true label: every one must differ.",
               hint="shift each label by a random amount in 1..classes-1, modulo classes.")
    for label in range(k):
        counts = torch.bincount(wrong[y == label], minlength=k).double() / 3000
        others = torch.cat([counts[:label], counts[label + 1:]])
        check_true(bool((others - 1 / (k - 1)).abs().max() < 0.05),
                   f"for label {label} the wrong labels are not uniform over the other classes: frequencies "
                   f"{[round(float(c), 3) for c in counts]}.",
                   hint="every other class should come up about equally often.")


run_test(inputs, probe, judge)

# %% nbgrader={"grade": true, "grade_id": "test_matching_aware_loss", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""matching_aware_loss: exact on fixed logits (the two negatives weighted 1/2 each), and exact for logits
beyond 100."""
import torch
from course_utils.checks import as_float, check_close
from course_utils.verdict import run_test


def inputs(given, rng):
    given.real, given.wrong, given.fake = [2.0, -1.0, 0.5], [1.0, -3.0], [0.0, 4.0, -2.0, 1.0]
    given.big = [150.0, -150.0]
    ### BEGIN HIDDEN TESTS
    given.real2, given.wrong2, given.fake2 = (rng.normal(0, 3, size=5).tolist(), rng.normal(0, 3, size=4).tolist(),
                                              rng.normal(0, 3, size=6).tolist())
    ### END HIDDEN TESTS


def probe(given, seen):
    def loss(real, wrong, fake):
        t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
        return matching_aware_loss(t(real), t(wrong), t(fake))

    seen.fixed = loss(given.real, given.wrong, given.fake)
    seen.big = loss(given.big, given.big, given.big)
    ### BEGIN HIDDEN TESTS
    seen.random = loss(given.real2, given.wrong2, given.fake2)
    ### END HIDDEN TESTS


def judge(given, seen):
    def softplus(values):
        v = torch.tensor(values, dtype=torch.float64)
        return torch.logaddexp(torch.zeros_like(v), v)

    def expected(real, wrong, fake):
        return float(softplus([-r for r in real]).mean() + 0.5 * (softplus(wrong).mean() + softplus(fake).mean()))

    hint = ("-log sigma(l) = softplus(-l) for the real pairs, -log(1 - sigma(l)) = softplus(l) for both negatives, "
            "each a mean, the two negatives averaged.")
    check_close("matching_aware_loss on fixed logits", as_float(seen.fixed, "matching_aware_loss"),
                expected(given.real, given.wrong, given.fake), atol=1e-6, hint=hint)
    check_close("matching_aware_loss with logits of size 150", as_float(seen.big, "matching_aware_loss"),
                expected(given.big, given.big, given.big), atol=1e-6,
                hint="use F.softplus; torch.log(torch.sigmoid(l)) is -inf for large negative l.")
    ### BEGIN HIDDEN TESTS
    check_close("matching_aware_loss on random logits", as_float(seen.random, "matching_aware_loss"),
                expected(given.real2, given.wrong2, given.fake2), atol=1e-6, hint=hint)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ### Training on digits
#
# The loop is given. Each step draws a batch of real digits with their labels, fakes for the
# same labels, and wrong labels for the real digits; the discriminator takes one step on your
# matching-aware loss, then the generator one step on the non-saturating loss.

# %%
CGAN_STEPS, CGAN_BATCH, CGAN_LR = 800, 64, 1e-3
digits = load_digits("unit")
train_images, train_labels = (digits.train_images * 2 - 1).to(device), digits.train_labels.to(device)
data_generator = torch.Generator().manual_seed(0)


def train_conditional_gan(generator, discriminator, n_steps=CGAN_STEPS, batch_size=CGAN_BATCH, lr=CGAN_LR):
    """Train on the digits with your matching-aware loss; returns the losses per step."""
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=BETAS)
    g_opt = torch.optim.Adam(generator.parameters(), lr=lr, betas=BETAS)
    history = {"d_loss": [], "g_loss": []}
    for _ in range(n_steps):
        index = torch.randint(len(train_images), (batch_size,), generator=data_generator).to(device)
        real, y = train_images[index], train_labels[index]
        fake = generator(torch.randn(batch_size, generator.latent_dim, device=device), y)
        d_loss = matching_aware_loss(discriminator(real, y), discriminator(real, mismatched_labels(y)),
                                     discriminator(fake.detach(), y))
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        g_loss = F.softplus(-discriminator(fake, y)).mean()
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
        history["d_loss"].append(float(d_loss.detach()))
        history["g_loss"].append(float(g_loss.detach()))
    return history


torch.manual_seed(0)
cgan_generator, cgan_discriminator = ConditionalGenerator().to(device), ProjectionDiscriminator().to(device)
cgan_history = train_conditional_gan(cgan_generator, cgan_discriminator)
plot_curves({"discriminator": cgan_history["d_loss"], "generator": cgan_history["g_loss"]}, xlabel="step")
plt.show()

# %% [markdown]
# You should see each row drawn as the digit it was asked for. The digit classifier of
# assignment 4 reads 50 samples per label; the *label agreement* is the fraction it reads as
# the requested digit (chance is 10%).

# %%
torch.manual_seed(1)
requested = torch.arange(10, device=device).repeat(50)
with torch.no_grad():
    cgan_samples = cgan_generator(torch.randn(len(requested), cgan_generator.latent_dim, device=device),
                                  requested).cpu()
read = class_probabilities(cgan_samples, value_range=(-1, 1)).argmax(dim=1)
cgan_agreement = float((read == requested.cpu()).double().mean())
cgan_score, real_score = digit_sample_score(cgan_samples, value_range=(-1, 1)), reference_digit_score()
image_grid(cgan_samples.view(50, 10, 1, 8, 8)[:8].transpose(0, 1).reshape(80, 1, 8, 8), nrow=8,
           title="conditional samples: one row per requested digit")
plt.show()
print(f"label agreement {100 * cgan_agreement:.1f}%")
for name, s in [("conditional samples", cgan_score), ("real test digits", real_score)]:
    print(f"{name:19s} confident {100 * s['confident_fraction']:.0f}%, {s['classes_covered']} classes,"
          f" inception score {s['inception_score']:.2f}")

# %% nbgrader={"grade": true, "grade_id": "test_conditional_samples", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
"""The `cgan_generator` trained above: the digit classifier reads at least 80% of 500 samples as the
requested digit, and they are not copies of training digits; after checks of the functions training uses."""
import torch
from course_utils.checks import as_float, as_tensor, check_close, check_in_range, check_true, prerequisite
from course_utils.data import load_digits
from course_utils.digit_score import class_probabilities, digit_sample_score
from course_utils.verdict import run_test


def inputs(given, rng):
    given.seed, given.per_label = 62, 50


def probe(given, seen):
    seen.pre_loss = matching_aware_loss(torch.tensor([1.0]), torch.tensor([0.0]), torch.tensor([-1.0]))
    y = torch.arange(10).repeat_interleave(200)
    seen.pre_same = float((mismatched_labels(y) == y).double().mean())
    torch.manual_seed(given.seed)
    seen.requested = torch.arange(10).repeat(given.per_label)
    with torch.no_grad():
        z = torch.randn(len(seen.requested), cgan_generator.latent_dim, device=device)
        seen.images = cgan_generator(z, seen.requested.to(device))


def judge(given, seen):
    def softplus(value):
        return float(torch.logaddexp(torch.tensor(0.0, dtype=torch.float64), torch.tensor(value, dtype=torch.float64)))

    with prerequisite("matching_aware_loss", "test_matching_aware_loss"):
        check_close("matching_aware_loss([1], [0], [-1])", as_float(seen.pre_loss, "matching_aware_loss"),
                    softplus(-1.0) + 0.5 * (softplus(0.0) + softplus(-1.0)), atol=1e-5)
    with prerequisite("mismatched_labels", "test_mismatched_labels"):
        check_true(as_float(seen.pre_same, "fraction of wrong labels equal to y") == 0.0,
                   "mismatched_labels returned some labels equal to the true ones.")
    n = 10 * given.per_label
    images = as_tensor(seen.images, "cgan_generator(z, y)", shape=(n, 1, 8, 8))
    requested = torch.arange(10).repeat(given.per_label)
    probs = class_probabilities(images, value_range=(-1, 1))
    agreement = float((probs.argmax(dim=1) == requested).double().mean())
    check_in_range("fraction of conditional samples read as the requested digit", agreement, 0.8, 1.0,
                   hint="the generator must use y; train with train_conditional_gan as above (the solution: about 99%).")
    train = load_digits("unit").train_images.double().flatten(1) * 2 - 1
    nearest = (torch.cdist(images.flatten(1), train) ** 2 / 64).min(dim=1).values
    copies = float((nearest < 0.005).double().mean())
    check_true(copies < 0.2, f"{100 * copies:.0f}% of the samples are copies of training digits (within 0.005 per pixel).",
               hint="sample from the trained generator, not from the data.")
    ### BEGIN HIDDEN TESTS
    score = digit_sample_score(images, value_range=(-1, 1))
    check_in_range("confident fraction of conditional samples", score["confident_fraction"], 0.6, 1.0)
    check_in_range("digit classes among conditional samples", score["classes_covered"], 10, 10)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 3. InfoGAN: a code the generator must make readable
#
# InfoGAN (Chen et al., 2016) feeds the generator a categorical code $c \sim \text{Cat}(K)$
# besides the noise, and asks that $c$ can be read back from the sample: it maximizes the
# mutual information $I(c; G(z, c))$. This needs the posterior $p(c \mid x)$, which nobody
# has; an auxiliary network $Q(c \mid x)$ gives a lower bound (variational, as in the ELBO):
#
# $$I(c; G(z, c)) \;\ge\; H(c) + \mathbb{E}_{c, z}\big[\log Q(c \mid G(z, c))\big]
#   \;=\; \log K - \text{cross-entropy}(Q, c) \;=:\; L_I .$$
#
# The bound is tight when $Q$ is the true posterior, so both $Q$ and $G$ maximize it. $Q$ is a
# second head on the discriminator's body: $D$ and $Q$ share their features. With weight
# $\lambda$,
#
# $$\mathcal{L}_{D,Q} = -\log \sigma(\ell(x)) - \log(1 - \sigma(\ell(G(z, c)))) - \lambda L_I, \qquad
#   \mathcal{L}_G = -\log \sigma(\ell(G(z, c))) - \lambda L_I .$$
#
# In the discriminator's loss the fakes are detached (the generator is not trained there);
# in the generator's loss they are not, and both terms train the generator.
#
# **Exercise.**
# - `info_lower_bound(q_logits, codes)`: $L_I$ for Q's logits (B, K) and integer codes (B,),
#   a scalar, with $K$ read from the logits.
# - `InfoDiscriminator(n_codes=8, hidden=128)`: `forward(x)` with points x (B, 2) returns
#   `(d_logits (B,), q_logits (B, n_codes))` from one shared body (three hidden layers with
#   LeakyReLU(0.2)) and two linear heads.
# - `infogan_d_loss(discriminator, real, fake, codes, lam)` and
#   `infogan_g_loss(discriminator, fake, codes, lam)`: $\mathcal{L}_{D,Q}$ and $\mathcal{L}_G$,
#   means over the batch.

# %% nbgrader={"grade": false, "grade_id": "info_bound", "locked": false, "schema_version": 3, "solution": true, "task": false}
def info_lower_bound(q_logits: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """log K - mean cross-entropy of Q's logits (B, K) against the codes (B,); a scalar tensor."""
    ### BEGIN SOLUTION
    return math.log(q_logits.shape[1]) - F.cross_entropy(q_logits, codes)
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "info_discriminator", "locked": false, "schema_version": 3, "solution": true, "task": false}
class InfoDiscriminator(nn.Module):
    """points (B, 2) -> (d_logits (B,), q_logits (B, n_codes)) from one shared body."""

    def __init__(self, n_codes: int = 8, hidden: int = 128):
        super().__init__()
        self.n_codes = n_codes
        ### BEGIN SOLUTION
        self.body = nn.Sequential(
            nn.Linear(2, hidden), nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
        )
        self.d_head, self.q_head = nn.Linear(hidden, 1), nn.Linear(hidden, n_codes)
        ### END SOLUTION

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ### BEGIN SOLUTION
        h = self.body(x)
        return self.d_head(h).squeeze(1), self.q_head(h)
        ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "infogan_losses", "locked": false, "schema_version": 3, "solution": true, "task": false}
def infogan_d_loss(discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, codes: torch.Tensor,
                   lam: float = 1.0) -> torch.Tensor:
    """softplus(-l(real)) + softplus(l(fake)) - lam L_I(Q(fake), codes), fakes detached; a scalar."""
    ### BEGIN SOLUTION
    d_real, _ = discriminator(real)
    d_fake, q_fake = discriminator(fake.detach())
    return F.softplus(-d_real).mean() + F.softplus(d_fake).mean() - lam * info_lower_bound(q_fake, codes)
    ### END SOLUTION


def infogan_g_loss(discriminator: nn.Module, fake: torch.Tensor, codes: torch.Tensor,
                   lam: float = 1.0) -> torch.Tensor:
    """softplus(-l(fake)) - lam L_I(Q(fake), codes); a scalar the generator gets gradients from."""
    ### BEGIN SOLUTION
    d_fake, q_fake = discriminator(fake)
    return F.softplus(-d_fake).mean() - lam * info_lower_bound(q_fake, codes)
    ### END SOLUTION


# %% [markdown]
# You should see the bound at $\log 8 = 2.079$ when Q is certain and right, near 0 when Q
# says nothing (uniform logits), and an output pair of shapes `(5,)` and `(5, 8)`.

# %%
codes = torch.tensor([0, 3, 5])
print(f"certain and right: {float(info_lower_bound(100 * F.one_hot(codes, 8).float(), codes)):.3f}")
print(f"uniform:           {float(info_lower_bound(torch.zeros(3, 8), codes)):.3f}")
d_logits, q_logits = InfoDiscriminator()(torch.randn(5, 2))
print(tuple(d_logits.shape), tuple(q_logits.shape))

# %% nbgrader={"grade": true, "grade_id": "test_info_bound", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""info_lower_bound: exact on fixed logits (log K minus the cross-entropy, K from the logits), log K
for a certain and right Q, and exact for logits beyond 100."""
import math

import torch
from course_utils.checks import as_float, check_close
from course_utils.verdict import run_test


def inputs(given, rng):
    given.logits = [[2.0, 0.0, -1.0, 0.5], [0.0, 0.0, 3.0, 1.0], [-2.0, 1.0, 0.0, 0.0]]
    given.codes = [0, 2, 3]
    given.certain = [[200.0, 0.0, 0.0], [0.0, 0.0, 200.0]]
    given.certain_codes = [0, 2]
    ### BEGIN HIDDEN TESTS
    given.k = int(rng.integers(5, 12))
    given.random_logits = rng.normal(0, 4, size=(7, given.k)).tolist()
    given.random_codes = rng.integers(0, given.k, size=7).tolist()
    ### END HIDDEN TESTS


def probe(given, seen):
    def bound(logits, codes):
        return info_lower_bound(torch.tensor(logits, dtype=torch.float64), torch.tensor(codes))

    seen.fixed = bound(given.logits, given.codes)
    seen.certain = bound(given.certain, given.certain_codes)
    seen.wrong = bound(given.certain, [1, 0])
    ### BEGIN HIDDEN TESTS
    seen.random = bound(given.random_logits, given.random_codes)
    ### END HIDDEN TESTS


def judge(given, seen):
    def expected(logits, codes):
        logits = torch.tensor(logits, dtype=torch.float64)
        log_q = logits - torch.logsumexp(logits, dim=1, keepdim=True)
        return math.log(logits.shape[1]) + float(log_q[torch.arange(len(codes)), torch.tensor(codes)].mean())

    hint = "L_I = log K + mean log Q(c | x): log K with K = q_logits.shape[1], minus F.cross_entropy(q_logits, codes)."
    check_close("info_lower_bound on 3 codes of 4", as_float(seen.fixed, "info_lower_bound"),
                expected(given.logits, given.codes), atol=1e-6, hint=hint)
    check_close("info_lower_bound of a certain and right Q over 3 codes", as_float(seen.certain, "info_lower_bound"),
                math.log(3), atol=1e-6, hint=hint)
    check_close("info_lower_bound of a certain and wrong Q (logits 200)", as_float(seen.wrong, "info_lower_bound"),
                expected(given.certain, [1, 0]), atol=1e-6,
                hint="work with logits (F.cross_entropy or log_softmax): log(softmax) is -inf here.")
    ### BEGIN HIDDEN TESTS
    check_close(f"info_lower_bound on {given.k} codes", as_float(seen.random, "info_lower_bound"),
                expected(given.random_logits, given.random_codes), atol=1e-6, hint=hint)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% nbgrader={"grade": true, "grade_id": "test_infogan_losses", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""InfoDiscriminator: shapes and a body shared by both heads. infogan_d_loss and infogan_g_loss: exact
values on a fixed discriminator, fakes detached in the discriminator's loss, and the generator's
gradient from both of its terms."""
import torch
from torch import nn
from torch.nn import functional as F
from course_utils.checks import as_float, as_list, as_tensor, check_close, check_true
from course_utils.verdict import run_test


def inputs(given, rng):
    given.w_body = rng.normal(0, 0.7, size=(3, 2)).tolist()
    given.w_d, given.w_q = rng.normal(0, 0.7, size=3).tolist(), rng.normal(0, 0.7, size=(4, 3)).tolist()
    given.real = rng.normal(size=(5, 2)).tolist()
    given.fake = rng.normal(size=(6, 2)).tolist()
    given.codes = rng.integers(0, 4, size=6).tolist()
    given.lam = 0.7


def probe(given, seen):
    class Fixed(nn.Module):
        """A tiny discriminator: tanh body, linear d and q heads, weights from the test."""

        def __init__(self):
            super().__init__()
            t = lambda v: nn.Parameter(torch.tensor(v, dtype=torch.float64))  # noqa: E731
            self.body, self.d, self.q = t(given.w_body), t(given.w_d), t(given.w_q)

        def forward(self, x):
            h = torch.tanh(x @ self.body.T)
            return h @ self.d, h @ self.q.T

    disc = InfoDiscriminator()
    points = torch.randn(5, 2)
    out = disc(points)
    seen.shapes = [tuple(o.shape) for o in out] if isinstance(out, (tuple, list)) else repr(type(out))
    if isinstance(out, (tuple, list)) and len(out) == 2:
        shared = []
        for head in out:
            disc.zero_grad()
            head.sum().backward(retain_graph=True)
            shared.append([p.grad is not None and bool(p.grad.abs().sum() > 0) for p in disc.parameters()])
        seen.shared = [a and b for a, b in zip(*shared)]
    fixed = Fixed()
    real = torch.tensor(given.real, dtype=torch.float64)
    fake = torch.tensor(given.fake, dtype=torch.float64, requires_grad=True)
    codes = torch.tensor(given.codes)
    d_loss = infogan_d_loss(fixed, real, fake, codes, given.lam)
    seen.d_loss = d_loss
    seen.d_fake_grad = seen.d_q_grad = None
    if isinstance(d_loss, torch.Tensor) and d_loss.requires_grad:
        d_loss.backward()
        seen.d_fake_grad = fake.grad
        seen.d_q_grad = fixed.q.grad
    fake.grad = None
    g_loss = infogan_g_loss(fixed, fake, codes, given.lam)
    seen.g_loss = g_loss
    seen.g_fake_grad = None
    if isinstance(g_loss, torch.Tensor) and g_loss.requires_grad:
        (seen.g_fake_grad,) = torch.autograd.grad(g_loss, fake)


def judge(given, seen):
    shapes = as_list(seen.shapes, "InfoDiscriminator()(x): (d_logits, q_logits)", 2,
                     hint="return a pair: the logits of D (B,) and of Q (B, n_codes).")
    check_true(list(shapes[0]) == [5] and list(shapes[1]) == [5, 8],
               f"InfoDiscriminator()(x) for 5 points gave shapes {shapes}, expected (5,) and (5, 8).")
    check_true(any(seen.shared), "no parameter of InfoDiscriminator gets gradients from both heads: D and Q must share"
               " one body.", hint="one body, then two linear heads on its features.")
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    w_body, w_d, w_q = t(given.w_body), t(given.w_d), t(given.w_q)
    codes = torch.tensor(given.codes)

    def heads(x):
        h = torch.tanh(x @ w_body.T)
        return h @ w_d, h @ w_q.T

    def bound(q):
        return torch.log(torch.tensor(4.0, dtype=torch.float64)) - F.cross_entropy(q, codes)

    real, fake = t(given.real), t(given.fake).requires_grad_()
    d_real, _ = heads(real)
    d_fake, q_fake = heads(fake)
    d_expected = F.softplus(-d_real).mean() + F.softplus(d_fake).mean() - given.lam * bound(q_fake)
    g_expected = F.softplus(-d_fake).mean() - given.lam * bound(q_fake)
    (g_grad,) = torch.autograd.grad(g_expected, fake)
    check_close("infogan_d_loss on a fixed discriminator", as_float(seen.d_loss, "infogan_d_loss"), float(d_expected.detach()),
                atol=1e-6, hint="softplus(-l(real)).mean() + softplus(l(fake)).mean() - lam * info_lower_bound(q(fake), c).")
    fake_grad = seen.d_fake_grad
    check_true(fake_grad is None or bool(as_tensor(fake_grad, "gradient of infogan_d_loss on the fakes").abs().max() == 0),
               "infogan_d_loss sends gradients to the fakes: detach them, the generator is not trained by this loss.")
    check_true(bool(as_tensor(seen.d_q_grad, "gradient of infogan_d_loss on Q's head").abs().max() > 0),
               "infogan_d_loss gives Q's head no gradient: the discriminator's loss must include - lam * L_I.")
    check_close("infogan_g_loss on a fixed discriminator", as_float(seen.g_loss, "infogan_g_loss"), float(g_expected.detach()),
                atol=1e-6, hint="softplus(-l(fake)).mean() - lam * info_lower_bound(q(fake), c), fakes not detached.")
    check_close("gradient of infogan_g_loss on the fakes",
                as_tensor(seen.g_fake_grad, "gradient of infogan_g_loss on the fakes", shape=(6, 2),
                          hint="do not detach the fakes in the generator's loss."), g_grad, atol=1e-6)


run_test(inputs, probe, judge)

# %% [markdown]
# ### Training InfoGAN on the ring
#
# The generator is given: the ring MLP of assignment 4 fed with a 2D noise and the one-hot
# code. The loop takes one step of each player per batch with your two losses; we train a
# second time with $\lambda = 0$ (a plain GAN whose generator still gets the code) to see what
# the information term does.

# %%
INFO_STEPS, INFO_CODES, INFO_LAMBDA, INFO_LR = 1000, 8, 1.0, 1e-3


class InfoGenerator(nn.Module):
    """(noise (B, 2), codes (B,)) -> points (B, 2)."""

    def __init__(self, noise_dim: int = 2, n_codes: int = INFO_CODES):
        super().__init__()
        self.noise_dim, self.n_codes = noise_dim, n_codes
        self.net = mlp(noise_dim + n_codes, 2)

    def forward(self, z, codes):
        return self.net(torch.cat([z, F.one_hot(codes, self.n_codes).to(z.dtype)], dim=1))


def train_infogan(generator, discriminator, n_steps=INFO_STEPS, lam=INFO_LAMBDA, batch_size=256, lr=INFO_LR):
    """Train on the ring with your losses; the learning rate drops 5x halfway. Returns the bound per step."""
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=2 * lr, betas=BETAS)
    g_opt = torch.optim.Adam(generator.parameters(), lr=lr, betas=BETAS)
    history = {"info_bound": []}
    for step in range(n_steps):
        if step == n_steps // 2:
            for group in d_opt.param_groups + g_opt.param_groups:
                group["lr"] /= 5
        codes = torch.randint(generator.n_codes, (batch_size,), device=device)
        fake = generator(torch.randn(batch_size, generator.noise_dim, device=device), codes)
        d_loss = infogan_d_loss(discriminator, sample_ring_data(batch_size), fake, codes, lam)
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        g_loss = infogan_g_loss(discriminator, fake, codes, lam)
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
        with torch.no_grad():
            history["info_bound"].append(float(info_lower_bound(discriminator(fake)[1], codes)))
    return history


def sample_codes(generator, per_code: int = 250) -> tuple[torch.Tensor, torch.Tensor]:
    """per_code samples of each code value: (samples (K per_code, 2) on the cpu, codes 0..K-1 repeated)."""
    codes = torch.arange(generator.n_codes, device=device).repeat(per_code)
    with torch.no_grad():
        samples = generator(torch.randn(len(codes), generator.noise_dim, device=device), codes).cpu()
    return samples, codes.cpu()


torch.manual_seed(0)
info_generator, info_discriminator = InfoGenerator().to(device), InfoDiscriminator().to(device)
info_history = train_infogan(info_generator, info_discriminator)
torch.manual_seed(0)
plain_generator, plain_discriminator = InfoGenerator().to(device), InfoDiscriminator().to(device)
plain_history = train_infogan(plain_generator, plain_discriminator, lam=0.0)
plot_curves({"lambda = 1": info_history["info_bound"], "lambda = 0": plain_history["info_bound"],
             "log K (the most the bound can be)": [math.log(INFO_CODES)] * INFO_STEPS}, xlabel="step")
plt.show()

# %% [markdown]
# You should see the bound climb towards $\log 8$ with $\lambda = 1$: nearly every code value
# draws one mode of its own (a code may still stretch along the ring towards a neighbour). With
# $\lambda = 0$ the code is an input the generator may ignore, and every mode mixes the codes.

# %%
torch.manual_seed(1)
(info_samples, codes), (plain_samples, _) = sample_codes(info_generator), sample_codes(plain_generator)
info_purity, info_modes = code_purity(info_samples, codes, ring_means(), RING_STD)
plain_purity, plain_modes = code_purity(plain_samples, codes, ring_means(), RING_STD)
fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
for ax, samples, title in [(axes[0], info_samples, "InfoGAN, lambda = 1"), (axes[1], plain_samples, "lambda = 0")]:
    ax.scatter(samples[:, 0], samples[:, 1], c=codes, cmap="tab10", s=3)
    ax.scatter(*ring_means().T, marker="x", c="k", s=40)
    ax.set_title(f"{title}: colour = code")
    ax.set_aspect("equal")
plt.show()
info_score = mode_coverage(info_samples, ring_means(), RING_STD)
print(f"lambda = 1: code purity {info_purity:.2f}, {info_modes} distinct modes, high quality "
      f"{100 * info_score['high_quality']:.1f}%")
print(f"lambda = 0: code purity {plain_purity:.2f}, {plain_modes} distinct modes")

# %% nbgrader={"grade": true, "grade_id": "test_info_codes", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""The `info_generator` trained above: each code value keeps at least 80% of its high-quality samples
on one mode, and the codes take at least 6 different modes (the solution: 7 or 8; with lambda = 0 about
0.25 and 4); after checks of the functions training uses."""
import torch
from course_utils.checks import as_float, as_tensor, check_close, check_in_range, prerequisite
from course_utils.data import ring_means
from course_utils.metrics import code_purity, mode_coverage
from course_utils.verdict import run_test


def inputs(given, rng):
    given.seed, given.per_code = 63, 250


def probe(given, seen):
    seen.pre_bound = info_lower_bound(torch.zeros(2, 4), torch.tensor([1, 3]))
    torch.manual_seed(given.seed)
    codes = torch.arange(info_generator.n_codes).repeat(given.per_code)
    seen.n_codes = info_generator.n_codes
    with torch.no_grad():
        seen.samples = info_generator(torch.randn(len(codes), info_generator.noise_dim, device=device), codes.to(device))


def judge(given, seen):
    with prerequisite("info_lower_bound", "test_info_bound"):
        check_close("info_lower_bound(zeros (2, 4), [1, 3])", as_float(seen.pre_bound, "info_lower_bound"), 0.0,
                    atol=1e-6)
    k = int(as_float(seen.n_codes, "info_generator.n_codes"))
    check_in_range("number of codes of info_generator", k, 8, 8)
    samples = as_tensor(seen.samples, "info_generator(z, codes)", shape=(k * given.per_code, 2))
    purity, modes = code_purity(samples, torch.arange(k).repeat(given.per_code), ring_means(), 0.05)
    hint = "train with train_infogan as above: Q and the generator both maximize the bound (the solution: purity 1.0)."
    check_in_range("mean share of a code's high-quality samples on its most common mode", purity, 0.8, 1.0,
                   hint=hint)
    check_in_range("distinct modes taken by the 8 codes", modes, 6, 8, hint=hint)
    ### BEGIN HIDDEN TESTS
    score = mode_coverage(samples, ring_means(), 0.05)
    check_in_range("modes captured by the InfoGAN generator", score["modes_captured"], 8, 8)
    check_in_range("high-quality fraction of InfoGAN samples", score["high_quality"], 0.7, 1.0)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 4. The adversarial autoencoder: a GAN on the code
#
# An autoencoder squeezes each digit $x$ into a code $z = E(x)$, here two numbers, and a
# decoder rebuilds $\hat x = G(z)$. It is not yet a generative model: nothing says where the
# codes of the data lie, so a code drawn at random decodes to noise. The VAE of assignment 2
# fixed this with a KL term per example. The **adversarial autoencoder** (Makhzani et al., 2016)
# instead matches the *aggregated posterior* $q(z) = \mathbb E_{x}\,[\delta(z - E(x))]$, the
# distribution of all the codes together, to a prior $p(z)$ with a GAN played on the code
# space: a discriminator $D(z)$ tells samples of the prior (*real*) from codes of the data
# (*fake*), and the encoder is its generator. Our prior is the ring of 8 Gaussians (radius 2,
# standard deviation 0.2), so the codes should fill the ring, and decoding a point of the ring
# should give a digit.
#
# Each training step has two phases:
#
# 1. **Reconstruction**: the encoder and the decoder take one step on the mean squared error
#    $\mathcal L_{\text{rec}} = \frac{1}{B\,P}\sum_{i} \lVert G(E(x_i)) - x_i \rVert^2$ over the
#    $B$ digits of the batch and their $P = 64$ pixels.
# 2. **Regularization**: $D$ takes one step on
#    $\mathcal L_D = \operatorname{mean}_i \operatorname{softplus}(-\ell(z^{\text{prior}}_i)) +
#    \operatorname{mean}_j \operatorname{softplus}(\ell(E(x_j)))$, where $\ell$ are its logits and
#    the codes are **detached** (this loss trains $D$ only); then the encoder takes one step on
#    the non-saturating loss $\mathcal L_E = \operatorname{mean}_j \operatorname{softplus}(-\ell(E(x_j)))$.
#
# Implement the three losses. `encoder` maps `(B, 64)` digits to `(B, 2)` codes, `decoder` maps
# codes back to `(B, 64)`, `discriminator` maps codes to logits `(B,)`.

# %% nbgrader={"grade": false, "grade_id": "aae_losses", "locked": false, "schema_version": 3, "solution": true, "task": false}
def aae_reconstruction_loss(encoder: nn.Module, decoder: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Mean over the batch and the pixels of (decoder(encoder(x)) - x)^2."""
    ### BEGIN SOLUTION
    return ((decoder(encoder(x)) - x) ** 2).mean()
    ### END SOLUTION


def prior_discriminator_loss(discriminator: nn.Module, prior_z: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """Prior samples are real, the codes (detached) fake: the discriminator's log loss."""
    ### BEGIN SOLUTION
    return F.softplus(-discriminator(prior_z)).mean() + F.softplus(discriminator(codes.detach())).mean()
    ### END SOLUTION


def encoder_adversarial_loss(discriminator: nn.Module, codes: torch.Tensor) -> torch.Tensor:
    """The encoder's non-saturating loss: its codes should be taken for prior samples."""
    ### BEGIN SOLUTION
    return F.softplus(-discriminator(codes)).mean()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_aae_losses", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""The three AAE losses: exact values on a fixed linear encoder, decoder and discriminator; the
discriminator's loss gives the codes no gradient, the encoder's loss and the reconstruction do."""
import torch
from torch.nn import functional as F
from course_utils.checks import as_float, as_tensor, check_close, check_true
from course_utils.verdict import run_test


def inputs(given, rng):
    given.w_enc = rng.normal(0, 0.5, size=(2, 5)).tolist()
    given.w_dec = rng.normal(0, 0.5, size=(5, 2)).tolist()
    given.w_disc = rng.normal(0, 0.8, size=2).tolist()
    given.x = rng.uniform(0, 1, size=(4, 5)).tolist()
    given.prior = rng.normal(size=(3, 2)).tolist()
    given.codes = rng.normal(size=(6, 2)).tolist()


def probe(given, seen):
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    w_enc, w_dec, w_disc = (t(w).requires_grad_() for w in (given.w_enc, given.w_dec, given.w_disc))

    def encoder(x):
        return x @ w_enc.T

    def decoder(z):
        return torch.sigmoid(z @ w_dec.T)

    def discriminator(z):
        return z @ w_disc

    rec = aae_reconstruction_loss(encoder, decoder, t(given.x))
    seen.rec, seen.rec_enc_grad = rec, None
    if isinstance(rec, torch.Tensor) and rec.requires_grad:
        seen.rec_enc_grad = torch.autograd.grad(rec, w_enc, allow_unused=True)[0]
    codes = t(given.codes).requires_grad_()
    d_loss = prior_discriminator_loss(discriminator, t(given.prior), codes)
    seen.d_loss, seen.d_codes_grad = d_loss, None
    if isinstance(d_loss, torch.Tensor) and d_loss.requires_grad:
        d_loss.backward()
        seen.d_codes_grad = codes.grad
    codes.grad = None
    e_loss = encoder_adversarial_loss(discriminator, codes)
    seen.e_loss, seen.e_codes_grad = e_loss, None
    if isinstance(e_loss, torch.Tensor) and e_loss.requires_grad:
        seen.e_codes_grad = torch.autograd.grad(e_loss, codes, allow_unused=True)[0]


def judge(given, seen):
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    w_enc, w_dec, w_disc = t(given.w_enc).requires_grad_(), t(given.w_dec), t(given.w_disc)
    x = t(given.x)
    rec = ((torch.sigmoid(x @ w_enc.T @ w_dec.T) - x) ** 2).mean()
    (rec_grad,) = torch.autograd.grad(rec, w_enc)
    codes = t(given.codes).requires_grad_()
    d_loss = F.softplus(-(t(given.prior) @ w_disc)).mean() + F.softplus(codes.detach() @ w_disc).mean()
    e_loss = F.softplus(-(codes @ w_disc)).mean()
    (e_grad,) = torch.autograd.grad(e_loss, codes)
    check_close("aae_reconstruction_loss on a fixed linear encoder and decoder", as_float(seen.rec, "aae_reconstruction_loss"),
                float(rec.detach()), atol=1e-8, hint="the mean over the batch and the pixels of (decoder(encoder(x)) - x)^2.")
    check_close("gradient of aae_reconstruction_loss on the encoder's weights",
                as_tensor(seen.rec_enc_grad, "gradient of aae_reconstruction_loss on the encoder", shape=(2, 5),
                          hint="the reconstruction trains the encoder too: do not detach the codes."), rec_grad, atol=1e-8)
    check_close("prior_discriminator_loss on a fixed discriminator", as_float(seen.d_loss, "prior_discriminator_loss"),
                float(d_loss.detach()), atol=1e-8,
                hint="softplus(-logits(prior_z)).mean() + softplus(logits(codes)).mean(): the prior is the real data.")
    grad = seen.d_codes_grad
    check_true(grad is None or bool(as_tensor(grad, "gradient of prior_discriminator_loss on the codes").abs().max() == 0),
               "prior_discriminator_loss sends gradients to the codes: detach them, this loss trains the discriminator only.")
    check_close("encoder_adversarial_loss on a fixed discriminator", as_float(seen.e_loss, "encoder_adversarial_loss"),
                float(e_loss.detach()), atol=1e-8, hint="the non-saturating loss softplus(-logits(codes)).mean().")
    check_close("gradient of encoder_adversarial_loss on the codes",
                as_tensor(seen.e_codes_grad, "gradient of encoder_adversarial_loss on the codes", shape=(6, 2),
                          hint="do not detach the codes in the encoder's loss."), e_grad, atol=1e-8)


run_test(inputs, probe, judge)

# %% [markdown]
# ### Training on digits
#
# The loop is given: per batch the reconstruction step, then the discriminator's step, then the
# encoder's, each with its own Adam optimizer; the learning rates drop 5x for the last quarter.
# For comparison we train the same autoencoder with the reconstruction phase only.

# %%
AAE_STEPS, AAE_BATCH, AAE_LR, PRIOR_STD = 1500, 128, 1e-3, 0.2
digit_pixels, test_pixels = digits.train_images.flatten(1).to(device), digits.test_images.flatten(1).to(device)


def sample_prior(n: int) -> torch.Tensor:
    """n points of the ring prior (radius 2, std PRIOR_STD)."""
    return sample_ring(n, std=PRIOR_STD, generator=data_generator).to(device)


def train_aae(encoder, decoder, discriminator=None, n_steps=AAE_STEPS, batch_size=AAE_BATCH, lr=AAE_LR):
    """Train with your losses; without a discriminator, the reconstruction phase only (a plain
    autoencoder). Returns the losses per step."""
    ae_opt = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=lr)
    optimizers = [ae_opt]
    if discriminator is not None:
        d_opt = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=BETAS)
        e_opt = torch.optim.Adam(encoder.parameters(), lr=lr, betas=BETAS)
        optimizers += [d_opt, e_opt]
    history = {"reconstruction": [], "discriminator": []}
    for step in range(n_steps):
        if step == 3 * n_steps // 4:
            for group in [g for optimizer in optimizers for g in optimizer.param_groups]:
                group["lr"] /= 5
        x = digit_pixels[torch.randint(len(digit_pixels), (batch_size,), generator=data_generator).to(device)]
        rec = aae_reconstruction_loss(encoder, decoder, x)
        ae_opt.zero_grad()
        rec.backward()
        ae_opt.step()
        history["reconstruction"].append(float(rec.detach()))
        if discriminator is not None:
            codes = encoder(x)
            d_loss = prior_discriminator_loss(discriminator, sample_prior(batch_size), codes)
            d_opt.zero_grad()
            d_loss.backward()
            d_opt.step()
            e_loss = encoder_adversarial_loss(discriminator, codes)
            e_opt.zero_grad()
            e_loss.backward()
            e_opt.step()
            history["discriminator"].append(float(d_loss.detach()))
    return history


def autoencoder():
    """(encoder 64 -> 2, decoder 2 -> 64 with pixels in [0, 1]) on the device."""
    return mlp(64, 2).to(device), nn.Sequential(mlp(2, 64), nn.Sigmoid()).to(device)


torch.manual_seed(0)
aae_encoder, aae_decoder = autoencoder()
aae_history = train_aae(aae_encoder, aae_decoder, MLPDiscriminator().to(device))
torch.manual_seed(0)
ae_encoder, ae_decoder = autoencoder()
ae_history = train_aae(ae_encoder, ae_decoder)
plot_curves({"AAE reconstruction": aae_history["reconstruction"], "AAE discriminator": aae_history["discriminator"],
             "plain autoencoder reconstruction": ae_history["reconstruction"]}, xlabel="step")
plt.show()

# %% [markdown]
# You should see the codes of the test digits (colour: the digit) fill the eight modes of the
# ring with the adversarial autoencoder, while the plain autoencoder puts them wherever
# reconstruction is easiest, far from the prior. Below, one decoded digit per prior sample:
# the AAE's decoder has become a generator, the plain one draws smudges. Reconstruction is the
# price: the AAE's code must also look like the prior, so it reconstructs a little less well.

# %%
torch.manual_seed(1)
with torch.no_grad():
    aae_codes, ae_codes = aae_encoder(test_pixels).cpu(), ae_encoder(test_pixels).cpu()
    prior_points = sample_prior(500)
    aae_generated, ae_generated = aae_decoder(prior_points).cpu(), ae_decoder(prior_points).cpu()
    aae_mse = float(((aae_decoder(aae_encoder(test_pixels)) - test_pixels) ** 2).mean())
    ae_mse = float(((ae_decoder(ae_encoder(test_pixels)) - test_pixels) ** 2).mean())
mean_image_mse = float(((test_pixels - digit_pixels.mean(dim=0)) ** 2).mean())
fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
for ax, codes, title in [(axes[0], aae_codes, "adversarial autoencoder"), (axes[1], ae_codes, "plain autoencoder")]:
    points = ax.scatter(codes[:, 0], codes[:, 1], c=digits.test_labels, cmap="tab10", s=6)
    ax.scatter(*ring_means().T, marker="x", c="k", s=40)
    ax.set_title(f"{title}: codes of the test digits")
    ax.set_aspect("equal")
fig.colorbar(points, ax=axes, label="digit")
plt.show()
for name, images in [("AAE", aae_generated), ("plain autoencoder", ae_generated)]:
    image_grid(images[:40].view(40, 1, 8, 8), nrow=10, title=f"{name}: decoded samples of the prior")
    plt.show()
aae_prior_score = mode_coverage(aae_codes, ring_means(), PRIOR_STD)
ae_prior_score = mode_coverage(ae_codes, ring_means(), PRIOR_STD)
aae_generated_score, ae_generated_score = digit_sample_score(aae_generated), digit_sample_score(ae_generated)
print(f"test MSE: AAE {aae_mse:.4f}, plain autoencoder {ae_mse:.4f}, the mean image {mean_image_mse:.4f}")
for name, score, generated in [("AAE", aae_prior_score, aae_generated_score),
                               ("plain autoencoder", ae_prior_score, ae_generated_score)]:
    print(f"{name}: test codes on {score['modes_captured']} / 8 modes, {100 * score['high_quality']:.0f}% within "
          f"3 std of one; decoded prior samples: inception score {generated['inception_score']:.2f}")

# %% nbgrader={"grade": true, "grade_id": "test_aae_codes", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
"""The `aae_encoder` and `aae_decoder` trained above: the codes of the test digits visit all 8 modes of
the prior, at least half lie within 3 prior std of a mode, no mode holds more than 30% of them, and the
test reconstruction error is at most 0.8 of the mean image's; after checks of the functions training uses."""
import torch
from torch import nn
from course_utils.checks import as_float, as_tensor, check_close, check_in_range, check_true, prerequisite
from course_utils.data import load_digits, ring_means, sample_ring
from course_utils.digit_score import digit_sample_score
from course_utils.metrics import mode_coverage
from course_utils.verdict import run_test


def inputs(given, rng):
    given.seed, given.prior_std = 64, 0.2


def probe(given, seen):
    identity = nn.Identity()
    points = torch.tensor([[0.0, 1.0], [2.0, -1.0]], requires_grad=True)
    seen.pre_rec = aae_reconstruction_loss(identity, identity, points)
    d_loss = prior_discriminator_loss(lambda z: z.sum(dim=1), points.detach(), points)
    seen.pre_codes_grad = None
    if isinstance(d_loss, torch.Tensor) and d_loss.requires_grad:
        seen.pre_codes_grad = torch.autograd.grad(d_loss, points, allow_unused=True)[0]
    test = load_digits("unit").test_images.flatten(1)
    torch.manual_seed(given.seed)
    with torch.no_grad():
        seen.codes = aae_encoder(test.to(device))
        seen.reconstructions = aae_decoder(seen.codes)
        seen.generated = aae_decoder(sample_ring(1000, std=given.prior_std).to(device))


def judge(given, seen):
    with prerequisite("aae_reconstruction_loss", "test_aae_losses"):
        check_close("aae_reconstruction_loss(identity, identity, x)", as_float(seen.pre_rec, "aae_reconstruction_loss"),
                    0.0, atol=1e-9)
    with prerequisite("prior_discriminator_loss", "test_aae_losses"):
        grad = seen.pre_codes_grad
        check_true(grad is None or bool(as_tensor(grad, "gradient on the codes").abs().max() == 0),
                   "prior_discriminator_loss sends gradients to the codes.")
    digits = load_digits("unit")
    train, test = digits.train_images.flatten(1).double(), digits.test_images.flatten(1).double()
    codes = as_tensor(seen.codes, "aae_encoder(test digits)", shape=(len(test), 2))
    score = mode_coverage(codes, ring_means(), given.prior_std)
    hint = "train with train_aae as above: the discriminator on the codes, then the encoder against it."
    check_in_range("modes of the prior visited by the test codes (of 8)", score["modes_captured"], 8, 8, hint=hint)
    check_in_range("fraction of test codes within 3 prior std of a mode", score["high_quality"], 0.5, 1.0, hint=hint)
    shares = torch.bincount(torch.cdist(codes.float(), ring_means()).argmin(dim=1), minlength=8) / len(codes)
    check_in_range("largest share of the test codes nearest one mode", float(shares.max()), 0.0, 0.3,
                   hint="the prior puts 1/8 of its mass on each mode; " + hint)
    reconstructions = as_tensor(seen.reconstructions, "aae_decoder(codes)", shape=(len(test), 64))
    mse = float(((reconstructions - test) ** 2).mean())
    baseline = float(((test - train.mean(dim=0)) ** 2).mean())
    check_in_range("test reconstruction error over the mean image's", mse / baseline, 0.0, 0.8,
                   hint="the reconstruction phase trains the encoder and the decoder together (the solution: about 0.55).")
    ### BEGIN HIDDEN TESTS
    check_in_range("fraction of test codes within 3 prior std of a mode", score["high_quality"], 0.7, 1.0, hint=hint)
    generated = as_tensor(seen.generated, "aae_decoder(prior samples)", shape=(1000, 64))
    check_in_range("inception-like score of decoded prior samples", digit_sample_score(generated.view(-1, 1, 8, 8))["inception_score"], 4.0, 10.0)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 5. CycleGAN: translation without pairs
#
# Lecture 6 translated between two domains $A$ and $B$ that come without pairs: two translators
# $G_{AB}: A \to B$ and $G_{BA}: B \to A$, a discriminator per domain ($D_B$ tells real $b$ from
# $G_{AB}(a)$, $D_A$ real $a$ from $G_{BA}(b)$), and a **cycle-consistency loss** that asks a
# round trip to come back where it started:
#
# $$\mathcal L_{\text{cyc}} = \operatorname{mean}\,\big|G_{BA}(G_{AB}(a)) - a\big|
#   + \operatorname{mean}\,\big|G_{AB}(G_{BA}(b)) - b\big|,$$
#
# each mean over the batch and the coordinates. The translators minimise, together,
#
# $$\mathcal L_G = \operatorname{mean}\operatorname{softplus}\big(-\ell_B(G_{AB}(a))\big)
#   + \operatorname{mean}\operatorname{softplus}\big(-\ell_A(G_{BA}(b))\big)
#   + \lambda\,\mathcal L_{\text{cyc}},$$
#
# the non-saturating loss in each domain plus $\lambda$ times the cycle loss, where $\ell_A$ and
# $\ell_B$ are the logits of $D_A$ and $D_B$. The discriminators take the same log loss as the
# AAE's (real samples, then translated ones, detached), so the training loop reuses your
# `prior_discriminator_loss`.
#
# Here $A$ is the ring of 8 Gaussians (radius 2, standard deviation 0.1) and $B$ another style
# of it: radius 1, standard deviation 0.05, turned by $\pi/8$. Without the cycle loss each
# translator is a GAN of its own (lecture 6 measured what that costs); with it, a point of $A$
# should land on a mode of $B$, each mode of $A$ on a mode of its own, and come home.
#
# Implement the two losses. `g_ab` and `g_ba` map `(N, 2)` points to `(N, 2)`; `d_a` and `d_b`
# map points to logits `(N,)`.

# %% nbgrader={"grade": false, "grade_id": "cycle_losses", "locked": false, "schema_version": 3, "solution": true, "task": false}
def cycle_consistency_loss(g_ab, g_ba, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """mean |g_ba(g_ab(a)) - a| + mean |g_ab(g_ba(b)) - b| (means over the batch and the coordinates)."""
    ### BEGIN SOLUTION
    return (g_ba(g_ab(a)) - a).abs().mean() + (g_ab(g_ba(b)) - b).abs().mean()
    ### END SOLUTION


def cycle_generator_loss(g_ab, g_ba, d_a, d_b, a: torch.Tensor, b: torch.Tensor, cycle_weight: float) -> torch.Tensor:
    """The translators' loss: the non-saturating loss of g_ab(a) against d_b and of g_ba(b)
    against d_a, plus cycle_weight times the cycle-consistency loss."""
    ### BEGIN SOLUTION
    adversarial = F.softplus(-d_b(g_ab(a))).mean() + F.softplus(-d_a(g_ba(b))).mean()
    return adversarial + cycle_weight * cycle_consistency_loss(g_ab, g_ba, a, b)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_cycle_losses", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""The two CycleGAN losses: exact values on fixed small translators and linear discriminators, and
their gradients on both translators' weights (a round trip trains both of its translators)."""
import torch
from torch.nn import functional as F
from course_utils.checks import as_float, as_list, as_tensor, check_close, check_true
from course_utils.verdict import run_test


def inputs(given, rng):
    given.w_ab = rng.normal(0, 0.8, size=(2, 2)).tolist()
    given.w_ba = rng.normal(0, 0.8, size=(2, 2)).tolist()
    given.shift = rng.normal(0, 0.5, size=2).tolist()
    given.w_da, given.w_db = rng.normal(0, 0.8, size=2).tolist(), rng.normal(0, 0.8, size=2).tolist()
    given.a, given.b = rng.normal(size=(5, 2)).tolist(), rng.normal(size=(4, 2)).tolist()
    given.weight = 2.5
    ### BEGIN HIDDEN TESTS
    given.weight = float(rng.uniform(4, 12))
    ### END HIDDEN TESTS


def probe(given, seen):
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    w_ab, w_ba = t(given.w_ab).requires_grad_(), t(given.w_ba).requires_grad_()
    g_ab, g_ba = (lambda x: torch.tanh(x @ w_ab.T)), (lambda x: x @ w_ba.T + t(given.shift))
    d_a, d_b = (lambda x: x @ t(given.w_da)), (lambda x: x @ t(given.w_db) + 0.3)
    a, b = t(given.a), t(given.b)
    seen.cycle, seen.cycle_grads = cycle_consistency_loss(g_ab, g_ba, a, b), None
    if isinstance(seen.cycle, torch.Tensor) and seen.cycle.requires_grad:
        seen.cycle_grads = torch.autograd.grad(seen.cycle, [w_ab, w_ba], allow_unused=True)
    seen.total, seen.total_grads = cycle_generator_loss(g_ab, g_ba, d_a, d_b, a, b, given.weight), None
    if isinstance(seen.total, torch.Tensor) and seen.total.requires_grad:
        seen.total_grads = torch.autograd.grad(seen.total, [w_ab, w_ba], allow_unused=True)
    seen.adversarial = cycle_generator_loss(g_ab, g_ba, d_a, d_b, a, b, 0.0)


def judge(given, seen):
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    w_ab, w_ba = t(given.w_ab).requires_grad_(), t(given.w_ba).requires_grad_()
    g_ab, g_ba = (lambda x: torch.tanh(x @ w_ab.T)), (lambda x: x @ w_ba.T + t(given.shift))
    a, b = t(given.a), t(given.b)
    cycle = (g_ba(g_ab(a)) - a).abs().mean() + (g_ab(g_ba(b)) - b).abs().mean()
    adversarial = F.softplus(-(g_ab(a) @ t(given.w_db) + 0.3)).mean() + F.softplus(-(g_ba(b) @ t(given.w_da))).mean()
    total = adversarial + given.weight * cycle
    grads = {"cycle": torch.autograd.grad(cycle, [w_ab, w_ba], retain_graph=True),
             "total": torch.autograd.grad(total, [w_ab, w_ba])}
    check_close("cycle_consistency_loss on fixed translators", as_float(seen.cycle, "cycle_consistency_loss"),
                float(cycle.detach()), atol=1e-8,
                hint="both round trips, a -> B -> A and b -> A -> B, each the mean absolute error over the batch and the coordinates.")
    check_close("cycle_generator_loss with cycle_weight 0 (the adversarial part)",
                as_float(seen.adversarial, "cycle_generator_loss(..., 0.0)"), float(adversarial.detach()), atol=1e-8,
                hint="softplus(-d_b(g_ab(a))).mean() + softplus(-d_a(g_ba(b))).mean(): each translator is judged in the domain it translates to.")
    check_close(f"cycle_generator_loss with cycle_weight {given.weight:.3g}", as_float(seen.total, "cycle_generator_loss"),
                float(total.detach()), atol=1e-8, hint="the adversarial part plus cycle_weight times the cycle-consistency loss.")
    for name, got in (("cycle", seen.cycle_grads), ("total", seen.total_grads)):
        function = "cycle_consistency_loss" if name == "cycle" else "cycle_generator_loss"
        hint = "do not detach a translation: a round trip trains both translators."
        check_true(got is not None, f"{function} returns no tensor with a gradient on the translators.", hint=hint)
        for translator, value, expected in zip(("g_ab", "g_ba"), as_list(got, f"gradients of {function}", 2), grads[name]):
            check_close(f"gradient of {function} on {translator}'s weights",
                        as_tensor(value, f"gradient on {translator}", shape=(2, 2), hint=hint), expected, atol=1e-8)


run_test(inputs, probe, judge)

# %% [markdown]
# ### Training between the two rings
#
# The loop is given: per batch, one Adam step of both discriminators on your
# `prior_discriminator_loss` (each domain's real points, then the translated ones), then one
# step of both translators on `cycle_generator_loss` with $\lambda = 10$.

# %%
CYCLE_STEPS, CYCLE_BATCH, CYCLE_WEIGHT, A_STD, B_STD = 1000, 256, 10.0, 0.1, 0.05
a_means = ring_means()
b_angles = 2 * math.pi * torch.arange(8) / 8 + math.pi / 8
b_means = torch.stack([b_angles.cos(), b_angles.sin()], dim=1)


def sample_domain(means: torch.Tensor, std: float, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n points of the mixture at `means` with `std`, and the mode of each."""
    mode = torch.randint(len(means), (n,), generator=data_generator)
    return means[mode] + std * torch.randn(n, 2, generator=data_generator), mode


def train_cycle_gan(cycle_weight=CYCLE_WEIGHT, n_steps=CYCLE_STEPS, batch_size=CYCLE_BATCH):
    """Train g_ab, g_ba, d_a, d_b with your losses; returns the two translators and the losses per step."""
    g_ab, g_ba = mlp(2, 2, hidden=64).to(device), mlp(2, 2, hidden=64).to(device)
    d_a, d_b = MLPDiscriminator(hidden=64).to(device), MLPDiscriminator(hidden=64).to(device)
    g_opt = torch.optim.Adam([*g_ab.parameters(), *g_ba.parameters()], lr=1e-3, betas=BETAS)
    d_opt = torch.optim.Adam([*d_a.parameters(), *d_b.parameters()], lr=1e-3, betas=BETAS)
    history = {"discriminators": [], "translators": []}
    for _ in range(n_steps):
        a, b = sample_domain(a_means, A_STD, batch_size)[0].to(device), sample_domain(b_means, B_STD, batch_size)[0].to(device)
        d_loss = prior_discriminator_loss(d_b, b, g_ab(a)) + prior_discriminator_loss(d_a, a, g_ba(b))
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        g_loss = cycle_generator_loss(g_ab, g_ba, d_a, d_b, a, b, cycle_weight)
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
        history["discriminators"].append(float(d_loss.detach()))
        history["translators"].append(float(g_loss.detach()))
    return g_ab.eval(), g_ba.eval(), history


torch.manual_seed(0)
cycle_g_ab, cycle_g_ba, cycle_history = train_cycle_gan()
plot_curves(cycle_history, xlabel="step")
plt.show()

# %% [markdown]
# You should see each mode of $A$ (colour) translated onto a mode of $B$ of its own, and the round
# trip back on its starting mode. Try `train_cycle_gan(cycle_weight=0)`: the translations still land
# on modes of $B$ and the round trips on modes of $A$, but hardly ever on their own.

# %%
with torch.no_grad():
    a_points, a_modes = sample_domain(a_means, A_STD, 4000)
    translated = cycle_g_ab(a_points.to(device)).cpu()
    round_trip = cycle_g_ba(translated.to(device)).cpu()
cycle_on_b = float((torch.cdist(translated, b_means).min(dim=1).values <= 3 * B_STD).float().mean())
cycle_home = float(((round_trip - a_means[a_modes]).norm(dim=1) <= 3 * A_STD).float().mean())
cycle_targets = len({int(torch.cdist(translated[a_modes == k], b_means).argmin(dim=1).mode().values) for k in range(8)})
fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
axes[0].scatter(*a_points[:800].T, c=a_modes[:800], cmap="tab10", vmin=0, vmax=9, s=3, alpha=0.3)
for ax, points, means, title in [(axes[0], translated, b_means, "A (faint) and G_AB(a)"),
                                 (axes[1], round_trip, a_means, "G_BA(G_AB(a))")]:
    ax.scatter(*points[:800].T, c=a_modes[:800], cmap="tab10", vmin=0, vmax=9, s=4)
    ax.scatter(*means.T, marker="x", c="k", s=40)
    ax.set(title=title, aspect="equal")
plt.show()
print(f"{cycle_on_b:.1%} of translations within 3 std of a mode of B; the 8 modes of A go to {cycle_targets} "
      f"modes of B; {cycle_home:.1%} of round trips end within 3 std of their own mode")

# %% nbgrader={"grade": true, "grade_id": "test_cycle_translation", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""The `cycle_g_ab` and `cycle_g_ba` trained above, on 4000 new points of A: at least 80% of the
translations lie within 3 std of a mode of B, the 8 modes of A go to 8 different modes of B, and at
least 80% of the round trips end within 3 std of their own mode; after checks of the losses training uses."""
import math
import torch
from torch import nn
from torch.nn import functional as F
from course_utils.checks import as_float, as_tensor, check_close, check_in_range, prerequisite
from course_utils.data import ring_means
from course_utils.verdict import run_test


def inputs(given, rng):
    given.seed, given.n = 66, 4000


def probe(given, seen):
    identity, points = nn.Identity(), torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=torch.float64)
    seen.pre_cycle = cycle_consistency_loss(identity, identity, points, points)
    seen.pre_shifted = cycle_consistency_loss(lambda x: x + 1, lambda x: x - 0.5, points, points)
    seen.pre_generator = cycle_generator_loss(lambda x: x + 1, lambda x: x - 0.5, lambda x: x[:, 0], lambda x: x[:, 1],
                                              points, points.flip(0), 3.0)
    generator = torch.Generator().manual_seed(given.seed)
    modes = torch.randint(8, (given.n,), generator=generator)
    a = ring_means()[modes] + 0.1 * torch.randn(given.n, 2, generator=generator)
    with torch.no_grad():
        seen.translated = cycle_g_ab(a.to(device))
        seen.round_trip = cycle_g_ba(seen.translated)


def judge(given, seen):
    with prerequisite("cycle_consistency_loss", "test_cycle_losses"):
        check_close("cycle_consistency_loss(identity, identity, a, b)", as_float(seen.pre_cycle, "cycle_consistency_loss"),
                    0.0, atol=1e-9)
        check_close("cycle_consistency_loss of translators shifting by +1 and -0.5",
                    as_float(seen.pre_shifted, "cycle_consistency_loss"), 1.0, atol=1e-9)
    with prerequisite("cycle_generator_loss", "test_cycle_losses"):
        points = torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=torch.float64)
        adversarial = F.softplus(-(points[:, 1] + 1)).mean() + F.softplus(-(points.flip(0)[:, 0] - 0.5)).mean()
        check_close("cycle_generator_loss of shifting translators and linear discriminators, cycle_weight 3",
                    as_float(seen.pre_generator, "cycle_generator_loss"), float(adversarial) + 3.0, atol=1e-9)
    generator = torch.Generator().manual_seed(given.seed)  # the points the probe translated, drawn again here
    modes = torch.randint(8, (given.n,), generator=generator)
    a_means = ring_means()
    angles = 2 * math.pi * torch.arange(8) / 8 + math.pi / 8
    b_means = torch.stack([angles.cos(), angles.sin()], dim=1)
    translated = as_tensor(seen.translated, "cycle_g_ab(a)", shape=(given.n, 2)).float()
    round_trip = as_tensor(seen.round_trip, "cycle_g_ba(cycle_g_ab(a))", shape=(given.n, 2)).float()
    distance, nearest = torch.cdist(translated, b_means).min(dim=1)
    on_b = float((distance <= 3 * 0.05).float().mean())
    targets = {int(nearest[modes == k].mode().values) for k in range(8)}
    home = float(((round_trip - a_means[modes]).norm(dim=1) <= 3 * 0.1).float().mean())
    hint = "train with train_cycle_gan as above (cycle_weight 10); the solution: about 0.98 and 0.99."
    check_in_range("fraction of translations within 3 std of a mode of B", on_b, 0.8, 1.0, hint=hint)
    check_in_range("modes of B that the 8 modes of A go to", len(targets), 8, 8,
                   hint="the cycle loss makes the translation one to one: " + hint)
    check_in_range("fraction of round trips within 3 std of their own mode", home, 0.8, 1.0, hint=hint)
    ### BEGIN HIDDEN TESTS
    check_in_range("fraction of translations within 3 std of a mode of B", on_b, 0.9, 1.0, hint=hint)
    check_in_range("fraction of round trips within 3 std of their own mode", home, 0.9, 1.0, hint=hint)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ### Measured on your implementation
#
# The next cell saves the numbers for the course benchmark (`course bench`), next to their
# baselines.

# %%
from course_utils.metrics import write_metrics

write_metrics("a6_gan_family", [
    (f"WGAN-GP ring, {WGAN_STEPS} steps: modes captured (of 8)", wgan_score["modes_captured"], "perfect sampler 8"),
    (f"WGAN-GP ring, {WGAN_STEPS} steps: high-quality fraction", wgan_score["high_quality"],
     "perfect sampler 0.989, uniform circle 0.198"),
    (f"conditional GAN digits, {CGAN_STEPS} steps: label agreement", cgan_agreement, "chance 0.100"),
    (f"conditional GAN digits, {CGAN_STEPS} steps: confident fraction (p > 0.9)", cgan_score["confident_fraction"],
     f"real test digits {real_score['confident_fraction']:.3f}"),
    (f"conditional GAN digits, {CGAN_STEPS} steps: inception-like score", cgan_score["inception_score"],
     f"real test digits {real_score['inception_score']:.2f}"),
    (f"InfoGAN ring, {INFO_STEPS} steps: code purity", info_purity, f"lambda = 0: {plain_purity:.3f}"),
    (f"InfoGAN ring, {INFO_STEPS} steps: distinct modes of the 8 codes", info_modes, f"lambda = 0: {plain_modes}"),
    (f"InfoGAN ring, {INFO_STEPS} steps: high-quality fraction", info_score["high_quality"], "perfect sampler 0.989"),
    (f"AAE digits, {AAE_STEPS} steps: test codes within 3 prior std of a mode", aae_prior_score["high_quality"],
     f"plain autoencoder {ae_prior_score['high_quality']:.3f}, the prior 0.989"),
    (f"AAE digits, {AAE_STEPS} steps: test reconstruction MSE", aae_mse,
     f"plain autoencoder {ae_mse:.4f}, the mean image {mean_image_mse:.4f}"),
    (f"AAE digits, {AAE_STEPS} steps: inception-like score of decoded prior samples",
     aae_generated_score["inception_score"], f"plain autoencoder {ae_generated_score['inception_score']:.2f}"),
    (f"CycleGAN rings, {CYCLE_STEPS} steps: translations on a mode of B", cycle_on_b, "perfect 0.989"),
    (f"CycleGAN rings, {CYCLE_STEPS} steps: round trips home", cycle_home,
     "a random mode 0.125, a perfect inverse 0.989"),
])

# %% [markdown]
# ## What to take away
#
# - The critic of a Wasserstein GAN scores, it does not classify: its losses are plain means,
#   and its Lipschitz constraint is a penalty on a gradient, trained through that gradient.
# - Conditioning is an extra input to both players. A discriminator that also rejects real
#   images with wrong labels is what makes the generator draw the digit it is asked for.
# - InfoGAN gives meaning to a code without any labels: the generator is paid for making the
#   code readable, and a shared head $Q$ reads it.
# - A GAN need not play on images: the adversarial autoencoder plays it on the codes, and the
#   encoder, as the generator, shapes their distribution into the prior, which the decoder then
#   turns into a generative model.
# - Without pairs, adversarial losses only match distributions; the cycle loss makes the two
#   translators inverse maps, so each input keeps what it was (here, its mode) in translation.
