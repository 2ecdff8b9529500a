"""Plausible wrong implementations of a4_gans and the test cells each must fail.

The ring and DCGAN sample tests check the losses and train_gan first (prerequisites), so a
variant whose loss or train_gan is wrong on small inputs also loses those cells, with a
message naming the function."""

from course_utils.grading.samples import Variant

VARIANTS = [
    Variant(
        "minimax loss submitted as the non-saturating one",
        (
            (
                "    return F.softplus(-logits_fake).mean()\n",
                "    return -F.softplus(logits_fake).mean()\n",
            ),
        ),
        # on its own the ring still trains (the minimax run: 8 modes, 87% high quality), so the
        # ring, packing and DCGAN cells fail through their generator_loss_nonsaturating prerequisite
        frozenset(
            {
                "test_generator_loss_values",
                "test_generator_loss_gradients",
                "test_ring_coverage",
                "test_packing_recovers_modes",
                "test_dcgan_samples",
            }
        ),
        visible="test_generator_loss_values",
    ),
    Variant(
        "probabilities used where logits are expected (sigmoid applied before a logit loss)",
        (
            (
                "return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()",
                "return F.softplus(-torch.sigmoid(logits_real)).mean() + F.softplus(torch.sigmoid(logits_fake)).mean()",
            ),
        ),
        frozenset(
            {
                "test_discriminator_loss",
                "test_ring_coverage",
                "test_packing_recovers_modes",
                "test_dcgan_samples",
            }
        ),
        visible="test_discriminator_loss",
    ),
    Variant(
        "discriminator loss computed from probabilities with F.binary_cross_entropy (log clipped at -100)",
        (
            (
                "return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()",
                "return (F.binary_cross_entropy(torch.sigmoid(logits_real), torch.ones_like(logits_real))\n"
                "            + F.binary_cross_entropy(torch.sigmoid(logits_fake), torch.zeros_like(logits_fake)))",
            ),
        ),
        # exact for the small logits of training: only the stability check at logits of 120 catches it
        frozenset({"test_discriminator_loss"}),
        visible="test_discriminator_loss",
    ),
    Variant(
        "non-saturating generator loss with the wrong sign",
        (
            (
                "    return F.softplus(-logits_fake).mean()\n",
                "    return -F.softplus(-logits_fake).mean()\n",
            ),
        ),
        frozenset(
            {
                "test_generator_loss_values",
                "test_generator_loss_gradients",
                "test_ring_coverage",
                "test_packing_recovers_modes",
                "test_dcgan_samples",
            }
        ),
        visible="test_generator_loss_values",
    ),
    Variant(
        "log(sigmoid(x)) computed naively (inf at logits of size 100)",
        (
            (
                "return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()",
                "return -torch.log(torch.sigmoid(logits_real)).mean() - torch.log(1 - torch.sigmoid(logits_fake)).mean()",
            ),
        ),
        frozenset({"test_discriminator_loss"}),
        visible="test_discriminator_loss",
    ),
    Variant(
        "generator losses computed naively from probabilities (inf at logits of size 100)",
        (
            (
                "    return -F.softplus(logits_fake).mean()\n",
                "    return torch.log(1 - torch.sigmoid(logits_fake)).mean()\n",
            ),
            (
                "    return F.softplus(-logits_fake).mean()\n",
                "    return -torch.log(torch.sigmoid(logits_fake)).mean()\n",
            ),
        ),
        frozenset({"test_generator_loss_values"}),
        visible="test_generator_loss_values",
    ),
    Variant(
        "optimal discriminator upside down: p_model / (p_data + p_model)",
        (
            (
                "    return p_data / (p_data + p_model)\n",
                "    return p_model / (p_data + p_model)\n",
            ),
        ),
        frozenset({"test_optimal_discriminator"}),
        visible="test_optimal_discriminator",
    ),
    Variant(
        "discriminator trained on un-detached fakes whose gradients also update G",
        (
            ("fake = generator(z).detach()", "fake = generator(z)"),
            (
                "        g_optimizer.zero_grad()\n        g_loss.backward()\n        g_optimizer.step()\n",
                "        g_loss.backward()\n        g_optimizer.step()\n        g_optimizer.zero_grad()\n",
            ),
        ),
        # whatever the leaked discriminator gradient does to each run, the ring, packing and DCGAN
        # cells fail through their train_gan prerequisite
        frozenset(
            {
                "test_train_gan_gradients",
                "test_ring_coverage",
                "test_packing_recovers_modes",
                "test_dcgan_samples",
            }
        ),
        visible="test_train_gan_gradients",
    ),
    Variant(
        "k ignored: one discriminator step per generator step",
        (("        for _ in range(k):\n", "        for _ in range(1):\n"),),
        # the packing cell checks train_gan's k = 3 order first (its collapse setting needs k)
        frozenset({"test_train_gan_k_steps", "test_packing_recovers_modes"}),
        visible="test_train_gan_k_steps",
    ),
    Variant(
        # a fixture more than a mistake: no generator at all, points spread evenly on the ring's
        # circle (train_gan replaces the ring MLP's forward and skips training). It reaches all 8
        # modes with about 19% high quality: the ring test must reject it by its quality bar
        "ring generator replaced by points spread evenly on the circle (all modes, no concentration)",
        (
            (
                "    device = next(generator.parameters()).device\n",
                "    device = next(generator.parameters()).device\n"
                '    if type(generator).__name__ == "MLPGenerator":\n'
                "        def on_circle(z):\n"
                "            angle = 2 * math.pi * torch.special.ndtr(z[:, 0])\n"
                "            return 2 * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)\n"
                "\n"
                "        generator.forward = on_circle\n"
                '        return {"d_loss": [1.0] * n_steps, "g_loss": [1.0] * n_steps, "d_fake": [0.5] * n_steps}\n',
            ),
        ),
        # the collapse setting's generators are MLPGenerators too: the packed run is a circle as well
        frozenset({"test_ring_coverage", "test_packing_recovers_modes"}),
        visible="test_ring_coverage",
    ),
    Variant(
        "pack transposes before reshaping (a row mixes the coordinates of different samples)",
        (
            (
                "    return samples.reshape(len(samples) // m, m * samples.shape[1])\n",
                "    return samples.T.reshape(len(samples) // m, m * samples.shape[1])\n",
            ),
        ),
        frozenset({"test_pack", "test_packed_discriminator", "test_packing_recovers_modes"}),
        visible="test_pack",
    ),
    Variant(
        "pack goes through numpy (the generator gets no gradient through the packed discriminator)",
        (
            (
                "    return samples.reshape(len(samples) // m, m * samples.shape[1])\n",
                "    rows = samples.detach().cpu().numpy().reshape(len(samples) // m, m * samples.shape[1])\n"
                "    return torch.as_tensor(rows, device=samples.device)\n",
            ),
        ),
        # the discriminator still trains, the generator does not move: the packed run fails by its outcome
        frozenset({"test_pack", "test_packing_recovers_modes"}),
        visible="test_pack",
    ),
    Variant(
        "pack silently drops the samples that do not fill a pack",
        (
            (
                "    if len(samples) % m:\n"
                '        raise ValueError(f"cannot pack {len(samples)} samples in groups of {m}")\n',
                "    samples = samples[: len(samples) - len(samples) % m]\n",
            ),
        ),
        frozenset({"test_pack"}),
        visible="test_pack",
    ),
    Variant(
        "PackedDiscriminator ignores m and scores every sample alone (no packing)",
        (
            (
                "        self.net = MLPDiscriminator(n_in=2 * m, hidden=hidden)\n",
                "        self.net = MLPDiscriminator(n_in=2, hidden=hidden)\n",
            ),
            ("        return self.net(pack(x, self.m))\n", "        return self.net(x)\n"),
        ),
        # the collapse setting with a plain discriminator again: modes stay missing
        frozenset({"test_packed_discriminator", "test_packing_recovers_modes"}),
        visible="test_packed_discriminator",
    ),
]
