"""Plausible wrong implementations of a1_autoregressive and the test cells each must fail.

`visible`: the test cell whose visible part (what the student runs before submitting) catches the
mistake first."""

from course_utils.grading.samples import Variant

VARIANTS = [
    Variant(
        "type-B first layer: the model sees the pixel it predicts",
        (
            (
                'self.first = MaskedConv2d("A", 1, channels, 7, padding=3)',
                'self.first = MaskedConv2d("B", 1, channels, 7, padding=3)',
            ),
        ),
        frozenset({"test_pixelcnn_causal", "test_probabilities_sum_to_one", "test_training_nll"}),
        visible="test_pixelcnn_causal",
    ),
    Variant(
        "mask off by one: the row below the centre is kept",
        (("mask[:, :, height // 2 + 1:, :] = 0", "mask[:, :, height // 2 + 2:, :] = 0"),),
        frozenset(
            {
                "test_masked_conv",
                "test_pixelcnn_causal",
                "test_probabilities_sum_to_one",
                "test_training_nll",
            }
        ),
        visible="test_masked_conv",
    ),
    Variant(
        "log-probability with the sign flipped",
        (("return per_pixel.sum(dim=1)", "return -per_pixel.sum(dim=1)"),),
        frozenset({"test_autoregressive_log_prob", "test_nll_bits_per_dim", "test_training_nll"}),
        visible="test_autoregressive_log_prob",
    ),
    Variant(
        "log-probability averaged over pixels instead of summed",
        (("return per_pixel.sum(dim=1)", "return per_pixel.mean(dim=1)"),),
        frozenset({"test_autoregressive_log_prob", "test_nll_bits_per_dim", "test_training_nll"}),
        visible="test_autoregressive_log_prob",
    ),
    Variant(
        "sampler that draws all pixels at once",
        (
            (
                "    for row in range(height):\n        for col in range(width):\n            logits = model(x)\n"
                "            x[:, :, row, col] = torch.bernoulli(torch.sigmoid(logits[:, :, row, col]))\n",
                "    x = torch.bernoulli(torch.sigmoid(model(x)))\n",
            ),
        ),
        frozenset({"test_sample"}),
        visible="test_sample",
    ),
    Variant(
        "unstable log-probability: log(sigmoid(l)) underflows for logits of size 100",
        (
            (
                "x * F.logsigmoid(cond_logits) + (1 - x) * F.logsigmoid(-cond_logits)",
                "x * torch.log(torch.sigmoid(cond_logits)) + (1 - x) * torch.log(1 - torch.sigmoid(cond_logits))",
            ),
        ),
        frozenset({"test_autoregressive_log_prob"}),
        visible="test_autoregressive_log_prob",
    ),
    Variant(
        "bits per dimension without the change from nats to bits",
        (("return nll_nats / (num_dims * math.log(2))", "return nll_nats / num_dims"),),
        frozenset({"test_nll_bits_per_dim"}),
        visible="test_nll_bits_per_dim",
    ),
    Variant(
        "bits per dimension multiplied by ln 2 instead of divided",
        (
            (
                "return nll_nats / (num_dims * math.log(2))",
                "return nll_nats * math.log(2) / num_dims",
            ),
        ),
        frozenset({"test_nll_bits_per_dim"}),
        visible="test_nll_bits_per_dim",
    ),
    Variant(
        "nll returns the log-likelihood (no minus sign)",
        (
            (
                "return -autoregressive_log_prob(logits.flatten(start_dim=1), x.flatten(start_dim=1))",
                "return autoregressive_log_prob(logits.flatten(start_dim=1), x.flatten(start_dim=1))",
            ),
        ),
        frozenset({"test_nll_bits_per_dim", "test_training_nll"}),
        visible="test_nll_bits_per_dim",
    ),
    Variant(
        "sampler that walks the pixels column by column instead of in raster order",
        (
            (
                "    for row in range(height):\n        for col in range(width):\n",
                "    for col in range(width):\n        for row in range(height):\n",
            ),
        ),
        frozenset({"test_sample"}),
        visible="test_sample",
    ),
]
