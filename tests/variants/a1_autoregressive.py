"""Plausible wrong implementations of a1_autoregressive and the test cells each must fail."""

from course_utils.grading.samples import Variant

VARIANTS = [
    Variant(
        "type-B first layer: the model sees the pixel it predicts",
        (('self.first = MaskedConv2d("A", 1, channels, 7, padding=3)',
          'self.first = MaskedConv2d("B", 1, channels, 7, padding=3)'),),
        frozenset({"test_pixelcnn_causal", "test_probabilities_sum_to_one", "test_training_nll"}),
    ),
    Variant(
        "mask off by one: the row below the centre is kept",
        (("mask[:, :, height // 2 + 1:, :] = 0", "mask[:, :, height // 2 + 2:, :] = 0"),),
        frozenset({"test_masked_conv", "test_pixelcnn_causal", "test_probabilities_sum_to_one", "test_training_nll"}),
    ),
    Variant(
        "log-probability with the sign flipped",
        (("return per_pixel.sum(dim=1)", "return -per_pixel.sum(dim=1)"),),
        frozenset({"test_autoregressive_log_prob", "test_nll_bits_per_dim", "test_training_nll"}),
    ),
    Variant(
        "log-probability averaged over pixels instead of summed",
        (("return per_pixel.sum(dim=1)", "return per_pixel.mean(dim=1)"),),
        frozenset({"test_autoregressive_log_prob", "test_nll_bits_per_dim", "test_training_nll"}),
    ),
    Variant(
        "sampler that draws all pixels at once",
        (("    for row in range(height):\n        for col in range(width):\n            logits = model(x)\n"
          "            x[:, :, row, col] = torch.bernoulli(torch.sigmoid(logits[:, :, row, col]))\n",
          "    x = torch.bernoulli(torch.sigmoid(model(x)))\n"),),
        frozenset({"test_sample"}),
    ),
    Variant(
        "unstable log-probability: log(sigmoid(l)) underflows for logits of size 100",
        (("x * F.logsigmoid(cond_logits) + (1 - x) * F.logsigmoid(-cond_logits)",
          "x * torch.log(torch.sigmoid(cond_logits)) + (1 - x) * torch.log(1 - torch.sigmoid(cond_logits))"),),
        frozenset({"test_autoregressive_log_prob"}),
    ),
    Variant(
        "bits per dimension without the change from nats to bits",
        (("return nll_nats / (num_dims * math.log(2))", "return nll_nats / num_dims"),),
        frozenset({"test_nll_bits_per_dim"}),
    ),
]
