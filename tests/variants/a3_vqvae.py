"""Plausible wrong implementations of a3_vqvae and the test cells each must fail.

Measured on the seeded training run of the notebook (30 epochs, 64 codes, 1 CPU thread): the
solution reaches a test MSE of about 0.0043 per pixel with 55 codes in use and a prior NLL of 45.4
nats per grid; a straight-through estimator without .detach() collapses to 1 code (MSE 0.074),
argmax reconstructs nothing (MSE 0.074), distances without ||e||^2 leave 3 codes (MSE 0.023), a
detached codebook in quantize is never trained (MSE 0.020, 27 codes), quantizing z_e.reshape(-1, D)
without moving the channels last gives 0.023. Wrong stop-gradients in the loss terms, beta on the
codebook term, or a straight-through that detaches only z_e (MSE 0.0047, 49 codes) still train
well, so only the gradient and value checks catch them. A prior that sees its own code reaches
0.0 nats per grid, below the 5.9 nats entropy of the 360 test grids: the sampling test names
CodePrior.forward, and its guard calls such a number too good to be true. The sampling test checks
diversity on an untrained prior, so that a collapsed VQ-VAE does not also fail it.

Every variant is caught by the visible part of its first failing test (`visible`).
"""

from course_utils.grading.samples import Variant

CODEBOOK_TERM = "codebook_loss = ((z_e.detach() - z_q) ** 2).mean()"
COMMITMENT_TERM = "commitment_loss = beta * ((z_e - z_q.detach()) ** 2).mean()"

VARIANTS = [
    Variant(
        "straight-through estimator without detach",
        (("return z_e + (z_q - z_e).detach()", "return z_e + (z_q - z_e)"),),
        frozenset({"test_straight_through", "test_vqvae", "test_training"}),
        visible="test_straight_through",
    ),
    Variant(
        "straight-through that detaches only z_e: the codebook gets the decoder's gradient",
        (("return z_e + (z_q - z_e).detach()", "return z_e + (z_q - z_e.detach())"),),
        frozenset({"test_straight_through", "test_vqvae"}),
        visible="test_straight_through",
    ),
    Variant(
        "codebook loss without detach on z_e",
        ((CODEBOOK_TERM, "codebook_loss = ((z_e - z_q) ** 2).mean()"),),
        frozenset({"test_vq_losses", "test_vqvae"}),
        visible="test_vq_losses",
    ),
    Variant(
        "commitment loss without detach on the code",
        ((COMMITMENT_TERM, "commitment_loss = beta * ((z_e - z_q) ** 2).mean()"),),
        frozenset({"test_vq_losses", "test_vqvae"}),
        visible="test_vq_losses",
    ),
    Variant(
        "the two stop-gradients swapped",
        (
            (CODEBOOK_TERM, "codebook_loss = ((z_e - z_q.detach()) ** 2).mean()"),
            (COMMITMENT_TERM, "commitment_loss = beta * ((z_e.detach() - z_q) ** 2).mean()"),
        ),
        frozenset({"test_vq_losses", "test_vqvae"}),
        visible="test_vq_losses",
    ),
    Variant(
        "beta applied to the codebook term",
        ((CODEBOOK_TERM, "codebook_loss = beta * ((z_e.detach() - z_q) ** 2).mean()"),),
        frozenset({"test_vq_losses", "test_vqvae"}),
        visible="test_vq_losses",
    ),
    Variant(
        "argmax instead of argmin",
        (("indices = distances.argmin(dim=1)", "indices = distances.argmax(dim=1)"),),
        frozenset({"test_quantize", "test_training"}),
        visible="test_quantize",
    ),
    Variant(
        "distances without the squared norms of the codes",
        (("- 2 * z_e @ codebook.T + (codebook**2).sum(dim=1)", "- 2 * z_e @ codebook.T"),),
        frozenset({"test_quantize", "test_training"}),
        visible="test_quantize",
    ),
    Variant(
        "quantize returns rows of the detached codebook",
        (("return indices, codebook[indices]", "return indices, codebook.detach()[indices]"),),
        frozenset({"test_quantize", "test_vqvae", "test_training"}),
        visible="test_quantize",
    ),
    Variant(
        "VectorQuantizer flattens the grid without moving the channels last",
        (("flat = z_e.permute(0, 2, 3, 1).reshape(-1, d)", "flat = z_e.reshape(-1, d)"),),
        frozenset({"test_vqvae", "test_training"}),
        visible="test_vqvae",
    ),
    Variant(
        "perplexity returns the entropy instead of its exponential",
        (("return float(torch.exp(-(p * p.log()).sum()))", "return float(-(p * p.log()).sum())"),),
        frozenset({"test_perplexity"}),
        visible="test_perplexity",
    ),
    Variant(
        "perplexity keeps the unused codes: 0 log 0 gives nan",
        (("    p = p[p > 0]\n", ""),),
        frozenset({"test_perplexity"}),
        visible="test_perplexity",
    ),
    Variant(
        "greedy sampling: the most likely code instead of a random draw",
        (("token = torch.multinomial(probs, 1)", "token = probs.argmax(dim=-1, keepdim=True)"),),
        frozenset({"test_sampling"}),
        visible="test_sampling",
    ),
    Variant(
        "sampling that does not carry the GRU's hidden state",
        (
            (
                "hidden_states, state = self.rnn(self.embed(token), state)",
                "hidden_states, _ = self.rnn(self.embed(token))",
            ),
        ),
        frozenset({"test_sampling"}),
        visible="test_sampling",
    ),
    Variant(
        "prior without the shift: each position sees its own code",
        (("inputs = torch.cat([start, seq[:, :-1]], dim=1)", "inputs = seq"),),
        frozenset({"test_prior_causal", "test_sampling"}),
        visible="test_prior_causal",
    ),
]
