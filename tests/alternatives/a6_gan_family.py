"""Correct implementations of a6_gan_family written differently from the solution: all applied at
once, they must score full marks."""

from course_utils.grading.samples import Alternative

ALTERNATIVES = [
    Alternative(
        "losses as sums over lengths; the penalty with grad_outputs, a view of alpha and vector_norm",
        (
            (
                "    return critic_fake.mean() - critic_real.mean()\n",
                "    return critic_fake.sum() / len(critic_fake) - critic_real.sum() / len(critic_real)\n",
            ),
            ("    return -critic_fake.mean()\n", "    return torch.mean(-critic_fake)\n"),
            (
                """    if alpha is None:
        alpha = torch.rand(len(real), 1, device=real.device, dtype=real.dtype)
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.norm(dim=1) - 1) ** 2).mean()
""",
                """    batch = real.shape[0]
    if alpha is None:
        alpha = torch.rand(batch, device=real.device).to(real.dtype)
    alpha = alpha.reshape(batch, 1)
    x_hat = torch.lerp(fake, real, alpha).detach().requires_grad_()
    scores = critic(x_hat)
    grad = torch.autograd.grad(scores, x_hat, grad_outputs=torch.ones_like(scores), create_graph=True)[0]
    return torch.mean((torch.linalg.vector_norm(grad, dim=-1) - 1.0).square())
""",
            ),
        ),
    ),
    Alternative(
        "one-hot labels concatenated with z; the projection as an einsum over a separate head",
        (
            (
                """        self.embed = nn.Embedding(classes, 16)
        self.net = nn.Sequential(
            nn.Linear(latent_dim + 16, hidden), nn.ReLU(),""",
                """        self.net = nn.Sequential(
            nn.Linear(latent_dim + classes, hidden), nn.ReLU(),""",
            ),
            (
                "        return self.net(torch.cat([z, self.embed(y)], dim=1)).view(-1, 1, 8, 8)\n",
                "        onehot = F.one_hot(y, self.classes).to(z.dtype)\n"
                "        return self.net(torch.cat((z, onehot), 1)).reshape(len(z), 1, 8, 8)\n",
            ),
            (
                """        phi = self.features(x)
        return self.out(phi).squeeze(1) + (self.embed(y) * phi).sum(dim=1)
""",
                """        phi = self.features(x)
        unconditional = self.out(phi)[:, 0]
        return unconditional + torch.einsum("bh,bh->b", self.embed(y), phi)
""",
            ),
        ),
    ),
    Alternative(
        "wrong labels by drawing among classes - 1 and skipping y; the loss with binary cross-entropy",
        (
            (
                """    shift = torch.randint(1, classes, y.shape, device=y.device)
    return (y + shift) % classes
""",
                """    draw = torch.randint(0, classes - 1, y.shape, device=y.device)
    return draw + (draw >= y).long()
""",
            ),
            (
                "    return F.softplus(-logits_real).mean() + 0.5 * (F.softplus(logits_wrong).mean() + F.softplus(logits_fake).mean())\n",
                """    bce = F.binary_cross_entropy_with_logits
    real_term = bce(logits_real, torch.ones_like(logits_real))
    wrong_term = bce(logits_wrong, torch.zeros_like(logits_wrong))
    fake_term = bce(logits_fake, torch.zeros_like(logits_fake))
    return real_term + (wrong_term + fake_term) / 2
""",
            ),
        ),
    ),
    Alternative(
        "the bound by log_softmax and gather; one output layer split into D and Q",
        (
            (
                "    return math.log(q_logits.shape[1]) - F.cross_entropy(q_logits, codes)\n",
                "    log_q = F.log_softmax(q_logits, dim=-1).gather(1, codes.long().unsqueeze(1))\n"
                "    return log_q.mean() + torch.log(torch.tensor(float(q_logits.size(-1))))\n",
            ),
            (
                "        self.d_head, self.q_head = nn.Linear(hidden, 1), nn.Linear(hidden, n_codes)\n",
                "        self.heads = nn.Linear(hidden, 1 + n_codes)\n",
            ),
            (
                "        h = self.body(x)\n        return self.d_head(h).squeeze(1), self.q_head(h)\n",
                "        out = self.heads(self.body(x))\n        return out[:, 0], out[:, 1:]\n",
            ),
            (
                "    d_real, _ = discriminator(real)\n    d_fake, q_fake = discriminator(fake.detach())\n",
                "    d_real = discriminator(real)[0]\n    d_fake, q_fake = discriminator(fake.detach().clone())\n",
            ),
        ),
    ),
    Alternative(
        "AAE losses with F.mse_loss and binary cross-entropy on logits; codes detached before the call",
        (
            (
                "    return ((decoder(encoder(x)) - x) ** 2).mean()\n",
                "    return F.mse_loss(decoder(encoder(x)), x)\n",
            ),
            (
                "    return F.softplus(-discriminator(prior_z)).mean() + F.softplus(discriminator(codes.detach())).mean()\n",
                """    fake_codes = codes.detach()
    real_logits, fake_logits = discriminator(prior_z), discriminator(fake_codes)
    return F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)) + (
        F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    )
""",
            ),
            (
                "    return F.softplus(-discriminator(codes)).mean()\n",
                """    logits = discriminator(codes)
    return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
""",
            ),
        ),
    ),
    Alternative(
        "CycleGAN losses with F.l1_loss, a loop over the two round trips and -logsigmoid",
        (
            (
                "    return (g_ba(g_ab(a)) - a).abs().mean() + (g_ab(g_ba(b)) - b).abs().mean()\n",
                """    total = 0
    for x, there, back in ((a, g_ab, g_ba), (b, g_ba, g_ab)):
        total = total + F.l1_loss(back(there(x)), x)
    return total
""",
            ),
            (
                "    adversarial = F.softplus(-d_b(g_ab(a))).mean() + F.softplus(-d_a(g_ba(b))).mean()\n",
                "    adversarial = -(F.logsigmoid(d_b(g_ab(a))).mean() + F.logsigmoid(d_a(g_ba(b))).mean())\n",
            ),
        ),
    ),
]
