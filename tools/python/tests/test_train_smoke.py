"""A short smoke run of the whole HAR command: train, calibrate, quantize, INT8-evaluate through C."""

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
@pytest.mark.parametrize("a_heads", [None, 16])
def test_har_smoke_run_writes_a_loadable_model(tmp_path, a_heads):
    option = [] if a_heads is None else ["--a-heads", str(a_heads)]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mambanano",
            "train",
            "--task",
            "har",
            "--epochs",
            "1",
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
