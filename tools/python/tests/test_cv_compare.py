"""tools/mambanano cv-compare: a paired per-fold comparison of two cross-validations."""

import json

import pytest

from mambanano import cv_compare


def _cv(path, int8, held_out=((1, 2), (3, 4), (5, 6))):
    folds = [
        {"fold": k, "held_out": list(h), "examples": 100 + k, "int8": v, "drop": 0.01 * k}
        for k, (h, v) in enumerate(zip(held_out, int8))
    ]
    path.write_text(json.dumps({"folds": folds}))
    return path


def test_paired_differences_fold_by_fold(tmp_path, capsys):
    a = _cv(tmp_path / "a.json", [0.90, 0.80, 0.95])
    b = _cv(tmp_path / "b.json", [0.92, 0.79, 0.95])
    assert cv_compare.main([str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "| 0 | 90.00 | 92.00 | +2.00 |" in out and "| 1 | 80.00 | 79.00 | -1.00 |" in out
    assert "B won 1, tied 1, lost 1 of 3 folds on int8" in out
    summary = json.loads(out.splitlines()[-1])
    assert summary["mean_difference"] == pytest.approx(0.01 / 3)
    assert summary["sd_difference"] == pytest.approx(0.015275, abs=1e-5)


def test_a_smaller_drop_wins():
    a = {k: {"held_out": [k], "drop": 0.02} for k in range(2)}
    b = {k: {"held_out": [k], "drop": d} for k, d in enumerate((0.01, 0.03))}
    result = cv_compare.compare(a, b, "drop")
    assert (result["b_won"], result["b_lost"]) == (1, 1)


def test_runs_on_other_folds_are_refused(tmp_path):
    a = _cv(tmp_path / "a.json", [0.9, 0.8, 0.9])
    b = _cv(tmp_path / "b.json", [0.9, 0.8, 0.9], held_out=((1, 3), (2, 4), (5, 6)))
    with pytest.raises(SystemExit, match="not the same folds"):
        cv_compare.main([str(a), str(b)])
    c = _cv(tmp_path / "c.json", [0.9, 0.8])
    with pytest.raises(SystemExit, match="different folds"):
        cv_compare.main([str(a), str(c)])
    (tmp_path / "d.json").write_text("{}")
    with pytest.raises(SystemExit, match="not a cv.json"):
        cv_compare.main([str(a), str(tmp_path / "d.json")])


def test_a_model_cards_table_stands_in_for_its_cv_json(tmp_path, capsys):
    card = tmp_path / "kws.md"
    card.write_text(
        "# weights/kws.mnm\n\n"
        "| fold | held out | float % | weight-only INT8 % | INT8 % | drop pt | act. + state drop pt |\n"
        "|---|---|---|---|---|---|---|\n"
        "| 0 | 100 | 91.00 | 90.50 | 90.00 | 1.00 | 0.50 |\n"
        "| 1 | 101 | 80.00 | 80.00 | 81.00 | -1.00 | -1.00 |\n"
        "| 2 | 102 | 95.00 | 95.00 | 95.00 | 0.00 | 0.00 |\n"
        "| mean ± sd | | 88.67 ± 7.77 | 88.50 ± 7.63 | 88.67 ± 7.23 | 0.00 ± 1.00 | -0.17 ± 0.76 |\n"
    )
    b = _cv(tmp_path / "b.json", [0.92, 0.79, 0.950049])
    assert cv_compare.main([str(card), str(b)]) == 0
    out = capsys.readouterr().out
    assert "| 0 | 90.00 | 92.00 | +2.00 |" in out and "| 1 | 81.00 | 79.00 | -2.00 |" in out
    assert "B won 1, tied 1, lost 1" in out, "95.0049 % is the card's 95.00 %: a tie"
    assert len(out.split("| mean |")[0].splitlines()) == 5, "the mean row is not a fold"
    other = _cv(tmp_path / "other.json", [0.9, 0.8, 0.9])
    json_rows = json.loads(other.read_text())
    json_rows["folds"][1]["examples"] = 99
    other.write_text(json.dumps(json_rows))
    with pytest.raises(SystemExit, match="fold 1 holds out 101 in one run and 99"):
        cv_compare.main([str(card), str(other)])
    (tmp_path / "bare.md").write_text("# a card of a run with a validation split\n")
    with pytest.raises(SystemExit, match="no cross-validation table"):
        cv_compare.main([str(tmp_path / "bare.md"), str(b)])
