# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 1: an exact likelihood, from the chain rule to a PixelCNN
#
# Any distribution over $D$ binary pixels can be written, without approximation, as a
# product of one-dimensional conditionals (the chain rule of probability):
#
# $$p(\mathbf x) = \prod_{i=1}^{D} p(x_i \mid x_1, \dots, x_{i-1}).$$
#
# An *autoregressive* model learns each conditional with a neural network. If the network
# that predicts pixel $i$ never looks at pixels $i, i+1, \dots, D$, then $\log p(\mathbf x)$
# is a sum of $D$ terms we can compute exactly, train by maximum likelihood, and sample
# from one pixel at a time. A PixelCNN (van den Oord et al., 2016) gets this property from
# *masked convolutions* and computes all $D$ conditionals in one forward pass.
#
# **What you will do**
# 1. Compute $\log p(\mathbf x)$ from the conditional logits, stably.
# 2. Implement a masked convolution (type A and type B masks).
# 3. Build a PixelCNN and prove, through gradients, that it is causal: the logit of every
#    pixel depends only on the pixels before it in raster-scan order.
# 4. Check that its probabilities over all tiny binary images sum to exactly 1.
# 5. Train it on binarized 8x8 digits with early stopping, report the negative
#    log-likelihood (NLL) in nats and bits per dimension, and beat two baselines.
# 6. Sample new digits pixel by pixel.
#
# Pixels are ordered in **raster-scan order**: row by row from the top, left to right in a
# row. Images are tensors of shape `(B, 1, H, W)` with values in $\{0, 1\}$. Run the cells
# from top to bottom; each exercise is followed by a cell that shows what you should see
# and a test cell.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import math
import time

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F

from course_utils.checks import as_tensor, check_close, check_true
from course_utils.data import load_digits, train_val_split
from course_utils.device import seed_everything, setup
from course_utils.metrics import write_metrics
from course_utils.plotting import image_grid, plot_curves
from course_utils.training import train

device = setup(seed=0)
# Tiny float32 values (denormals) are very slow on some CPUs; a model that becomes
# (too) certain produces many. Flushing them to zero changes no result that matters here.
torch.set_flush_denormal(True)

# %% [markdown]
# ## 1. The log-likelihood of an autoregressive model
#
# Each conditional of a binary pixel is a Bernoulli distribution. The network outputs its
# **logit** $\ell_i$, and $p(x_i = 1 \mid \mathbf x_{<i}) = \sigma(\ell_i)$ with
# $\sigma(t) = 1 / (1 + e^{-t})$. So
#
# $$\log p(\mathbf x) = \sum_{i=1}^{D} \Big[x_i \log \sigma(\ell_i) + (1 - x_i)\log \sigma(-\ell_i)\Big],
# \qquad \text{since } 1 - \sigma(t) = \sigma(-t).$$
#
# Computing `torch.log(torch.sigmoid(l))` fails for large $|\ell|$: in float32
# $\sigma(-100)$ underflows to $0$ and its log is $-\infty$. Use a function that computes
# $\log\sigma$ directly (look at `torch.nn.functional`); then a logit of size 100 gives a
# log-probability of $-100$ (or about $0$), never `inf` or `nan`.
#
# Implement `autoregressive_log_prob(cond_logits, x)` for flattened images: `cond_logits`
# and `x` both have shape `(B, D)`. Return one log-probability per example, shape `(B,)`,
# in nats, **summed** over the $D$ pixels.

# %% nbgrader={"grade": false, "grade_id": "autoregressive_log_prob", "locked": false, "schema_version": 3, "solution": true, "task": false}
def autoregressive_log_prob(cond_logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log p(x) = sum_i log p(x_i | x_<i) under Bernoulli conditionals.

    cond_logits: (B, D) logits of p(x_i = 1 | x_<i), any float dtype.
    x: (B, D) binary values (0 or 1).
    Returns (B,): log-probabilities in nats, finite even for logits of size 100.
    """
    ### BEGIN SOLUTION
    cond_logits = torch.as_tensor(cond_logits)
    x = torch.as_tensor(x, dtype=cond_logits.dtype, device=cond_logits.device)
    per_pixel = x * F.logsigmoid(cond_logits) + (1 - x) * F.logsigmoid(-cond_logits)
    return per_pixel.sum(dim=1)
    ### END SOLUTION


# %% [markdown] checks=["autoregressive_log_prob(example_logits, example_x)[0] ~ -4.133 +- 0.0005", "autoregressive_log_prob(example_logits, example_x)[1] ~ 0 +- 1e-6", "autoregressive_log_prob(example_logits, example_x)[2] ~ -101.39 +- 0.005"]
# You should see three log-probabilities: $-4.133$
# for the first image, $0$ for an image
# the logits predict with certainty, and $-101.39$ for the last: its first pixel, a $0$
# whose logit is $+100$, costs 100 nats, and the two coin flips $2 \ln 2 \approx 1.39$.

# %%
example_logits = torch.tensor([[0.0, 2.0, -1.0], [100.0, -100.0, 100.0], [100.0, 0.0, 0.0]])
example_x = torch.tensor([[1.0, 0.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
print(autoregressive_log_prob(example_logits, example_x))

# %% nbgrader={"grade": true, "grade_id": "test_autoregressive_log_prob", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""autoregressive_log_prob: values on a small example, the sum over pixels, and stability for logits of size 100."""
import math

import torch
from course_utils.checks import check_close
from course_utils.verdict import run_test


def inputs(given, rng):
    given.logits = torch.tensor([[0.0, 2.0, -1.0], [1.5, -0.5, 3.0]], dtype=torch.float32)
    given.bits = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]], dtype=torch.float32)
    # logits of size 100 that the pixel contradicts (a 0 under +100, a 1 under -100) and confirms
    given.sharp = torch.tensor([[100.0, -100.0, 100.0], [-100.0, 100.0, 0.0]], dtype=torch.float32)
    given.x_sharp = torch.tensor([[0.0, 0.0, 1.0], [1.0, 1.0, 1.0]], dtype=torch.float32)
    ### BEGIN HIDDEN TESTS
    signs = rng.choice([-1.0, 1.0], size=(2, 4))
    flip = rng.random((2, 4)) < 0.5
    flip[:, 0], flip[:, 1] = True, False  # every image has a pixel its logit gets wrong, and one it gets right
    given.big = torch.tensor(100.0 * signs, dtype=torch.float32)
    given.x_big = torch.tensor((signs > 0) != flip, dtype=torch.float32)
    given.logits64 = torch.tensor(4 * rng.normal(size=(6, 20)), dtype=torch.float64)
    given.bits64 = torch.tensor(rng.random((6, 20)) < 0.5, dtype=torch.float64)
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.log_p = autoregressive_log_prob(given.logits, given.bits)
    seen.sharp = autoregressive_log_prob(given.sharp, given.x_sharp)
    ### BEGIN HIDDEN TESTS
    seen.big = autoregressive_log_prob(given.big, given.x_big)
    seen.log_p64 = autoregressive_log_prob(given.logits64, given.bits64)
    seen.log_p32 = autoregressive_log_prob(given.logits64.float(), given.bits64.float())
    ### END HIDDEN TESTS


