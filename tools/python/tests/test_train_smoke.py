"""A short smoke run of the whole HAR command: train, calibrate, quantize, INT8-evaluate through C;
once as a development run (validation subjects held out), once as the shipped model's run
(--all-data, scalar-A heads: every subject trains it, the card carries a cross-validation)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mambanano import model_file as mf
from mambanano.data import find_dataset

REPO = Path(__file__).resolve().parents[3]
HAPT = find_dataset("hapt")


@pytest.mark.skipif(HAPT is None, reason="needs the hapt data set (tools/mambanano data fetch)")
@pytest.mark.parametrize("a_heads, all_data", [(None, False), (16, True)])
def test_har_smoke_run_writes_a_loadable_model(tmp_path, a_heads, all_data):
    from mambanano import train_har
    from mambanano.training import cv_fold_row, cv_summary

    option = ["--epochs", "1"] + ([] if a_heads is None else ["--a-heads", str(a_heads)])
    if all_data:  # a cross-validation of the same recipe, as --cv-folds would write it
        fold = {
            "float_accuracy": 0.9,
            "weight_only_accuracy": 0.9,
            "int8_accuracy": 0.9,
            "int8_per_class": dict.fromkeys(train_har.data_har.CLASS_NAMES, 0.9),
            "int8_confusion": [[1] * 6] * 6,
        }
        recipe = train_har.har_recipe(train_har.parser().parse_args(option))
        rows = [cv_fold_row(k, [k], 10, fold) for k in range(2)]
        cv_summary(rows, tmp_path / "cv.json", quantize_only=False, **recipe)
        option += ["--all-data", "--cv-summary", str(tmp_path / "cv.json")]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mambanano",
            "train",
            "--task",
            "har",
            "--max-train",
            "256",
            "--out",
            str(tmp_path),
            "--runs",
            str(tmp_path),
            *option,
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    header, tensors = mf.read_model_file(tmp_path / "har.mnm")
    assert header["task"] == mf.Task.HAR and header["frontend"] == mf.Frontend.IMU
    a2_shape = tensors[(mf.TensorKind.A2, 0)].reshape(len(tensors[(mf.TensorKind.A2, 0)]), -1).shape
    assert mf.a2_heads(a2_shape, header) == a_heads
    result = json.loads((tmp_path / "har_result.json").read_text())
    assert 0.0 <= result["int8_accuracy"] <= 1.0 and result["val_windows"] > 0
    assert (tmp_path / "har_training.png").stat().st_size > 0
    card = (tmp_path / "har.md").read_text()
    if all_data:
        assert len(result["val_subjects"]) == 21, "scored in-sample on every subject"
        assert "2-fold cross-validation of this recipe" in card and "## In-sample check" in card
        assert "--all-data --cv-summary" in card
    else:
        assert "## Accuracy on the validation split" in card
