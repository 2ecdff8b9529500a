# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 1: autoregressive models and the exact likelihood
#
# A generative model of images should give us two things: samples, and the probability
# $p(\mathbf x)$ of an image. Most models of this course give only one of them exactly. The
# autoregressive model gives both, from one identity: the chain rule of probability,
#
# $$p(\mathbf x) = \prod_{i=1}^{D} p(x_i \mid x_1, \dots, x_{i-1}).$$
#
# **What you will learn**
#
# * the chain rule on an example small enough to enumerate, and why it is not an assumption;
# * how a masked convolution makes a network autoregressive, and the difference between
#   type-A and type-B masks;
# * the blind spot of a stack of masked convolutions (widget);
# * training by maximum likelihood on binarized digits, NLL in nats and in bits/dim;
# * why a 1,437-image training set overfits, and what early stopping on a validation split does;
# * sampling pixel by pixel (widget).
#
# Assignment 1 asks you to build and test a PixelCNN yourself; the code here takes other
# routes on purpose.

# %%
import itertools
import math

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parametrize

from course_utils.data import load_digits, train_val_split
from course_utils.device import setup
from course_utils.plotting import image_grid, plot_curves
from course_utils.training import train
from course_utils.widgets_autoregressive import receptive_field_explorer, sampling_stepper

device = setup(seed=0)
torch.set_flush_denormal(True)  # tiny float32 values are slow on some CPUs

# %% [markdown]
# ## 1. The chain rule on $2 \times 2$ images
#
# Take the $2 \times 2$ patch in the middle of every binarized training digit. There are
# only $2^4 = 16$ possible patches, so we can write down their distribution as a table:
# count, add one to every count (so that no patch has probability 0), normalise.

# %%
digits = load_digits("binary")
patches = digits.train_images[:, 0, 3:5, 3:5].reshape(-1, 4)  # pixels in raster order: x1 x2 / x3 x4
all_patches = torch.tensor(list(itertools.product([0.0, 1.0], repeat=4)))
counts = (patches[:, None, :] == all_patches[None]).all(dim=2).sum(dim=0).double()
joint = (counts + 1) / (counts + 1).sum()
image_grid(all_patches.view(16, 1, 2, 2), nrow=16, title="the 16 binary 2x2 patches")
plt.show()
plt.figure(figsize=(7, 2.4))
plt.bar(range(16), joint)
plt.xlabel("patch (in the order above)")
plt.ylabel("p(x)")
plt.show()

# %% [markdown]
# The chain rule reads the same table as four one-pixel questions. Each conditional is a
# ratio of marginals, $p(x_i \mid \mathbf x_{<i}) = p(\mathbf x_{\le i}) / p(\mathbf x_{<i})$,
# and the product telescopes back to $p(\mathbf x)$: **every** distribution can be written
# this way, in any pixel order. The work of a model is to represent the conditionals
# compactly; the factorisation itself costs nothing.

# %%
def marginal(prefix: torch.Tensor) -> float:
    """p(x_1..x_k = prefix) by summing the table over the other pixels."""
    match = (all_patches[:, : len(prefix)] == prefix).all(dim=1)
    return float(joint[match].sum())


product = []
for patch in all_patches:
    factors = [marginal(patch[: i + 1]) / marginal(patch[:i]) for i in range(4)]
    product.append(math.prod(factors))
print("largest |prod of conditionals - p(x)| over the 16 patches:",
      float((torch.tensor(product, dtype=torch.float64) - joint).abs().max()))
print("p(x1..x4) for the all-ones patch:", " x ".join(
    f"{marginal(all_patches[15][: i + 1]) / marginal(all_patches[15][:i]):.3f}" for i in range(4)),
    f"= {joint[15]:.4f}")

# %% [markdown]
# For 8x8 images the table would have $2^{64}$ rows. An autoregressive model keeps the
# chain rule but replaces each conditional by a neural network that outputs the logit
# $\ell_i$ of $p(x_i = 1 \mid \mathbf x_{<i}) = \sigma(\ell_i)$. Then
#
# $$-\log p(\mathbf x) = \sum_i \mathrm{BCE}(\ell_i, x_i),$$
#
# the binary cross-entropy of $D$ classifiers: exact, with no bound and no sampling.

