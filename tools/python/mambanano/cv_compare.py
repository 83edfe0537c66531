"""Paired comparison of two cross-validations on the same folds: is recipe B better than recipe A?

    tools/mambanano cv-compare runs/har_cv5/cv/cv.json runs/har_aug_norot_cv5/cv/cv.json
        [--metric int8|float|weight_only|drop|activation_drop]

Both files are `train --cv-folds` summaries (RUNS/cv/cv.json). Their folds must hold out the same
subjects or speakers (same K, seed and data): a paired comparison then removes what makes one fold
harder than another, which is most of the spread between folds. Prints, per fold, A, B and B − A
(percent, or points for drops), then the mean difference ± its sd over folds and how many folds B
won, tied and lost, as a Markdown table and one JSON line. The project's rule for shipping a
change is that B's mean is not below A's; the spread says how much that mean can be trusted.
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

PROG = "mambanano cv-compare"
METRICS = ("int8", "float", "weight_only", "drop", "activation_drop")


def load(path):
    """The cv.json at path: {fold: row}; ValueError if it is not one."""
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
        if a[k]["held_out"] != b[k]["held_out"]:
            raise ValueError(
                f"fold {k} holds out {a[k]['held_out']} in one run and {b[k]['held_out']} "
                "in the other: not the same folds (same K, --seed and data needed)"
            )
    rows = [(k, a[k][metric], b[k][metric]) for k in sorted(a)]
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
    ap.add_argument("a", type=Path, help="cv.json of the current recipe")
    ap.add_argument("b", type=Path, help="cv.json of the candidate")
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
