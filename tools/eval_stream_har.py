"""Streaming HAR evaluation: whole HAPT recordings (postural transitions and unlabelled stretches
included) replayed through the app's own C# pipeline (the host runner, as a board would run
them), scored against the labels second by second.

    /usr/bin/python3 tools/eval_stream_har.py [--data ../shared/data/hapt] [--weights weights/har.mnm]
                                               [--subjects 3,7,15,22,27] [--out runs/har/stream.json]

Per second s of a recording (its end, t = 1000 s ms): the truth is the label of the sample at t
(activities 1-6 scored; transitions 7-12 and unlabelled samples are not), the prediction is the
last HAR report at or before t (a report at t covers the 2.56 s before it). Latency: for each
labelled activity segment that follows a different activity, the time from its start to the first
report of its class (segments whose class is never reported count as misses).
Prints JSON; deterministic (no randomness).
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mambanano import data_har  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
HOST = REPO / "tools" / "MambaNano.Host" / "bin" / "Release" / "net10.0" / "mambanano-host.dll"
SAMPLE_MS = 20


def build_host():
    subprocess.run(["bash", str(REPO / "tools" / "build_native.sh")], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["dotnet", "build", str(REPO / "tools" / "MambaNano.Host"), "-c", "Release", "--nologo",
                    "-v", "quiet", "-clp:ErrorsOnly"], check=True, stdout=subprocess.DEVNULL)


def replay(acc_path, weights):
    """HAR reports of the app for one recording: [(t_ms, class index)]."""
    out = subprocess.run(["dotnet", str(HOST), "replay", "--har-model", str(weights), "--imu", str(acc_path)],
                         check=True, capture_output=True, text=True).stdout
    reports = []
    for line in out.splitlines():
        if line.startswith("MN1 PRED ") and " task=HAR " in line:
            fields = dict(f.split("=", 1) for f in line.split()[2:])
            reports.append((int(fields["t"]), data_har.CLASS_NAMES.index(fields["label"])))
    return reports


def score_recording(reports, rows, n_samples):
    """rows: labels (activity, start, end) 1-based inclusive samples. Returns per-second (truth,
    prediction) pairs and the latencies (ms, None = never reported) of activity changes."""
    truth = np.zeros(n_samples + 1, dtype=np.int64)       # activity id per sample (1-based), 0 = none
    for act, start, end in rows:
        truth[start:end + 1] = act
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "hapt")
    ap.add_argument("--weights", type=Path, default=REPO / "weights" / "har.mnm")
    ap.add_argument("--subjects", default=",".join(map(str, data_har.VAL_SUBJECTS)))
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = ap.parse_args()
    subjects = {int(s) for s in args.subjects.split(",")}
    build_host()
    labels = np.loadtxt(args.data / "RawData" / "labels.txt", dtype=np.int64).reshape(-1, 5)
    pairs, latencies, recordings = [], [], 0
    for exp, user in sorted({(int(e), int(u)) for e, u in labels[:, :2] if int(u) in subjects}):
        acc = args.data / "RawData" / f"acc_exp{exp:02d}_user{user:02d}.txt"
        n_samples = sum(1 for _ in acc.open())
        rows = [tuple(r[2:]) for r in labels[(labels[:, 0] == exp) & (labels[:, 1] == user)]]
        s, lat = score_recording(replay(acc, args.weights), rows, n_samples)
        pairs += s
        latencies += lat
        recordings += 1
    truth = np.array([p[0] for p in pairs])
    pred = np.array([p[1] for p in pairs])
    found = np.array([x for x in latencies if x is not None], dtype=np.float64)
    result = {
        "task": "HAR", "mode": "stream", "subjects": sorted(subjects), "recordings": recordings,
        "scored_seconds": int(len(pairs)),
        "per_second_accuracy": float((truth == pred).mean()),
        "per_class_recall": {c: float((pred[truth == i] == i).mean()) for i, c in enumerate(data_har.CLASS_NAMES)
                             if (truth == i).any()},
        "activity_changes": len(latencies),
        "changes_reported": int(len(found)),
        "latency_ms_median": float(np.median(found)) if len(found) else None,
        "latency_ms_p90": float(np.percentile(found, 90)) if len(found) else None,
    }
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