def judge(given, seen):
    def log_sigmoid(t: float) -> float:
        return -math.log1p(math.exp(-t)) if t > 0 else t - math.log1p(math.exp(t))

    def reference(logits, bits):
        return [sum(log_sigmoid(l if b else -l) for l, b in zip(ls, bs))
                for ls, bs in zip(logits.tolist(), bits.tolist())]

    check_close(
        "autoregressive_log_prob(logits, x) for two images of D = 3 pixels",
        seen.log_p, reference(given.logits, given.bits), atol=1e-5,
        hint="sum over pixels of x*log(sigmoid(l)) + (1 - x)*log(sigmoid(-l)); the result is <= 0 and has shape (B,).",
    )
    check_close(
        "autoregressive_log_prob with logits of size 100 (x = [[0, 0, 1], [1, 1, 1]])",
        seen.sharp, reference(given.sharp, given.x_sharp), atol=1e-3,
        hint="log(sigmoid(-100)) is -100, but torch.log(torch.sigmoid(-100.)) is -inf (sigmoid underflows) and"
             " 1 - sigmoid(100) is 0: compute log(sigmoid) directly with F.logsigmoid (or -F.softplus(-l)).",
    )
    ### BEGIN HIDDEN TESTS
    check_close(
        "autoregressive_log_prob with logits of size 100", seen.big, reference(given.big, given.x_big),
        atol=1e-3, hint="log(sigmoid(-100)) is -100, not -inf: compute log(sigmoid) with F.logsigmoid (or softplus).",
    )
    expected = reference(given.logits64, given.bits64)
    check_close("autoregressive_log_prob on 6 images of 20 pixels (float64)", seen.log_p64, expected, atol=1e-6,
                hint="one value per image: the sum (not the mean) of the per-pixel log-probabilities.")
    check_close("autoregressive_log_prob on float32 inputs", seen.log_p32, expected, atol=1e-3)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 2. Masked convolutions
#
# A convolution computes the output at pixel $(r, c)$ from a $k \times k$ window centred on
# $(r, c)$. To make the output at $(r, c)$ a valid conditional for $x_{r,c}$, we zero the
# kernel weights that would read pixels *after* $(r, c)$ in raster order: every row below
# the centre, and the pixels right of the centre in the centre row. Two kinds of mask:
#
# * **type A** also zeros the centre: the output at $(r, c)$ does not see $x_{r,c}$. Used
#   for the **first** layer, which reads the image.
# * **type B** keeps the centre. Used for every later layer: there the centre holds
#   *features* computed at $(r, c)$, which (thanks to the first layer) already exclude $x_{r,c}$.
#
# For a $5 \times 5$ kernel (1 = kept, 0 = zeroed):
#
# ```
# type A          type B
# 1 1 1 1 1       1 1 1 1 1
# 1 1 1 1 1       1 1 1 1 1
# 1 1 0 0 0       1 1 1 0 0
# 0 0 0 0 0       0 0 0 0 0
# 0 0 0 0 0       0 0 0 0 0
# ```
#
# Implement `MaskedConv2d(mask_type, in_channels, out_channels, kernel_size, **conv_kwargs)`,
# a subclass of `nn.Conv2d` (the keyword arguments, e.g. `padding`, go to `nn.Conv2d`).
# Build the mask in `__init__` (it has the shape of `self.weight`, `(out, in, kh, kw)`;
# `self.kernel_size` is a pair) and store it with `self.register_buffer("mask", ...)` so
# that it moves with `.to(device)`. In `forward`, convolve with `self.weight * self.mask`
# (`self._conv_forward(x, weight, self.bias)` runs `nn.Conv2d`'s convolution with the
# weight you give it). Multiplying in `forward` keeps the masked weights at zero during
# training as well: their gradient is zero too.

