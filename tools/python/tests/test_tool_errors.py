"""The evaluation tools with inputs they cannot use (issue 14): a model that cannot be used ends the
tool with one line on stderr and exit status 1, never a metric on stdout; the data-selection
options are the same across evaluators; outputs go only where told (or under runs/)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mambanano.data import find_dataset

REPO = Path(__file__).resolve().parents[3]
TOOLS = REPO / "tools"
HAPT = find_dataset("hapt")
SPEECH = find_dataset("speech_commands")
HAR = REPO / "weights" / "har.mnm"
KWS = REPO / "weights" / "kws.mnm"


def run_tool(command, *args, timeout=300):
    """`mambanano COMMAND ARGS...` (COMMAND: e.g. "evaluate" or "stream-eval --task kws")."""
    env = dict(os.environ)
    env.setdefault("MAMBANANO_LIB", str(REPO / "build" / "native" / "libmambanano.so"))
    return subprocess.run(
        [sys.executable, "-m", "mambanano", *command.split(), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )


def assert_one_line_refusal(run, command, *expected):
    assert run.returncode == 1, run.stderr
    assert run.stdout == "", "a refusal prints no metric"
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"mambanano {command}: "), lines[0]
    for text in expected:
        assert text in lines[0], lines[0]


def bad_models(tmp_path):
    """name -> (path, text the refusal names)."""
    good = HAR.read_bytes()
    corrupt = bytearray(KWS.read_bytes())
    corrupt[1000] ^= 0xFF
    files = {
        "zeros": (bytes(1 << 20), 'not a MambaNano model file (magic is not "MNMB") (status 3)'),
        "random": (os.urandom(1 << 20), "(status 3)"),
        "appended": (
            good + bytes(1 << 20),
            "bytes after the length its header gives (garbage appended) (status 18)",
        ),
        "cut": (good[:-100], "(status 2)"),
        "corrupt": (bytes(corrupt), "CRC-32"),
        "empty": (b"", "empty file"),
    }
    out = {}
    for name, (data, text) in files.items():
        path = tmp_path / f"{name}.mnm"
        path.write_bytes(data)
        out[name] = (path, text)
    out["folder"] = (tmp_path, "is a folder, not a model file")
    out["missing"] = (tmp_path / "missing.mnm", "no such file")
    return out


@pytest.mark.parametrize(
    "name", ["zeros", "random", "appended", "cut", "corrupt", "empty", "folder", "missing"]
)
def test_evaluate_refuses_a_model_it_cannot_use_in_one_line(tmp_path, name):
    path, text = bad_models(tmp_path)[name]
    run = run_tool("evaluate", "--weights", path, "--data", tmp_path)
    assert_one_line_refusal(run, "evaluate", str(path), text)


@pytest.mark.parametrize(
    "tool,weights,text",
    [
        ("stream-eval --task kws", HAR, "a HAR model; this needs a KWS model"),
        ("stream-eval --task har", KWS, "a KWS model; this needs a HAR model"),
    ],
)
def test_stream_evaluators_refuse_a_wrong_task_model(tmp_path, tool, weights, text):
    run = run_tool(tool, "--weights", weights, "--out", tmp_path / "out")
    assert_one_line_refusal(run, tool, text)
    assert not (tmp_path / "out").exists(), "nothing written after a refusal"


@pytest.mark.parametrize("tool", ["stream-eval --task kws", "stream-eval --task har"])
@pytest.mark.parametrize("name", ["corrupt", "appended", "zeros"])
def test_stream_evaluators_refuse_a_corrupt_model(tmp_path, tool, name):
    path, text = bad_models(tmp_path)[name]
    run = run_tool(tool, "--weights", path, "--out", tmp_path / "out")
    assert_one_line_refusal(run, tool, str(path), "refused by the model loader", text)


def test_a_replay_the_host_refuses_ends_the_stream_evaluator_in_one_line(tmp_path):
    """An IMU file with a NaN: the host runner refuses it (exit 4) and the evaluator passes its
    message on in one line (exit 1) instead of scoring an empty replay."""
    if shutil.which("dotnet") is None:
        pytest.skip("dotnet not on PATH")
    raw = tmp_path / "hapt" / "RawData"
    raw.mkdir(parents=True)
    rows = ["1.0 0.0 0.1"] * 400
    rows[149] = "nan 0.0 0.1"
    (raw / "acc_exp01_user03.txt").write_text("\n".join(rows) + "\n")
    (raw / "gyro_exp01_user03.txt").write_text("0.0 0.0 0.0\n" * 400)
    (raw / "labels.txt").write_text("1 3 5 1 400\n")
    run = run_tool(
        "stream-eval --task har", "--data", tmp_path / "hapt", "--subjects", "3", timeout=600
    )
    assert_one_line_refusal(
        run,
        "stream-eval --task har",
        "acc_exp01_user03.txt:150: column 1: 'nan' is not a finite number",
    )


def test_every_evaluator_takes_the_same_data_selection_options():
    helps = {
        tool: run_tool(tool, "--help").stdout
        for tool in ("evaluate", "stream-eval --task har", "stream-eval --task kws")
    }
    for tool, text in helps.items():
        assert "--data DATA" in text and "--weights WEIGHTS" in text, tool
        assert "show this help message" in text
    for option in ("--subjects",):
        assert option in helps["evaluate"] and option in helps["stream-eval --task har"]
    for option in ("--split {all,train,val}", "--speakers SPEAKERS"):
        assert option in helps["evaluate"] and option in helps["stream-eval --task kws"]
    assert "default: val" in helps["stream-eval --task kws"]
    run = run_tool("stream-eval --task kws", "--split", "everything")
    assert run.returncode == 2 and "invalid choice" in run.stderr


@pytest.mark.skipif(
    SPEECH is None, reason="needs the speech_commands data set (tools/mambanano data fetch)"
)
def test_kws_clip_selection_by_split_and_speaker():
    from mambanano import data_kws as dk
    from mambanano.evaluate import select_clips

    val = select_clips(SPEECH, "val")
    train = select_clips(SPEECH, "train")
    every = select_clips(SPEECH, "all")
    assert len(val) + len(train) == len(every)
    val_speakers = {c.group for c in val if c.label != dk.SILENCE}
    assert not val_speakers & {c.group for c in train if c.label != dk.SILENCE}
    one = sorted(val_speakers)[0]
    mine = select_clips(SPEECH, "val", [one])
    assert {c.group for c in mine if c.label != dk.SILENCE} == {one}
    assert [c for c in mine if c.label == dk.SILENCE] == [c for c in val if c.label == dk.SILENCE]
    assert {c.group for c in select_clips(SPEECH, "val", [one], keep_silence=False)} == {one}
    with pytest.raises(ValueError, match="have no clips of split 'train'"):
        select_clips(SPEECH, "train", [one])


def test_eval_stream_kws_writes_its_outputs_under_out_not_into_weights(
    tmp_path, monkeypatch, capsys
):
    from mambanano import stream_eval_kws

    shipped = REPO / "weights" / "kws_stream.png"
    before = shipped.stat().st_mtime_ns if shipped.exists() else None
    fake = {
        "task": "KWS",
        "snr": {
            "clean": {
                "at_operating_point": {
                    "threshold": 700,
                    "detection_rate": 0.5,
                    "false_alarms_per_hour": 10.0,
                },
                "curve": [{"threshold": 700, "detection_rate": 0.5, "false_alarms_per_hour": 10.0}],
            }
        },
    }
    monkeypatch.setattr(stream_eval_kws, "evaluate", lambda args: fake)
    assert stream_eval_kws.main(["--out", str(tmp_path / "stream")]) == 0
    assert json.loads((tmp_path / "stream" / "stream.json").read_text()) == fake
    assert (tmp_path / "stream" / "kws_stream.png").stat().st_size > 0
    assert (shipped.stat().st_mtime_ns if shipped.exists() else None) == before, (
        "the shipped plot was overwritten"
    )
    assert json.loads(capsys.readouterr().out)["clean"]["detection_rate"] == 0.5


@pytest.mark.skipif(
    HAPT is None
    or not (HAPT / "RawData" / "acc_exp05_user03.txt").exists()
    or shutil.which("dotnet") is None,
    reason="needs ../shared/data/hapt and dotnet",
)
def test_replay_sh_options_keep_the_default_inputs():
    """Options of tools/replay.sh (README: `--imu-fault dropout:30:3`) keep its default inputs:
    the replay runs instead of stopping at 'nothing to replay'."""
    run = subprocess.run(
        [
            "bash",
            str(TOOLS / "replay.sh"),
            "--max-seconds",
            "12",
            "--imu-fault",
            "dropout:4:3",
            "--kws-threshold",
            "900",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "MN1 MODEL t=0 task=HAR" in run.stdout and "MN1 MODEL t=0 task=KWS" in run.stdout
    assert "MN1 STATUS t=0 src=IMU state=OK" in lines and "MN1 STATUS t=0 src=MIC state=OK" in lines
    assert "MN1 ERR t=4000 src=IMU code=4 msg=BUS_ERROR" in lines
    assert "MN1 STATUS t=7000 src=IMU state=OK" in lines
