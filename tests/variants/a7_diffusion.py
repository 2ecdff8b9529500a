"""Plausible wrong implementations of a7_diffusion and the test cells each must fail.

A mistake in a function that training or sampling uses also shows in the measured tests of the
trained ring_model (test_ring_samples, test_scores) when it changes what the network learns or
how it is sampled; the sets below are what grading the variant measured. test_guided_digits
first checks every function the digit model's training and sampling use (prerequisites), so a
mistake in any of them fails it whatever the samples look like.
"""

from course_utils.grading.samples import Variant

ABAR = "    return torch.cumprod(1 - betas, dim=0)\n"
Q_NOISE = "    return abar.sqrt() * x0 + (1 - abar).sqrt() * noise\n"

VARIANTS = [
    Variant(
        "cosine schedule: beta_t = 1 - abar_t instead of 1 - abar_t / abar_(t-1)",
        (
            (
                "    return (1 - f[1:] / f[:-1]).clamp(max=max_beta)\n",
                "    return (1 - f[1:] / f[0]).clamp(max=max_beta)\n",
            ),
        ),  # fmt: skip
        frozenset({"test_schedules", "test_ring_samples", "test_guided_digits"}),
        visible="test_schedules",
    ),
    Variant(
        "linear schedule with the T = 1000 endpoints for any T",
        (
            (
                "torch.linspace(0.1 / T, 20.0 / T, T, dtype=torch.float64)",
                "torch.linspace(1e-4, 0.02, T, dtype=torch.float64)",
            ),
        ),  # fmt: skip
        frozenset({"test_schedules"}),
        visible="test_schedules",
    ),
    Variant(
        "q_sample scales the noise by the variance 1 - abar_t",
        ((Q_NOISE, "    return abar.sqrt() * x0 + (1 - abar) * noise\n"),),
        frozenset(
            {
                "test_q_sample",
                "test_diffusion_loss",
                "test_ring_samples",
                "test_scores",
                "test_guided_digits",
            }
        ),  # fmt: skip
        visible="test_q_sample",
    ),
    Variant(
        "posterior variance beta_t instead of beta_tilde_t",
        (("    return mean, (1 - abar_prev) / (1 - abar) * beta\n", "    return mean, beta\n"),),
        frozenset({"test_posterior"}),
        visible="test_posterior",
    ),
    Variant(
        "posterior mean: sqrt(alpha_t) on x0 where sqrt(abar_(t-1)) belongs",
        (
            (
                "    coef_x0 = abar_prev.sqrt() * beta / (1 - abar)\n",
                "    coef_x0 = (1 - beta).sqrt() * beta / (1 - abar)\n",
            ),
        ),  # fmt: skip
        frozenset({"test_posterior"}),
        visible="test_posterior",
    ),
    Variant(
        "mean_from_eps without the division by sqrt(alpha_t)",
        (
            (
                "    return (xt - beta / (1 - abar).sqrt() * eps) / (1 - beta).sqrt()\n",
                "    return xt - beta / (1 - abar).sqrt() * eps\n",
            ),
        ),  # fmt: skip
        frozenset({"test_elbo_terms", "test_ddpm_sample", "test_guided_digits"}),
        visible="test_elbo_terms",
    ),
    Variant(
        "kl_weights without alpha_t",
        (
            (
                "    return betas**2 / (2 * sigma2 * (1 - betas) * (1 - alpha_bar(betas)))\n",
                "    return betas**2 / (2 * sigma2 * (1 - alpha_bar(betas)))\n",
            ),
        ),  # fmt: skip
        frozenset({"test_elbo_terms"}),
        visible="test_elbo_terms",
    ),
    Variant(
        "diffusion_loss draws t from 0..T-1",
        (
            (
                "    t = torch.randint(1, len(betas) + 1, (len(x0),), device=x0.device)\n",
                "    t = torch.randint(0, len(betas), (len(x0),), device=x0.device)\n",
            ),
        ),  # fmt: skip
        frozenset({"test_diffusion_loss", "test_ring_samples", "test_guided_digits"}),
        visible="test_diffusion_loss",
    ),
    Variant(
        "diffusion_loss sums over the dimensions",
        (
            (
                "    return ((noise - model(q_sample(x0, t, noise, betas), t)) ** 2).mean()\n",
                "    return ((noise - model(q_sample(x0, t, noise, betas), t)) ** 2).sum(dim=1).mean()\n",
            ),
        ),  # fmt: skip
        frozenset({"test_diffusion_loss"}),
        visible="test_diffusion_loss",
    ),
    Variant(
        "NoiseMLP that never uses t (the embedding multiplied away)",
        (
            (
                "torch.cat([x, torch.sin(angles), torch.cos(angles)], dim=1)",
                "torch.cat([x, torch.sin(0 * angles), torch.cos(0 * angles)], dim=1)",
            ),
        ),  # fmt: skip
        frozenset({"test_noise_mlp", "test_ring_samples", "test_scores"}),
        visible="test_noise_mlp",
    ),
    Variant(
        "ddpm_sample that adds no noise",
        (
            (
                "            x = x + per_example(variance.sqrt(), x) * torch.randn_like(x)\n",
                "            x = x + 0 * torch.randn_like(x)\n",
            ),
        ),  # fmt: skip
        frozenset({"test_ddpm_sample", "test_guided_digits"}),
        visible="test_ddpm_sample",
    ),
    Variant(
        "ddim_sample re-noises with a fresh noise instead of the predicted one",
        (
            (
                "        x = abar_next.sqrt() * x0_hat + (1 - abar_next).sqrt() * eps\n",
                "        x = abar_next.sqrt() * x0_hat + (1 - abar_next).sqrt() * torch.randn_like(eps)\n",
            ),
        ),  # fmt: skip
        frozenset({"test_ddim_sample"}),
        visible="test_ddim_sample",
    ),
    Variant(
        "ddim_sample stops at tau_S instead of jumping to t = 0",
        (
            (
                "        abar_next = abar[times[i + 1] - 1] if i + 1 < len(times) else abar.new_tensor(1.0)\n",
                "        abar_next = abar[times[i + 1] - 1] if i + 1 < len(times) else abar[step - 1]\n",
            ),
        ),  # fmt: skip
        frozenset({"test_ddim_sample"}),
        visible="test_ddim_sample",
    ),
    Variant(
        "score_from_eps divides by the variance 1 - abar_t",
        (
            (
                "    return -eps / per_example((1 - alpha_bar(betas).to(eps)[t - 1]).sqrt(), eps)\n",
                "    return -eps / per_example(1 - alpha_bar(betas).to(eps)[t - 1], eps)\n",
            ),
        ),  # fmt: skip
        frozenset({"test_scores"}),
        visible="test_scores",
    ),
    Variant(
        "mixture_score with std where std^2 belongs in the softmax",
        (
            (
                "    weights = torch.softmax(-(diff**2).sum(dim=2) / (2 * std**2), dim=1)\n",
                "    weights = torch.softmax(-(diff**2).sum(dim=2) / (2 * std), dim=1)\n",
            ),
        ),  # fmt: skip
        frozenset({"test_scores"}),
        visible="test_scores",
    ),
    Variant(
        "guided_eps with the conditional and unconditional noise swapped",
        (
            (
                "    unconditional = model(x, t, torch.full_like(y, NULL_LABEL))\n"
                "    return unconditional + w * (model(x, t, y) - unconditional)\n",
                "    conditional = model(x, t, y)\n"
                "    return conditional + w * (model(x, t, torch.full_like(y, NULL_LABEL)) - conditional)\n",
            ),
        ),  # fmt: skip
        frozenset({"test_guided_eps", "test_guided_digits"}),
        visible="test_guided_eps",
    ),
    Variant(
        "guided_eps as (1 + w) eps(y) - w eps(null), where w = 0 is already conditional",
        (
            (
                "    return unconditional + w * (model(x, t, y) - unconditional)\n",
                "    return (1 + w) * model(x, t, y) - w * unconditional\n",
            ),
        ),  # fmt: skip
        frozenset({"test_guided_eps", "test_guided_digits"}),
        visible="test_guided_eps",
    ),
    Variant(
        "guided_eps takes label 0 for no label",
        (
            (
                "    unconditional = model(x, t, torch.full_like(y, NULL_LABEL))\n",
                "    unconditional = model(x, t, torch.zeros_like(y))\n",
            ),
        ),  # fmt: skip
        frozenset({"test_guided_eps", "test_guided_digits"}),
        visible="test_guided_eps",
    ),
    Variant(
        "drop_labels keeps each label with probability p instead of dropping it",
        (
            (
                "    dropped = torch.rand(y.shape, device=y.device) < p\n",
                "    dropped = torch.rand(y.shape, device=y.device) >= p\n",
            ),
        ),  # fmt: skip
        frozenset({"test_drop_labels", "test_guided_digits"}),
        visible="test_drop_labels",
    ),
    Variant(
        "drop_labels writes the null label into the labels it was given",
        (
            (
                "    return torch.where(dropped, torch.full_like(y, NULL_LABEL), y)\n",
                "    y[dropped] = NULL_LABEL\n    return y\n",
            ),
        ),  # fmt: skip
        frozenset({"test_drop_labels"}),
        visible="test_drop_labels",
    ),
    Variant(
        "drop_labels draws one coin for the whole batch",
        (
            (
                "    dropped = torch.rand(y.shape, device=y.device) < p\n",
                "    dropped = (torch.rand(1, device=y.device) < p).expand(y.shape)\n",
            ),
        ),  # fmt: skip
        frozenset({"test_drop_labels", "test_guided_digits"}),
        visible="test_drop_labels",
    ),
    Variant(
        "NoiseConvNet that never uses the label embedding",
        (
            (
                "        condition = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1) + self.labels(y)\n",
                "        condition = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)\n",
            ),
        ),  # fmt: skip
        frozenset({"test_noise_conv_net", "test_guided_digits"}),
        visible="test_noise_conv_net",
    ),
    Variant(
        "NoiseConvNet with an embedding row per class but none for the null label",
        (
            (
                "        self.labels = nn.Embedding(classes + 1, embed)\n",
                "        self.labels = nn.Embedding(classes, embed)\n",
            ),
        ),  # fmt: skip
        frozenset({"test_noise_conv_net", "test_guided_digits"}),
        visible="test_noise_conv_net",
    ),
    Variant(
        "alpha_bar as 1 - the running sum of the betas",
        ((ABAR, "    return 1 - torch.cumsum(betas, dim=0)\n"),),
        frozenset(
            {
                "test_schedules",
                "test_q_sample",
                "test_posterior",
                "test_elbo_terms",
                "test_diffusion_loss",
                "test_ddpm_sample",
                "test_ddim_sample",
                "test_ring_samples",
                "test_scores",
                "test_guided_digits",
            }
        ),  # fmt: skip
        visible="test_schedules",
    ),
]