# %% nbgrader={"grade": false, "grade_id": "masked_conv", "locked": false, "schema_version": 3, "solution": true, "task": false}
class MaskedConv2d(nn.Conv2d):
    """A 2D convolution whose kernel only sees pixels before the centre in raster-scan order.

    mask_type "A" excludes the centre pixel, "B" includes it. Input (B, in_channels, H, W),
    output (B, out_channels, H', W') as for nn.Conv2d with the same arguments.
    """

    def __init__(self, mask_type: str, in_channels: int, out_channels: int, kernel_size, **conv_kwargs):
        if mask_type not in ("A", "B"):
            raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}")
        super().__init__(in_channels, out_channels, kernel_size, **conv_kwargs)
        self.mask_type = mask_type
        ### BEGIN SOLUTION
        height, width = self.kernel_size
        mask = torch.ones_like(self.weight)
        mask[:, :, height // 2, width // 2 + (mask_type == "B"):] = 0
        mask[:, :, height // 2 + 1:, :] = 0
        self.register_buffer("mask", mask)
        ### END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ### BEGIN SOLUTION
        return self._conv_forward(x, self.weight * self.mask, self.bias)
        ### END SOLUTION


# %% [markdown]
# You should see the two masks of a $5 \times 5$ kernel, as in the table above.

# %%
fig, axes = plt.subplots(1, 2, figsize=(4.5, 2.4))
for ax, kind in zip(axes, "AB"):
    ax.imshow(MaskedConv2d(kind, 1, 1, 5).mask[0, 0].cpu(), cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"type {kind}")
    ax.set_xticks(range(5))
    ax.set_yticks(range(5))
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_masked_conv", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""MaskedConv2d: through gradients, the centre output sees exactly the kernel positions before the centre (A) or up to it (B)."""
import torch
from course_utils.checks import as_list, as_tensor, check_true
from course_utils.verdict import run_test


def inputs(given, rng):
    def case(mask_type, in_channels, out_channels, kernel_size, seed):
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        x = torch.tensor(rng.normal(size=(2, in_channels, kh, kw)), dtype=torch.float32)
        return {"mask_type": mask_type, "in_channels": in_channels, "out_channels": out_channels,
                "kernel_size": kernel_size, "seed": seed, "x": x}

    given.cases = [case("A", 1, 1, 5, 0), case("B", 1, 1, 5, 0)]
    ### BEGIN HIDDEN TESTS
    for mask_type, square in [("A", True), ("B", True), ("A", False), ("B", False)]:
        kh, kw = (int(k) for k in rng.choice([3, 5, 7], size=2))
        in_channels, out_channels = (int(c) for c in rng.integers(1, 6, size=2))
        given.cases.append(case(mask_type, in_channels, out_channels, kh if square else [kh, kw],
                                int(rng.integers(2**31))))
    given.padded_shape = [1, 2, int(rng.integers(3, 9)), int(rng.integers(3, 9))]
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.cases = []
    for case in given.cases:
        torch.manual_seed(case["seed"])
        kernel_size = case["kernel_size"] if isinstance(case["kernel_size"], int) else tuple(case["kernel_size"])
        conv = MaskedConv2d(case["mask_type"], case["in_channels"], case["out_channels"], kernel_size).to(device)
        x = case["x"].to(device).requires_grad_(True)
        out = conv(x)
        record = {"out": out, "out_type": f"{type(out).__module__}.{type(out).__qualname__}",
                  "out_type_name": type(out).__name__, "grad": None, "error": None}
        try:
            grad_outputs = torch.ones(2, case["out_channels"], 1, 1, device=device)
            (record["grad"],) = torch.autograd.grad(out, x, grad_outputs=grad_outputs)
        except (RuntimeError, TypeError, AttributeError) as error:
            record["error"] = str(error)
        seen.cases.append(record)
    ### BEGIN HIDDEN TESTS
    conv = MaskedConv2d("B", 2, 3, 3, padding=1).to(device)
    seen.padded = conv(torch.zeros(*given.padded_shape, device=device))
    ### END HIDDEN TESTS


def judge(given, seen):
    for case, got in zip(given.cases, as_list(seen.cases, "MaskedConv2d results", len(given.cases))):
        mask_type, in_channels, out_channels = case["mask_type"], case["in_channels"], case["out_channels"]
        kernel_size = case["kernel_size"] if isinstance(case["kernel_size"], int) else tuple(case["kernel_size"])
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        name = f"MaskedConv2d({mask_type!r}, {in_channels}, {out_channels}, {kernel_size})"
        check_true(type(got) is dict, f"{name}: the test recorded no result.")
        as_tensor(got["out"], f"{name} on an input of shape (2, {in_channels}, {kh}, {kw})",
                  shape=(2, out_channels, 1, 1),
                  hint="without padding a kh x kw kernel on a kh x kw input gives one output pixel.")
        check_true(got["out_type"] == "torch.Tensor",
                   f"{name}(x) returned {got['out_type_name']}, expected a torch.Tensor.")
        if got["error"] is not None:
            check_true(False, f"could not backpropagate through {name}: {got['error']}",
                       hint="the output must be computed from x with torch operations (no .detach()).")
        grad = as_tensor(got["grad"], f"gradient of {name}(x) with respect to x", shape=(2, in_channels, kh, kw))
        sees_at = grad.abs().sum(dim=(0, 1))
        threshold = 1e-6 * float(sees_at.max())
        for i in range(kh):
            for j in range(kw):
                before = (i, j) < (kh // 2, kw // 2) or (mask_type == "B" and (i, j) == (kh // 2, kw // 2))
                sees = bool(sees_at[i, j] > threshold)
                offset = (f"kernel position (row {i}, col {j}),"
                          f" offset ({i - kh // 2:+d}, {j - kw // 2:+d}) from the centre")
                check_true(not sees or before, (
                    f"{name}: the output depends on the input at {offset}, which comes after the centre"
                    f"{'' if mask_type == 'B' else ' or is the centre'} in raster order; its weight must be masked."
                ), hint="zero every row below the centre, and in the centre row the pixels right of the centre"
                        " (type A: the centre too).")
                check_true(sees or not before, (
                    f"{name}: the output does not depend on the input at {offset}, which comes before the centre"
                    f"{' (or is the centre, kept by type B)' if (i, j) == (kh // 2, kw // 2) else ''};"
                    " the mask hides too much."
                ), hint="keep every row above the centre and the pixels left of the centre in the centre row.")
    ### BEGIN HIDDEN TESTS
    _, channels, height, width = given.padded_shape
    as_tensor(seen.padded, f"MaskedConv2d('B', 2, 3, 3, padding=1) on (1, 2, {height}, {width})",
              shape=(1, 3, height, width), hint="pass the keyword arguments (padding=1) on to nn.Conv2d.")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 3. A PixelCNN
#
# Stack the layers so that causality is preserved at every step:
#
# 1. a **type-A** masked convolution with a $7 \times 7$ kernel from 1 channel to `channels`
#    (padding 3, so the image keeps its size);
# 2. `n_blocks` residual blocks; each computes
#    `x + Conv1x1(ReLU(MaskedConvB_3x3(ReLU(Conv1x1(ReLU(x))))))`, going down to
#    `channels // 2` channels for the $3 \times 3$ type-B convolution (padding 1) and back
#    up ($1 \times 1$ convolutions only mix channels at the same pixel, so they are causal);
# 3. ReLU and a $1 \times 1$ convolution to 1 channel: the logit of every pixel.
#
# `PixelCNN()` must work with no arguments (defaults `channels=64`, `n_blocks=4`) and on
# images of any size. `forward(x)` takes `(B, 1, H, W)` and returns logits `(B, 1, H, W)`.
# Do not use batch normalisation: it mixes examples of a batch.

# %% nbgrader={"grade": false, "grade_id": "pixelcnn", "locked": false, "schema_version": 3, "solution": true, "task": false}
class PixelCNN(nn.Module):
    """Logits (B, 1, H, W) of p(x_(r,c) = 1 | pixels before (r, c)) for binary images (B, 1, H, W)."""

    def __init__(self, channels: int = 64, n_blocks: int = 4):
        super().__init__()
        ### BEGIN SOLUTION
        self.first = MaskedConv2d("A", 1, channels, 7, padding=3)
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.ReLU(), nn.Conv2d(channels, channels // 2, 1),
                nn.ReLU(), MaskedConv2d("B", channels // 2, channels // 2, 3, padding=1),
                nn.ReLU(), nn.Conv2d(channels // 2, channels, 1),
            )
            for _ in range(n_blocks)
        )
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, 1, 1))
        ### END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ### BEGIN SOLUTION
        h = self.first(x)
        for block in self.blocks:
            h = h + block(h)
        return self.head(h)
        ### END SOLUTION


# %% [markdown]
# You should see the logits of a fresh model on a batch of 8x8 images: shape
# `(2, 1, 8, 8)`, values close to 0 (probabilities near 1/2 before training), and about
# 57,000 parameters.

# %%
fresh = PixelCNN().to(device)
fresh_logits = fresh(torch.zeros(2, 1, 8, 8, device=device))
print(tuple(fresh_logits.shape), f"logits in [{fresh_logits.min():.3f}, {fresh_logits.max():.3f}]",
      f"| {sum(p.numel() for p in fresh.parameters()):,} parameters")

# %% nbgrader={"grade": true, "grade_id": "test_pixelcnn_causal", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
"""PixelCNN: logits of the input's shape, and exact causality checked through gradients for every pixel."""
import torch
from course_utils.checks import as_list, as_tensor, check_true, prerequisite
from course_utils.verdict import run_test


def inputs(given, rng):
    def case(height, width, seed):
        x = torch.tensor(rng.random((3, 1, height, width)), dtype=torch.float32)
        return {"height": height, "width": width, "seed": seed, "x": x}

    given.cases = [case(6, 6, 0)]
    ### BEGIN HIDDEN TESTS
    for _ in range(3):
        given.cases.append(case(int(rng.integers(3, 10)), int(rng.integers(3, 10)), int(rng.integers(2**31))))
    ### END HIDDEN TESTS


def probe(given, seen):
    def mask_gradients():  # MaskedConv2d, for the prerequisite check: which inputs reach the centre output
        grads = []
        for mask_type in "AB":
            torch.manual_seed(0)
            conv = MaskedConv2d(mask_type, 2, 2, 3).to(device)
            x = torch.ones(1, 2, 3, 3, device=device, requires_grad=True)
            (grad,) = torch.autograd.grad(conv(x).sum(), x)
            grads.append(grad)
        return grads

    seen.mask_grads = mask_gradients()
    seen.cases = []
    for case in given.cases:
        height, width = case["height"], case["width"]
        torch.manual_seed(case["seed"])
        net = PixelCNN().to(device)
        x = case["x"].to(device).requires_grad_(True)
        logits = net(x)
        record = {"logits": logits, "logits_type": f"{type(logits).__module__}.{type(logits).__qualname__}",
                  "logits_type_name": type(logits).__name__, "grads": None, "error": None}
        grads = []
        try:
            for p in range(height * width):
                r, c = divmod(p, width)
                pick = torch.zeros(3, 1, height, width, device=device)
                pick[:, :, r, c] = 1.0
                (grad,) = torch.autograd.grad(logits, x, grad_outputs=pick, retain_graph=True)
                grads.append(grad)
            record["grads"] = torch.stack(grads)
        except (RuntimeError, TypeError, AttributeError) as error:
            record["error"] = str(error)
        seen.cases.append(record)


def judge(given, seen):
    with prerequisite("MaskedConv2d", "test_masked_conv"):
        for mask_type, grad in zip("AB", as_list(seen.mask_grads, "MaskedConv2d gradients", 2)):
            name = f"MaskedConv2d({mask_type!r}, 2, 2, 3)"
            sees = as_tensor(grad, f"gradient of {name}(x) with respect to x", shape=(1, 2, 3, 3)).abs().sum(dim=(0, 1))
            sees = sees.flatten() > 1e-6 * float(sees.max())
            first_hidden = 4 if mask_type == "A" else 5  # raster positions of a 3x3 kernel; the centre is 4
            check_true(not bool(sees[first_hidden:].any()), (
                f"{name}: the output depends on the input at a kernel position"
                f" {'at or ' if mask_type == 'A' else ''}after the centre in raster order."
            ), hint="the mask must zero every row below the centre, and the pixels right of the centre"
                    " (type A: the centre too).")
    for case, got in zip(given.cases, as_list(seen.cases, "PixelCNN results", len(given.cases))):
        height, width = case["height"], case["width"]
        name = f"PixelCNN()(x) for x of shape (3, 1, {height}, {width})"
        check_true(type(got) is dict, f"{name}: the test recorded no result.")
        as_tensor(got["logits"], name, shape=(3, 1, height, width),
                  hint="one logit per pixel: the same shape as the input.")
        check_true(got["logits_type"] == "torch.Tensor",
                   f"{name} returned {got['logits_type_name']}, expected a torch.Tensor.")
        if got["error"] is not None:
            check_true(False, f"could not backpropagate through {name}: {got['error']}",
                       hint="compute the logits from x with torch operations (no .detach()).")
        grads = as_tensor(got["grads"], f"gradients of the logits of {name}",
                          shape=(height * width, 3, 1, height, width))
        for p in range(height * width):
            r, c = divmod(p, width)
            sees = grads[p].abs().sum(dim=(0, 1)).flatten()
            threshold = 1e-6 * float(sees.max())
            for q in range(p, height * width):
                check_true(not bool(sees[q] > threshold), (
                    f"PixelCNN is not causal on {height}x{width} images: the logit of pixel {(r, c)} depends on the"
                    f" input pixel {divmod(q, width)}, which is {'the same pixel' if q == p else 'after it'}"
                    " in raster order."
                ), hint="the first layer must be a type-A masked convolution, later ones type B; check the masks.")
            check_true(p == 0 or bool(sees[:p].max() > 0), (
                f"the logit of pixel {(r, c)} on {height}x{width} images depends on no earlier pixel at all."
            ), hint="a type-A first layer lets pixel (r, c) see its left neighbour and the row above.")


run_test(inputs, probe, judge)

# %% [markdown]
# ## 4. The probabilities sum to one
#
# Causality is what makes the product of conditionals a distribution. For images small
# enough to enumerate, we can check it directly: summing $p(\mathbf x)$ over all $2^{D}$
# binary images must give 1, for *any* weights, so also for a freshly initialised model.
# The test below computes $p(\mathbf x)$ from your model's logits with its own formula; a
# model that peeks at the pixel it predicts gives a sum different from 1.

# %%
corners = torch.tensor([[a, b, c, d] for a in (0, 1) for b in (0, 1) for c in (0, 1) for d in (0, 1)])
corners = corners.float().view(16, 1, 2, 2).to(device)
with torch.no_grad():
    total = autoregressive_log_prob(fresh(corners).flatten(1), corners.flatten(1)).exp().sum()
print(f"sum of p(x) over the 16 binary 2x2 images: {float(total):.6f}")

# %% nbgrader={"grade": true, "grade_id": "test_probabilities_sum_to_one", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""PixelCNN: for a freshly initialised model, p(x) summed over all 2x2 and all 3x3 binary images is 1."""
import itertools

import torch
import torch.nn.functional as F
from course_utils.checks import as_list, as_tensor, check_close, check_true, prerequisite
from course_utils.verdict import run_test


def inputs(given, rng):
    def case(height, width, seed):
        images = torch.tensor(list(itertools.product([0.0, 1.0], repeat=height * width)), dtype=torch.float32)
        return {"height": height, "width": width, "seed": seed, "images": images.view(-1, 1, height, width)}

    given.cases = [case(2, 2, 0), case(3, 3, 0)]
    ### BEGIN HIDDEN TESTS
    shapes = [(h, w) for h in range(1, 10) for w in range(1, 10) if 3 <= h * w <= 9]
    given.hidden_cases = [case(*shapes[int(i)], int(rng.integers(2**31))) for i in rng.choice(len(shapes), size=4)]
    ### END HIDDEN TESTS


def probe(given, seen):
    def mask_gradients():  # MaskedConv2d, for the prerequisite check: which inputs reach the centre output
        grads = []
        for mask_type in "AB":
            torch.manual_seed(0)
            conv = MaskedConv2d(mask_type, 2, 2, 3).to(device)
            x = torch.ones(1, 2, 3, 3, device=device, requires_grad=True)
            (grad,) = torch.autograd.grad(conv(x).sum(), x)
            grads.append(grad)
        return grads

    def logits_of(case):
        torch.manual_seed(case["seed"])
        net = PixelCNN().to(device)
        with torch.no_grad():
            return net(case["images"].to(device))

    seen.mask_grads = mask_gradients()
    seen.logits = [logits_of(case) for case in given.cases]
    ### BEGIN HIDDEN TESTS
    seen.hidden_logits = [logits_of(case) for case in given.hidden_cases]
    ### END HIDDEN TESTS


def judge(given, seen):
    def total_probability(case, logits):
        height, width, images = case["height"], case["width"], case["images"]
        logits = as_tensor(logits, f"PixelCNN()(all {len(images)} binary {height}x{width} images)",
                           shape=(len(images), 1, height, width)).flatten(1)
        bits = images.flatten(1).double()
        log_p = (bits * F.logsigmoid(logits) + (1 - bits) * F.logsigmoid(-logits)).sum(dim=1)
        return torch.logsumexp(log_p, dim=0).exp()

    with prerequisite("MaskedConv2d", "test_masked_conv"):
        for mask_type, grad in zip("AB", as_list(seen.mask_grads, "MaskedConv2d gradients", 2)):
            name = f"MaskedConv2d({mask_type!r}, 2, 2, 3)"
            sees = as_tensor(grad, f"gradient of {name}(x) with respect to x", shape=(1, 2, 3, 3)).abs().sum(dim=(0, 1))
            sees = sees.flatten() > 1e-6 * float(sees.max())
            first_hidden = 4 if mask_type == "A" else 5  # raster positions of a 3x3 kernel; the centre is 4
            check_true(not bool(sees[first_hidden:].any()), (
                f"{name}: the output depends on the input at a kernel position"
                f" {'at or ' if mask_type == 'A' else ''}after the centre in raster order."
            ), hint="the mask must zero every row below the centre, and the pixels right of the centre"
                    " (type A: the centre too).")
    for case, logits in zip(given.cases, as_list(seen.logits, "PixelCNN logits", len(given.cases))):
        check_close(f"sum of p(x) over all binary {case['height']}x{case['width']} images for a fresh PixelCNN()",
                    total_probability(case, logits), 1.0, atol=1e-4, rtol=0.0,
                    hint="if the logit of a pixel depends on that pixel or later ones, the conditionals do not"
                         " multiply to a distribution: check the mask types and the masks.")
    ### BEGIN HIDDEN TESTS
    hidden = as_list(seen.hidden_logits, "PixelCNN logits", len(given.hidden_cases))
    for case, logits in zip(given.hidden_cases, hidden):
        check_close(f"sum of p(x) over all binary {case['height']}x{case['width']} images (seed {case['seed']})",
                    total_probability(case, logits), 1.0, atol=1e-4, rtol=0.0)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 5. Negative log-likelihood and bits per dimension
#
# We train by minimising the **negative log-likelihood** $-\log p(\mathbf x)$ in nats, summed
# over the pixels of an image. To compare models across image sizes, it is often reported
# in **bits per dimension**: divide by the number of dimensions $D$ and by $\ln 2$ (nats to
# bits),
#
# $$\text{bits/dim} = \frac{-\log p(\mathbf x)}{D \ln 2}.$$
#
# A model that says "1/2" for every pixel scores exactly 1 bit/dim, so a useful model of
# binary images scores well below 1.
#
# Implement `nll(model, x)`: the model's logits for images `x` of shape `(B, 1, H, W)`,
# then $-\log p(\mathbf x)$ per image, shape `(B,)` (use `autoregressive_log_prob`), and
# `bits_per_dim(nll_nats, num_dims)` (works for a tensor or a float).

# %% nbgrader={"grade": false, "grade_id": "nll", "locked": false, "schema_version": 3, "solution": true, "task": false}
def nll(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Negative log-likelihood in nats per image, summed over pixels: x (B, 1, H, W) -> (B,)."""
    ### BEGIN SOLUTION
    logits = model(x)
    return -autoregressive_log_prob(logits.flatten(start_dim=1), x.flatten(start_dim=1))
    ### END SOLUTION


def bits_per_dim(nll_nats, num_dims: int):
    """Convert an NLL in nats per example (tensor or float) to bits per dimension (same shape)."""
    ### BEGIN SOLUTION
    return nll_nats / (num_dims * math.log(2))
    ### END SOLUTION


# %% [markdown] checks=["fresh_nll.mean() ~ 48 +- 1", "bits_per_dim(fresh_nll, 64).mean() ~ 1.09 +- 0.02"]
# You should see an NLL of about 48 nats for a fresh model on blank 8x8 images, a little
# above $64 \ln 2 \approx 44.4$: the fresh logits are about $0.13$, so every probability is
# near, but not exactly, 1/2. That is about 1.09 bits per dimension.

# %%
blank = torch.zeros(3, 1, 8, 8, device=device)
with torch.no_grad():
    fresh_nll = nll(fresh, blank)
print("nll:", fresh_nll, "| bits/dim:", bits_per_dim(fresh_nll, 64))

# %% nbgrader={"grade": true, "grade_id": "test_nll_bits_per_dim", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""nll: -log p(x) per image from the model's logits (shape (B,), >= 0); bits_per_dim: nats / (D ln 2)."""
import math

import torch
import torch.nn.functional as F
from course_utils.checks import as_tensor, check_close, prerequisite
from course_utils.verdict import run_test


def inputs(given, rng):
    given.pre_logits = torch.tensor([[0.0, 2.0, -1.0], [1.5, -0.5, 3.0]], dtype=torch.float32)
    given.pre_bits = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]], dtype=torch.float32)
    given.images = torch.tensor(rng.random((4, 1, 8, 8)) < 0.4, dtype=torch.float32)
    given.nats = torch.tensor([64 * math.log(2), 32 * math.log(2)], dtype=torch.float32)
    ### BEGIN HIDDEN TESTS
    given.images_5x7 = torch.tensor(rng.random((5, 1, 5, 7)) < 0.6, dtype=torch.float32)
    given.nats_float = float(rng.uniform(1.0, 100.0))
    given.dims = int(rng.integers(10, 100))
    ### END HIDDEN TESTS


