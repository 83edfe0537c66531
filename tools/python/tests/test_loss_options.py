"""The training loss's options. Knowledge distillation (--teacher): the loss, where a run finds its
teacher, and that training with it moves the model towards the teacher. Mixup (--mixup ALPHA): the
mixed batch, and that training with it keeps the model from memorising random labels as it does
without. Weight decay (--weight-decay): it shrinks the weights. Gradient clipping (--clip-grad): the
optimiser never sees a gradient above the cap. Weight averaging (--ema): the model ends at the
moving average of the weights the optimiser stepped through. Random crops (--crop): contiguous
parts at every offset that fits, a crop that does not fit refused for either task. All are
checked, recorded in the recipe and told by the card."""

import json

import numpy as np
import pytest
import torch

from mambanano import data_har, data_kws, train_har, train_kws
from mambanano.model import MambaNanoNet
from mambanano.training import (
    check_crop,
    check_model_arguments,
    distillation,
    distillation_loss,
    ema_update,
    mixup_batch,
    model_options,
    random_crops,
    recipe,
    train_or_load,
    training_line,
)

DIMS = dict(
    n_features=3, d_model=8, d_inner=16, d_state=4, dt_rank=1, d_conv=4, n_layers=1, n_classes=4
)
DATA = {"val_subjects": [1, 3], "val_windows": 40}


def _trained(run, x, labels, *, epochs, lr, **loss_options):
    """A tiny model (seed 2) trained in run on x (n, T, F) and labels (n,) with train_or_load."""
    torch.manual_seed(2)
    model = MambaNanoNet(**DIMS)
    run.mkdir()
    train_or_load(
        model,
        lambda: x,
        labels,
        x,
        labels.numpy(),
        epochs=epochs,
        lr=lr,
        batch=16,
        rng=np.random.default_rng(0),
        runs=run,
        name="har",
        quantize_only=False,
        **loss_options,
    )
    return model


def _random_labels():
    """48 random sequences (48, 6, F) with random labels (48,): nothing to learn but the examples."""
    torch.manual_seed(0)
    x = torch.randn(48, 6, DIMS["n_features"])
    return x, torch.randint(0, DIMS["n_classes"], (48,))


def _args(tmp_path, *extra):
    return train_har.parser().parse_args(
        ["--runs", str(tmp_path / "student"), "--teacher", str(tmp_path / "teacher"), *extra]
    )


def _write_teacher(where, data=DATA, seed=1):
    """A teacher run's files: the checkpoint and a result recording its dims and data."""
    torch.manual_seed(seed)
    teacher = MambaNanoNet(**DIMS, a_heads=None)
    where.mkdir(parents=True)
    torch.save(teacher.state_dict(), where / "har.pt")
    (where / "har_result.json").write_text(json.dumps({**data, "dims": {**DIMS, "a_heads": None}}))
    return teacher


def test_the_distillation_loss_is_zero_only_at_the_teachers_outputs():
    torch.manual_seed(0)
    teacher = MambaNanoNet(**DIMS).eval()
    x = torch.randn(5, 6, DIMS["n_features"])
    with torch.no_grad():
        same = teacher(x)
    assert float(distillation_loss(same, teacher, x, 2.0)) == pytest.approx(0.0, abs=1e-6)
    assert float(distillation_loss(same + torch.randn_like(same), teacher, x, 2.0)) > 0.01


def test_each_fold_distils_from_the_teacher_of_the_same_fold(tmp_path):
    args = _args(tmp_path)
    teacher = _write_teacher(tmp_path / "teacher" / "cv" / "fold2")
    found, weight, temperature = distillation(args, args.runs / "cv" / "fold2", "har", DATA)
    assert (weight, temperature) == (0.5, 2.0)
    x = torch.randn(2, 5, DIMS["n_features"])
    with torch.no_grad():
        torch.testing.assert_close(found(x), teacher.eval()(x))
    with pytest.raises(SystemExit, match="No such file"):
        distillation(args, args.runs / "cv" / "fold3", "har", DATA)


def test_a_teacher_trained_on_other_data_is_refused(tmp_path):
    args = _args(tmp_path)
    _write_teacher(tmp_path / "teacher", data={"val_subjects": [1, 5], "val_windows": 40})
    with pytest.raises(SystemExit, match=r"trained on other data: val_subjects \[1, 5\] there"):
        distillation(args, args.runs, "har", DATA)


