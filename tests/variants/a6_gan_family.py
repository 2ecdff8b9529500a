"""Plausible wrong implementations of a6_gan_family and the test cells each must fail.

The measured cells (test_wgan_ring, test_conditional_samples, test_info_codes, test_aae_codes,
test_cycle_translation)
check the functions their training uses first, so a variant wrong on small inputs also loses
them, with a message naming the function; a variant the prerequisites cannot see loses them only
if its training really fails (measured: the comments say what it reaches)."""

from course_utils.grading.samples import Variant

WGAN_RING = "test_wgan_ring"
CGAN_SAMPLES = "test_conditional_samples"
INFO_CODES = "test_info_codes"
AAE_CODES = "test_aae_codes"
CYCLE = "test_cycle_translation"
CYCLE_LOSS = "    return (g_ba(g_ab(a)) - a).abs().mean() + (g_ab(g_ba(b)) - b).abs().mean()\n"
ADVERSARIAL = (
    "    adversarial = F.softplus(-d_b(g_ab(a))).mean() + F.softplus(-d_a(g_ba(b))).mean()\n"
)

VARIANTS = [
    Variant(
        "critic loss with the sign flipped (real minus fake)",
        (
            (
                "    return critic_fake.mean() - critic_real.mean()\n",
                "    return critic_real.mean() - critic_fake.mean()\n",
            ),
        ),
        frozenset({"test_wgan_losses", WGAN_RING}),
        visible="test_wgan_losses",
    ),
    Variant(
        "critic loss written as the GAN's log loss (softplus of the scores)",
        (
            (
                "    return critic_fake.mean() - critic_real.mean()\n",
                "    return F.softplus(-critic_real).mean() + F.softplus(critic_fake).mean()\n",
            ),
        ),
        frozenset({"test_wgan_losses", WGAN_RING}),
        visible="test_wgan_losses",
    ),
    Variant(
        "generator's Wasserstein loss without the minus sign",
        (("    return -critic_fake.mean()\n", "    return critic_fake.mean()\n"),),
        frozenset({"test_wgan_losses", WGAN_RING}),
        visible="test_wgan_losses",
    ),
    Variant(
        "penalty on the squared gradient norm",
        (
            (
                "    return ((grad.norm(dim=1) - 1) ** 2).mean()\n",
                "    return ((grad.pow(2).sum(dim=1) - 1) ** 2).mean()\n",
            ),
        ),
        frozenset({"test_gradient_penalty", WGAN_RING}),
        visible="test_gradient_penalty",
    ),
    Variant(
        "penalty gradient without create_graph (the critic is not trained through it)",
        (("critic(x_hat).sum(), x_hat, create_graph=True)", "critic(x_hat).sum(), x_hat)"),),
        # measured: without the penalty's gradient the critic is unconstrained and the ring fails
        frozenset({"test_gradient_penalty", WGAN_RING}),
        visible="test_gradient_penalty",
    ),
    Variant(
        "penalty taken at the real samples instead of interpolates",
        (
            (
                "    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)\n",
                "    x_hat = real.clone().requires_grad_(True)\n",
            ),
        ),
        frozenset({"test_gradient_penalty"}),
        visible="test_gradient_penalty",
    ),
    Variant(
        "one alpha for the whole batch",
        (
            (
                "        alpha = torch.rand(len(real), 1, device=real.device, dtype=real.dtype)\n",
                "        alpha = torch.rand(1, 1, device=real.device, dtype=real.dtype)\n",
            ),
        ),
        frozenset({"test_gradient_penalty"}),
        visible="test_gradient_penalty",
    ),
    Variant(
        "conditional generator that ignores the label",
        (
            (
                "        return self.net(torch.cat([z, self.embed(y)], dim=1)).view(-1, 1, 8, 8)\n",
                "        return self.net(torch.cat([z, 0 * self.embed(y)], dim=1)).view(-1, 1, 8, 8)\n",
            ),
        ),
        frozenset({"test_conditional_players", CGAN_SAMPLES}),
        visible="test_conditional_players",
    ),
    Variant(
        "projection discriminator without the projection term (it ignores y)",
        (
            (
                "        return self.out(phi).squeeze(1) + (self.embed(y) * phi).sum(dim=1)\n",
                "        return self.out(phi).squeeze(1)\n",
            ),
        ),
        frozenset({"test_conditional_players", CGAN_SAMPLES}),
        visible="test_conditional_players",
    ),
    Variant(
        "discriminator output squeezed to a scalar for a batch of one",
        (
            (
                "        return self.out(phi).squeeze(1) + (self.embed(y) * phi).sum(dim=1)\n",
                "        return (self.out(phi) + (self.embed(y) * phi).sum(dim=1, keepdim=True)).squeeze()\n",
            ),
        ),
        frozenset({"test_conditional_players"}),
        visible="test_conditional_players",
    ),
    Variant(
        "wrong labels drawn from all classes (some equal the true label)",
        (
            (
                "    shift = torch.randint(1, classes, y.shape, device=y.device)\n",
                "    shift = torch.randint(0, classes, y.shape, device=y.device)\n",
            ),
        ),
        frozenset({"test_mismatched_labels", CGAN_SAMPLES}),
        visible="test_mismatched_labels",
    ),
    Variant(
        "wrong label always the next class",
        (
            (
                "    shift = torch.randint(1, classes, y.shape, device=y.device)\n",
                "    shift = torch.ones_like(y)\n",
            ),
        ),
        frozenset({"test_mismatched_labels"}),
        visible="test_mismatched_labels",
    ),
    Variant(
        "matching-aware loss with the two negatives not averaged",
        (
            (
                "F.softplus(-logits_real).mean() + 0.5 * (F.softplus(logits_wrong).mean() + F.softplus(logits_fake).mean())",
                "F.softplus(-logits_real).mean() + F.softplus(logits_wrong).mean() + F.softplus(logits_fake).mean()",
            ),
        ),
        frozenset({"test_matching_aware_loss", CGAN_SAMPLES}),
        visible="test_matching_aware_loss",
    ),
    Variant(
        "matching-aware loss through log(sigmoid), -inf for large logits",
        (
            (
                "F.softplus(-logits_real).mean() + 0.5 * (F.softplus(logits_wrong).mean() + F.softplus(logits_fake).mean())",
                "-torch.log(torch.sigmoid(logits_real)).mean() - 0.5 * (torch.log(1 - torch.sigmoid(logits_wrong)).mean()"
                " + torch.log(1 - torch.sigmoid(logits_fake)).mean())",
            ),
        ),
        frozenset({"test_matching_aware_loss"}),
        visible="test_matching_aware_loss",
    ),
    Variant(
        "information bound without H(c) = log K (minus the cross-entropy only)",
        (
            (
                "    return math.log(q_logits.shape[1]) - F.cross_entropy(q_logits, codes)\n",
                "    return -F.cross_entropy(q_logits, codes)\n",
            ),
        ),
        frozenset({"test_info_bound", "test_infogan_losses", INFO_CODES}),
        visible="test_info_bound",
    ),
    Variant(
        "information bound with K taken from the batch size",
        (
            (
                "    return math.log(q_logits.shape[1]) - F.cross_entropy(q_logits, codes)\n",
                "    return math.log(q_logits.shape[0]) - F.cross_entropy(q_logits, codes)\n",
            ),
        ),
        frozenset({"test_info_bound", "test_infogan_losses", INFO_CODES}),
        visible="test_info_bound",
    ),
    Variant(
        "Q with a body of its own (nothing shared with D)",
        (
            (
                "        self.d_head, self.q_head = nn.Linear(hidden, 1), nn.Linear(hidden, n_codes)\n",
                "        self.d_head = nn.Linear(hidden, 1)\n"
                "        self.q_head = nn.Sequential(nn.Linear(2, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, n_codes))\n",
            ),
            (
                "        return self.d_head(h).squeeze(1), self.q_head(h)\n",
                "        return self.d_head(h).squeeze(1), self.q_head(x)\n",
            ),
        ),
        # measured: a separate Q network still reads the codes (the ring keeps one mode per code)
        frozenset({"test_infogan_losses"}),
        visible="test_infogan_losses",
    ),
    Variant(
        "discriminator's InfoGAN loss without detaching the fakes",
        (
            (
                "    d_fake, q_fake = discriminator(fake.detach())\n",
                "    d_fake, q_fake = discriminator(fake)\n",
            ),
        ),
        frozenset({"test_infogan_losses", INFO_CODES}),
        visible="test_infogan_losses",
    ),
    Variant(
        "generator's InfoGAN loss without the information term",
        (
            (
                "    return F.softplus(-d_fake).mean() - lam * info_lower_bound(q_fake, codes)\n",
                "    return F.softplus(-d_fake).mean()\n",
            ),
        ),
        frozenset({"test_infogan_losses", INFO_CODES}),
        visible="test_infogan_losses",
    ),
    Variant(
        "discriminator's InfoGAN loss without the information term (Q never trained)",
        (
            (
                "    return F.softplus(-d_real).mean() + F.softplus(d_fake).mean() - lam * info_lower_bound(q_fake, codes)\n",
                "    return F.softplus(-d_real).mean() + F.softplus(d_fake).mean()\n",
            ),
        ),
        frozenset({"test_infogan_losses", INFO_CODES}),
        visible="test_infogan_losses",
    ),
    Variant(
        "AAE discriminator's loss with the prior and the codes swapped",
        (
            (
                "    return F.softplus(-discriminator(prior_z)).mean() + F.softplus(discriminator(codes.detach())).mean()\n",
                "    return F.softplus(-discriminator(codes.detach())).mean() + F.softplus(discriminator(prior_z)).mean()\n",
            ),
        ),
        frozenset({"test_aae_losses", AAE_CODES}),
        visible="test_aae_losses",
    ),
    Variant(
        "AAE discriminator's loss without detaching the codes",
        (
            (
                "    return F.softplus(-discriminator(prior_z)).mean() + F.softplus(discriminator(codes.detach())).mean()\n",
                "    return F.softplus(-discriminator(prior_z)).mean() + F.softplus(discriminator(codes)).mean()\n",
            ),
        ),
        frozenset({"test_aae_losses", AAE_CODES}),
        visible="test_aae_losses",
    ),
    Variant(
        "AAE encoder's loss saturating (minimizing log(1 - D) as -softplus(logits))",
        (
            (
                "    return F.softplus(-discriminator(codes)).mean()\n",
                "    return -F.softplus(discriminator(codes)).mean()\n",
            ),
        ),
        # measured: it still passes test_aae_codes (Adam rescales its small gradients)
        frozenset({"test_aae_losses"}),
        visible="test_aae_losses",
    ),
    Variant(
        "AAE encoder's loss with the codes detached (the encoder never hears the discriminator)",
        (
            (
                "    return F.softplus(-discriminator(codes)).mean()\n",
                "    return F.softplus(-discriminator(codes.detach())).mean()\n",
            ),
        ),
        frozenset({"test_aae_losses", AAE_CODES}),
        visible="test_aae_losses",
    ),
    Variant(
        "AAE encoder's loss with the discriminator's sign (codes pushed away from the prior)",
        (
            (
                "    return F.softplus(-discriminator(codes)).mean()\n",
                "    return F.softplus(discriminator(codes)).mean()\n",
            ),
        ),
        frozenset({"test_aae_losses", AAE_CODES}),
        visible="test_aae_losses",
    ),
    Variant(
        "AAE reconstruction summed over the pixels",
        (
            (
                "    return ((decoder(encoder(x)) - x) ** 2).mean()\n",
                "    return ((decoder(encoder(x)) - x) ** 2).sum(dim=1).mean()\n",
            ),
        ),
        # measured: Adam is blind to the scale, so training still matches the prior
        frozenset({"test_aae_losses"}),
        visible="test_aae_losses",
    ),
    Variant(
        "AAE reconstruction through detached codes (the encoder is not trained to reconstruct)",
        (
            (
                "    return ((decoder(encoder(x)) - x) ** 2).mean()\n",
                "    return ((decoder(encoder(x).detach()) - x) ** 2).mean()\n",
            ),
        ),
        frozenset({"test_aae_losses", AAE_CODES}),
        visible="test_aae_losses",
    ),
    Variant(
        "cycle loss with the a -> B -> A round trip only",
        ((CYCLE_LOSS, "    return (g_ba(g_ab(a)) - a).abs().mean()\n"),),
        frozenset({"test_cycle_losses", CYCLE}),
        visible="test_cycle_losses",
    ),
    Variant(
        "cycle loss squared instead of absolute",
        (
            (
                CYCLE_LOSS,
                "    return ((g_ba(g_ab(a)) - a) ** 2).mean() + ((g_ab(g_ba(b)) - b) ** 2).mean()\n",
            ),
        ),
        frozenset({"test_cycle_losses", CYCLE}),
        visible="test_cycle_losses",
    ),
    Variant(
        "cycle loss summed over the coordinates",
        (
            (
                CYCLE_LOSS,
                "    return (g_ba(g_ab(a)) - a).abs().sum(dim=1).mean() + (g_ab(g_ba(b)) - b).abs().sum(dim=1).mean()\n",
            ),
        ),
        frozenset({"test_cycle_losses", CYCLE}),
        visible="test_cycle_losses",
    ),
    Variant(
        "cycle loss through detached translations (a round trip trains only its second translator)",
        (
            (
                CYCLE_LOSS,
                "    return (g_ba(g_ab(a).detach()) - a).abs().mean() + (g_ab(g_ba(b).detach()) - b).abs().mean()\n",
            ),
        ),
        # measured: each translator still learns from the round trip it ends, so training succeeds
        frozenset({"test_cycle_losses"}),
        visible="test_cycle_losses",
    ),
    Variant(
        "translators' adversarial loss saturating (minimizing log(1 - D))",
        (
            (
                ADVERSARIAL,
                "    adversarial = -F.softplus(d_b(g_ab(a))).mean() - F.softplus(d_a(g_ba(b))).mean()\n",
            ),
        ),
        frozenset({"test_cycle_losses", CYCLE}),
        visible="test_cycle_losses",
    ),
    Variant(
        "each translation judged by the discriminator of the domain it came from",
        (
            (
                ADVERSARIAL,
                "    adversarial = F.softplus(-d_a(g_ab(a))).mean() + F.softplus(-d_b(g_ba(b))).mean()\n",
            ),
        ),
        frozenset({"test_cycle_losses", CYCLE}),
        visible="test_cycle_losses",
    ),
    Variant(
        "cycle_weight ignored (the cycle loss added with weight 1)",
        (
            (
                "    return adversarial + cycle_weight * cycle_consistency_loss(g_ab, g_ba, a, b)\n",
                "    return adversarial + cycle_consistency_loss(g_ab, g_ba, a, b)\n",
            ),
        ),
        frozenset({"test_cycle_losses", CYCLE}),
        visible="test_cycle_losses",
    ),
]
