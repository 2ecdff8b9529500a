"""Plausible wrong implementations of a2_vae and the test cells each must fail."""

from course_utils.grading.samples import Variant

VARIANTS = [
    Variant(
        "KL term dropped from the ELBO",
        (("return bernoulli_log_likelihood(x_logits, x) - gaussian_kl(mu, logvar)",
          "return bernoulli_log_likelihood(x_logits, x)"),),
        frozenset({"test_elbo", "test_training_elbo"}),
    ),
    Variant(
        "KL with the wrong sign",
        (("return 0.5 * (mu.pow(2) + logvar.exp()", "return -0.5 * (mu.pow(2) + logvar.exp()"),),
        frozenset({"test_gaussian_kl", "test_elbo", "test_training_elbo", "test_kl_not_collapsed", "test_iwae_bounds"}),
    ),
    Variant(
        "KL without the factor 1/2",
        (("return 0.5 * (mu.pow(2) + logvar.exp()", "return (mu.pow(2) + logvar.exp()"),),
        frozenset({"test_gaussian_kl", "test_elbo", "test_training_elbo", "test_kl_not_collapsed"}),
    ),
    Variant(
        "sigma used where the log-variance is expected",
        (("std = torch.exp(0.5 * logvar)", "std = logvar"),),
        frozenset({"test_reparameterize", "test_training_elbo", "test_kl_not_collapsed", "test_iwae_bounds"}),
    ),
    Variant(
        "sampling with torch.normal(mu, sigma): no reparameterized gradient",
        (("eps = torch.randn_like(std)\n    return mu + std * eps", "return torch.normal(mu, std)"),),
        frozenset({"test_reparameterize", "test_training_elbo", "test_kl_not_collapsed"}),
    ),
    Variant(
        "mean over pixels where the contract says sum",
        (("return per_pixel.flatten(1).sum(dim=1)", "return per_pixel.flatten(1).mean(dim=1)"),),
        frozenset({"test_bernoulli_log_likelihood", "test_elbo", "test_training_elbo", "test_kl_not_collapsed",
                   "test_iwae_exact", "test_iwae_bounds"}),
    ),
    Variant(
        "IWAE without logsumexp (exp underflows, log gives -inf)",
        (("return torch.logsumexp(log_w, dim=0) - math.log(k)", "return torch.log(torch.exp(log_w).mean(dim=0))"),),
        frozenset({"test_iwae_exact"}),
    ),
]
