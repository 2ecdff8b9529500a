"""Plausible wrong implementations of a4_gans and the test cells each must fail."""

from course_utils.grading.samples import Variant

VARIANTS = [
    Variant(
        "minimax loss submitted as the non-saturating one",
        (("    return F.softplus(-logits_fake).mean()\n", "    return -F.softplus(logits_fake).mean()\n"),),
        frozenset({"test_generator_loss_values", "test_generator_loss_gradients"}),
    ),
    Variant(
        "probabilities used where logits are expected (sigmoid applied before a logit loss)",
        (("return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()",
          "return F.softplus(-torch.sigmoid(logits_real)).mean() + F.softplus(torch.sigmoid(logits_fake)).mean()"),),
        # D barely tells data from fakes: the ring collapses (0 modes); the DCGAN still passes its
        # sample test on some seeds (46% confident, 9 classes measured), so that cell is not counted on
        frozenset({"test_discriminator_loss", "test_ring_coverage"}),
    ),
    Variant(
        "non-saturating generator loss with the wrong sign",
        (("    return F.softplus(-logits_fake).mean()\n", "    return -F.softplus(-logits_fake).mean()\n"),),
        frozenset({"test_generator_loss_values", "test_generator_loss_gradients", "test_ring_coverage",
                   "test_dcgan_samples"}),
    ),
    Variant(
        "log(sigmoid(x)) computed naively (inf at logits of size 100)",
        (("return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()",
          "return -torch.log(torch.sigmoid(logits_real)).mean() - torch.log(1 - torch.sigmoid(logits_fake)).mean()"),),
        frozenset({"test_discriminator_loss"}),
    ),
    Variant(
        "discriminator trained on un-detached fakes whose gradients also update G",
        (("fake = generator(z).detach()", "fake = generator(z)"),
         ("        g_optimizer.zero_grad()\n        g_loss.backward()\n        g_optimizer.step()\n",
          "        g_loss.backward()\n        g_optimizer.step()\n        g_optimizer.zero_grad()\n")),
        # the leaked discriminator gradient collapses the ring generator onto about 3 modes
        frozenset({"test_train_gan_gradients", "test_ring_coverage"}),
    ),
    Variant(
        "k ignored: one discriminator step per generator step",
        (("        for _ in range(k):\n", "        for _ in range(1):\n"),),
        frozenset({"test_train_gan_k_steps"}),
    ),
]
