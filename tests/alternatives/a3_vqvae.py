"""Correct implementations of a3_vqvae written differently from the solution: all applied at once,
they must score full marks (the training and the prior are run with all of them in place)."""

from course_utils.grading.samples import Alternative

ALTERNATIVES = [
    Alternative(
        "distances with torch.cdist instead of the expanded square",
        (
            (
                "distances = (z_e**2).sum(dim=1, keepdim=True) - 2 * z_e @ codebook.T + (codebook**2).sum(dim=1)",
                "distances = torch.cdist(z_e, codebook)  # the Euclidean distance has the same argmin as its square",
            ),
        ),
    ),
    Alternative(
        "codebook lookup by a one-hot matrix product instead of indexing",
        (
            (
                "return indices, codebook[indices]",
                "return indices, F.one_hot(indices, len(codebook)).to(codebook.dtype) @ codebook",
            ),
        ),
    ),
    Alternative(
        "straight-through written as sg[z_q] + (z_e - sg[z_e])",
        (("return z_e + (z_q - z_e).detach()", "return z_q.detach() + (z_e - z_e.detach())"),),
    ),
    Alternative(
        "VQ loss terms with F.mse_loss",
        (
            (
                "codebook_loss = ((z_e.detach() - z_q) ** 2).mean()",
                "codebook_loss = F.mse_loss(z_q, z_e.detach())",
            ),
            (
                "commitment_loss = beta * ((z_e - z_q.detach()) ** 2).mean()",
                "commitment_loss = beta * F.mse_loss(z_e, z_q.detach())",
            ),
        ),
    ),
    Alternative(
        "channels last with movedim and flatten / unflatten",
        (
            (
                "flat = z_e.permute(0, 2, 3, 1).reshape(-1, d)",
                "flat = z_e.movedim(1, -1).flatten(0, 2)",
            ),
            (
                "z_q = z_q.reshape(b, h, w, d).permute(0, 3, 1, 2)",
                "z_q = z_q.unflatten(0, (b, h, w)).movedim(-1, 1)",
            ),
        ),
    ),
    Alternative(
        "decode_codes with F.embedding",
        (
            (
                "z_q = self.quantizer.codebook[indices]  # (B, h, w, D)",
                "z_q = F.embedding(indices, self.quantizer.codebook)  # (B, h, w, D)",
            ),
        ),
    ),
    Alternative(
        "perplexity from torch.distributions.Categorical(...).entropy()",
        (
            (
                """    counts = torch.bincount(indices.reshape(-1), minlength=num_codes).double()
    p = counts / counts.sum()
    p = p[p > 0]
    return float(torch.exp(-(p * p.log()).sum()))
""",
                """    counts = torch.bincount(indices.flatten(), minlength=num_codes).double()
    return math.exp(float(torch.distributions.Categorical(probs=counts).entropy()))
""",
            ),
        ),
    ),
    Alternative(
        "the prior's shift with F.pad",
        (
            (
                "inputs = torch.cat([start, seq[:, :-1]], dim=1)",
                "inputs = F.pad(seq[:, :-1], (1, 0), value=self.num_codes)",
            ),
        ),
    ),
    Alternative(
        "sampling by running forward on the grid filled so far, position by position",
        (
            (
                """        device = self.head.weight.device
        token = torch.full((n, 1), self.num_codes, dtype=torch.long, device=device)
        state, out = None, []
        for _ in range(self.grid[0] * self.grid[1]):
            hidden_states, state = self.rnn(self.embed(token), state)
            probs = torch.softmax(self.head(hidden_states[:, -1]), dim=-1)
            token = torch.multinomial(probs, 1)
            out.append(token)
        return torch.cat(out, dim=1).reshape(n, *self.grid)
""",
                """        grids = torch.zeros(n, *self.grid, dtype=torch.long, device=self.head.weight.device)
        for i in range(self.grid[0] * self.grid[1]):  # forward is causal: the entries not drawn yet do not matter
            row, col = divmod(i, self.grid[1])
            probs = torch.softmax(self(grids)[:, :, row, col], dim=1)
            grids[:, row, col] = torch.multinomial(probs, 1)[:, 0]
        return grids
""",
            ),
        ),
    ),
]
