"""The streaming KWS scorer and recording builder."""

import numpy as np

from mambanano import data_kws as dk
from mambanano.stream_eval_kws import FALSE_ALARM_CAUSES, build_recording, score

YES, NO, UNKNOWN = dk.CLASS_NAMES.index("yes"), dk.CLASS_NAMES.index("no"), dk.UNKNOWN


def test_a_report_of_the_right_word_in_time_is_a_hit_anything_else_a_false_alarm_of_its_cause():
    spans = [(1000, 2000), (5000, 6000), (9000, 10000)]
    labels = [YES, NO, UNKNOWN]
    found = [
        (1800, "yes"),
        (2600, "yes"),  # hit, then a repeat of the same clip: false alarm (repeat)
        (5200, "go"),  # another keyword during "no": false alarm (wrong keyword)
        (7600, "no"),  # 1.6 s after the clip: too late, false alarm (background)
        (9500, "go"),  # on an unknown word: false alarm (unknown word)
    ]
    hits, keyword_clips, *false_alarms = score(found, spans, labels)
    assert (hits, keyword_clips) == (1, 2)
    assert dict(zip(FALSE_ALARM_CAUSES, false_alarms)) == {
        "wrong_keyword": 1,
        "unknown_word": 1,
        "repeat": 1,
        "background": 1,
    }


def test_recording_places_clips_after_gaps_and_mixes_noise_at_the_snr():
    rng = np.random.default_rng(0)
    clips = np.full((3, dk.CLIP_SAMPLES), 1000, dtype=np.int16)
    noise = np.random.default_rng(1).normal(0, 100, (2, dk.CLIP_SAMPLES))
    pcm, spans = build_recording(clips, noise, None, rng)
    assert len(spans) == 3 and all(end - start == 1000 for start, end in spans)
    assert all(b[0] - a[1] >= 1000 for a, b in zip(spans, spans[1:]))  # gaps of at least 1 s
    start = int(np.flatnonzero(pcm)[0])  # the first clip's first sample
    assert start * 1000 // 16000 == spans[0][0]
    assert (pcm[start : start + dk.CLIP_SAMPLES] == 1000).all()
    noisy, _ = build_recording(clips, noise, 20.0, np.random.default_rng(0))
    gap = noisy[:start].astype(np.float64)
    assert 0.07 < np.sqrt(np.mean(gap**2)) / 1000 < 0.13  # -20 dB of the speech RMS


def test_counts_of_several_folds_add_up_before_they_become_rates():
    from mambanano.stream_eval_kws import add_counts, snr_results

    total = {}
    add_counts(total, {"clean": (1800.0, {700: (8, 10, 1, 0, 0, 0), 900: (6, 10, 0, 0, 0, 0)})})
    add_counts(total, {"clean": (1800.0, {700: (2, 10, 0, 2, 0, 0), 900: (1, 10, 0, 0, 0, 0)})})
    assert total == {"clean": (3600.0, {700: (10, 20, 1, 2, 0, 0), 900: (7, 20, 0, 0, 0, 0)})}
    result = snr_results(total, 700)["clean"]
    assert result["false_alarms_per_hour_by_cause"] == {
        "wrong_keyword": 1.0,
        "unknown_word": 2.0,
        "repeat": 0.0,
        "background": 0.0,
    }
    assert result["recording_minutes"] == 60.0
    assert result["at_operating_point"] == {
        "threshold": 700,
        "detection_rate": 0.5,
        "false_alarms_per_hour": 3.0,
    }, "pooled: 10 of 20 keywords, 3 false alarms in one hour (not the mean of the folds' rates)"


def test_the_tuned_threshold_is_the_lowest_with_few_enough_false_alarms():
    from mambanano.stream_eval_kws import tuned_threshold

    # one hour: (hits, keyword clips, false alarms by cause)
    sweep = {500: (9, 10, 20, 0, 0, 0), 700: (8, 10, 6, 5, 0, 1), 900: (5, 10, 2, 0, 0, 0)}
    assert tuned_threshold(3600.0, sweep, 12) == 700  # 12 false alarms: at the limit is allowed
    assert tuned_threshold(3600.0, sweep, 11.9) == 900
    assert tuned_threshold(7200.0, sweep, 10) == 500  # 20 in two hours
    assert tuned_threshold(3600.0, sweep, 1) == 900, "none quiet enough: the highest"


