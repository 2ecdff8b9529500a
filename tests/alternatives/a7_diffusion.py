"""Correct implementations of a7_diffusion written differently from the solution: all applied at
once, they must score full marks."""

from course_utils.grading.samples import Alternative

ALTERNATIVES = [
    Alternative(
        "cosine schedule in a Python loop over t, alpha_bar as exp of a sum of logs",
        (
            (
                """    steps = torch.arange(T + 1, dtype=torch.float64) / T
    f = torch.cos((steps + s) / (1 + s) * math.pi / 2) ** 2
    return (1 - f[1:] / f[:-1]).clamp(max=max_beta)
""",
                """    def f(t):
        return math.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2

    return torch.tensor([min(1 - f(t) / f(t - 1), max_beta) for t in range(1, T + 1)],
                        dtype=torch.float64)
""",
            ),
            (
                "    return torch.cumprod(1 - betas, dim=0)\n",
                "    return torch.exp(torch.cumsum(torch.log1p(-betas), dim=0))\n",
            ),
        ),
    ),
    Alternative(
        "q_sample with gather and unsqueeze",
        (
            (
                """    abar = per_example(alpha_bar(betas).to(x0)[t - 1], x0)
    return abar.sqrt() * x0 + (1 - abar).sqrt() * noise
""",
                """    abar = alpha_bar(betas).to(x0).gather(0, t - 1)
    while abar.dim() < x0.dim():
        abar = abar.unsqueeze(-1)
    return torch.sqrt(abar) * x0 + torch.sqrt(1 - abar) * noise
""",
            ),
        ),
    ),
    Alternative(
        "posterior by adding precisions, with the t = 1 case apart",
        (
            (
                """    coef_x0 = abar_prev.sqrt() * beta / (1 - abar)
    coef_xt = (1 - beta).sqrt() * (1 - abar_prev) / (1 - abar)
    mean = per_example(coef_x0, x0) * x0 + per_example(coef_xt, x0) * xt
    return mean, (1 - abar_prev) / (1 - abar) * beta
""",
                """    first = t == 1
    prior_var = torch.where(first, torch.ones_like(abar_prev), 1 - abar_prev)
    variance = 1 / (1 / prior_var + (1 - beta) / beta)
    mean = per_example(variance, x0) * (
        per_example(abar_prev.sqrt() / prior_var, x0) * x0 + per_example((1 - beta).sqrt() / beta, x0) * xt
    )
    mean = torch.where(per_example(first, x0), x0, mean)
    return mean, torch.where(first, torch.zeros_like(variance), variance)
""",
            ),
        ),
    ),
    Alternative(
        "diffusion_loss with F.mse_loss and the noise drawn first",
        (
            (
                """    t = torch.randint(1, len(betas) + 1, (len(x0),), device=x0.device)
    noise = torch.randn_like(x0)
    return ((noise - model(q_sample(x0, t, noise, betas), t)) ** 2).mean()
""",
                """    from torch.nn import functional as F

    noise = torch.randn(x0.shape, dtype=x0.dtype, device=x0.device)
    t = torch.randint(len(betas), (x0.shape[0],), device=x0.device) + 1
    return F.mse_loss(model(q_sample(x0, t, noise, betas), t), noise)
""",
            ),
        ),
    ),
    Alternative(
        "NoiseMLP with the embedding from torch.outer and a list of layers",
        (
            (
                """        self.T, self.embed = T, embed
        self.net = nn.Sequential(
            nn.Linear(dim + embed, hidden), nn.SiLU(),
            nn.Linear(hidden, hidden), nn.SiLU(),
            nn.Linear(hidden, hidden), nn.SiLU(),
            nn.Linear(hidden, dim),
        )
""",
                """        self.T, self.embed = T, embed
        sizes = [dim + embed, hidden, hidden, hidden]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.out = nn.Linear(hidden, dim)
""",
            ),
            (
                """        half = self.embed // 2
        freqs = 1000.0 ** (-torch.arange(half, device=x.device, dtype=x.dtype) / half)
        angles = (1000.0 * t.to(x.dtype) / self.T)[:, None] * freqs[None, :]
        return self.net(torch.cat([x, torch.sin(angles), torch.cos(angles)], dim=1))
""",
                """        half = self.embed // 2
        freqs = torch.exp(-math.log(1000.0) * torch.arange(half, device=x.device, dtype=x.dtype) / half)
        angles = torch.outer(t.to(x.dtype) * (1000.0 / self.T), freqs)
        h = torch.cat([x, angles.sin(), angles.cos()], dim=-1)
        for layer in self.layers:
            h = nn.functional.silu(layer(h))
        return self.out(h)
""",
            ),
        ),
    ),
    Alternative(
        "ddpm_sample with sigma_t^2 = beta_t (the other variance of Ho et al.)",
        (
            (
                """        _, variance = posterior_mean_variance(x, x, t, betas)
""",
                """        variance = betas.to(x)[t - 1]
""",
            ),
        ),
    ),
    Alternative(
        "ddim_sample over numpy time steps, next noise level looked up in a dict",
        (
            (
                """    times = torch.linspace(len(betas), 1, steps).round().long().tolist()
    x = x_T
    for i, step in enumerate(times):
        t = torch.full((len(x),), step, device=x.device, dtype=torch.long)
        eps = model(x, t)
        x0_hat = (x - (1 - abar[step - 1]).sqrt() * eps) / abar[step - 1].sqrt()
        abar_next = abar[times[i + 1] - 1] if i + 1 < len(times) else abar.new_tensor(1.0)
        x = abar_next.sqrt() * x0_hat + (1 - abar_next).sqrt() * eps
    return x
""",
                """    import numpy as np

    times = [int(v) for v in np.linspace(len(betas), 1, steps).round()]
    level = {0: abar.new_tensor(1.0), **{s: abar[s - 1] for s in times}}
    x = x_T
    for now, after in zip(times, times[1:] + [0]):
        eps = model(x, torch.full((x.shape[0],), now, dtype=torch.long, device=x.device))
        x0_hat = (x - torch.sqrt(1 - level[now]) * eps) / torch.sqrt(level[now])
        x = torch.sqrt(level[after]) * x0_hat + torch.sqrt(1 - level[after]) * eps
    return x
""",
            ),
        ),
    ),
    Alternative(
        "mixture_score as the gradient of a logsumexp (autograd)",
        (
            (
                """    diff = means[None, :, :] - x[:, None, :]  # (B, K, D)
    weights = torch.softmax(-(diff**2).sum(dim=2) / (2 * std**2), dim=1)
    return (weights[:, :, None] * diff).sum(dim=1) / std**2
""",
                """    with torch.enable_grad():
        x = x.detach().clone().requires_grad_(True)
        log_p = torch.logsumexp(-torch.cdist(x, means.to(x)) ** 2 / (2 * std**2), dim=1)
        (grad,) = torch.autograd.grad(log_p.sum(), x)
    return grad
""",
            ),
        ),
    ),
    Alternative(
        "NoiseConvNet with a time-embedding helper, nn.Sequential blocks and F.silu",
        (
            (
                """        self.T, self.embed, self.channels = T, embed, channels
        self.labels = nn.Embedding(classes + 1, embed)
        self.shifts = nn.Sequential(nn.Linear(embed, channels), nn.SiLU(), nn.Linear(channels, 3 * channels))
        self.first = nn.Conv2d(1, channels, 3, padding=1)
        self.blocks = nn.ModuleList(nn.Conv2d(channels, channels, 3, padding=1) for _ in range(3))
        self.last = nn.Conv2d(channels, 1, 3, padding=1)
""",
                """        self.steps, self.size, self.width = T, embed, channels
        self.label_table = nn.Embedding(num_embeddings=classes + 1, embedding_dim=embed)
        self.to_shift = nn.Sequential(nn.Linear(embed, channels), nn.SiLU(), nn.Linear(channels, channels * 3))
        self.stem = nn.Conv2d(1, channels, kernel_size=3, padding=1)
        self.body = nn.ModuleList([nn.Sequential(nn.SiLU(), nn.Conv2d(channels, channels, 3, 1, 1)) for _ in "abc"])
        self.head = nn.Sequential(nn.SiLU(), nn.Conv2d(channels, 1, 3, 1, 1))

    def time_features(self, t, like):
        k = torch.arange(self.size // 2, device=like.device, dtype=like.dtype)
        angles = torch.outer(t.to(like.dtype) * 1000.0 / self.steps, torch.exp(-math.log(1000.0) * k / (self.size // 2)))
        return torch.cat((angles.sin(), angles.cos()), dim=-1)
""",
            ),
            (
                """        half = self.embed // 2
        freqs = 1000.0 ** (-torch.arange(half, device=x.device, dtype=x.dtype) / half)
        angles = (1000.0 * t.to(x.dtype) / self.T)[:, None] * freqs[None, :]
        condition = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1) + self.labels(y)
        shifts = self.shifts(condition).reshape(len(x), 3, self.channels, 1, 1)
        h = self.first(x.reshape(-1, 1, 8, 8))
        for i, conv in enumerate(self.blocks):
            h = h + conv(torch.nn.functional.silu(h + shifts[:, i]))
        return self.last(torch.nn.functional.silu(h)).flatten(1)
""",
                """        shift = self.to_shift(self.time_features(t, x) + self.label_table(y))
        shift = shift.view(x.shape[0], 3, self.width)[..., None, None]
        h = self.stem(x.view(x.shape[0], 1, 8, 8))
        for block, c in zip(self.body, shift.unbind(dim=1)):
            h = block(h + c) + h
        return self.head(h).view(x.shape[0], 64)
""",
            ),
        ),
    ),
    Alternative(
        "drop_labels with bernoulli and masked_fill; guided_eps in one batched call as (1 - w) eps(null) + w eps(y)",
        (
            (
                """    dropped = torch.rand(y.shape, device=y.device) < p
    return torch.where(dropped, torch.full_like(y, NULL_LABEL), y)
""",
                """    mask = torch.bernoulli(torch.full(y.shape, float(p), device=y.device)).bool()
    return y.clone().masked_fill(mask, NULL_LABEL)
""",
            ),
            (
                """    unconditional = model(x, t, torch.full_like(y, NULL_LABEL))
    return unconditional + w * (model(x, t, y) - unconditional)
""",
                """    both = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([y, torch.full_like(y, NULL_LABEL)]))
    conditional, unconditional = both.chunk(2)
    return (1 - w) * unconditional + w * conditional
""",
            ),
        ),
    ),
]
