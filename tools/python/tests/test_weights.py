"""The shipped weights: they load through the validating C loader, declare the right task and
front-end, and keep the INT8 accuracy (through the C kernel) their model card records: on their
own training data for a model trained on all the data (`--all-data`: in-sample, the card's
cross-validation is what predicts new people), on the validation split for one trained without it.
A change to the kernel, the front-end or the weights that degrades them fails here."""

import re
from pathlib import Path

import pytest

from mambanano import data_har, frontend
from mambanano import model_file as mf
from mambanano.data import find_dataset
from mambanano.kernel import Int8Model

REPO = Path(__file__).resolve().parents[3]
HAPT = find_dataset("hapt")


def recorded_floor(card):
    """(INT8 accuracy weights/<card> records minus one point, in_sample): the in-sample figure of
    an --all-data model's card, else the validation split's of a card that has one."""
    text = (REPO / "weights" / card).read_text()
    if found := re.search(r"this file scores\s+([0-9.]+) % INT8", text):
        return float(found.group(1)) / 100 - 0.01, True
    found = re.search(r"^\| accuracy \| [0-9.]+ % \| ([0-9.]+) % \|$", text, re.M)
    assert found, f"weights/{card} records no INT8 accuracy"
    return float(found.group(1)) / 100 - 0.01, False


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
def test_har_int8_accuracy_as_its_card_records():
    from mambanano.evaluate import evaluate_har

    floor, in_sample = recorded_floor("har.md")
    subjects = None if in_sample else data_har.VAL_SUBJECTS
    result = evaluate_har((REPO / "weights" / "har.mnm").read_bytes(), HAPT, subjects)
    assert result["n"] > (7000 if in_sample else 1000)
    assert result["accuracy"] >= floor, result


SPEECH = find_dataset("speech_commands")


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
def test_kws_int8_accuracy_as_its_card_records():
    from mambanano.evaluate import evaluate_kws

    floor, in_sample = recorded_floor("kws.md")
    split = "all" if in_sample else "val"
    result = evaluate_kws((REPO / "weights" / "kws.mnm").read_bytes(), SPEECH, split)
    assert result["n"] > (3000 if in_sample else 700)
    assert result["accuracy"] >= floor, result
