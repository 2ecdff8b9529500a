"""Small GANs on the 2D ring of 8 Gaussians, shared by assignment 4 and lecture 4: the MLP
players and the training recipe (each setting has its one home here).

The ring recipe was chosen by measurement (docs/benchmarks.md, scripts/measure_ring.py): two
phases of falling learning rate, the discriminator's twice the generator's, a 2D latent and
batches of 256 give eight sharp modes with more than 90% of the samples within 3 std of one.
The collapse setting changes the balance of the players (see COLLAPSE_K).
"""

from __future__ import annotations

import torch
from torch import nn

LATENT_DIM = 2
HIDDEN = 128
LAYERS = 3
RING_STD = 0.05
RING_BATCH = 256
RING_PHASES = ((1000, 1e-3), (1000, 2e-4))  # (generator steps, generator learning rate)
D_LR_FACTOR = 2.0  # the discriminator's learning rate over the generator's
BETAS = (0.5, 0.999)

# A setting where the standard GAN drops modes: three discriminator steps per generator step,
# equal learning rates, an 8-dimensional latent and players half as wide, RING_PHASES as for
# the ring (seeds 0-2: 1, 3 and 8 modes of 8). Packing PACK samples per discriminator input
# recovers them (8, 8 and 8).
COLLAPSE_K = 3
COLLAPSE_LATENT_DIM = 8
COLLAPSE_HIDDEN = 64
COLLAPSE_D_LR_FACTOR = 1.0
PACK = 2


def mlp(
    n_in: int, n_out: int, hidden: int = HIDDEN, activation: type[nn.Module] = nn.ReLU
) -> nn.Sequential:
    """LAYERS hidden layers of `hidden` units with `activation`, then a linear output."""
    layers, width = [], n_in
    for _ in range(LAYERS):
        layers += [nn.Linear(width, hidden), activation()]
        width = hidden
    return nn.Sequential(*layers, nn.Linear(width, n_out))


class MLPGenerator(nn.Module):
    """z (B, latent_dim) -> points (B, 2)."""

    def __init__(self, latent_dim: int = LATENT_DIM, hidden: int = HIDDEN):
        super().__init__()
        self.latent_dim = latent_dim
        self.net = mlp(latent_dim, 2, hidden)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class LeakyReLU(nn.LeakyReLU):
    """LeakyReLU with the DCGAN slope 0.2."""

    def __init__(self):
        super().__init__(0.2)


class MLPDiscriminator(nn.Module):
    """points (B, n_in) -> logits (B,); n_in = 2 for single points, 2 m for packs of m."""

    def __init__(self, n_in: int = 2, hidden: int = HIDDEN):
        super().__init__()
        self.net = mlp(n_in, 1, hidden, LeakyReLU)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


def phase_optimizers(
    generator: nn.Module, discriminator: nn.Module, lr: float, d_lr_factor: float = D_LR_FACTOR
) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """Fresh Adam optimizers for one phase: (discriminator's at d_lr_factor * lr, generator's at lr)."""
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=d_lr_factor * lr, betas=BETAS)
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=lr, betas=BETAS)
    return d_optimizer, g_optimizer