def probe(given, seen):
    seen.pre_log_p = autoregressive_log_prob(given.pre_logits, given.pre_bits)
    torch.manual_seed(0)
    net = PixelCNN().to(device)
    with torch.no_grad():
        seen.nll = nll(net, given.images.to(device))
        seen.logits = net(given.images.to(device))
    seen.bits = bits_per_dim(given.nats, 64)
    ### BEGIN HIDDEN TESTS
    with torch.no_grad():
        seen.nll_5x7 = nll(net, given.images_5x7.to(device))
        seen.logits_5x7 = net(given.images_5x7.to(device))
    seen.bits_float = bits_per_dim(given.nats_float, given.dims)
    ### END HIDDEN TESTS


def judge(given, seen):
    def reference_nll(logits, images):
        logits = as_tensor(logits, "model(x)", shape=tuple(images.shape)).flatten(1)
        bits = as_tensor(images, "x").flatten(1)
        return -(bits * F.logsigmoid(logits) + (1 - bits) * F.logsigmoid(-logits)).sum(dim=1)

    def log_sigmoid(t: float) -> float:
        return -math.log1p(math.exp(-t)) if t > 0 else t - math.log1p(math.exp(t))

    with prerequisite("autoregressive_log_prob", "test_autoregressive_log_prob"):
        check_close("autoregressive_log_prob([[0, 2, -1], [1.5, -0.5, 3]], [[1, 0, 1], [0, 0, 1]])", seen.pre_log_p,
                    [log_sigmoid(0.0) + log_sigmoid(-2.0) + log_sigmoid(-1.0),
                     log_sigmoid(-1.5) + log_sigmoid(0.5) + log_sigmoid(3.0)], atol=1e-5,
                    hint="the sum over pixels of x*log(sigmoid(l)) + (1 - x)*log(sigmoid(-l)), one value per image.")
    check_close("nll(PixelCNN(), x) for 4 random 8x8 images", seen.nll, reference_nll(seen.logits, given.images),
                atol=1e-3,
                hint="nll is minus the log-probability, summed over the pixels of each image: shape (B,), positive.")
    check_close("bits_per_dim(torch.tensor([64 * ln 2, 32 * ln 2]), 64)", seen.bits, [1.0, 0.5], atol=1e-6,
                hint="divide by the number of dimensions and by ln 2.")
    ### BEGIN HIDDEN TESTS
    check_close("nll(PixelCNN(), x) for 5 random 5x7 images", seen.nll_5x7,
                reference_nll(seen.logits_5x7, given.images_5x7), atol=1e-3)
    check_close(f"bits_per_dim({given.nats_float:.6g}, {given.dims})", seen.bits_float,
                given.nats_float / (given.dims * math.log(2)), atol=1e-9)
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown] checks=["len(split.train_images) ~ 1437 +- 0", "len(split.test_images) ~ 360 +- 0", "sum(p.numel() for p in PixelCNN().parameters()) ~ 57000 +- 1000"]
# ## 6. Training on binarized digits, with early stopping
#
# The data are scikit-learn's 8x8 digits, binarized (pixel $\ge 8$), with the course's
# fixed split: 1,437 training and 360 test images. That is a small training set for a model
# with 57,000 parameters: after a few dozen epochs the training NLL keeps falling while the
# NLL on unseen images rises again (overfitting). So we hold out 15% of the training images
# as a **validation** set, evaluate it after every epoch, stop when it has not improved for
# `patience` epochs, and keep the weights of the best epoch (early stopping). The test set
# is only used once, at the end.
#
# Two baselines put the number in perspective: an **independent Bernoulli** model (one
# probability per pixel, no dependencies) and a **mixture of 10 independent Bernoullis**
# fitted by EM (dependencies through one discrete latent variable).

