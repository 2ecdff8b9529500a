import pytest
import torch

from course_utils.training import History, batches, evaluate, train


def _regression(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    return torch.cat([x, x @ torch.tensor([[1.0], [-2.0], [0.5]])], dim=1)


def _mse(model, batch):
    return ((model(batch[:, :3]) - batch[:, 3:]) ** 2).mean()


def test_train_lowers_the_loss_and_records_history():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    history = train(model, _mse, _regression(), n_epochs=30, lr=0.05, batch_size=32)
    assert isinstance(history, History) and len(history.train_loss) == 30
    assert history.train_loss[-1] < 0.01 * history.train_loss[0]
    assert history.best_epoch == 29


def test_early_stopping_restores_the_best_weights():
    torch.manual_seed(0)
    x = _regression(64)
    noisy_val = _regression(64, seed=1)
    noisy_val[:, 3] += 5.0  # validation that gets worse as training fits the train set
    model = torch.nn.Linear(3, 1)
    history = train(model, _mse, x, n_epochs=50, lr=0.05, x_val=noisy_val, patience=3)
    assert len(history.train_loss) < 50
    assert history.val_loss[history.best_epoch] == min(history.val_loss)
    assert abs(evaluate(model, _mse, noisy_val) - min(history.val_loss)) < 1e-5


def test_batches_cover_every_example_once():
    x = torch.arange(10)
    seen = torch.cat(list(batches(x, 3, torch.Generator().manual_seed(0))))
    assert sorted(seen.tolist()) == list(range(10))


def test_bad_arguments_are_clear_errors():
    model = torch.nn.Linear(3, 1)
    with pytest.raises(ValueError, match="n_epochs"):
        train(model, _mse, _regression(), n_epochs=0)
    with pytest.raises(ValueError, match="x_val"):
        train(model, _mse, _regression(), n_epochs=1, patience=2)
