"""A small, explicit training loop: minibatches, a tqdm.auto progress bar, a history, early stopping."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from tqdm.auto import tqdm

LossFn = Callable[[torch.nn.Module, torch.Tensor], torch.Tensor]


@dataclass
class History:
    """Per-epoch mean losses; best_epoch is the epoch whose weights were kept."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int | None = None


def batches(x: torch.Tensor, batch_size: int, generator: torch.Generator | None = None):
    """Yield shuffled minibatches of x (a tensor with examples along dim 0)."""
    order = torch.randperm(len(x), generator=generator)
    for start in range(0, len(x), batch_size):
        yield x[order[start : start + batch_size]]


@torch.no_grad()
def evaluate(
    model: torch.nn.Module, loss_fn: LossFn, x: torch.Tensor, batch_size: int = 512
) -> float:
    """Mean of loss_fn over x in eval mode, weighting each batch by its size."""
    was_training = model.training
    model.eval()
    total = 0.0
    for start in range(0, len(x), batch_size):
        chunk = x[start : start + batch_size]
        total += float(loss_fn(model, chunk)) * len(chunk)
    model.train(was_training)
    return total / len(x)


def train(
    model: torch.nn.Module,
    loss_fn: LossFn,
    x_train: torch.Tensor,
    n_epochs: int,
    *,
    lr: float = 1e-3,
    batch_size: int = 64,
    x_val: torch.Tensor | None = None,
    patience: int | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    seed: int = 0,
    desc: str = "training",
) -> History:
    """Train `model` to minimise `loss_fn(model, batch)` (a scalar mean) with Adam.

    With x_val, the validation loss is computed after every epoch; with patience too,
    training stops after `patience` epochs without improvement and the best weights are
    restored. Data must already be on the model's device.
    """
    if n_epochs < 1:
        raise ValueError(f"n_epochs must be >= 1, got {n_epochs}")
    if patience is not None and x_val is None:
        raise ValueError("early stopping (patience) needs validation data x_val")
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    history = History()
    best_state, best_val, waited = None, float("inf"), 0
    progress = tqdm(range(n_epochs), desc=desc, leave=False)
    for epoch in progress:
        model.train()
        total = 0.0
        for batch in batches(x_train, batch_size, generator):
            loss = loss_fn(model, batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(batch)
        history.train_loss.append(total / len(x_train))
        postfix = {"train": f"{history.train_loss[-1]:.3f}"}
        if x_val is not None:
            val = evaluate(model, loss_fn, x_val)
            history.val_loss.append(val)
            postfix["val"] = f"{val:.3f}"
            if val < best_val:
                best_val, waited, history.best_epoch = val, 0, epoch
                best_state = copy.deepcopy(model.state_dict())
            else:
                waited += 1
        progress.set_postfix(postfix)
        if patience is not None and waited >= patience:
            break
    progress.close()
    if patience is not None and best_state is not None:
        model.load_state_dict(best_state)
    else:
        history.best_epoch = len(history.train_loss) - 1
    return history