# %%
split = load_digits("binary")
train_images, val_images = train_val_split(split.train_images, val_fraction=0.15, seed=0)
x_train, x_val, x_test = train_images.to(device), val_images.to(device), split.test_images.to(device)
num_dims = x_test[0].numel()
print(f"train {len(x_train)}, validation {len(x_val)}, test {len(x_test)} images of {num_dims} pixels")


def independent_bernoulli_nll(train: torch.Tensor, test: torch.Tensor) -> float:
    """Mean test NLL (nats) of one smoothed Bernoulli per pixel."""
    p = (train.flatten(1).sum(0) + 1) / (len(train) + 2)
    t = test.flatten(1)
    return float(-(t * p.log() + (1 - t) * (1 - p).log()).sum(1).mean())


def bernoulli_mixture_nll(train: torch.Tensor, test: torch.Tensor, k: int = 10, iters: int = 100) -> float:
    """Mean test NLL (nats) of a k-component Bernoulli mixture fitted by EM (smoothed M-step)."""
    a, t = train.flatten(1).double().cpu(), test.flatten(1).double().cpu()
    probs = 0.25 + 0.5 * torch.rand(k, a.shape[1], generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    weights = torch.full((k,), 1.0 / k, dtype=torch.float64)

    def log_joint(v):  # (N, k): log w_k + log p(v | component k)
        return v @ probs.log().T + (1 - v) @ (1 - probs).log().T + weights.log()

    for _ in range(iters):
        resp = torch.softmax(log_joint(a), dim=1)
        weights = resp.mean(0)
        probs = (resp.T @ a + 1) / (resp.sum(0)[:, None] + 2)
    return float(-torch.logsumexp(log_joint(t), dim=1).mean())


baselines = {
    "independent Bernoulli": independent_bernoulli_nll(train_images, split.test_images),
    "Bernoulli mixture (10)": bernoulli_mixture_nll(train_images, split.test_images),
}
for name, value in baselines.items():
    print(f"{name:>24}: {value:.2f} nats = {value / (num_dims * math.log(2)):.3f} bits/dim")

# %% [markdown]
# Now train your PixelCNN: at most 40 epochs of Adam (learning rate $3 \cdot 10^{-3}$,
# batches of 64), early stopping with a patience of 4 epochs. This takes one to two minutes
# on a CPU. The loss refuses an NLL below 2 nats per image: a negative NLL means a sign
# error, and a model that can see the pixel it predicts drives its NLL to about 0 within an
# epoch.

# %%
def training_loss(m: nn.Module, batch: torch.Tensor) -> torch.Tensor:
    """Mean NLL of a batch, refusing values that no correct model of binary images can reach."""
    loss = nll(m, batch).mean()
    value = float(loss.detach())
    if value < 2.0:  # nats per 8x8 image; a PixelCNN reaches about 18
        raise ValueError(
            f"a batch NLL of {value:.3g} nats per image is impossible (< 0) or implausibly good:"
            " check the sign of your log-probability, and that no logit sees its own pixel."
        )
    return loss


seed_everything(0)
model = PixelCNN().to(device)
start = time.perf_counter()
history = train(
    model, training_loss, x_train, n_epochs=40, lr=3e-3, batch_size=64,
    x_val=x_val, patience=4, seed=0, desc="PixelCNN",
)
train_seconds = time.perf_counter() - start
model.eval()
with torch.no_grad():
    test_nll = float(nll(model, x_test).mean())
print(f"{len(history.train_loss)} epochs in {train_seconds:.1f} s, best epoch {history.best_epoch}")
print(f"test NLL {test_nll:.2f} nats = {float(bits_per_dim(test_nll, num_dims)):.3f} bits/dim")

# %% [markdown] checks=["test_nll ~ 18.5 +- 0.7", "bits_per_dim(test_nll, num_dims) ~ 0.42 +- 0.02"]
# You should see the training NLL keep falling while the validation NLL flattens out and
# starts to rise; the kept weights are those of the marked epoch. The test NLL should be
# around 18.5 nats (about 0.42 bits/dim), clearly below both baselines.

# %%
ax = plot_curves({"train": history.train_loss, "validation": history.val_loss}, ylabel="NLL (nats per image)")
ax.axvline(history.best_epoch, color="0.5", ls="--", lw=0.8)
for name, value in baselines.items():
    ax.axhline(value, lw=0.8, ls=":", color="0.3")
    ax.annotate(name, (0, value), fontsize="x-small", va="bottom")
ax.set_ylim(15, 30)
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_training_nll", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
"""Trained PixelCNN: the test-set NLL beats the Bernoulli mixture (< 19.6 nats) and is not implausibly good (> 14 nats)."""
import itertools
import math

import torch
import torch.nn.functional as F
from course_utils.checks import as_list, as_tensor, check_close, check_less_equal, check_true, prerequisite
from course_utils.data import load_digits
from course_utils.verdict import run_test


def inputs(given, rng):
    given.test_images = load_digits("binary").test_images
    # tiny inputs for the functions that training relies on (prerequisite checks)
    given.pre_logits = torch.tensor([[0.0, 2.0, -1.0], [1.5, -0.5, 3.0]], dtype=torch.float32)
    given.pre_bits = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]], dtype=torch.float32)
    given.pre_images = (torch.arange(128).view(2, 1, 8, 8) % 3 == 0).to(torch.float32)
    given.corners = torch.tensor(list(itertools.product([0.0, 1.0], repeat=4)), dtype=torch.float32).view(16, 1, 2, 2)
    ### BEGIN HIDDEN TESTS
    height, width = [(2, 2), (2, 3), (3, 2), (2, 4), (4, 2), (3, 3)][int(rng.integers(6))]
    images = torch.tensor(list(itertools.product([0.0, 1.0], repeat=height * width)), dtype=torch.float32)
    given.small_images = images.view(-1, 1, height, width)
    ### END HIDDEN TESTS


