"""Knowledge distillation (--teacher): the loss, where a run finds its teacher, and that training
with it moves the model towards the teacher."""

import json

import numpy as np
import pytest
import torch

from mambanano import train_har
from mambanano.model import MambaNanoNet
from mambanano.training import distillation, distillation_loss, train_or_load

DIMS = dict(
    n_features=3, d_model=8, d_inner=16, d_state=4, dt_rank=1, d_conv=4, n_layers=1, n_classes=4
)
DATA = {"val_subjects": [1, 3], "val_windows": 40}


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
        torch.manual_seed(2)
        model = MambaNanoNet(**DIMS)
        run = tmp_path / ("kd" if distill else "ce")
        run.mkdir()
        train_or_load(
            model,
            lambda: x,
            labels,
            x,
            labels.numpy(),
            epochs=20,
            lr=0.01,
            batch=16,
            rng=np.random.default_rng(0),
            runs=run,
            name="har",
            quantize_only=False,
            distill=distill,
        )
        return model

    torch.manual_seed(2)
    start = gap(MambaNanoNet(**DIMS))
    distilled = gap(trained((teacher, 1.0, 2.0)))
    assert distilled < 0.2 * start
    assert distilled < 0.5 * gap(trained(None)), "labels alone do not lead to the teacher"
