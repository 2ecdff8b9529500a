"""Correct implementations of a1_autoregressive written differently from the solution: all applied
at once to one submission, they must score full marks."""

from course_utils.grading.samples import Alternative

ALTERNATIVES = [
    Alternative(
        "log-probability from F.binary_cross_entropy_with_logits",
        (
            (
                "    per_pixel = x * F.logsigmoid(cond_logits) + (1 - x) * F.logsigmoid(-cond_logits)\n"
                "    return per_pixel.sum(dim=1)\n",
                '    return -F.binary_cross_entropy_with_logits(cond_logits, x, reduction="none").sum(dim=1)\n',
            ),
        ),
    ),
    Alternative(
        "mask from raster positions, convolution with F.conv2d",
        (
            (
                "        height, width = self.kernel_size\n"
                "        mask = torch.ones_like(self.weight)\n"
                '        mask[:, :, height // 2, width // 2 + (mask_type == "B"):] = 0\n'
                "        mask[:, :, height // 2 + 1:, :] = 0\n"
                '        self.register_buffer("mask", mask)\n',
                "        kh, kw = self.kernel_size\n"
                "        position = torch.arange(kh * kw).view(kh, kw)  # raster order inside the kernel\n"
                "        centre = (kh // 2) * kw + kw // 2\n"
                '        keep = position < centre + (1 if mask_type == "B" else 0)\n'
                '        self.register_buffer("mask", keep.to(self.weight.dtype).expand_as(self.weight).clone())\n',
            ),
            (
                "        return self._conv_forward(x, self.weight * self.mask, self.bias)\n",
                "        return F.conv2d(x, self.weight * self.mask, self.bias, self.stride, self.padding, self.dilation,\n"
                "                        self.groups)\n",
            ),
        ),
    ),
    Alternative(
        "PixelCNN with separate layer lists and functional ReLUs",
        (
            (
                '        self.first = MaskedConv2d("A", 1, channels, 7, padding=3)\n'
                "        self.blocks = nn.ModuleList(\n"
                "            nn.Sequential(\n"
                "                nn.ReLU(), nn.Conv2d(channels, channels // 2, 1),\n"
                '                nn.ReLU(), MaskedConv2d("B", channels // 2, channels // 2, 3, padding=1),\n'
                "                nn.ReLU(), nn.Conv2d(channels // 2, channels, 1),\n"
                "            )\n"
                "            for _ in range(n_blocks)\n"
                "        )\n"
                "        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, 1, 1))\n",
                "        half = channels // 2\n"
                '        self.first = MaskedConv2d("A", 1, channels, 7, padding=3)\n'
                "        self.down = nn.ModuleList([nn.Conv2d(channels, half, 1) for _ in range(n_blocks)])\n"
                '        self.middle = nn.ModuleList([MaskedConv2d("B", half, half, 3, padding=1) for _ in range(n_blocks)])\n'
                "        self.up = nn.ModuleList([nn.Conv2d(half, channels, 1) for _ in range(n_blocks)])\n"
                "        self.out = nn.Conv2d(channels, 1, 1)\n",
            ),
            (
                "        h = self.first(x)\n"
                "        for block in self.blocks:\n"
                "            h = h + block(h)\n"
                "        return self.head(h)\n",
                "        h = self.first(x)\n"
                "        for down, middle, up in zip(self.down, self.middle, self.up):\n"
                "            h = h + up(F.relu(middle(F.relu(down(F.relu(h))))))\n"
                "        return self.out(F.relu(h))\n",
            ),
        ),
    ),
    Alternative(
        "nll with reshape, bits per dimension with math.log2",
        (
            (
                "    logits = model(x)\n"
                "    return -autoregressive_log_prob(logits.flatten(start_dim=1), x.flatten(start_dim=1))\n",
                "    batch = x.shape[0]\n"
                "    return -autoregressive_log_prob(model(x).reshape(batch, -1), x.reshape(batch, -1))\n",
            ),
            (
                "    return nll_nats / (num_dims * math.log(2))\n",
                "    return nll_nats * math.log2(math.e) / num_dims\n",
            ),
        ),
    ),
    Alternative(
        "sampler over flat pixel indices, drawing with torch.rand",
        (
            (
                "    x = torch.zeros(n, 1, height, width, device=device)\n"
                "    for row in range(height):\n"
                "        for col in range(width):\n"
                "            logits = model(x)\n"
                "            x[:, :, row, col] = torch.bernoulli(torch.sigmoid(logits[:, :, row, col]))\n",
                "    x = torch.zeros(n, 1, height, width, device=device)\n"
                "    for index in range(height * width):\n"
                "        row, col = divmod(index, width)\n"
                "        p_one = torch.sigmoid(model(x)[:, 0, row, col])\n"
                "        x[:, 0, row, col] = (torch.rand_like(p_one) < p_one).float()\n",
            ),
        ),
    ),
]