def probe(given, seen):
    def mask_gradients():  # MaskedConv2d, for the prerequisite check: which inputs reach the centre output
        grads = []
        for mask_type in "AB":
            torch.manual_seed(0)
            conv = MaskedConv2d(mask_type, 2, 2, 3).to(device)
            x = torch.ones(1, 2, 3, 3, device=device, requires_grad=True)
            (grad,) = torch.autograd.grad(conv(x).sum(), x)
            grads.append(grad)
        return grads

    seen.pre_log_p = autoregressive_log_prob(given.pre_logits, given.pre_bits)
    seen.mask_grads = mask_gradients()
    torch.manual_seed(0)
    net = PixelCNN().to(device)
    with torch.no_grad():
        seen.pre_nll = nll(net, given.pre_images.to(device))
        seen.pre_logits_8x8 = net(given.pre_images.to(device))
        seen.pre_corners = net(given.corners.to(device))
        seen.logits = model(given.test_images.to(device))
    ### BEGIN HIDDEN TESTS
    with torch.no_grad():
        seen.small = model(given.small_images.to(device))
    ### END HIDDEN TESTS


def judge(given, seen):
    def log_sigmoid(t: float) -> float:
        return -math.log1p(math.exp(-t)) if t > 0 else t - math.log1p(math.exp(t))

    with prerequisite("autoregressive_log_prob", "test_autoregressive_log_prob"):
        check_close("autoregressive_log_prob([[0, 2, -1], [1.5, -0.5, 3]], [[1, 0, 1], [0, 0, 1]])", seen.pre_log_p,
                    [log_sigmoid(0.0) + log_sigmoid(-2.0) + log_sigmoid(-1.0),
                     log_sigmoid(-1.5) + log_sigmoid(0.5) + log_sigmoid(3.0)], atol=1e-5,
                    hint="the sum over pixels of x*log(sigmoid(l)) + (1 - x)*log(sigmoid(-l)), one value per image.")

    def reference_log_p(logits, images):
        logits = as_tensor(logits, "PixelCNN()(x)", shape=tuple(images.shape)).flatten(1)
        bits = images.flatten(1).double()
        return (bits * F.logsigmoid(logits) + (1 - bits) * F.logsigmoid(-logits)).sum(dim=1)

    with prerequisite("nll", "test_nll_bits_per_dim"):
        check_close("nll(PixelCNN(), x) for 2 8x8 images", seen.pre_nll,
                    -reference_log_p(seen.pre_logits_8x8, given.pre_images), atol=1e-3,
                    hint="nll is minus the log-probability of each image, summed over its pixels: shape (B,), positive.")
    with prerequisite("MaskedConv2d", "test_masked_conv"):
        for mask_type, grad in zip("AB", as_list(seen.mask_grads, "MaskedConv2d gradients", 2)):
            name = f"MaskedConv2d({mask_type!r}, 2, 2, 3)"
            sees = as_tensor(grad, f"gradient of {name}(x) with respect to x", shape=(1, 2, 3, 3)).abs().sum(dim=(0, 1))
            sees = sees.flatten() > 1e-6 * float(sees.max())
            first_hidden = 4 if mask_type == "A" else 5  # raster positions of a 3x3 kernel; the centre is 4
            check_true(not bool(sees[first_hidden:].any()), (
                f"{name}: the output depends on the input at a kernel position"
                f" {'at or ' if mask_type == 'A' else ''}after the centre in raster order."
            ), hint="the mask must zero every row below the centre, and the pixels right of the centre"
                    " (type A: the centre too).")
    with prerequisite("PixelCNN", "test_probabilities_sum_to_one"):
        check_close("sum of p(x) over all binary 2x2 images for a fresh PixelCNN()",
                    torch.logsumexp(reference_log_p(seen.pre_corners, given.corners), 0).exp(), 1.0,
                    atol=1e-4, rtol=0.0, hint="a logit that sees its own pixel or a later one breaks the product of"
                                             " conditionals: check the mask types (A first, then B).")
    test_images = given.test_images
    logits = as_tensor(seen.logits, "model(test images)", shape=(len(test_images), 1, 8, 8)).flatten(1)
    bits = test_images.flatten(1).double()
    test_nll_check = float(-(bits * F.logsigmoid(logits) + (1 - bits) * F.logsigmoid(-logits)).sum(dim=1).mean())
    check_less_equal("test-set NLL of the trained PixelCNN (nats per image)", test_nll_check, 19.6,
                     hint="a 10-component Bernoulli mixture scores about 20.2; train with the given settings.")
    check_true(test_nll_check > 14.0, (
        f"test-set NLL of the trained PixelCNN: got {test_nll_check:.3g} nats per image, expected more than 14:"
        " that is implausibly good on this data."
    ), hint="a model that sees the pixel it predicts (a type-B first layer, a mask that lets later pixels in)"
            " learns to copy it and its NLL collapses towards 0.")
    ### BEGIN HIDDEN TESTS
    images = given.small_images
    n, _, height, width = images.shape
    small = as_tensor(seen.small, f"model(all binary {height}x{width} images)", shape=(n, 1, height, width)).flatten(1)
    flat = images.flatten(1).double()
    log_p = (flat * F.logsigmoid(small) + (1 - flat) * F.logsigmoid(-small)).sum(dim=1)
    check_close(f"sum of p(x) over all binary {height}x{width} images for the trained model",
                torch.logsumexp(log_p, 0).exp(), 1.0, atol=1e-4, rtol=0.0,
                hint="the trained model must still be causal.")
    ### END HIDDEN TESTS