# %% [markdown]
# ## 2. Masked convolutions
#
# One network computes all $D$ logits in a single pass if the logit at pixel $(r, c)$ is
# computed only from pixels before $(r, c)$ in raster order (rows top to bottom, left to
# right). A convolution already looks only at a window around $(r, c)$; we zero the kernel
# weights that fall on later pixels. Here the mask is attached with
# `torch.nn.utils.parametrize`: the layer's `weight` is recomputed as `original * mask`
# whenever it is used, so masked weights can never become nonzero.
#
# * **type A** also masks the centre: the first layer must not see $x_{r,c}$ itself;
# * **type B** keeps the centre: later layers read *features* at $(r, c)$, which the first
#   layer computed without $x_{r,c}$.

# %%
def raster_mask(kernel_size: int, include_centre: bool) -> torch.Tensor:
    """(k, k) mask: 1 on the kernel positions before the centre in raster order (and the centre for B)."""
    positions = torch.arange(kernel_size * kernel_size).view(kernel_size, kernel_size)
    centre = kernel_size * kernel_size // 2
    return (positions < centre + int(include_centre)).float()


class ApplyMask(nn.Module):
    def __init__(self, mask: torch.Tensor):
        super().__init__()
        self.register_buffer("mask", mask)

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        return weight * self.mask


def masked_conv(mask_type: str, in_channels: int, out_channels: int, kernel_size: int, **kwargs) -> nn.Conv2d:
    """An nn.Conv2d whose weight is parametrized as weight * mask (type 'A' or 'B')."""
    conv = nn.Conv2d(in_channels, out_channels, kernel_size, **kwargs)
    parametrize.register_parametrization(conv, "weight", ApplyMask(raster_mask(kernel_size, mask_type == "B")))
    return conv


fig, axes = plt.subplots(1, 2, figsize=(4.5, 2.4))
for ax, kind in zip(axes, "AB"):
    ax.imshow(raster_mask(5, kind == "B"), cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"type {kind}, 5x5")
    ax.set_axis_off()
plt.show()

# %% [markdown]
# The property that matters, *the logit at pixel $i$ depends only on pixels before $i$*,
# is easy to test through gradients: backpropagate one logit and list the input pixels with
# a nonzero gradient. With a type-A first layer none is at or after the pixel; with a
# type-B first layer the pixel sees itself.

# %%
def dependencies(net: nn.Module, row: int, col: int, size: int = 6) -> torch.Tensor:
    x = torch.rand(1, 1, size, size, requires_grad=True)
    (grad,) = torch.autograd.grad(net(x)[0, 0, row, col], x)
    return grad[0, 0] != 0


for first in "AB":
    net = nn.Sequential(masked_conv(first, 1, 8, 3, padding=1), nn.ReLU(), masked_conv("B", 8, 1, 3, padding=1))
    seen = dependencies(net, 3, 2)
    print(f"first layer {first}: logit (3, 2) depends on input (3, 2)? {bool(seen[3, 2])};"
          f" on a later pixel? {bool(seen.flatten()[3 * 6 + 2 + 1:].any())}")

# %% [markdown]
# ## 3. The blind spot
#
# Stack masked $3 \times 3$ convolutions and the receptive field grows by one pixel per layer
# up, left and right, but the masks also cut off a triangle **up and to the right** of the
# pixel: an earlier pixel in the row above, two columns right, is never reached however deep
# the stack. The gated PixelCNN (van den Oord et al., 2016) removes this blind spot with two
# stacks, one for the rows above and one for the current row.
#
# In the widget, orange is the blind spot: earlier pixels within the stack's reach
# ($n$ layers of $k \times k$ kernels reach $n \lfloor k/2 \rfloor$ rows and columns away) that it
# still does not see. Earlier pixels beyond that reach are simply too far for this depth; more
# layers reach them. On the right, the gap between "in reach" and "seen" is the blind spot, and
# it stays however many layers you add. Move the output pixel, add layers, change the kernel;
# switch the first mask to B to see a leak (the pixel sees itself).

# %%
receptive_field_explorer(masked_conv)

# %% [markdown]
# ## 4. A small PixelCNN, trained by maximum likelihood
#
# Our lecture model is a plain stack: a $7 \times 7$ type-A layer, then $3 \times 3$ type-B
# layers with ReLU, then a $1 \times 1$ layer to one logit per pixel. (The assignment's model
# adds residual blocks.) The loss is the mean over a batch of $-\log p(\mathbf x)$, in nats
# per image.

