"""A short smoke run of the whole KWS command (train, calibrate, quantize, INT8-evaluate through C),
then the written file through tools/evaluate.py."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mambanano import data_kws
from mambanano import model_file as mf

REPO = Path(__file__).resolve().parents[2]
SPEECH = REPO.parent / "shared" / "data" / "speech_commands"


@pytest.mark.skipif(not SPEECH.exists(), reason=f"{SPEECH} not present")
def test_kws_smoke_run_writes_a_model_that_evaluate_scores(tmp_path, capsys):
    subprocess.run([sys.executable, str(REPO / "tools" / "train_kws.py"), "--epochs", "1",
                    "--max-train", "128", "--out", str(tmp_path), "--runs", str(tmp_path)],
                   check=True, capture_output=True, timeout=600)
    header, tensors = mf.read_model_file(tmp_path / "kws.mnm")
    assert header["task"] == mf.Task.KWS and header["frontend"] == mf.Frontend.LOGMEL
    assert mf.class_names_list(tensors[(mf.TensorKind.CLASS_NAMES, 0)]) == data_kws.CLASS_NAMES
    assert header["file_size"] <= 40 * 1024
    result = json.loads((tmp_path / "kws_result.json").read_text())
    assert result["train_clips"] == 128 and result["val_clips"] > 0
    assert 0.0 <= result["int8_accuracy"] <= 1.0
    assert (tmp_path / "kws_training.png").stat().st_size > 0
    assert "INT8" in (tmp_path / "kws.md").read_text()

    from evaluate import main as evaluate_main
    assert evaluate_main(["--weights", str(tmp_path / "kws.mnm"), "--data", str(SPEECH),
                          "--split", "val"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["task"] == "KWS" and scored["n"] == result["val_clips"]
    assert scored["accuracy"] == pytest.approx(result["int8_accuracy"])


def test_forward_with_activations_is_the_model_and_the_penalty_spares_typical_clips():
    import torch
    from mambanano.model import MambaNanoNet
    from train_kws import forward_with_activations, range_penalty

    torch.manual_seed(0)
    model = MambaNanoNet(n_features=5, d_model=8, d_inner=12, d_state=3, dt_rank=2, d_conv=3,
                         n_layers=2, n_classes=4)
    x = torch.randn(6, 9, 5)
    logits, acts = forward_with_activations(model, x)
    probed = {}
    with torch.no_grad():
        expected = model(x, probe=lambda name, layer, t: probed.setdefault((name, layer), t))
    torch.testing.assert_close(logits, expected)
    assert len(acts) == 6 and all(a.requires_grad for a in acts)   # the penalty must reach the weights
    for layer in range(2):
        for a, name in zip(acts[3 * layer:3 * layer + 3], ("y", "g", "residual_out")):
            torch.testing.assert_close(a.detach(), probed[(name, layer)])
    same = torch.ones(4, 9, 3)
    assert float(range_penalty([same], 3.0)) == 0.0
    spiky = same.clone()
    spiky[0, 4, 1] = 10.0                        # one clip peaks at 10x the median clip
    assert float(range_penalty([spiky], 3.0)) == (10.0 - 3.0) ** 2 / 4