def test_each_fold_is_scored_at_the_threshold_the_other_folds_choose():
    from mambanano.stream_eval_kws import cross_fold_tuning

    # three folds of one hour each: {threshold: (hits, keyword clips, false alarms by cause)}
    def fold(fa_500, fa_900, hits_500, hits_900):
        sweep = {500: (hits_500, 10, fa_500, 0, 0, 0), 900: (hits_900, 10, fa_900, 0, 0, 0)}
        return {"clean": (3600.0, sweep), "10": (3600.0, sweep)}

    folds = [fold(30, 2, 9, 5), fold(4, 1, 8, 6), fold(6, 3, 7, 4)]
    tuned = cross_fold_tuning(folds, 12)
    # fold 0: the others give (4 + 6) / 2 h = 5 per h at 500; fold 1: (30 + 6) / 2 h = 18 -> 900
    assert tuned["fold_thresholds"] == [500, 900, 900]
    assert tuned["snr"]["clean"] == {
        "detection_rate": (9 + 6 + 4) / 30,
        "false_alarms_per_hour": (30 + 1 + 3) / 3,
    }, "pooled over the folds, each at its own threshold"


def test_cv_scores_each_fold_on_recordings_of_the_speakers_it_held_out(tmp_path):
    import json
    import shutil
    from pathlib import Path

    import pytest

    from mambanano.data import find_dataset
    from mambanano.stream_eval_kws import main

    speech = find_dataset("speech_commands")
    if speech is None:
        pytest.skip("needs the speech_commands data set (tools/mambanano data fetch)")
    weights = Path(__file__).resolve().parents[3] / "weights" / "kws.mnm"
    for k in range(2):
        (tmp_path / f"fold{k}").mkdir()
        shutil.copy(weights, tmp_path / f"fold{k}" / "kws.mnm")
    (tmp_path / "cv.json").write_text(json.dumps({"folds": [{}, {}]}))
    out = tmp_path / "out"
    argv = ["--data", str(speech), "--cv", str(tmp_path), "--clips", "12", "--snr", "clean,10"]
    assert main(argv + ["--out", str(out), "--tune-fa", "1e9"]) == 0
    result = json.loads((out / "stream.json").read_text())
    assert result["folds"] == 2 and result["clips"] == 24, "--clips per fold"
    assert 2 <= result["speakers"] <= 24
    assert set(result["snr"]) == {"clean", "10"}
    for snr in result["snr"].values():
        assert 0.0 <= snr["at_operating_point"]["detection_rate"] <= 1.0
        assert snr["recording_minutes"] > 24 * 2 / 60, "both folds' recordings are counted"
    tuned = result["tuned"]
    assert len(tuned["fold_thresholds"]) == 2 and set(tuned["snr"]) == {"clean", "10"}
    lowest = result["snr"]["clean"]["curve"][0]["threshold"]
    assert tuned["fold_thresholds"] == [lowest, lowest], "any threshold is quiet enough: the lowest"
    for snr, r in result["snr"].items():  # both folds at one threshold: the pooled sweep's point
        assert tuned["snr"][snr] == {k: r["curve"][0][k] for k in tuned["snr"][snr]}


def test_tune_fa_needs_cv_and_a_clean_recording(capsys):
    import pytest

    from mambanano.stream_eval_kws import main

    for argv in (
        ["--tune-fa", "12"],
        ["--cv", "runs/x", "--tune-fa", "-1"],
        ["--cv", "runs/x", "--snr", "10", "--tune-fa", "12"],
    ):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2
        assert "--tune-fa goes with --cv and clean among --snr" in capsys.readouterr().err
