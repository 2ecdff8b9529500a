"""Correct implementations of a4_gans written differently from the solution: all applied at once,
they must score full marks (their replacements touch disjoint text)."""

from course_utils.grading.samples import Alternative

ALTERNATIVES = [
    Alternative(
        "discriminator loss as binary cross-entropy with logits",
        (
            (
                "    return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()\n",
                "    real_loss = F.binary_cross_entropy_with_logits(logits_real, torch.ones_like(logits_real))\n"
                "    fake_loss = F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake))\n"
                "    return real_loss + fake_loss\n",
            ),
        ),
    ),
    Alternative(
        "generator losses through F.logsigmoid",
        (
            (
                "    return -F.softplus(logits_fake).mean()\n",
                "    return F.logsigmoid(-logits_fake).mean()\n",
            ),
            (
                "    return F.softplus(-logits_fake).mean()\n",
                "    return -F.logsigmoid(logits_fake).mean()\n",
            ),
        ),
    ),
    Alternative(
        "optimal discriminator computed in numpy, returned as a float64 tensor",
        (
            (
                "    p_data = torch.as_tensor(p_data, dtype=torch.float64)\n"
                "    p_model = torch.as_tensor(p_model, dtype=torch.float64)\n"
                "    return p_data / (p_data + p_model)\n",
                "    p_data, p_model = np.asarray(p_data, dtype=np.float64), np.asarray(p_model, dtype=np.float64)\n"
                "    return torch.from_numpy(p_data / (p_data + p_model))\n",
            ),
        ),
    ),
    Alternative(
        # also draws the random numbers in another order: the ring and the DCGAN train on
        # other noise than the solution's, as any student's code may
        "train_gan: fakes generated under torch.no_grad(), z drawn before the real batch",
        (
            (
                "            real = sample_data(batch_size)\n"
                "            z = torch.randn(batch_size, generator.latent_dim, device=device)\n"
                "            fake = generator(z).detach()\n",
                "            z = torch.randn(batch_size, generator.latent_dim, device=device)\n"
                "            with torch.no_grad():\n"
                "                fake = generator(z)\n"
                "            real = sample_data(batch_size)\n",
            ),
        ),
    ),
    Alternative(
        "DCGAN with functional activations (F.relu, torch.tanh, F.leaky_relu) in forward(), same layers",
        (
            (
                "        self.net = nn.Sequential(\n"
                "            nn.ConvTranspose2d(latent_dim, 2 * width, 2, 1, 0, bias=False),  # 1x1 -> 2x2\n"
                "            nn.BatchNorm2d(2 * width),\n"
                "            nn.ReLU(),\n"
                "            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),  # 2x2 -> 4x4\n"
                "            nn.BatchNorm2d(width),\n"
                "            nn.ReLU(),\n"
                "            nn.ConvTranspose2d(width, 1, 4, 2, 1),  # 4x4 -> 8x8\n"
                "            nn.Tanh(),\n"
                "        )\n",
                "        self.up1 = nn.ConvTranspose2d(latent_dim, 2 * width, 2, 1, 0, bias=False)\n"
                "        self.bn1 = nn.BatchNorm2d(2 * width)\n"
                "        self.up2 = nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False)\n"
                "        self.bn2 = nn.BatchNorm2d(width)\n"
                "        self.up3 = nn.ConvTranspose2d(width, 1, 4, 2, 1)\n",
            ),
            (
                "        return self.net(z.reshape(len(z), self.latent_dim, 1, 1))\n",
                "        h = z.view(-1, self.latent_dim, 1, 1)\n"
                "        h = F.relu(self.bn1(self.up1(h)))\n"
                "        h = F.relu(self.bn2(self.up2(h)))\n"
                "        return torch.tanh(self.up3(h))\n",
            ),
            (
                "        self.net = nn.Sequential(\n"
                "            nn.Conv2d(1, width, 4, 2, 1),  # 8x8 -> 4x4\n"
                "            nn.LeakyReLU(0.2),\n"
                "            nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False),  # 4x4 -> 2x2\n"
                "            nn.BatchNorm2d(2 * width),\n"
                "            nn.LeakyReLU(0.2),\n"
                "            nn.Conv2d(2 * width, 1, 2, 1, 0),  # 2x2 -> 1x1\n"
                "        )\n",
                "        self.conv1 = nn.Conv2d(1, width, 4, 2, 1)\n"
                "        self.conv2 = nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False)\n"
                "        self.bn2 = nn.BatchNorm2d(2 * width)\n"
                "        self.conv3 = nn.Conv2d(2 * width, 1, 2, 1, 0)\n",
            ),
            (
                "        return self.net(x).flatten()\n",
                "        h = F.leaky_relu(self.conv1(x), 0.2)\n"
                "        h = F.leaky_relu(self.bn2(self.conv2(h)), 0.2)\n"
                "        return self.conv3(h).view(-1)\n",
            ),
        ),
    ),
    Alternative(
        "pack by chunks (sample j with sample j + B / m), an assert for the uneven batch",
        (
            (
                "    if len(samples) % m:\n"
                '        raise ValueError(f"cannot pack {len(samples)} samples in groups of {m}")\n'
                "    return samples.reshape(len(samples) // m, m * samples.shape[1])\n",
                '    assert len(samples) % m == 0, "m must divide the batch"\n'
                "    return torch.cat(samples.chunk(m), dim=1)\n",
            ),
        ),
    ),
    Alternative(
        "PackedDiscriminator with its own view of the packs, the MLP under another name",
        (
            (
                "        self.net = MLPDiscriminator(n_in=2 * m, hidden=hidden)\n",
                "        self.critic = MLPDiscriminator(2 * m, hidden)\n",
            ),
            (
                "        return self.net(pack(x, self.m))\n",
                "        return self.critic(x.view(-1, 2 * self.m))\n",
            ),
        ),
    ),
]
