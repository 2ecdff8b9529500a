"""Plausible wrong implementations of a2_vae and the test cells each must fail.

`visible`: the test cell whose visible part (what the student runs before submitting) catches the
mistake first. The cells after training check the functions training used first (prerequisite), so
a wrong earlier function loses the points of those cells with a message naming it."""

from course_utils.grading.samples import Variant

VARIANTS = [
    Variant(
        "KL term dropped from the ELBO",
        (
            (
                "return bernoulli_log_likelihood(x_logits, x) - gaussian_kl(mu, logvar)",
                "return bernoulli_log_likelihood(x_logits, x)",
            ),
        ),
        frozenset({"test_elbo", "test_training_elbo"}),
        visible="test_elbo",
    ),
    Variant(
        "KL with the wrong sign",
        (("return 0.5 * (mu.pow(2) + logvar.exp()", "return -0.5 * (mu.pow(2) + logvar.exp()"),),
        frozenset(
            {
                "test_gaussian_kl",
                "test_elbo",
                "test_training_elbo",
                "test_kl_not_collapsed",
                "test_iwae_bounds",
            }
        ),
        visible="test_gaussian_kl",
    ),
    Variant(
        "KL without the factor 1/2",
        (("return 0.5 * (mu.pow(2) + logvar.exp()", "return (mu.pow(2) + logvar.exp()"),),
        frozenset({"test_gaussian_kl", "test_elbo", "test_training_elbo", "test_kl_not_collapsed"}),
        visible="test_gaussian_kl",
    ),
    Variant(
        "sigma used where the log-variance is expected",
        (("std = torch.exp(0.5 * logvar)", "std = logvar"),),
        frozenset(
            {
                "test_reparameterize",
                "test_training_elbo",
                "test_kl_not_collapsed",
                "test_iwae_bounds",
            }
        ),
        visible="test_reparameterize",
    ),
    Variant(
        "variance used as the standard deviation: sigma = exp(logvar)",
        (("std = torch.exp(0.5 * logvar)", "std = torch.exp(logvar)"),),
        frozenset(
            {
                "test_reparameterize",
                "test_training_elbo",
                "test_kl_not_collapsed",
                "test_iwae_bounds",
            }
        ),
        visible="test_reparameterize",
    ),
    Variant(
        "sampling with torch.normal(mu, sigma): no reparameterized gradient",
        (
            (
                "eps = torch.randn_like(std)\n    return mu + std * eps",
                "return torch.normal(mu, std)",
            ),
        ),
        frozenset({"test_reparameterize", "test_training_elbo", "test_kl_not_collapsed"}),
        visible="test_reparameterize",
    ),
    Variant(
        "mean over pixels where the contract says sum",
        (("return per_pixel.flatten(1).sum(dim=1)", "return per_pixel.flatten(1).mean(dim=1)"),),
        frozenset(
            {
                "test_bernoulli_log_likelihood",
                "test_elbo",
                "test_training_elbo",
                "test_kl_not_collapsed",
                "test_iwae_exact",
                "test_iwae_bounds",
            }
        ),
        visible="test_bernoulli_log_likelihood",
    ),
    Variant(
        "forward decodes the mean mu instead of a sample z",
        (("return self.decode(z), mu, logvar", "return self.decode(mu), mu, logvar"),),
        # trained, it reports a test -ELBO of 8.7 nats (too good to be true) with a KL of 0.7 (collapsed)
        frozenset(
            {"test_vae_shapes", "test_training_elbo", "test_kl_not_collapsed", "test_iwae_bounds"}
        ),
        visible="test_vae_shapes",
    ),
    Variant(
        "IWAE without logsumexp (exp underflows, log gives -inf)",
        (
            (
                "return torch.logsumexp(log_w, dim=0) - math.log(k)",
                "return torch.log(torch.exp(log_w).mean(dim=0))",
            ),
        ),
        frozenset({"test_iwae_exact"}),
        visible="test_iwae_exact",
    ),
    Variant(
        "IWAE that averages the log-weights (an ELBO estimate, not the IWAE bound)",
        (("return torch.logsumexp(log_w, dim=0) - math.log(k)", "return log_w.mean(dim=0)"),),
        frozenset({"test_iwae_exact", "test_iwae_bounds"}),
        visible="test_iwae_exact",
    ),
    Variant(
        "IWAE weights without log p(z) - log q(z|x)",
        (("log_w = log_px_z + log_pz - log_qz", "log_w = log_px_z"),),
        frozenset({"test_iwae_exact", "test_iwae_bounds"}),
        visible="test_iwae_exact",
    ),
]