def test_no_teacher_without_teacher_or_when_only_quantizing(tmp_path):
    args = train_har.parser().parse_args(["--runs", str(tmp_path)])
    assert distillation(args, args.runs, "har", DATA) is None
    assert (
        distillation(_args(tmp_path, "--quantize-only"), tmp_path / "student", "har", DATA) is None
    )
    assert "--teacher" not in train_har.recipe_options(args)
    options = train_har.recipe_options(_args(tmp_path, "--distill-weight", "0.7"))
    assert "--distill-weight 0.7 --distill-temperature 2" in options


def test_training_with_a_teacher_alone_brings_the_model_to_it(tmp_path):
    teacher = _write_teacher(tmp_path / "teacher").eval()
    torch.manual_seed(0)
    x = torch.randn(64, 6, DIMS["n_features"])
    labels = torch.randint(0, DIMS["n_classes"], (64,))

    def gap(model):
        with torch.no_grad():
            return float(distillation_loss(model(x), teacher, x, 2.0))

    def trained(distill):
        run = tmp_path / ("kd" if distill else "ce")
        return _trained(run, x, labels, epochs=20, lr=0.01, distill=distill)

    torch.manual_seed(2)
    start = gap(MambaNanoNet(**DIMS))
    distilled = gap(trained((teacher, 1.0, 2.0)))
    assert distilled < 0.2 * start
    assert distilled < 0.5 * gap(trained(None)), "labels alone do not lead to the teacher"


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


@pytest.mark.parametrize(
    "option, value, key, card_suffix, bad, default_value, absent_by_default",
    [
        ("--mixup", "0.2", "mixup", ", mixup alpha 0.2", "-0.1", 0.0, "mixup"),
        (
            "--weight-decay",
            "0.05",
            "weight_decay",
            ", weight decay 0.05",
            "-1",
            0.01,
            "weight decay",
        ),
        ("--clip-grad", "1", "clip_grad", ", gradient norm clipped at 1", "-1", 0.0, "clipped"),
        ("--ema", "0.99", "ema", ", weights averaged (EMA decay 0.99)", "1", 0.0, "averaged"),
    ],
)
def test_a_loss_option_is_checked_recorded_and_in_the_card(
    option, value, key, card_suffix, bad, default_value, absent_by_default
):
    ap = train_har.parser()
    with pytest.raises(SystemExit):
        check_model_arguments(ap, ap.parse_args([option, bad]), train_har.DIMS)
    args = train_kws.parser().parse_args([option, value])
    assert recipe(args)[key] == float(value)
    assert f"{option} {value}" in model_options(args)
    assert f"{option} {value}" in train_har.recipe_options(
        train_har.parser().parse_args([option, value])
    )
    assert training_line(args).endswith(card_suffix)
    default = train_kws.parser().parse_args([])
    assert recipe(default)[key] == default_value
    assert not any(o.startswith(option) for o in model_options(default))
    assert absent_by_default not in training_line(default)


def test_label_smoothing_is_checked_recorded_and_in_the_card():
    ap = train_har.parser()
    for bad in ("-0.1", "1"):
        with pytest.raises(SystemExit):
            check_model_arguments(ap, ap.parse_args(["--label-smoothing", bad]), train_har.DIMS)
    smoothed = train_kws.parser().parse_args(["--label-smoothing", "0.1"])
    assert recipe(smoothed)["label_smoothing"] == 0.1
    assert "--label-smoothing 0.1" in model_options(smoothed)
    assert "label smoothing 0.1," in training_line(smoothed)
    assert not any("smoothing" in o for o in model_options(train_kws.parser().parse_args([])))


def _confidence_on_random_labels(run, **loss_options):
    """The mean top-class probability, on its own training examples, of the tiny model trained
    40 epochs in run on `_random_labels` with loss_options: high when it memorises them."""
    x, labels = _random_labels()
    model = _trained(run, x, labels, epochs=40, lr=0.02, **loss_options)
    with torch.no_grad():
        return float(torch.softmax(model(x), -1).max(-1).values.mean())


def test_mixup_keeps_a_model_from_memorising_random_labels(tmp_path):
    plain = _confidence_on_random_labels(tmp_path / "mixup0", mixup=0.0)
    mixed = _confidence_on_random_labels(tmp_path / "mixup1", mixup=1.0)
    assert plain > 0.6, "without mixup the model memorises the training examples"
    assert mixed < plain - 0.1


def test_label_smoothing_caps_the_confidence_on_memorised_examples(tmp_path):
    # The smoothed cross-entropy is least at p = 1 - eps + eps / C on the label, 0.775 for eps 0.3
    # and the tiny model's classes: training towards it keeps the model below the unsmoothed one.
    plain = _confidence_on_random_labels(tmp_path / "ls0", label_smoothing=0.0)
    smoothed = _confidence_on_random_labels(tmp_path / "ls3", label_smoothing=0.3)
    assert plain > 0.6, "without smoothing the model memorises the training examples"
    assert smoothed < plain - 0.05


