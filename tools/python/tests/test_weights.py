"""The shipped weights: they load through the validating C loader, declare the right task and
front-end, and keep their measured INT8 accuracy (through the C kernel) on the validation split.
A change to the kernel, the front-end or the weights that degrades them fails here."""

from pathlib import Path

import pytest

from mambanano import data_har, frontend
from mambanano import model_file as mf
from mambanano.data import find_dataset
from mambanano.kernel import Int8Model

REPO = Path(__file__).resolve().parents[3]
HAPT = find_dataset("hapt")
# Measured INT8 accuracy on data_har.VAL_SUBJECTS minus one point (see weights/har.md).
HAR_INT8_FLOOR = 0.9610  # 97.10 % measured (weights/har.md) minus one point


def test_har_weights_declare_task_frontend_and_size():
    header, tensors = mf.read_model_file(REPO / "weights" / "har.mnm")
    assert header["task"] == mf.Task.HAR and header["frontend"] == mf.Frontend.IMU
    assert header["n_features"] == frontend.IMU_FEATURES
    assert mf.class_names_list(tensors[(mf.TensorKind.CLASS_NAMES, 0)]) == data_har.CLASS_NAMES
    scale, zero_point = tensors[(mf.TensorKind.INPUT_QUANT, 0)]
    assert scale == pytest.approx(frontend.IMU_SCALE) and zero_point == frontend.IMU_ZERO_POINT
    assert header["file_size"] <= 40 * 1024
    Int8Model((REPO / "weights" / "har.mnm").read_bytes())


@pytest.mark.skipif(HAPT is None, reason="needs the hapt data set (tools/mambanano data fetch)")
def test_har_int8_accuracy_on_validation_subjects():
    from mambanano.evaluate import evaluate_har

    result = evaluate_har((REPO / "weights" / "har.mnm").read_bytes(), HAPT, data_har.VAL_SUBJECTS)
    assert result["n"] > 1000
    assert result["accuracy"] >= HAR_INT8_FLOOR, result


SPEECH = find_dataset("speech_commands")
# Measured INT8 accuracy on data_kws's validation speakers minus one point (see weights/kws.md).
KWS_INT8_FLOOR = 0.8429  # 85.29 % measured


def test_kws_weights_declare_task_frontend_and_size():
    from mambanano import data_kws

    header, tensors = mf.read_model_file(REPO / "weights" / "kws.mnm")
    assert header["task"] == mf.Task.KWS and header["frontend"] == mf.Frontend.LOGMEL
    assert header["n_features"] == frontend.LOGMEL_FEATURES
    assert mf.class_names_list(tensors[(mf.TensorKind.CLASS_NAMES, 0)]) == data_kws.CLASS_NAMES
    assert header["file_size"] <= 40 * 1024
    Int8Model((REPO / "weights" / "kws.mnm").read_bytes())


@pytest.mark.skipif(
    SPEECH is None, reason="needs the speech_commands data set (tools/mambanano data fetch)"
)
def test_kws_int8_accuracy_on_validation_speakers():
    from mambanano.evaluate import evaluate_kws

    result = evaluate_kws((REPO / "weights" / "kws.mnm").read_bytes(), SPEECH, "val")
    assert result["n"] > 700
    assert result["accuracy"] >= KWS_INT8_FLOOR, result
