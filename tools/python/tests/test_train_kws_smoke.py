"""A short smoke run of the whole KWS command (train, calibrate, quantize, INT8-evaluate through C),
then the written file through mambanano evaluate."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mambanano import data_kws
from mambanano import model_file as mf
from mambanano.data import find_dataset

REPO = Path(__file__).resolve().parents[3]
SPEECH = find_dataset("speech_commands")


@pytest.mark.skipif(
    SPEECH is None, reason="needs the speech_commands data set (tools/mambanano data fetch)"
)
def test_kws_smoke_run_writes_a_model_that_evaluate_scores(tmp_path, capsys):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mambanano",
            "train",
            "--task",
            "kws",
            "--epochs",
            "1",
            "--max-train",
            "128",
            "--out",
            str(tmp_path),
            "--runs",
            str(tmp_path),
            "--specaugment",
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    header, tensors = mf.read_model_file(tmp_path / "kws.mnm")
    assert header["task"] == mf.Task.KWS and header["frontend"] == mf.Frontend.LOGMEL
    assert mf.class_names_list(tensors[(mf.TensorKind.CLASS_NAMES, 0)]) == data_kws.CLASS_NAMES
    assert header["file_size"] <= 40 * 1024
    result = json.loads((tmp_path / "kws_result.json").read_text())
    assert result["train_clips"] == 128 and result["val_clips"] > 0
    assert 0.0 <= result["int8_accuracy"] <= 1.0
    assert (tmp_path / "kws_training.png").stat().st_size > 0
    card = (tmp_path / "kws.md").read_text()
    assert "INT8" in card and "SpecAugment" in card and "--specaugment" in card

    from mambanano.evaluate import main as evaluate_main

    assert (
        evaluate_main(
            ["--weights", str(tmp_path / "kws.mnm"), "--data", str(SPEECH), "--split", "val"]
        )
        == 0
    )
    scored = json.loads(capsys.readouterr().out)
    assert scored["task"] == "KWS" and scored["n"] == result["val_clips"]
    assert scored["accuracy"] == pytest.approx(result["int8_accuracy"])


@pytest.mark.skipif(
    SPEECH is None, reason="needs the speech_commands data set (tools/mambanano data fetch)"
)
def test_kws_all_data_run_trains_on_every_speaker_and_cards_the_cross_validation(tmp_path):
    from mambanano import train_kws
    from mambanano.training import cv_fold_row, cv_summary

    option = ["--epochs", "1", "--data", str(SPEECH)]
    fold = {
        "float_accuracy": 0.8,
        "weight_only_accuracy": 0.8,
        "int8_accuracy": 0.8,
        "int8_per_class": dict.fromkeys(data_kws.CLASS_NAMES, 0.8),
        "int8_confusion": [[1] * 12] * 12,
    }
    recipe = train_kws.kws_recipe(train_kws.parser().parse_args(option))
    rows = [cv_fold_row(k, 10, 100, fold) for k in range(3)]
    cv_summary(rows, tmp_path / "cv.json", quantize_only=False, **recipe)
    subprocess.run(
        [sys.executable, "-m", "mambanano", "train", "--task", "kws", *option]
        + ["--max-train", "128", "--out", str(tmp_path), "--runs", str(tmp_path)]
        + ["--all-data", "--cv-summary", str(tmp_path / "cv.json")],
        check=True,
        capture_output=True,
        timeout=600,
    )
    result = json.loads((tmp_path / "kws_result.json").read_text())
    everyone = data_kws.cap_unknown(data_kws.list_clips(SPEECH))
    assert result["val_clips"] == len(everyone), "scored in-sample on every clip"
    card = (tmp_path / "kws.md").read_text()
    assert "3-fold cross-validation of this recipe" in card and "## In-sample check" in card
    assert "none held out" in card and "--all-data --cv-summary" in card
