"""train_har.py --cv-folds: the subject folds it trains and scores (the yardstick of the accuracy issue)."""
import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("train_har", REPO / "tools" / "train_har.py")
train_har = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train_har)

SUBJECTS = [1, 3, 5, 6, 7, 8, 11, 14, 15, 16, 17, 19, 21, 22, 23, 25, 26, 27, 28, 29, 30]


@pytest.mark.parametrize("k", [2, 3, 5, 7, 21])
def test_folds_are_subject_disjoint_and_score_every_subject_once(k):
    folds = train_har.subject_folds(SUBJECTS, k, seed=0)
    assert len(folds) == k
    flat = [s for fold in folds for s in fold]
    assert sorted(flat) == SUBJECTS, "every subject held out exactly once"
    assert max(map(len, folds)) - min(map(len, folds)) <= 1, "folds as even as the subjects allow"


def test_folds_depend_on_the_seed_only():
    assert train_har.subject_folds(SUBJECTS, 5, seed=0) == train_har.subject_folds(list(reversed(SUBJECTS)), 5, seed=0)
    assert train_har.subject_folds(SUBJECTS, 5, seed=0) != train_har.subject_folds(SUBJECTS, 5, seed=1)
