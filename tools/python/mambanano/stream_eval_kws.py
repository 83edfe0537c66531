"""Streaming KWS evaluation: long recordings of clips from validation speakers (never used in
training or calibration) at random gaps in background noise, replayed through the app's own C#
pipeline (the host runner, as a board would hear them), at several signal-to-noise ratios.

    tools/mambanano stream-eval --task kws [--data ../shared/data/speech_commands]
        [--weights weights/kws.mnm] [--split val] [--speakers ID,ID] [--clips 200]
        [--snr clean,20,10,5] [--seed 0] [--out runs/kws/stream] [--plot FILE]
        [--cv CV_DIR [--tune-fa FA_PER_HOUR]]

Clips: the speech clips (keywords and unknown words) of the chosen speakers: those of the speaker
split's validation side by default (--split val), the training side or every clip (--split
train|all), narrowed to --speakers if given; --clips of them are drawn at random. Background
noise: the _silence_ clips of the same split. Reports, per SNR, at the shipped operating point
(nf.config kws_threshold_permille) and over a sweep of thresholds: the detection rate (a keyword
clip counts as detected when the app reports its word within [clip start, clip end + 1.5 s)) and
false alarms per hour (any other report), at the operating point also by cause: another keyword
during a keyword clip, a keyword during an unknown word, the clip's own keyword again after its
detection, or a report outside every clip (background).
Writes OUT/stream.json and the curve OUT/kws_stream.png (--plot FILE to put it elsewhere, e.g.
weights/kws_stream.png to regenerate the shipped one); nothing else outside a temporary folder.
With --cv CV_DIR, the figure that predicts new speakers: each fold's model (CV_DIR/fold<k>/kws.mnm
of `train --task kws --cv-folds K`) on recordings of --clips clips of the speakers it held out,
over its held-out _silence_ clips; detections, keyword clips, false alarms and hours are summed
over the folds. With --tune-fa, the decision rule is also chosen without the speakers it is
scored on: fold k's threshold is the lowest of the sweep at which the other folds' models give at
most FA_PER_HOUR false alarms per hour on their own held-out clean recordings (pooled), and fold
k's recordings are scored at it ("tuned" in stream.json: the figure that predicts a threshold
chosen on the whole cross-validation, as the shipped one would be; its own training speakers are
no guide, a model meets their words far more surely than new speakers'). Deterministic for a
seed. A model that cannot be used (unreadable, refused by the loader, not a KWS model) or a replay
that fails ends the tool with one line on stderr and exit status 1.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from mambanano import data_kws as dk
from mambanano import model_file as mf
from mambanano.data import add_data_argument, resolve_data
from mambanano.evaluate import add_data_options, select_clips
from mambanano.gen_board_config import config_int
from mambanano.kernel import KernelError
from mambanano.model_check import ModelError, read_checked
from mambanano.paths import REPO
from mambanano.stream_eval_har import ReplayError, host

PROG = "mambanano stream-eval --task kws"

RATE = dk.CLIP_SAMPLES  # 16 kHz
GAP_S = (1.0, 3.0)  # silence between clips, uniform
HIT_AFTER_MS = 1500  # a report up to this long after the clip ends still counts
# permille; finer from 0.85, where the false alarms fall towards 12 per hour (up to 0.98 for
# short windows, whose posteriors are sharper)
THRESHOLDS = (300, 400, 500, 600, 700, 800, *range(850, 990, 10))
FALSE_ALARM_CAUSES = ("wrong_keyword", "unknown_word", "repeat", "background")


def build_recording(clips, noise, snr_db, rng):
    """Clips (n, S) int16 with random gaps, over tiled noise at snr_db (None: no noise).
    Returns int16 samples and each clip's (start_ms, end_ms)."""
    gaps = (rng.uniform(*GAP_S, size=len(clips) + 1) * RATE).astype(np.int64)
    total = int(gaps.sum()) + len(clips) * dk.CLIP_SAMPLES
    speech = np.zeros(total, dtype=np.float64)
    spans, pos = [], int(gaps[0])
    for clip, gap in zip(clips, gaps[1:]):
        speech[pos : pos + dk.CLIP_SAMPLES] = clip
        spans.append((pos * 1000 // RATE, (pos + dk.CLIP_SAMPLES) * 1000 // RATE))
        pos += dk.CLIP_SAMPLES + int(gap)
    if snr_db is not None:
        bed = np.tile(noise.reshape(-1), total // noise.size + 1)[:total]
        speech_rms = np.sqrt(np.mean(clips.astype(np.float64) ** 2))
        bed *= speech_rms / max(np.sqrt(np.mean(bed**2)), 1e-9) * 10.0 ** (-snr_db / 20.0)
        speech += bed
    return np.clip(np.rint(speech), -32768, 32767).astype(np.int16), spans


def detections(wav, weights, threshold):
    """The app's KWS reports for a recording: [(t_ms, label)]."""
    out = host("replay", "--kws-model", weights, "--wav", wav, "--kws-threshold", threshold)
    found = []
    for line in out.splitlines():
        if line.startswith("MN1 PRED ") and " task=KWS " in line:
            f = dict(x.split("=", 1) for x in line.split()[2:])
            found.append((int(f["t"]), f["label"]))
    return found


def score(found, spans, labels):
    """(keyword clips detected, keyword clips, then the false alarms by FALSE_ALARM_CAUSES): a
    report is a false alarm unless it names an undetected keyword clip it falls in (from its start
    to HIT_AFTER_MS after its end); its cause is that of the last clip it falls in."""
    used, hits = set(), 0
    causes = dict.fromkeys(FALSE_ALARM_CAUSES, 0)
    for t, label in found:
        match, last = None, None
        for i, ((start, end), y) in enumerate(zip(spans, labels)):
            if not start <= t < end + HIT_AFTER_MS:
                continue
            last = i
            if i not in used and y < len(dk.KEYWORDS) and dk.CLASS_NAMES[y] == label:
                match = i
                break
        if match is not None:
            used.add(match)
            hits += 1
        elif last is None:
            causes["background"] += 1
        elif labels[last] >= len(dk.KEYWORDS):
            causes["unknown_word"] += 1
        elif last in used and dk.CLASS_NAMES[labels[last]] == label:
            causes["repeat"] += 1
        else:
            causes["wrong_keyword"] += 1
    n_keywords = int(sum(y < len(dk.KEYWORDS) for y in labels))
    return (hits, n_keywords, *causes.values())


def rates(seconds, counts):
    """Detection rate and false alarms per hour of one threshold's counts (hits, keyword clips,
    false alarms by cause) over `seconds` of recording."""
    hits, n_keywords, *false_alarms = counts
    return {
        "detection_rate": hits / max(n_keywords, 1),
        "false_alarms_per_hour": sum(false_alarms) / (seconds / 3600),
    }


def tuned_threshold(seconds, by_threshold, max_false_alarms_per_hour):
    """The lowest threshold of a sweep ({threshold: counts} over `seconds` of recording) with at
    most max_false_alarms_per_hour false alarms; the highest threshold if none has so few."""
    quiet = [
        th
        for th, counts in sorted(by_threshold.items())
        if rates(seconds, counts)["false_alarms_per_hour"] <= max_false_alarms_per_hour
    ]
    return quiet[0] if quiet else max(by_threshold)


def cross_fold_tuning(fold_counts, max_false_alarms_per_hour):
    """Each fold scored at the threshold tuned_threshold() picks on the other folds' clean counts
    pooled (fold_counts: one stream_counts() counts per fold): the thresholds and, per SNR, the
    detection rate and false alarms per hour pooled over the folds at them."""
    thresholds, total = [], {}
    for k, counts in enumerate(fold_counts):
        others = {}
        for j, other in enumerate(fold_counts):
            if j != k:
                add_counts(others, {"clean": other["clean"]})
        th = tuned_threshold(*others["clean"], max_false_alarms_per_hour)
        thresholds.append(th)
        add_counts(total, {s: (sec, {"tuned": c[th]}) for s, (sec, c) in counts.items()})
    return {
        "max_false_alarms_per_hour_on_the_other_folds": max_false_alarms_per_hour,
        "fold_thresholds": thresholds,
        "snr": {s: rates(sec, c["tuned"]) for s, (sec, c) in total.items()},
    }


def snr_list(text):
    """'clean,20,10' -> ['clean', '20', '10'] (argparse type)."""
    values = [v.strip() for v in text.split(",") if v.strip()]
    for v in values:
        if v != "clean":
            try:
                float(v)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"expected 'clean' or a number of dB, got {v!r}"
                ) from None
    if not values:
        raise argparse.ArgumentTypeError("expected SNRs like clean,20,10,5")
    return values


def positive_int(text):
    try:
        v = int(text)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return v


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_data_argument(ap, "speech_commands")
    ap.add_argument(
        "--weights",
        type=Path,
        default=REPO / "weights" / "kws.mnm",
        help="the KWS model file (default: weights/kws.mnm)",
    )
    add_data_options(ap, "KWS", split_default="val")
    ap.add_argument(
        "--clips",
        type=positive_int,
        default=200,
        help="clips per stream (keywords and unknown words; default 200)",
    )
    ap.add_argument(
        "--snr",
        type=snr_list,
        default=snr_list("clean,20,10,5"),
        help="signal-to-noise ratios, dB, or clean (default: clean,20,10,5)",
    )
    ap.add_argument("--seed", type=int, default=0, help="draws the clips and the gaps (default 0)")
    ap.add_argument(
        "--cv",
        type=Path,
        metavar="CV_DIR",
        help="score every fold of a `train --task kws --cv-folds` run (CV_DIR/fold<k>/kws.mnm) "
        "on recordings of the speakers it held out (--clips per fold), instead of --weights",
    )
    ap.add_argument(
        "--tune-fa",
        type=float,
        metavar="FA_PER_HOUR",
        help="with --cv: also score each fold at the threshold tuned on the other folds' "
        "held-out recordings (the lowest with at most this many false alarms per hour, clean)",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=REPO / "runs" / "kws" / "stream",
        help="folder for stream.json and kws_stream.png (default: runs/kws/stream)",
    )
    ap.add_argument(
        "--plot", type=Path, default=None, help="the curve's PNG (default: OUT/kws_stream.png)"
    )
    args = ap.parse_args(argv)
    if args.tune_fa is not None and (
        args.cv is None or args.tune_fa < 0 or "clean" not in args.snr
    ):
        ap.error(
            "--tune-fa goes with --cv and clean among --snr, and is a number of false alarms per "
            "hour >= 0"
        )
    args.data = resolve_data(args.data, "speech_commands", PROG)
    try:
        result = evaluate_cv(args) if args.cv else evaluate(args)
    except (ModelError, KernelError, ReplayError, ValueError, OSError) as e:
        sys.exit(f"{PROG}: {e}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "stream.json").write_text(json.dumps(result, indent=1, allow_nan=False))
    plot(result, args.plot or args.out / "kws_stream.png")
    print(json.dumps({s: v["at_operating_point"] for s, v in result["snr"].items()}, indent=1))
    if "tuned" in result:
        print(json.dumps(result["tuned"], indent=1))
    return 0


def stream_counts(weights, chosen, snrs, n_clips, seed, thresholds):
    """Replay recordings of `chosen` clips (speech, and _silence_ for the noise) with `weights`:
    ({snr: (recording seconds, {threshold: (hits, keyword clips, false alarms)})}, the picked
    speech clips)."""
    read_checked(weights, mf.Task.KWS)
    speech = [c for c in chosen if c.label != dk.SILENCE]
    noise_clips = [c for c in chosen if c.label == dk.SILENCE]
    if not speech:
        raise ValueError("no speech clips to build the recordings from")
    if not noise_clips and any(s != "clean" for s in snrs):
        raise ValueError("no _silence_ clips for the noise: use --snr clean")
    rng = np.random.default_rng(seed)
    picked = [
        speech[i] for i in rng.choice(len(speech), size=min(n_clips, len(speech)), replace=False)
    ]
    clips, labels = dk.load_pcm(picked), dk.labels(picked)
    noise = dk.load_pcm(noise_clips).astype(np.float64) if noise_clips else None
    counts = {}
    with tempfile.TemporaryDirectory() as tmp:
        for snr in snrs:
            snr_db = None if snr == "clean" else float(snr)
            pcm, spans = build_recording(clips, noise, snr_db, np.random.default_rng(seed + 1))
            wav = Path(tmp) / f"recording_{snr}.wav"
            dk.write_wav(wav, pcm)
            counts[snr] = (
                len(pcm) / RATE,
                {th: score(detections(wav, weights, th), spans, labels) for th in thresholds},
            )
    return counts, picked


def add_counts(total, counts):
    """stream_counts' counts of one more model and clip set added into total (in place)."""
    for snr, (seconds, by_threshold) in counts.items():
        old_seconds, old = total.get(snr, (0.0, {}))
        total[snr] = (
            old_seconds + seconds,
            {
                th: tuple(a + b for a, b in zip(old.get(th, (0,) * len(c)), c))
                for th, c in by_threshold.items()
            },
        )


def snr_results(counts, operating):
    """The result's "snr" part: per SNR the recording length, the operating point (with its false
    alarms per hour by cause) and the curve."""
    out = {}
    for snr, (seconds, by_threshold) in counts.items():
        hours = seconds / 3600
        curve = [{"threshold": th, **rates(seconds, c)} for th, c in sorted(by_threshold.items())]
        by_cause = by_threshold[operating][2:]
        out[snr] = {
            "recording_minutes": round(seconds / 60, 1),
            "at_operating_point": next(c for c in curve if c["threshold"] == operating),
            "false_alarms_per_hour_by_cause": {
                cause: n / hours for cause, n in zip(FALSE_ALARM_CAUSES, by_cause)
            },
            "curve": curve,
        }
    return out


def evaluate(args):
    """The recordings of the chosen clips at each SNR, replayed at each threshold (see the docstring)."""
    operating = config_int("kws_threshold_permille")
    thresholds = sorted(set(THRESHOLDS) | {operating})
    chosen = select_clips(args.data, args.split, args.speakers)
    try:
        counts, picked = stream_counts(
            args.weights, chosen, args.snr, args.clips, args.seed, thresholds
        )
    except ValueError as e:
        raise ValueError(f"split {args.split!r} of {args.data}: {e}") from None
    return {
        "task": "KWS",
        "mode": "stream",
        "weights": str(args.weights),
        "split": args.split,
        "speakers": len({c.group for c in picked}),
        "clips": len(picked),
        "keyword_clips": int(sum(c.label < len(dk.KEYWORDS) for c in picked)),
        "operating_threshold": operating,
        "snr": snr_results(counts, operating),
    }


def evaluate_cv(args):
    """--cv: each fold's model on recordings of --clips clips of the speakers it held out (and
    its held-out _silence_ clips for the noise), the counts pooled over the folds."""
    summary_path = Path(args.cv) / "cv.json"
    if not summary_path.is_file():
        raise ValueError(f"{summary_path}: no such file (a finished `train --cv-folds` folder)")
    k_folds = len(json.loads(summary_path.read_text())["folds"])
    operating = config_int("kws_threshold_permille")
    thresholds = sorted(set(THRESHOLDS) | {operating})
    clips = dk.list_clips(args.data)
    total, fold_counts, picked_all = {}, [], []
    for k in range(k_folds):
        weights = Path(args.cv) / f"fold{k}" / "kws.mnm"
        held_out = dk.cv_split(clips, k_folds, k)[1]
        counts, picked = stream_counts(
            weights, held_out, args.snr, args.clips, args.seed + k, thresholds
        )
        add_counts(total, counts)
        fold_counts.append(counts)
        picked_all += picked
    tuned = {}
    if args.tune_fa is not None:
        tuned["tuned"] = cross_fold_tuning(fold_counts, args.tune_fa)
    return {
        "task": "KWS",
        "mode": "stream",
        "cv": str(args.cv),
        "folds": k_folds,
        "speakers": len({c.group for c in picked_all}),
        "clips": len(picked_all),
        "keyword_clips": int(sum(c.label < len(dk.KEYWORDS) for c in picked_all)),
        "operating_threshold": operating,
        "snr": snr_results(total, operating),
        **tuned,
    }


def plot(result, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    # The clean-stream target of the accuracy issue: >= 80 % detection at <= 12 false alarms/h.
    ax.fill_between([0, 12], 0.8, 1.0, color="tab:green", alpha=0.15, label="target (clean)")
    for snr, r in result["snr"].items():
        fa = [c["false_alarms_per_hour"] for c in r["curve"]]
        dr = [c["detection_rate"] for c in r["curve"]]
        (line,) = ax.plot(
            fa, dr, marker="o", ms=3, label=f"SNR {snr}" + ("" if snr == "clean" else " dB")
        )
        op = r["at_operating_point"]
        ax.plot(
            op["false_alarms_per_hour"],
            op["detection_rate"],
            marker="*",
            ms=11,
            color=line.get_color(),
            markeredgecolor="black",
            linestyle="none",
        )
    # Linear up to 1 per hour (a curve can reach 0), logarithmic beyond: the sweep spans 0 to ~1000.
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(left=0)
    ax.set_ylim(top=1.0)
    ax.set_xlabel("false alarms per hour")
    ax.set_ylabel("detection rate")
    ax.set_title(
        f"KWS recordings, thresholds {THRESHOLDS[0]}..{THRESHOLDS[-1]} permille;"
        " stars: operating point",
        fontsize=9,
    )
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
