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
