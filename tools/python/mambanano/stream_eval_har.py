"""Streaming HAR evaluation: whole HAPT recordings (postural transitions and unlabelled stretches
included) replayed through the app's own C# pipeline (the host runner, as a board would run
them), scored against the labels second by second.

    tools/mambanano stream-eval --task har [--data ../shared/data/hapt] [--weights weights/har.mnm]
                                               [--subjects 3,7,15,22,27] [--out runs/har/stream.json]
    tools/mambanano stream-eval --task har --cv runs/har_cv5/cv [--smoothing 3]

With --cv, the figure that predicts new people: each fold's model (CV/fold<k>/har.mnm, written by
`train --task har --cv-folds K`) replays the recordings of the subjects it held out (its
har_result.json's val_subjects), and the seconds of all folds are pooled (per-fold accuracy too).

Per second s of a recording (its end, t = 1000 s ms): the truth is the label of the sample at t
(activities 1-6 scored; transitions 7-12 and unlabelled samples are not), the prediction is the
last HAR report at or before t (a report at t covers the nf.config har_window_samples before it,
1.2 s as shipped; with --smoothing K, the app's har_smoothing_windows, it names the class of the
posteriors averaged over the last K windows, default nf.config's). Latency: for each labelled
activity segment that follows a different activity, the time from its start to the first
report of its class (segments whose class is never reported count as misses).
Prints JSON (and writes it to --out only if given); deterministic (no randomness). A model that
cannot be used (unreadable, refused by the loader, not a HAR model) or a replay that fails ends
the tool with one line on stderr and exit status 1, never with a metric.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from mambanano import data_har
from mambanano import model_file as mf
from mambanano.data import add_data_argument, resolve_data
from mambanano.evaluate import add_data_options
from mambanano.gen_board_config import config_int
from mambanano.kernel import KernelError
from mambanano.model_check import ModelError, read_checked
from mambanano.paths import REPO

PROG = "mambanano stream-eval --task har"

HOST = REPO / "tools" / "mambanano-host"  # builds the runner when it is stale, then runs it
SAMPLE_MS = 20


class ReplayError(RuntimeError):
    """The host runner refused or failed a replay; the message is its own (one line)."""


def host(*args):
    """stdout of `mambanano-host ARGS`; ReplayError with the runner's message if it exits non-zero."""
    run = subprocess.run([str(HOST), *map(str, args)], capture_output=True, text=True)
    if run.returncode != 0:
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        raise ReplayError(lines[-1] if lines else f"mambanano-host exited {run.returncode}")
    return run.stdout


def replay(acc_path, weights, smoothing):
    """HAR reports of the app for one recording, each the class of the posteriors averaged over
    `smoothing` windows: [(t_ms, class index)]."""
    out = host("replay", "--har-model", weights, "--imu", acc_path, "--har-smoothing", smoothing)
    reports = []
    for line in out.splitlines():
        if line.startswith("MN1 PRED ") and " task=HAR " in line:
            fields = dict(f.split("=", 1) for f in line.split()[2:])
            reports.append((int(fields["t"]), data_har.CLASS_NAMES.index(fields["label"])))
    return reports


