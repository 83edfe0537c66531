"""Short smoke runs of the whole training commands (train, calibrate, quantize, INT8-evaluate
through C): HAR once as a development run (validation subjects held out) and once as the shipped
model's run (--all-data, scalar-A heads, 64-sample crops: every subject trains it, the card
carries a cross-validation); KWS as a development run with --specaugment and 40-frame crops, its
file then through mambanano evaluate, and as an --all-data run with an --extra-train folder."""

import json
import subprocess
import sys

import pytest

from mambanano import data_har, data_kws, train_har, train_kws
from mambanano import model_file as mf
from mambanano.data import find_dataset
from mambanano.training import cv_fold_row, cv_summary

HAPT = find_dataset("hapt")
SPEECH = find_dataset("speech_commands")
needs_hapt = pytest.mark.skipif(
    HAPT is None, reason="needs the hapt data set (tools/mambanano data fetch)"
)
needs_speech = pytest.mark.skipif(
    SPEECH is None, reason="needs the speech_commands data set (tools/mambanano data fetch)"
)


def train(task, out, options, timeout):
    """`mambanano train --task TASK OPTIONS` writing into out (model, card, curves, result)."""
    subprocess.run(
        [sys.executable, "-m", "mambanano", "train", "--task", task, *options]
        + ["--out", str(out), "--runs", str(out)],
        check=True,
        capture_output=True,
        timeout=timeout,
    )


def cv_of_recipe(path, recipe, class_names, folds):
    """A cv.json as --cv-folds writes it for `recipe`: `folds` folds, each at 90 % (written to
    path, which is returned) — what --all-data --cv-summary checks and cards."""
    n = len(class_names)
    fold = {
        "float_accuracy": 0.9,
        "weight_only_accuracy": 0.9,
        "int8_accuracy": 0.9,
        "int8_per_class": dict.fromkeys(class_names, 0.9),
        "int8_confusion": [[1] * n] * n,
    }
    rows = [cv_fold_row(k, [k], 10, fold) for k in range(folds)]
    cv_summary(rows, path, quantize_only=False, **recipe)
    return path


@needs_hapt
@pytest.mark.parametrize("a_heads, all_data", [(None, False), (16, True)])
def test_har_smoke_run_writes_a_loadable_model(tmp_path, a_heads, all_data):
    option = ["--epochs", "1"] + (
        [] if a_heads is None else ["--a-heads", str(a_heads), "--crop", "64"]
    )
    if all_data:
        recipe = train_har.har_recipe(train_har.parser().parse_args(option))
        cv = cv_of_recipe(tmp_path / "cv.json", recipe, data_har.CLASS_NAMES, 2)
        option += ["--all-data", "--cv-summary", str(cv)]
    train("har", tmp_path, ["--max-train", "256", *option], timeout=300)
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
        assert "--crop 64" in card and "random 64-sample part of every training window" in card
    else:
        assert "## Accuracy on the validation split" in card


@needs_speech
def test_kws_smoke_run_writes_a_model_that_evaluate_scores(tmp_path, capsys):
    train(
        "kws",
        tmp_path,
        ["--epochs", "1", "--max-train", "128", "--specaugment", "--cut-words", "0.25"]
        + ["--crop", "40"],
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
    assert "--cut-words 0.25" in card and "windows cut from keyword clips" in card
    assert "--crop 40" in card and "random 40-frame part of every training clip" in card
    assert result["recipe"]["crop"] == 40

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


def extra_folder(root, keywords, unknowns):
    """A Speech Commands layout under root: `keywords` clips of 'yes' and `unknowns` of
    `_unknown_`, copies of one real clip under made-up speakers."""
    clip = next((SPEECH / "yes").glob("*.wav")).read_bytes()
    for folder, n in (("yes", keywords), ("_unknown_", unknowns)):
        (root / folder).mkdir(parents=True)
        for i in range(n):
            (root / folder / f"e{folder[:3]}{i:04d}_nohash_0.wav").write_bytes(clip)
    return root


@needs_speech
def test_kws_all_data_run_trains_on_every_speaker_and_cards_the_cross_validation(tmp_path):
    extra = extra_folder(tmp_path / "extra", keywords=4, unknowns=20)
    option = ["--epochs", "1", "--data", str(SPEECH), "--extra-train", str(extra)]
    recipe = train_kws.kws_recipe(train_kws.parser().parse_args(option))
    cv = cv_of_recipe(tmp_path / "cv.json", recipe, data_kws.CLASS_NAMES, 3)
    train(
        "kws",
        tmp_path,
        [*option, "--max-train", "128", "--all-data", "--cv-summary", str(cv)],
        timeout=600,
    )
    result = json.loads((tmp_path / "kws_result.json").read_text())
    everyone = data_kws.cap_unknown(data_kws.list_clips(SPEECH))
    assert result["val_clips"] == len(everyone), "scored in-sample on every clip"
    assert result["extra_clips"] == 4 + 1, "the extra unknowns capped at 1.5 x 4 / 10 clips"
    card = (tmp_path / "kws.md").read_text()
    assert "3-fold cross-validation of this recipe" in card and "## In-sample check" in card
    assert "none held out" in card and "--all-data --cv-summary" in card
