"""The streaming HAR scorer: which report is compared with which second, and activity-change latency."""

from mambanano.stream_eval_har import score_recording


def test_each_second_is_scored_against_the_last_report_before_it():
    # 250 samples (5 s): WALKING (1) for samples 1-150, SITTING (4) for 151-250.
    rows = [(1, 1, 150), (4, 151, 250)]
    reports = [(2560, 0), (3840, 3)]  # class indices: WALKING, then SITTING
    seconds, latencies = score_recording(reports, rows, 250)
    # seconds 1 and 2 come before any report; 3 (truth WALKING until sample 150 = 3 s) -> WALKING;
    # 4 and 5 -> SITTING reported at 3.84 s.
    assert seconds == [(0, 0), (3, 3), (3, 3)]
    assert latencies == [3840 - 3000]


def test_unlabelled_and_transition_samples_are_not_scored_and_a_missed_change_is_none():
    rows = [(5, 1, 100), (7, 101, 150), (4, 151, 300)]  # STANDING, STAND_TO_SIT, SITTING
    reports = [(2000, 4), (4000, 4), (6000, 4)]  # always STANDING
    seconds, latencies = score_recording(reports, rows, 350)
    truths = [t for t, _ in seconds]
    assert 6 not in truths  # transitions are not scored
    assert truths == [4, 3, 3, 3]  # 2 s STANDING; 3 s transition; 4-6 s SITTING; 7 s none
    assert latencies == [None]  # one change (to SITTING), never reported


def test_cv_scores_each_fold_on_the_subjects_it_held_out(tmp_path):
    import json
    import shutil
    from pathlib import Path

    import pytest

    from mambanano.data import find_dataset
    from mambanano.stream_eval_har import evaluate, evaluate_cv

    hapt = find_dataset("hapt")
    if hapt is None:
        pytest.skip("needs the hapt data set (tools/mambanano data fetch)")
    weights = Path(__file__).resolve().parents[3] / "weights" / "har.mnm"
    held_out = {0: [1], 1: [3]}
    for k, subjects in held_out.items():
        fold = tmp_path / f"fold{k}"
        fold.mkdir()
        shutil.copy(weights, fold / "har.mnm")
        (fold / "har_result.json").write_text(json.dumps({"val_subjects": subjects}))
    pooled = evaluate_cv(hapt, tmp_path, 1)
    alone = [evaluate(hapt, weights, s, 1) for s in held_out.values()]
    assert pooled["subjects"] == [1, 3]
    assert pooled["scored_seconds"] == sum(a["scored_seconds"] for a in alone)
    assert pooled["per_fold_accuracy"] == pytest.approx([a["per_second_accuracy"] for a in alone])
    assert min(pooled["per_fold_accuracy"]) <= pooled["per_second_accuracy"]
    assert pooled["per_second_accuracy"] <= max(pooled["per_fold_accuracy"])