def score_recording(reports, rows, n_samples):
    """rows: labels (activity, start, end) 1-based inclusive samples. Returns per-second (truth,
    prediction) pairs and the latencies (ms, None = never reported) of activity changes."""
    truth = np.zeros(n_samples + 1, dtype=np.int64)  # activity id per sample (1-based), 0 = none
    for act, start, end in rows:
        truth[start : end + 1] = act
    times = np.array([t for t, _ in reports])
    classes = np.array([c for _, c in reports])
    seconds = []
    for s in range(1, n_samples * SAMPLE_MS // 1000 + 1):
        t = s * 1000
        act = truth[min(t // SAMPLE_MS, n_samples)]
        k = np.searchsorted(times, t, side="right") - 1
        if 1 <= act <= 6 and k >= 0:
            seconds.append((act - 1, int(classes[k])))
    latencies = []
    previous = None
    for act, start, end in rows:
        if 1 <= act <= 6 and previous is not None and previous != act:
            start_ms, end_ms = (start - 1) * SAMPLE_MS, end * SAMPLE_MS
            hit = [t for t, c in reports if start_ms <= t <= end_ms and c == act - 1]
            latencies.append(hit[0] - start_ms if hit else None)
        previous = act
    return seconds, latencies


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_data_argument(ap, "hapt")
    ap.add_argument(
        "--weights",
        type=Path,
        default=REPO / "weights" / "har.mnm",
        help="the HAR model file (default: weights/har.mnm)",
    )
    add_data_options(ap, "HAR", subjects_default=list(data_har.VAL_SUBJECTS))
    ap.add_argument(
        "--cv",
        type=Path,
        metavar="CV_DIR",
        help="score every fold of a `train --cv-folds` run (CV_DIR/fold<k>) on the subjects "
        "it held out, instead of --weights on --subjects",
    )
    ap.add_argument(
        "--smoothing",
        type=int,
        default=config_int("har_smoothing_windows"),
        metavar="K",
        help="HAR reports the class of the posteriors averaged over the last K scored windows "
        "(default: nf.config har_smoothing_windows)",
    )
    ap.add_argument(
        "--out", type=Path, default=None, help="also write the JSON here (default: nowhere)"
    )
    args = ap.parse_args(argv)
    args.data = resolve_data(args.data, "hapt", PROG)
    if args.smoothing < 1:
        ap.error("--smoothing must be >= 1")
    try:
        if args.cv:
            result = evaluate_cv(args.data, args.cv, args.smoothing)
        else:
            result = evaluate(args.data, args.weights, args.subjects, args.smoothing)
    except (ModelError, KernelError, ReplayError, ValueError, OSError) as e:
        sys.exit(f"{PROG}: {e}")
    text = json.dumps(result, indent=1, allow_nan=False)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    print(text)
    return 0


def score_subjects(data, weights, subjects, smoothing):
    """Replay every recording of `subjects` in `data` with `weights` (reports smoothed over
    `smoothing` windows): (per-second (truth, prediction) pairs, latencies, recordings) (see
    score_recording)."""
    read_checked(weights, mf.Task.HAR)
    labels_path = Path(data) / "RawData" / "labels.txt"
    if not labels_path.is_file():
        raise ValueError(
            f"{labels_path}: no such file (need a HAPT folder with RawData/labels.txt)"
        )
    labels = np.loadtxt(labels_path, dtype=np.int64).reshape(-1, 5)
    subjects = set(subjects)
    missing = subjects - {int(u) for u in labels[:, 1]}
    if missing:
        raise ValueError(f"subjects {sorted(missing)} have no labelled recordings in {labels_path}")
    pairs, latencies, recordings = [], [], 0
    for exp, user in sorted({(int(e), int(u)) for e, u in labels[:, :2] if int(u) in subjects}):
        acc = Path(data) / "RawData" / f"acc_exp{exp:02d}_user{user:02d}.txt"
        with acc.open() as f:
            n_samples = sum(1 for _ in f)
        rows = [tuple(r[2:]) for r in labels[(labels[:, 0] == exp) & (labels[:, 1] == user)]]
        s, lat = score_recording(replay(acc, weights, smoothing), rows, n_samples)
        pairs += s
        latencies += lat
        recordings += 1
    return pairs, latencies, recordings


def summary(subjects, smoothing, pairs, latencies, recordings):
    """The JSON result of scored seconds and latencies (score_subjects' output, pooled)."""
    if not pairs:
        raise ValueError(
            f"no labelled second was scored ({recordings} recordings): nothing to report"
        )
    truth = np.array([p[0] for p in pairs])
    pred = np.array([p[1] for p in pairs])
    found = np.array([x for x in latencies if x is not None], dtype=np.float64)
    return {
        "task": "HAR",
        "mode": "stream",
        "subjects": sorted(subjects),
        "smoothing_windows": smoothing,
        "recordings": recordings,
        "scored_seconds": int(len(pairs)),
        "per_second_accuracy": float((truth == pred).mean()),
        "per_class_recall": {
            c: float((pred[truth == i] == i).mean())
            for i, c in enumerate(data_har.CLASS_NAMES)
            if (truth == i).any()
        },
        "activity_changes": len(latencies),
        "changes_reported": int(len(found)),
        "latency_ms_median": float(np.median(found)) if len(found) else None,
        "latency_ms_p90": float(np.percentile(found, 90)) if len(found) else None,
    }


def evaluate(data, weights, subjects, smoothing):
    """Replay every recording of `subjects` in `data` with `weights` and score it (see the docstring)."""
    return summary(subjects, smoothing, *score_subjects(data, weights, subjects, smoothing))


def evaluate_cv(data, cv_dir, smoothing):
    """--cv: each fold's model on the subjects it held out, the seconds pooled over the folds."""
    folds = sorted(Path(cv_dir).glob("fold*/har_result.json"))
    if not folds:
        raise ValueError(f"{cv_dir}: no fold<k>/har_result.json (a `train --cv-folds` folder)")
    pairs, latencies, recordings, subjects, per_fold = [], [], 0, [], []
    for result_path in folds:
        held_out = json.loads(result_path.read_text())["val_subjects"]
        p, lat, n = score_subjects(data, result_path.parent / "har.mnm", held_out, smoothing)
        per_fold.append(float(np.mean([t == q for t, q in p])) if p else None)
        pairs, latencies, recordings = pairs + p, latencies + lat, recordings + n
        subjects += held_out
    result = summary(subjects, smoothing, pairs, latencies, recordings)
    scored = [a for a in per_fold if a is not None]
    result["per_fold_accuracy"] = per_fold
    result["fold_mean"] = float(np.mean(scored))
    result["fold_sd"] = float(np.std(scored, ddof=1)) if len(scored) > 1 else 0.0
    return result