run_test(inputs, probe, judge)

# %% [markdown]
# ## 7. Sampling, pixel by pixel
#
# The chain rule also tells us how to sample: draw $x_1 \sim p(x_1)$, then
# $x_2 \sim p(x_2 \mid x_1)$, and so on. Each draw needs the pixels drawn before it, so a
# PixelCNN, which computes all conditionals of a *given* image in one pass, needs $D$
# passes to sample: start from an all-zero image, and for each pixel in raster order run
# the model on the current image and draw that pixel from its Bernoulli conditional
# (`torch.bernoulli(torch.sigmoid(logit))`). The zeros in the not-yet-sampled pixels are
# never looked at, thanks to the masks.
#
# Implement `sample(model, n, height, width)` returning `n` binary images
# `(n, 1, height, width)` on the device of the model's parameters.

# %% nbgrader={"grade": false, "grade_id": "sample", "locked": false, "schema_version": 3, "solution": true, "task": false}
@torch.no_grad()
def sample(model: nn.Module, n: int, height: int, width: int) -> torch.Tensor:
    """n images (n, 1, height, width) with values in {0., 1.}, drawn pixel by pixel in raster order."""
    ### BEGIN SOLUTION
    device = next(model.parameters()).device
    x = torch.zeros(n, 1, height, width, device=device)
    for row in range(height):
        for col in range(width):
            logits = model(x)
            x[:, :, row, col] = torch.bernoulli(torch.sigmoid(logits[:, :, row, col]))
    return x
    ### END SOLUTION