def test_weight_decay_shrinks_the_weights(tmp_path):
    x, labels = _random_labels()

    def weight_norm(decay):
        model = _trained(tmp_path / f"wd{decay}", x, labels, epochs=10, lr=0.02, weight_decay=decay)
        return float(torch.cat([p.detach().flatten() for p in model.parameters()]).norm())

    assert weight_norm(1.0) < 0.9 * weight_norm(0.0)


def test_clip_grad_caps_the_gradient_norm_the_optimiser_sees(tmp_path, monkeypatch):
    x, labels = _random_labels()
    seen = []
    step = torch.optim.AdamW.step

    def recording_step(self, *a, **k):
        grads = [p.grad.flatten() for g in self.param_groups for p in g["params"]]
        seen.append(float(torch.cat(grads).norm()))
        return step(self, *a, **k)

    monkeypatch.setattr(torch.optim.AdamW, "step", recording_step)
    _trained(tmp_path / "free", x, labels, epochs=2, lr=0.02)
    free, seen[:] = list(seen), []
    _trained(tmp_path / "clipped", x, labels, epochs=2, lr=0.02, clip_grad=0.01)
    assert min(free) > 0.01, "the tiny model's gradients are larger than the cap"
    assert len(seen) == len(free) and max(seen) <= 0.01 * (1 + 1e-5)


def test_ema_update_moves_the_average_a_share_of_the_way_to_the_model():
    torch.manual_seed(0)
    average, model = MambaNanoNet(**DIMS), MambaNanoNet(**DIMS)
    before = [p.detach().clone() for p in average.parameters()]
    ema_update(average, model, 0.75)
    for a, b, p in zip(average.parameters(), before, model.parameters()):
        torch.testing.assert_close(a.detach(), 0.75 * b + 0.25 * p.detach())


def test_ema_training_ends_at_the_average_of_the_stepped_weights(tmp_path, monkeypatch):
    x, labels = _random_labels()
    stepped = []
    step = torch.optim.AdamW.step

    def recording_step(self, *a, **k):
        out = step(self, *a, **k)
        stepped.append([p.detach().clone() for g in self.param_groups for p in g["params"]])
        return out

    monkeypatch.setattr(torch.optim.AdamW, "step", recording_step)
    model = _trained(tmp_path / "ema", x, labels, epochs=3, lr=0.02, ema=0.9)
    torch.manual_seed(2)
    expected = [p.detach().clone() for p in MambaNanoNet(**DIMS).parameters()]  # the start
    for s, weights in enumerate(stepped):
        decay = min(0.9, (1 + s) / (10 + s))
        expected = [decay * e + (1 - decay) * w for e, w in zip(expected, weights)]
    assert len(stepped) == 9, "48 examples in batches of 16, 3 epochs"
    for p, e in zip(model.parameters(), expected):
        torch.testing.assert_close(p.detach(), e)
    assert any(
        not torch.allclose(p.detach(), last) for p, last in zip(model.parameters(), stepped[-1])
    )


def test_random_crops_are_contiguous_parts_at_every_offset_that_fits():
    n, t, length = 400, 8, 5
    x = np.arange(n * t).reshape(n, t, 1) % t  # each window holds its sample positions
    crops = random_crops(x, length, np.random.default_rng(0))
    assert crops.shape == (n, length, 1)
    starts = crops[:, 0, 0]
    assert (crops[:, :, 0] == starts[:, None] + np.arange(length)).all(), "contiguous, in order"
    assert set(starts) == set(range(t - length + 1)), "every offset that fits, no other"
    assert random_crops(torch.zeros(3, t, 2), t, np.random.default_rng(0)).shape == (
        3,
        t,
        2,
    )
    for bad in (0, t + 1):
        with pytest.raises(ValueError, match="crop"):
            random_crops(x, bad, np.random.default_rng(0))


@pytest.mark.parametrize(
    "module, longest", [(train_har, data_har.WINDOW), (train_kws, data_kws.FRAMES)]
)
def test_a_crop_is_checked_against_the_task_examples_and_recorded(module, longest):
    ap = module.parser()
    for bad in ("0", str(longest + 1)):
        with pytest.raises(SystemExit):
            check_crop(ap, ap.parse_args(["--crop", bad]), longest, "step")
    args = ap.parse_args(["--crop", str(longest)])
    check_crop(ap, args, longest, "step")
    assert recipe(args, "crop")["crop"] == longest
