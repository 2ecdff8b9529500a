# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 6: the GAN family
#
# Lecture 4's GAN learns one distribution $p(x)$ from samples. Most of what came after it keeps
# the game and changes **what is generated from what**:
#
# | idea | the generator gets | the discriminator judges | where |
# |---|---|---|---|
# | conditional GAN | noise and a label | (image, label) pairs | assignment 6, section 2 |
# | text to image | noise and a sentence | (image, sentence) pairs, wrong sentences as negatives | assignment 6, section 2 |
# | LAPGAN | noise and a blurred image | (blurred image, detail) pairs | section 1 |
# | pix2pix | an input image (and noise) | (input, output) pairs | section 2 |
# | CycleGAN | an image of the other domain | images of one domain | section 3 |
# | InfoGAN | noise and a code it must keep readable | images (and a head reads the code back) | assignment 6, section 3 |
# | adversarial autoencoder | (it is the encoder) | codes against samples of a prior | assignment 6, section 4 |
# | WGAN-GP | noise | with a critic of bounded slope, not a classifier | assignment 6, section 1 |
#
# Assignment 6 has you build and train the conditional GAN, InfoGAN, the adversarial autoencoder
# and WGAN-GP. This lecture covers the other three ideas, on data small enough to train while
# you watch.
#
# **What you will learn**
#
# * the Laplacian pyramid, which LAPGAN generates one level at a time, and why rebuilding an
#   image from it is exact;
# * why a regression loss alone cannot translate an input whose output is ambiguous, and what
#   pix2pix's conditional discriminator adds;
# * why two GANs between unpaired domains match the distributions but lose the content, and how
#   a cycle loss restores it.

# %%
import torch
from torch.nn import functional as F

from course_utils.data import load_digits, sample_mixture
from course_utils.device import setup
from course_utils.metrics import write_metrics
from course_utils.toy_gans import BETAS, mlp
from course_utils.widgets_gan_family import cycle_explorer, paired_translation_explorer, pyramid_explorer

device = setup(seed=0)
digits = load_digits("unit")
test_digits = digits.test_images.double()  # (360, 1, 8, 8), pixels in [0, 1]

# %% [markdown]
# ## 1. LAPGAN: generating coarse to fine
#
# A Laplacian pyramid writes an image as a small, coarse image plus the details that each
# doubling of the resolution adds. With $d$ the 2x2 average (halving each side) and $u$ the
# copy of each pixel into a 2x2 block (doubling it), starting from $I_0 = I$:
#
# $$I_{k+1} = d(I_k), \qquad h_k = I_k - u(I_{k+1}),$$
#
# and the pyramid of an 8x8 digit with two levels is $(h_0, h_1, I_2)$: an 8x8 detail, a 4x4
# detail and a 2x2 top. Going back up, $I_k = u(I_{k+1}) + h_k$ gives the image again, **exactly**:
# each detail is defined as what the upsampled coarser image misses. Two more properties follow
# from the definitions: every 2x2 block of a detail averages to zero (the average went to the
# coarser level), so a detail is orthogonal to every upsampled image, and the squared pixels add
# up level by level, $\|I\|^2 = \|h_0\|^2 + 4\|h_1\|^2 + 16\|I_2\|^2$ (a pixel of the top stands
# for 16 pixels of the digit).

