"""--cv-folds of train_har.py (subject folds) and train_kws.py (speaker folds): the yardstick of the
accuracy issue scores every subject or speaker exactly once, by a model trained without them."""

from pathlib import Path

import pytest

from mambanano import train_har

SUBJECTS = [1, 3, 5, 6, 7, 8, 11, 14, 15, 16, 17, 19, 21, 22, 23, 25, 26, 27, 28, 29, 30]


@pytest.mark.parametrize("k", [2, 3, 5, 7, 21])
def test_folds_are_subject_disjoint_and_score_every_subject_once(k):
    folds = train_har.subject_folds(SUBJECTS, k, seed=0)
    assert len(folds) == k
    flat = [s for fold in folds for s in fold]
    assert sorted(flat) == SUBJECTS, "every subject held out exactly once"
    assert max(map(len, folds)) - min(map(len, folds)) <= 1, "folds as even as the subjects allow"


def test_folds_depend_on_the_seed_only():
    assert train_har.subject_folds(SUBJECTS, 5, seed=0) == train_har.subject_folds(
        list(reversed(SUBJECTS)), 5, seed=0
    )
    assert train_har.subject_folds(SUBJECTS, 5, seed=0) != train_har.subject_folds(
        SUBJECTS, 5, seed=1
    )


def _clips(n_speakers=60, per_speaker=3):
    from mambanano import data_kws

    return [
        data_kws.Clip(Path(f"yes/s{s:03d}_nohash_{i}.wav"), 0, f"s{s:03d}")
        for s in range(n_speakers)
        for i in range(per_speaker)
    ]


@pytest.mark.parametrize("k", [3, 5])
def test_kws_folds_hold_out_every_clip_once_and_keep_speakers_together(k):
    from mambanano import data_kws

    clips = _clips()
    held = [data_kws.cv_split(clips, k, fold)[1] for fold in range(k)]
    assert sorted(c.path for fold in held for c in fold) == sorted(c.path for c in clips)
    for fold in range(k):
        train, held_out = data_kws.cv_split(clips, k, fold)
        assert not {c.group for c in train} & {c.group for c in held_out}, "speaker-disjoint"
        assert len(train) + len(held_out) == len(clips)
    assert all(held), "no empty fold with 60 speakers"


def test_cv_summary_splits_the_drop_into_weights_and_activations(tmp_path):
    from mambanano.training import cv_fold_row, cv_summary, cv_table

    results = [
        {
            "float_accuracy": f,
            "weight_only_accuracy": w,
            "int8_accuracy": q,
            "int8_per_class": {"a": q, "b": None},
        }
        for f, w, q in ((0.90, 0.89, 0.80), (0.80, 0.81, 0.79))
    ]
    rows = [cv_fold_row(k, [k], 100, r) for k, r in enumerate(results)]
    assert rows[0]["drop"] == pytest.approx(0.10) and rows[0]["activation_drop"] == pytest.approx(
        0.09
    )
    summary = cv_summary(rows, tmp_path / "cv.json", epochs=1)
    assert summary["weight_only"]["mean"] == pytest.approx(0.85)
    assert summary["activation_drop"]["max"] == pytest.approx(0.09)
    assert summary["int8_per_class_mean"] == {"a": pytest.approx(0.795)}
    lines = cv_table(summary).splitlines()
    assert len(lines) == 2 + len(rows) + 2
    assert lines[-2].startswith("| mean ± sd |") and "85.00 ± 5.66" in lines[-2]
    assert lines[-1] == "| worst | | 80.00 | 81.00 | 79.00 | 10.00 | 9.00 |"