# %% [markdown] checks=["len(x_train) ~ 1221 +- 0"]
# You should see 32 digit-like samples: mostly recognisable strokes, some odd ones (the
# model is small and was trained on 1,221 images).

# %%
seed_everything(0)
samples = sample(model, 32, 8, 8)
image_grid(samples, nrow=8, title="PixelCNN samples")
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_sample", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""sample: shape and binary values; exact for a model with certain logits; sequential (each pixel sees those drawn before)."""
import torch
import torch.nn as nn
from course_utils.checks import as_list, as_tensor, check_close, check_true
from course_utils.verdict import run_test


def inputs(given, rng):
    given.seed = 0
    given.pattern = (torch.arange(15).view(1, 1, 3, 5) % 3 == 0).to(torch.float32)
    given.copy_cases = [{"seed": 1, "shape": [3, 4]}]
    ### BEGIN HIDDEN TESTS
    shape = [int(rng.integers(3, 7)), int(rng.integers(3, 7))]
    given.copy_cases.append({"seed": int(rng.integers(2**31)), "shape": shape})
    ### END HIDDEN TESTS


def probe(given, seen):
    class FixedLogits(nn.Module):
        """Logits +-100 in a fixed pattern, whatever the input: sampling must reproduce the pattern."""

        def __init__(self, pattern):
            super().__init__()
            self.register_buffer("pattern", pattern)
            self.unused = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return (200.0 * self.pattern - 100.0).expand(x.shape[0], 1, *self.pattern.shape[-2:]).clone()

    class CopyPrevious(nn.Module):
        """p(first pixel = 1) = 1/2; every later pixel copies the one before it (logit +-20)."""

        def __init__(self):
            super().__init__()
            self.unused = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            flat = x.flatten(1)
            previous = torch.cat([torch.full_like(flat[:, :1], 0.5), flat[:, :-1]], dim=1)
            return (40.0 * (previous - 0.5)).view_as(x)

    torch.manual_seed(given.seed)
    seen.samples = sample(PixelCNN().to(device), 4, 5, 6)
    seen.fixed = sample(FixedLogits(given.pattern).to(device), 2, 3, 5)
    seen.copies = []
    for case in given.copy_cases:
        torch.manual_seed(case["seed"])
        seen.copies.append(sample(CopyPrevious().to(device), 64, *case["shape"]))


def judge(given, seen):
    samples_check = as_tensor(seen.samples, "sample(PixelCNN(), 4, 5, 6)", shape=(4, 1, 5, 6))
    check_true(bool(((samples_check == 0) | (samples_check == 1)).all()),
               "sample(...) returned values other than 0 and 1.")
    check_close("sample(model with logits +100 where the pattern is 1, -100 elsewhere, 2, 3, 5)",
                seen.fixed, given.pattern.expand(2, 1, 3, 5), atol=0.0,
                hint="pixel (r, c) is 1 with probability sigmoid(logit at (r, c)).")
    for case, got in zip(given.copy_cases, as_list(seen.copies, "samples of CopyPrevious", len(given.copy_cases))):
        height, width = case["shape"]
        name = f"sample(CopyPrevious(), 64, {height}, {width})"
        copies = as_tensor(got, name, shape=(64, 1, height, width))
        constant = (copies == copies[:, :, :1, :1]).flatten(1).all(dim=1)
        check_true(bool(constant.all()), (
            f"{name}: {int((~constant).sum())} of 64 samples from a model whose pixels copy the previous pixel (in"
            " raster order) are not constant images: each pixel must be drawn given the pixels already drawn."
        ), hint="run the model again after each pixel is drawn (one forward pass per pixel), row by row from the top,"
                " left to right in a row.")
        ones = int(copies[:, 0, 0, 0].sum())
        check_true(5 <= ones <= 59, f"{name}: {ones} of 64 samples start with a 1; p(first pixel = 1) = 1/2.")


run_test(inputs, probe, judge)

# %% [markdown]
# ## Results
#
# The last cell prints the numbers of this run next to their baselines (`course bench`
# collects them).

# %%
mixture, independent = baselines["Bernoulli mixture (10)"], baselines["independent Bernoulli"]
results = write_metrics("a1_autoregressive", [
    ("test NLL (nats)", test_nll, f"Bernoulli mixture {mixture:.2f}, independent Bernoulli {independent:.2f}"),
    ("test bits/dim", float(bits_per_dim(test_nll, num_dims)),
     f"Bernoulli mixture {mixture / (num_dims * math.log(2)):.3f}"),
    ("Bernoulli mixture (10) test NLL (nats)", mixture, "baseline, EM"),
    ("independent Bernoulli test NLL (nats)", independent, "baseline"),
    ("training time (s)", train_seconds, f"{len(history.train_loss)} epochs, best {history.best_epoch}, {device}"),
])
for row in results:
    print(f"{row['quantity']:40s} {row['value']:9.3f}   ({row['baseline']})")

# %% [markdown]
# ## What to take away
#
# * The chain rule turns density estimation into $D$ classification problems, and the
#   likelihood is **exact**: no bound, no sampling. That is why NLL in nats or bits/dim is
#   the standard way to compare such models (and what a VAE's ELBO in assignment 2 will be
#   compared against).
# * Causality is a property of the architecture: a type-A first layer and type-B layers
#   after it. One wrong mask and the model copies its input, with a training loss near 0.
#   An NLL that looks too good is a bug.
# * Sampling is sequential: $D$ network passes for one image.
#
# **References.** van den Oord, Kalchbrenner, Kavukcuoglu, *Pixel Recurrent Neural Networks*
# (2016); van den Oord et al., *Conditional Image Generation with PixelCNN Decoders* (2016);
# Germain et al., *MADE: Masked Autoencoder for Distribution Estimation* (2015);
# Larochelle and Murray, *The Neural Autoregressive Distribution Estimator* (2011).
