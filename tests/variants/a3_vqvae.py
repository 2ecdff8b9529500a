"""Plausible wrong implementations of a3_vqvae and the test cells each must fail.

Measured on the seeded training run of the notebook (30 epochs, 64 codes, 1 CPU thread): the
solution reaches a test MSE of about 0.0043 per pixel with 55 codes in use; a straight-through
estimator without .detach() collapses to 1 code (MSE 0.074), argmax reconstructs nothing
(MSE 0.074), distances without ||e||^2 leave 3 codes (MSE 0.023). Wrong stop-gradients in the
loss terms, or beta on the codebook term, still train well (MSE <= 0.005, >= 44 codes), so only
the gradient and value checks catch them. The sampling test checks diversity on an untrained
prior, so that a collapsed VQ-VAE does not also fail it.
"""

from course_utils.grading.samples import Variant

CODEBOOK_TERM = "codebook_loss = ((z_e.detach() - z_q) ** 2).mean()"
COMMITMENT_TERM = "commitment_loss = beta * ((z_e - z_q.detach()) ** 2).mean()"

VARIANTS = [
    Variant(
        "straight-through estimator without detach",
        (("return z_e + (z_q - z_e).detach()", "return z_e + (z_q - z_e)"),),
        frozenset({"test_straight_through", "test_vqvae", "test_training"}),
    ),
    Variant(
        "codebook loss without detach on z_e",
        ((CODEBOOK_TERM, "codebook_loss = ((z_e - z_q) ** 2).mean()"),),
        frozenset({"test_vq_losses", "test_vqvae"}),
    ),
    Variant(
        "commitment loss without detach on the code",
        ((COMMITMENT_TERM, "commitment_loss = beta * ((z_e - z_q) ** 2).mean()"),),
        frozenset({"test_vq_losses", "test_vqvae"}),
    ),
    Variant(
        "the two stop-gradients swapped",
        (
            (CODEBOOK_TERM, "codebook_loss = ((z_e - z_q.detach()) ** 2).mean()"),
            (COMMITMENT_TERM, "commitment_loss = beta * ((z_e.detach() - z_q) ** 2).mean()"),
        ),
        frozenset({"test_vq_losses", "test_vqvae"}),
    ),
    Variant(
        "beta applied to the codebook term",
        ((CODEBOOK_TERM, "codebook_loss = beta * ((z_e.detach() - z_q) ** 2).mean()"),),
        frozenset({"test_vq_losses", "test_vqvae"}),
    ),
    Variant(
        "argmax instead of argmin",
        (("indices = distances.argmin(dim=1)", "indices = distances.argmax(dim=1)"),),
        frozenset({"test_quantize", "test_training"}),
    ),
    Variant(
        "distances without the squared norms of the codes",
        (("- 2 * z_e @ codebook.T + (codebook**2).sum(dim=1)", "- 2 * z_e @ codebook.T"),),
        frozenset({"test_quantize", "test_training"}),
    ),
    Variant(
        "perplexity returns the entropy instead of its exponential",
        (("return float(torch.exp(-(p * p.log()).sum()))", "return float(-(p * p.log()).sum())"),),
        frozenset({"test_perplexity"}),
    ),
    Variant(
        "greedy sampling: the most likely code instead of a random draw",
        (("token = torch.multinomial(probs, 1)", "token = probs.argmax(dim=-1, keepdim=True)"),),
        frozenset({"test_sampling"}),
    ),
    Variant(
        "prior without the shift: each position sees its own code",
        (("inputs = torch.cat([start, seq[:, :-1]], dim=1)", "inputs = seq"),),
        frozenset({"test_prior_causal"}),
    ),
]