# %%
class SmallPixelCNN(nn.Module):
    def __init__(self, channels: int = 32, n_layers: int = 4):
        super().__init__()
        layers = [masked_conv("A", 1, channels, 7, padding=3)]
        for _ in range(n_layers):
            layers += [nn.ReLU(), masked_conv("B", channels, channels, 3, padding=1)]
        layers += [nn.ReLU(), nn.Conv2d(channels, 1, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def neg_log_likelihood(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """-log p(x) in nats per image (B,): the binary cross-entropy summed over pixels."""
    return F.binary_cross_entropy_with_logits(model(x), x, reduction="none").sum(dim=(1, 2, 3))


# %% [markdown]
# **Overfitting and early stopping.** 1,437 training images are few for a model with tens of
# thousands of weights: it can learn the training images themselves. We hold out 15% of
# them as a validation set and watch both curves. Training continues for `patience` epochs
# after the best validation epoch, so that you can see the validation NLL turn upwards while
# the training NLL keeps falling; then the weights of the best epoch are restored.

# %%
x_fit, x_val = train_val_split(digits.train_images, val_fraction=0.15, seed=0)
x_fit, x_val, x_test = x_fit.to(device), x_val.to(device), digits.test_images.to(device)
torch.manual_seed(0)
lecture_model = SmallPixelCNN().to(device)
history = train(lecture_model, lambda m, b: neg_log_likelihood(m, b).mean(), x_fit, n_epochs=35, lr=3e-3,
                x_val=x_val, patience=6, seed=0, desc="small PixelCNN")
ax = plot_curves({"train": history.train_loss, "validation": history.val_loss}, ylabel="NLL (nats per image)")
ax.axvline(history.best_epoch, color="0.5", ls="--", lw=0.8)
ax.set_ylim(14, 30)
plt.show()

# %% [markdown]
# ## 5. NLL in nats and in bits per dimension
#
# A log-likelihood in nats per image depends on the image size. Dividing by the number of
# pixels $D$ and by $\ln 2$ gives **bits per dimension**, the average number of bits an
# arithmetic coder driven by the model would need per pixel. Guessing 1/2 for every pixel
# costs exactly 1 bit/dim; an independent Bernoulli per pixel is the simplest baseline.

# %%
lecture_model.eval()
with torch.no_grad():
    test_nats = float(neg_log_likelihood(lecture_model, x_test).mean())
pixel_p = (x_fit.mean(dim=0, keepdim=True) * len(x_fit) + 1) / (len(x_fit) + 2)
independent_nats = float(F.binary_cross_entropy(pixel_p.expand_as(x_test), x_test, reduction="none").sum(dim=(1, 2, 3)).mean())
D = x_test[0].numel()
for name, nats in [("coin flip (p = 1/2)", D * math.log(2)), ("independent Bernoulli", independent_nats),
                   ("small PixelCNN", test_nats)]:
    print(f"{name:>22}: {nats:6.2f} nats/image = {nats / (D * math.log(2)):.3f} bits/dim")

# %% [markdown]
# ## 6. Sampling, one pixel at a time
#
# The chain rule is also a recipe for sampling: draw $x_1$, then $x_2$ given $x_1$, and so
# on. Training used one network pass for all $D$ conditionals (the image was known);
# sampling needs $D$ passes, each on the image drawn so far. Step through it below: the grey
# pixels are not drawn yet (the masks make sure their value is never read), the bars show
# $p(x_i = 1 \mid \mathbf x_{<i})$ for the next pixel of each sample.

# %%
@torch.no_grad()
def draw_pixel(model: nn.Module, x: torch.Tensor, row: int, col: int) -> torch.Tensor:
    """Draw pixel (row, col) of every image in x from the model's conditional given the pixels before it."""
    p_one = torch.sigmoid(model(x)[:, 0, row, col])
    x[:, 0, row, col] = (torch.rand_like(p_one) < p_one).float()
    return x


sampling_stepper(lecture_model, draw_pixel, height=8, width=8, n=8)

# %% [markdown]
# ## Summary
#
# * The chain rule factorises any distribution into one-dimensional conditionals; an
#   autoregressive network learns them and gives an **exact** log-likelihood.
# * Masks make a convolutional network causal: type A for the first layer, type B after it.
#   Plain stacked masks have a blind spot; gated PixelCNNs fix it with two stacks.
# * Train by minimising the NLL; report it in nats per image or bits/dim. With little data,
#   watch a validation split and stop early.
# * Sampling is sequential: one network pass per pixel.
#
# **References.** Larochelle and Murray, *The Neural Autoregressive Distribution Estimator*
# (2011); Germain et al., *MADE* (2015); van den Oord, Kalchbrenner, Kavukcuoglu, *Pixel
# Recurrent Neural Networks* (2016); van den Oord et al., *Conditional Image Generation with
# PixelCNN Decoders* (2016).
