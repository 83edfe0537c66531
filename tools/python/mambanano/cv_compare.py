"""Paired comparison of two cross-validations on the same folds: is recipe B better than recipe A?

    tools/mambanano cv-compare runs/har_cv5/cv/cv.json runs/har_aug_norot_cv5/cv/cv.json
        [--metric int8|float|weight_only|drop|activation_drop]
    tools/mambanano cv-compare weights/kws.md runs/kws_candidate_cv5/cv/cv.json

Each file is a `train --cv-folds` summary (RUNS/cv/cv.json) or a shipped model's card
(weights/<task>.md), whose cross-validation table holds the same figures rounded to 0.01 % (the
way to compare against the shipped recipe when its run folder is gone). The folds must hold out
the same subjects or speakers (same K and data, whatever the --seed; a card records only how many
examples each fold held out, and that is what is checked against it): a paired comparison then
removes what makes one fold harder than another, which is most of the spread between folds.
Prints, per fold, A, B and B − A (percent, or points for drops), then the mean difference ± its sd
over folds and how many folds B won, tied and lost, as a Markdown table and one JSON line. The
project's rule for shipping a change is that B's mean is not below A's; the spread says how much
that mean can be trusted.
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

PROG = "mambanano cv-compare"
METRICS = ("int8", "float", "weight_only", "drop", "activation_drop")
CV_TABLE_COLUMNS = {  # the cross-validation table (training.cv_table, model cards): header -> key
    "fold": "fold",
    "held out": "examples",
    "float %": "float",
    "weight-only INT8 %": "weight_only",
    "INT8 %": "int8",
    "drop pt": "drop",
    "act. + state drop pt": "activation_drop",
}


def _cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def load_card(path):
    """The per-fold rows of a model card's cross-validation table: {fold: row} with the keys of
    CV_TABLE_COLUMNS, accuracies and drops as fractions, and decimals 4 (compare() rounds the other
    side's values alike, so a fold the card rounds is not won or lost by the rounding);
    ValueError if the card has no such table."""
    lines = Path(path).read_text().splitlines()
    head = next((i for i, line in enumerate(lines) if _cells(line) == list(CV_TABLE_COLUMNS)), None)
    if head is None:
        raise ValueError(f"{path}: no cross-validation table (a card of an --all-data model)")
    rows = {}
    for line in lines[head + 2 :]:
        cells = _cells(line)
        if not line.startswith("|") or not cells[0].isdigit():
            break
        row = dict(zip(CV_TABLE_COLUMNS.values(), cells))
        row.update(fold=int(row["fold"]), examples=int(row["examples"]))
        row.update({k: float(row[k]) / 100 for k in METRICS}, decimals=4)
        rows[row["fold"]] = row
    return rows


def load(path):
    """The cv.json or model card at path: {fold: row}; ValueError if it is neither."""
    if Path(path).suffix == ".md":
        try:
            return load_card(path)
        except (OSError, ValueError) as e:
            raise ValueError(f"{path}: not a model card with a cross-validation ({e})") from None
    try:
        summary = json.loads(Path(path).read_text())
        return {row["fold"]: row for row in summary["folds"]}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path}: not a cv.json of `train --cv-folds` ({e})") from None


def compare(a, b, metric):
    """Paired per-fold comparison of two load()ed summaries on `metric`."""
    if a.keys() != b.keys():
        raise ValueError(f"the runs have different folds: {sorted(a)} and {sorted(b)}")
    for k in a:
        key = "held_out" if "held_out" in a[k] and "held_out" in b[k] else "examples"
        if a[k].get(key) != b[k].get(key):
            raise ValueError(
                f"fold {k} holds out {a[k].get(key)} in one run and {b[k].get(key)} "
                "in the other: not the same folds (same K and data needed)"
            )

    def pair(k):
        """Fold k's two values, both rounded as far as a card rounds either (decimals 4)."""
        decimals = a[k].get("decimals", b[k].get("decimals"))
        if decimals is None:
            return a[k][metric], b[k][metric]
        return round(a[k][metric], decimals), round(b[k][metric], decimals)

    rows = [(k, *pair(k)) for k in sorted(a)]
    diffs = [vb - va for _, va, vb in rows]
    lower_is_better = "drop" in metric
    won = sum((d < 0) if lower_is_better else (d > 0) for d in diffs)
    tied = sum(d == 0 for d in diffs)
    return {
        "metric": metric,
        "folds": [{"fold": k, "a": va, "b": vb, "b_minus_a": vb - va} for k, va, vb in rows],
        "mean_a": statistics.fmean(va for _, va, _ in rows),
        "mean_b": statistics.fmean(vb for _, _, vb in rows),
        "mean_difference": statistics.fmean(diffs),
        "sd_difference": statistics.stdev(diffs) if len(diffs) > 1 else 0.0,
        "b_won": won,
        "tied": tied,
        "b_lost": len(diffs) - won - tied,
    }


def table(result):
    """compare()'s result as Markdown (values in percent or points)."""
    lines = ["| fold | A | B | B − A |", "|---|---|---|---|"]
    for r in result["folds"]:
        lines.append(
            f"| {r['fold']} | {100 * r['a']:.2f} | {100 * r['b']:.2f} | {100 * r['b_minus_a']:+.2f} |"
        )
    lines.append(
        f"| mean | {100 * result['mean_a']:.2f} | {100 * result['mean_b']:.2f} | "
        f"{100 * result['mean_difference']:+.2f} ± {100 * result['sd_difference']:.2f} |"
    )
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("a", type=Path, help="cv.json or model card of the current recipe")
    ap.add_argument("b", type=Path, help="cv.json or model card of the candidate")
    ap.add_argument("--metric", choices=METRICS, default="int8", help="default: int8")
    args = ap.parse_args(argv)
    try:
        result = compare(load(args.a), load(args.b), args.metric)
    except ValueError as e:
        sys.exit(f"{PROG}: {e}")
    print(table(result))
    print(
        f"B won {result['b_won']}, tied {result['tied']}, lost {result['b_lost']} of "
        f"{len(result['folds'])} folds on {args.metric}"
    )
    print(json.dumps({k: v for k, v in result.items() if k != "folds"}))
    return 0
