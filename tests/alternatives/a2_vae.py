"""Correct implementations of a2_vae written differently from the solution: all applied at once to
one submission, they must score full marks."""

from course_utils.grading.samples import Alternative

ALTERNATIVES = [
    Alternative(
        "reparameterize with torch.distributions.Normal(...).rsample()",
        (
            (
                "    std = torch.exp(0.5 * logvar)\n    eps = torch.randn_like(std)\n    return mu + std * eps\n",
                "    return torch.distributions.Normal(mu, logvar.mul(0.5).exp()).rsample()\n",
            ),
        ),
    ),
    Alternative(
        "KL from torch.distributions.kl_divergence",
        (
            (
                "    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)\n",
                "    from torch.distributions import Normal, kl_divergence\n\n"
                "    q = Normal(mu, torch.exp(0.5 * logvar))\n"
                "    return kl_divergence(q, Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(dim=1)\n",
            ),
        ),
    ),
    Alternative(
        "log-likelihood from F.binary_cross_entropy_with_logits",
        (
            (
                "    x = x.to(x_logits.dtype)\n"
                "    per_pixel = x * F.logsigmoid(x_logits) + (1.0 - x) * F.logsigmoid(-x_logits)\n"
                "    return per_pixel.flatten(1).sum(dim=1)\n",
                '    bce = F.binary_cross_entropy_with_logits(x_logits, x.to(x_logits.dtype), reduction="none")\n'
                "    return -bce.reshape(bce.shape[0], -1).sum(dim=1)\n",
            ),
        ),
    ),
    Alternative(
        "VAE with separate mu and logvar heads and functional ReLUs",
        (
            (
                "        self.encoder = nn.Sequential(\n"
                "            nn.Flatten(), nn.Linear(num_pixels, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 2 * latent_dim)\n"
                "        )\n"
                "        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, num_pixels))\n",
                "        self.enc_hidden = nn.Linear(num_pixels, hidden_dim)\n"
                "        self.enc_mu, self.enc_logvar = nn.Linear(hidden_dim, latent_dim), nn.Linear(hidden_dim, latent_dim)\n"
                "        self.dec_hidden = nn.Linear(latent_dim, hidden_dim)\n"
                "        self.dec_out = nn.Linear(hidden_dim, num_pixels)\n",
            ),
            (
                "        mu, logvar = self.encoder(x).chunk(2, dim=1)\n        return mu, logvar\n",
                "        h = F.relu(self.enc_hidden(x.flatten(start_dim=1)))\n"
                "        return self.enc_mu(h), self.enc_logvar(h)\n",
            ),
            (
                "        return self.decoder(z).view(-1, *self.image_shape)\n",
                "        return self.dec_out(F.relu(self.dec_hidden(z))).unflatten(-1, self.image_shape)\n",
            ),
        ),
    ),
    Alternative(
        "IWAE with one decoder call per sample and the densities of torch.distributions",
        (
            (
                "    batch = x.shape[0]\n"
                "    mu, logvar = model.encode(x)\n"
                "    mu_k, logvar_k = mu.expand(k, *mu.shape), logvar.expand(k, *logvar.shape)\n"
                "    z = reparameterize(mu_k, logvar_k)  # (k, B, L)\n"
                "    x_logits = model.decode(z.reshape(k * batch, -1))\n"
                "    x_rep = x.repeat(k, *([1] * (x.dim() - 1)))  # (k * B, ...), in the order of z.reshape\n"
                "    log_px_z = bernoulli_log_likelihood(x_logits, x_rep).view(k, batch)\n"
                "    log_pz = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).sum(dim=-1)\n"
                "    log_qz = (-0.5 * (z - mu_k).pow(2) / logvar_k.exp() - 0.5 * logvar_k"
                " - 0.5 * math.log(2 * math.pi)).sum(dim=-1)\n"
                "    log_w = log_px_z + log_pz - log_qz\n"
                "    return torch.logsumexp(log_w, dim=0) - math.log(k)\n",
                "    from torch.distributions import Normal\n\n"
                "    mu, logvar = model.encode(x)\n"
                "    q = Normal(mu, torch.exp(0.5 * logvar))\n"
                "    prior = Normal(torch.zeros_like(mu), torch.ones_like(mu))\n"
                "    log_w = []\n"
                "    for _ in range(k):  # one decoder call per sample\n"
                "        z = reparameterize(mu, logvar)\n"
                "        log_px_z = bernoulli_log_likelihood(model.decode(z), x)\n"
                "        log_w.append(log_px_z + prior.log_prob(z).sum(dim=1) - q.log_prob(z).sum(dim=1))\n"
                "    return torch.logsumexp(torch.stack(log_w), dim=0) - math.log(k)\n",
            ),
        ),
    ),
]
