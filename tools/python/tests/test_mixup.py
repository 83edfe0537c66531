"""Mixup (--mixup ALPHA): the mixed batch, the option's checks and records, and that training with
it keeps the model from memorising random labels as it does without."""

import numpy as np
import pytest
import torch

from mambanano import train_har, train_kws
from mambanano.model import MambaNanoNet
from mambanano.training import (
    check_model_arguments,
    mixup_batch,
    recipe,
    train_or_load,
    training_line,
)

DIMS = dict(
    n_features=3, d_model=8, d_inner=16, d_state=4, dt_rank=1, d_conv=4, n_layers=1, n_classes=4
)


def test_a_mixed_batch_is_the_convex_combination_with_a_shuffled_copy():
    x = torch.arange(5 * 2 * 3, dtype=torch.float32).reshape(5, 2, 3)
    labels = torch.tensor([0, 1, 2, 3, 0])
    mixed, y_a, y_b, lam = mixup_batch(x, labels, 0.4, np.random.default_rng(3))
    assert 0.0 <= lam <= 1.0
    assert torch.equal(y_a, labels)
    assert sorted(y_b.tolist()) == sorted(labels.tolist())
    rng = np.random.default_rng(3)  # the same draws: lam, then the partners
    assert float(rng.beta(0.4, 0.4)) == lam
    perm = torch.from_numpy(rng.permutation(5))
    torch.testing.assert_close(mixed, lam * x + (1 - lam) * x[perm])
    assert torch.equal(y_b, labels[perm])


def test_the_option_is_checked_recorded_and_in_the_card():
    ap = train_har.parser()
    with pytest.raises(SystemExit):
        check_model_arguments(ap, ap.parse_args(["--mixup", "-0.1"]), train_har.DIMS)
    args = train_kws.parser().parse_args(["--mixup", "0.2"])
    assert recipe(args)["mixup"] == 0.2
    assert "--mixup 0.2" in train_har.recipe_options(
        train_har.parser().parse_args(["--mixup", "0.2"])
    )
    assert training_line(args).endswith(", mixup alpha 0.2")
    assert "mixup" not in training_line(train_kws.parser().parse_args([]))


def test_mixup_keeps_a_model_from_memorising_random_labels(tmp_path):
    torch.manual_seed(0)
    x = torch.randn(48, 6, DIMS["n_features"])
    labels = torch.randint(0, DIMS["n_classes"], (48,))  # nothing to learn but the examples

    def confidence(mixup):
        torch.manual_seed(2)
        model = MambaNanoNet(**DIMS)
        run = tmp_path / f"mixup{mixup}"
        run.mkdir()
        train_or_load(
            model,
            lambda: x,
            labels,
            x,
            labels.numpy(),
            epochs=40,
            lr=0.02,
            batch=16,
            rng=np.random.default_rng(0),
            runs=run,
            name="har",
            quantize_only=False,
            mixup=mixup,
        )
        with torch.no_grad():
            return float(torch.softmax(model(x), -1).max(-1).values.mean())

    plain, mixed = confidence(0.0), confidence(1.0)
    assert plain > 0.6, "without mixup the model memorises the training examples"
    assert mixed < plain - 0.1