# %%
def downsample(images: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(images, 2)


def upsample(images: torch.Tensor) -> torch.Tensor:
    return F.interpolate(images, scale_factor=2, mode="nearest")


def laplacian_pyramid(images: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """[h_0, ..., h_{levels-1}, I_levels]: the details from fine to coarse, then the top."""
    details = []
    for _ in range(levels):
        coarser = downsample(images)
        details.append(images - upsample(coarser))
        images = coarser
    return [*details, images]


def reconstruct(pyramid: list[torch.Tensor]) -> torch.Tensor:
    *details, image = pyramid
    for detail in reversed(details):
        image = upsample(image) + detail
    return image


levels = laplacian_pyramid(test_digits, 2)
rebuild_error = float((reconstruct(levels) - test_digits).abs().max())
block_mean = max(float(downsample(detail).abs().max()) for detail in levels[:-1])
energy = [float((level**2).sum()) * 64 / level[0, 0].numel() for level in levels]
energy_gap = abs(sum(energy) / float((test_digits**2).sum()) - 1)
share = {name: e / sum(energy) for name, e in zip(("8x8 detail", "4x4 detail", "top"), energy)}
print(f"largest rebuild error over the {len(test_digits)} test digits: {rebuild_error:.1e}")
print(f"largest 2x2 block mean of a detail: {block_mean:.1e}; energy identity off by {energy_gap:.1e}")
print("share of the energy:", {name: round(s, 3) for name, s in share.items()})

# %% [markdown] checks=["rebuild_error ~ 0 +- 1e-15", "block_mean ~ 0 +- 1e-15", "energy_gap ~ 0 +- 1e-12", "share['top'] ~ 0.445 +- 0.005", "share['4x4 detail'] ~ 0.342 +- 0.005", "share['8x8 detail'] ~ 0.213 +- 0.005"]
# Over all 360 test digits the rebuilt images equal the originals (here not even a rounding
# error: the pixels are multiples of 1/16, which float64 adds exactly), every block of a detail
# averages to zero and the energies add up. The 2x2 top holds 45% of the digits' energy, the 4x4
# detail 34% and the 8x8 detail 21%: most of a digit is in its details.
#
# **LAPGAN** (Denton et al., 2015) makes this a generative model: one GAN samples the top, and
# at each finer level a conditional GAN samples the detail *given the upsampled coarser image*,
# $\tilde h_k = G_k(z_k, u(\tilde I_{k+1}))$, with a discriminator that sees (upsampled image,
# detail) pairs. Then $\tilde I_k = u(\tilde I_{k+1}) + \tilde h_k$, exactly the rebuild above.
# Each generator has a small problem (a detail is sparse, centred on zero, and only has to fit
# the blurred image it is given), and a generator that outputs no detail at all still gives a
# blurred but sensible image. Slide the detail sliders to 0 to see what each level adds: the 2x2
# top is a blob, the 4x4 detail gives the digit its shape, the 8x8 detail its strokes.

# %%
pyramid_explorer(digits.test_images[:40], laplacian_pyramid, reconstruct)

# %% [markdown]
# ## 2. pix2pix: translating an input, and why L1 alone cannot
#
# pix2pix (Isola et al., 2017) learns a map from input images $x$ (edges, label maps, a
# daytime photo) to output images $y$ from **pairs** $(x, y)$. Its generator minimises
#
# $$\mathcal L(G) = \underbrace{\mathbb E\big[-\log D(x, G(x, z))\big]}_{\text{adversarial}}
#   + \lambda\, \underbrace{\mathbb E\,\big|y - G(x, z)\big|}_{\text{L1}},$$
#
# and its discriminator sees $(x, y)$ pairs, real or generated: it judges whether the output
# fits *its input*. Why not regression alone? When an input has several right outputs, the
# best regression answer is none of them. For two equally likely answers $\pm h$,
#
# $$\mathbb E\,|y - Y| = \tfrac12 |y - h| + \tfrac12 |y + h| = h \quad \text{for every } y \in [-h, h]:$$
#
# the L1 loss is flat between the answers, so it cannot prefer a right answer to a wrong one in
# between (the squared error is worse: it prefers the midpoint, the mean). In images this is the
# familiar blur: an average of possible edges is grey. The discriminator can tell a right answer
# from the space between them, and the noise $z$ lets the generator give either one.
#
# The smallest case: inputs $x$ in $[-0.9, 0.9]$, and outputs on the unit circle above *or*
# below, $y = \pm\sqrt{1 - x^2}$ (plus noise of standard deviation 0.03). Both generators are
# the same MLP of $(x, z)$; one is trained with L1 only, one with L1 plus the conditional
# adversarial loss ($\lambda = 1$), for 1500 steps of batch 256.

# %%
PAIR_NOISE, PAIR_STEPS, BATCH = 0.03, 1500, 256


def circle_pairs(n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.rand(n, 1, generator=generator) * 1.8 - 0.9
    side = torch.where(torch.rand(n, 1, generator=generator) < 0.5, -1.0, 1.0)
    return x, side * (1 - x**2).sqrt() + PAIR_NOISE * torch.randn(n, 1, generator=generator)


def right_answers(x: torch.Tensor) -> torch.Tensor:
    top = (1 - x**2).sqrt()
    return torch.cat([top, -top], dim=1)


def bce(logits: torch.Tensor, real: bool) -> torch.Tensor:
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    return F.binary_cross_entropy_with_logits(logits, target)


def train_pix2pix(adversarial: bool, l1_weight: float = 1.0, seed: int = 0):
    torch.manual_seed(seed)
    data = torch.Generator().manual_seed(seed)
    G, D = mlp(2, 1, hidden=64).to(device), mlp(2, 1, hidden=64).to(device)
    g_opt = torch.optim.Adam(G.parameters(), lr=1e-3, betas=BETAS)
    d_opt = torch.optim.Adam(D.parameters(), lr=1e-3, betas=BETAS)
    for _ in range(PAIR_STEPS):
        x, y = (t.to(device) for t in circle_pairs(BATCH, data))
        z = torch.randn(BATCH, 1, generator=data).to(device)
        fake = G(torch.cat([x, z], dim=1))
        loss = l1_weight * (fake - y).abs().mean()
        if adversarial:
            d_loss = bce(D(torch.cat([x, y], 1)), True) + bce(D(torch.cat([x, fake.detach()], 1)), False)
            d_opt.zero_grad()
            d_loss.backward()
            d_opt.step()
            loss = loss + bce(D(torch.cat([x, fake], 1)), True)
        g_opt.zero_grad()
        loss.backward()
        g_opt.step()
    G = G.cpu().eval()
    return lambda x, z: G(torch.cat([x, z], dim=1))


def translation_scores(translate) -> dict:
    x, y = circle_pairs(4000, torch.Generator().manual_seed(1))
    with torch.no_grad():
        out = translate(x, torch.randn(4000, 1, generator=torch.Generator().manual_seed(2)))
    miss = (out - right_answers(x)).abs().min(dim=1).values
    return {"near": float((miss <= 3 * PAIR_NOISE).double().mean()),
            "above": float((out > 0).double().mean()),
            "l1": float((out - y).abs().mean())}  # fmt: skip


translators = {"L1 only": train_pix2pix(False), "L1 + adversarial": train_pix2pix(True)}
pix2pix_scores = {name: translation_scores(t) for name, t in translators.items()}
for name, s in pix2pix_scores.items():
    print(f"{name}: {s['near']:.1%} of outputs within 0.09 of a right answer, {s['above']:.0%} above 0,"
          f" L1 error {s['l1']:.3f}")

# %% [markdown] checks=["pix2pix_scores['L1 only']['near'] ~ 0 +- 0.005", "pix2pix_scores['L1 + adversarial']['near'] ~ 0.987 +- 0.01", "pix2pix_scores['L1 + adversarial']['above'] ~ 0.5 +- 0.06", "pix2pix_scores['L1 only']['l1'] ~ 0.839 +- 0.005", "pix2pix_scores['L1 + adversarial']['l1'] ~ 0.845 +- 0.005"]
# With L1 only, none of the outputs is within 0.09 (three noise deviations) of a right answer:
# the generator settles somewhere between the two halves of the circle. With the adversarial
# term, 98.7% are, about half of them above and the rest below (45-55% over the seeds and
# CPUs we tried): the generator uses $z$ to choose a half. Yet the L1 errors of the two are
# nearly the same, 0.839 and 0.845: measured against the pairs, a wrong answer in between costs what a right one does. That is why pix2pix
# needs the discriminator, and why its L1 term is still useful: it ties the output to *this*
# input (here, to the right $x$), which the adversarial loss alone does only through $D$.
# (pix2pix itself feeds its noise in as dropout; an explicit $z$ is the clearer toy.)
#
# Move the input: the histogram of the outputs at one $x$ sits between the dashed right
# answers for L1 only, and on them for L1 + adversarial.

# %%
pairs = circle_pairs(2000, torch.Generator().manual_seed(3))
paired_translation_explorer(translators, pairs, right_answers, tolerance=3 * PAIR_NOISE)

# %% [markdown]
# ## 3. CycleGAN: translating without pairs
#
# Often there are no pairs: photos and paintings, horses and zebras, but never the same scene
# in both. CycleGAN (Zhu et al., 2017) trains two generators, $G: A \to B$ and $F: B \to A$,
# each with its own discriminator ($D_B$ tells real $b$ from $G(a)$, $D_A$ real $a$ from
# $F(b)$). Adversarial losses alone only ask that $G(A)$ *look like* $B$: any map that pushes
# the distribution of $A$ onto that of $B$ wins, whether or not $G(a)$ keeps anything of $a$.
# The **cycle loss** asks that a round trip come back:
#
# $$\mathcal L_{\text{cyc}} = \mathbb E_a\,\big|F(G(a)) - a\big| + \mathbb E_b\,\big|G(F(b)) - b\big|,$$
#
# added with a weight $\lambda$ to both generators' adversarial losses. Then $G$ and $F$ must
# be (nearly) inverse maps: $G$ cannot send two modes of $A$ to one mode of $B$, and what $a$
# was survives in $G(a)$.
#
# Two 2D mixtures of four Gaussians (standard deviation 0.1): $A$ on the corners of a square,
# $B$ on the axes. Both trainings run 1500 steps with the same networks, once with $\lambda = 0$
# and once with $\lambda = 10$. We measure whether $G(a)$ lands on a mode of $B$ (within 3
# standard deviations) and whether the round trip $F(G(a))$ returns to the mode of $A$ that $a$
# came from (chance: 25%).

# %%
MODE_STD, CYCLE_STEPS = 0.1, 1500
a_means = torch.tensor([[1.5, 1.5], [-1.5, 1.5], [-1.5, -1.5], [1.5, -1.5]])
b_means = torch.tensor([[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [0.0, -2.0]])


def train_cycle(cycle_weight: float, seed: int = 0):
    torch.manual_seed(seed)
    data = torch.Generator().manual_seed(seed)
    G, F_, D_A, D_B = (mlp(2, n, hidden=64).to(device) for n in (2, 2, 1, 1))
    g_opt = torch.optim.Adam([*G.parameters(), *F_.parameters()], lr=1e-3, betas=BETAS)
    d_opt = torch.optim.Adam([*D_A.parameters(), *D_B.parameters()], lr=1e-3, betas=BETAS)
    for _ in range(CYCLE_STEPS):
        a = sample_mixture(a_means, BATCH, MODE_STD, data).to(device)
        b = sample_mixture(b_means, BATCH, MODE_STD, data).to(device)
        fake_b, fake_a = G(a), F_(b)
        d_loss = (bce(D_B(b), True) + bce(D_B(fake_b.detach()), False)
                  + bce(D_A(a), True) + bce(D_A(fake_a.detach()), False))  # fmt: skip
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        cycle = (F_(fake_b) - a).abs().mean() + (G(fake_a) - b).abs().mean()
        g_loss = bce(D_B(fake_b), True) + bce(D_A(fake_a), True) + cycle_weight * cycle
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
    return G.cpu().eval(), F_.cpu().eval()


def cycle_scores(G, F_) -> dict:
    which = torch.arange(4000) % 4
    a = a_means[which] + MODE_STD * torch.randn(4000, 2, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        translated = G(a)
        back = F_(translated)
    distance, nearest = torch.cdist(translated, b_means).min(dim=1)
    home = (back - a_means[which]).norm(dim=1) <= 3 * MODE_STD
    targets = {int(nearest[which == k].mode().values) for k in range(len(a_means))}  # each A mode's usual B mode
    return {"on_b": float((distance <= 3 * MODE_STD).double().mean()), "b_modes": len(targets),
            "home": float(home.double().mean())}  # fmt: skip


cycles = {"adversarial only (λ = 0)": train_cycle(0.0), "with the cycle loss (λ = 10)": train_cycle(10.0)}
cycle_results = {name: cycle_scores(*pair) for name, pair in cycles.items()}
for name, s in cycle_results.items():
    print(f"{name}: {s['on_b']:.1%} of G(a) on a mode of B, the 4 modes of A sent to {s['b_modes']} of them,"
          f" {s['home']:.1%} of round trips back home")

# %% [markdown] checks=["cycle_results['adversarial only (λ = 0)']['on_b'] ~ 1.0 +- 0.005", "cycle_results['adversarial only (λ = 0)']['b_modes'] ~ 2 +- 0", "cycle_results['with the cycle loss (λ = 10)']['b_modes'] ~ 4 +- 0", "cycle_results['adversarial only (λ = 0)']['home'] ~ 0.25 +- 0.25", "cycle_results['with the cycle loss (λ = 10)']['on_b'] ~ 0.99 +- 0.01", "cycle_results['with the cycle loss (λ = 10)']['home'] ~ 0.99 +- 0.01"]
# Without the cycle, every translation lands on a mode of $B$, so each point of $G(A)$ looks
# right to $D_B$. But the four modes of $A$ go to only two modes of $B$: $G$ has collapsed pairs
# of modes together, and what told them apart is lost. At most half of the round trips return to
# the mode they started from (44% and 47% for this seed on two different CPUs; between 0% and
# 50% over seeds 0-5): $F$ was trained as a separate GAN and has no reason to undo $G$. With
# the cycle loss, 99% of the translations are on $B$, the four modes of $A$ go to four different
# modes of $B$, and 98-99% of the round trips come home. Which mode a point came from is now the
# content that survives translation. (Which mode of $B$ a mode of $A$ gets is still arbitrary:
# the data has no pairs to say.)
#
# Choose a source mode to follow it through: without the cycle, two modes of $A$ share one mode
# of $B$, and their round trips cannot both come home.

# %%
a_points = a_means[torch.arange(800) % 4] + MODE_STD * torch.randn(800, 2, generator=torch.Generator().manual_seed(4))
cycle_explorer(cycles, a_points, torch.arange(800) % 4, a_means, b_means, MODE_STD)

# %%
rows = [
    ("pyramid rebuild error (max, 360 test digits)", rebuild_error, "exact: float64 rounding"),
    ("pix2pix toy: outputs on a right answer, L1 only", pix2pix_scores["L1 only"]["near"], "0 for the midpoint"),
    ("pix2pix toy: outputs on a right answer, L1 + adversarial", pix2pix_scores["L1 + adversarial"]["near"], "perfect 0.997"),
    ("cycle toy: round trips home, lambda = 0", cycle_results["adversarial only (λ = 0)"]["home"], "chance 0.25"),
    ("cycle toy: round trips home, lambda = 10", cycle_results["with the cycle loss (λ = 10)"]["home"], "perfect 1.0"),
]  # fmt: skip
write_metrics("l6_gan_family", rows)

# %% [markdown]
# ## Summary
#
# * A Laplacian pyramid rebuilds its image exactly; LAPGAN samples it level by level, each GAN
#   adding the detail of one resolution to the upsampled coarser image.
# * When an input has several right outputs, a regression loss is indifferent between them and
#   what lies in between (L1) or prefers what lies in between (L2). A discriminator on (input,
#   output) pairs pushes outputs onto the right answers; pix2pix adds it to an L1 loss.
# * Between unpaired domains, adversarial losses match distributions but not content. A cycle
#   loss makes the two translators inverse maps, so what an input was survives translation.
#
# **References.** Denton, Chintala, Szlam, Fergus, *Deep Generative Image Models using a
# Laplacian Pyramid of Adversarial Networks* (2015); Isola, Zhu, Zhou, Efros, *Image-to-Image
# Translation with Conditional Adversarial Networks* (2017); Zhu, Park, Isola, Efros, *Unpaired
# Image-to-Image Translation using Cycle-Consistent Adversarial Networks* (2017); Mirza and
# Osindero (2014); Reed et al. (2016); Chen et al., InfoGAN (2016); Makhzani et al.,
# adversarial autoencoders (2016); Gulrajani et al., WGAN-GP (2017).
