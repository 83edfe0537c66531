"""Streaming KWS evaluation: long streams of clips from validation speakers (never used in
training or calibration) at random gaps in background noise, replayed through the app's own C#
pipeline (the host runner, as a board would hear them), at several signal-to-noise ratios.

    /usr/bin/python3 tools/eval_stream_kws.py [--data ../shared/data/speech_commands]
        [--weights weights/kws.mnm] [--clips 200] [--snr clean,20,10,5] [--seed 0] [--out runs/kws/stream]

Reports, per SNR, at the shipped operating point (nf.config kws_threshold_permille) and over a
sweep of thresholds: the detection rate (a keyword clip counts as detected when the app reports its
word within [clip start, clip end + 1.5 s)) and false alarms per hour (any other report, including
reports during the unknown words). Writes stream.json and the curve (--plot, default
weights/kws_stream.png). Deterministic for a seed.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_stream_har import HOST, build_host  # noqa: E402
from gen_board_config import read_config  # noqa: E402
from mambanano import data_kws as dk  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RATE = dk.CLIP_SAMPLES               # 16 kHz
GAP_S = (1.0, 3.0)                   # silence between clips, uniform
HIT_AFTER_MS = 1500                  # a report up to this long after the clip ends still counts
THRESHOLDS = (300, 400, 500, 600, 700, 800, 900, 950)


def build_stream(clips, noise, snr_db, rng):
    """Clips (n, S) int16 with random gaps, over tiled noise at snr_db (None: no noise).
    Returns int16 samples and each clip's (start_ms, end_ms)."""
    gaps = (rng.uniform(*GAP_S, size=len(clips) + 1) * RATE).astype(np.int64)
    total = int(gaps.sum()) + len(clips) * dk.CLIP_SAMPLES
    speech = np.zeros(total, dtype=np.float64)
    spans, pos = [], int(gaps[0])
    for clip, gap in zip(clips, gaps[1:]):
        speech[pos:pos + dk.CLIP_SAMPLES] = clip
        spans.append((pos * 1000 // RATE, (pos + dk.CLIP_SAMPLES) * 1000 // RATE))
        pos += dk.CLIP_SAMPLES + int(gap)
    if snr_db is not None:
        bed = np.tile(noise.reshape(-1), total // noise.size + 1)[:total]
        speech_rms = np.sqrt(np.mean(clips.astype(np.float64) ** 2))
        bed *= speech_rms / max(np.sqrt(np.mean(bed ** 2)), 1e-9) * 10.0 ** (-snr_db / 20.0)
        speech += bed
    return np.clip(np.rint(speech), -32768, 32767).astype(np.int16), spans


def detections(wav, weights, threshold):
    """The app's KWS reports for a stream: [(t_ms, label)]."""
    out = subprocess.run(["dotnet", str(HOST), "replay", "--kws-model", str(weights), "--wav", str(wav),
                          "--kws-threshold", str(threshold)], check=True, capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        if line.startswith("MN1 PRED ") and " task=KWS " in line:
            f = dict(x.split("=", 1) for x in line.split()[2:])
            found.append((int(f["t"]), f["label"]))
    return found


def score(found, spans, labels):
    """(keyword clips detected, keyword clips, false alarms)."""
    used, hits, false_alarms = set(), 0, 0
    for t, label in found:
        match = None
        for i, ((start, end), y) in enumerate(zip(spans, labels)):
            if i not in used and y < len(dk.KEYWORDS) and dk.CLASS_NAMES[y] == label and start <= t < end + HIT_AFTER_MS:
                match = i
                break
        if match is None:
            false_alarms += 1
        else:
            used.add(match)
            hits += 1
    return hits, int(sum(y < len(dk.KEYWORDS) for y in labels)), false_alarms


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "speech_commands")
    ap.add_argument("--weights", type=Path, default=REPO / "weights" / "kws.mnm")
    ap.add_argument("--clips", type=int, default=200, help="clips per stream (keywords and unknown words)")
    ap.add_argument("--snr", default="clean,20,10,5")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=REPO / "runs" / "kws" / "stream")
    ap.add_argument("--plot", type=Path, default=REPO / "weights" / "kws_stream.png")
    args = ap.parse_args()
    operating = int(read_config()["kws_threshold_permille"][0])
    build_host()
    _, val = dk.split(dk.list_clips(args.data))
    speech = [c for c in val if c.label != dk.SILENCE]
    noise_clips = [c for c in val if c.label == dk.SILENCE]
    rng = np.random.default_rng(args.seed)
    picked = [speech[i] for i in rng.choice(len(speech), size=min(args.clips, len(speech)), replace=False)]
    clips, labels = dk.load_pcm(picked), dk.labels(picked)
    noise = dk.load_pcm(noise_clips).astype(np.float64)
    args.out.mkdir(parents=True, exist_ok=True)
    result = {"task": "KWS", "mode": "stream", "weights": str(args.weights), "clips": len(picked),
              "keyword_clips": int(sum(y < len(dk.KEYWORDS) for y in labels)), "operating_threshold": operating,
              "snr": {}}
    thresholds = sorted(set(THRESHOLDS) | {operating})
    with tempfile.TemporaryDirectory() as tmp:
        for snr in args.snr.split(","):
            snr_db = None if snr == "clean" else float(snr)
            pcm, spans = build_stream(clips, noise, snr_db, np.random.default_rng(args.seed + 1))
            wav = Path(tmp) / f"stream_{snr}.wav"
            dk.write_wav(wav, pcm)
            hours = len(pcm) / RATE / 3600
            curve = []
            for th in thresholds:
                hits, n_kw, fa = score(detections(wav, args.weights, th), spans, labels)
                curve.append({"threshold": th, "detection_rate": hits / max(n_kw, 1), "false_alarms_per_hour": fa / hours})
            at = next(c for c in curve if c["threshold"] == operating)
            result["snr"][snr] = {"stream_minutes": round(len(pcm) / RATE / 60, 1), "at_operating_point": at, "curve": curve}
    (args.out / "stream.json").write_text(json.dumps(result, indent=1))
    plot(result, args.plot)
    print(json.dumps({s: v["at_operating_point"] for s, v in result["snr"].items()}, indent=1))


def plot(result, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for snr, r in result["snr"].items():
        fa = [c["false_alarms_per_hour"] for c in r["curve"]]
        dr = [c["detection_rate"] for c in r["curve"]]
        ax.plot(fa, dr, marker="o", label=f"SNR {snr}" + ("" if snr == "clean" else " dB"))
    ax.set_xlabel("false alarms per hour")
    ax.set_ylabel("detection rate")
    ax.set_title(f"KWS streams, thresholds {THRESHOLDS[0]}..{THRESHOLDS[-1]} permille")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
