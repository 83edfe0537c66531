"""Memory of a long replay: the host runner's maximum resident set size (RSS) while it replays one
long WAV file through the app (KWS, shipped weights), which the runner reads a hop at a time.

    tools/mambanano bench-replay-memory [--minutes 60] [--data ../shared/data/speech_commands]
                                                  [--limit-mb 64]

Builds the WAV once under build/bench/ (Speech Commands `yes` and `stop` clips, 0.5 s apart,
tiled to the length asked), then runs `mambanano-host replay --kws-model weights/kws.mnm --wav
FILE` under /usr/bin/time and prints one JSON line: minutes of audio, file bytes, seconds, max RSS
(MB), KWS reports. Exits 1 if the max RSS is above --limit-mb (a benchmark figure, not a test).
"""

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from mambanano import data_kws as dk
from mambanano.data import resolve_data
from mambanano.paths import REPO

PROG = "mambanano bench-replay-memory"

HOST = REPO / "tools" / "mambanano-host"


def long_wav(path, minutes, data):
    """Clips of `yes` and `stop`, 0.5 s of silence after each, tiled to `minutes` of 16 kHz audio."""
    files = sorted((data / "yes").glob("*.wav"))[:50] + sorted((data / "stop").glob("*.wav"))[:50]
    if not files:
        raise SystemExit(f"{PROG}: no yes/stop clips under {data}")
    clips = dk.load_pcm([dk.Clip(p, 0, p.stem) for p in files])
    gap = np.zeros(dk.CLIP_SAMPLES // 2, dtype=np.int16)
    block = np.concatenate([np.concatenate([c, gap]) for c in clips])
    total = int(minutes * 60 * dk.CLIP_SAMPLES)
    pcm = np.tile(block, total // block.size + 1)[:total]
    dk.write_wav(path, pcm)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--minutes", type=float, default=60.0, help="length of the WAV file (default 60)"
    )
    ap.add_argument(
        "--data",
        type=Path,
        default=None,
        help="a Speech Commands folder with yes/ and stop/ (default: the speech_commands data set)",
    )
    ap.add_argument(
        "--limit-mb", type=float, default=64.0, help="exit 1 above this max RSS (default 64)"
    )
    args = ap.parse_args(argv)
    args.data = resolve_data(args.data, "speech_commands", PROG)
    wav = REPO / "build" / "bench" / f"replay_{args.minutes:g}min.wav"
    if not wav.exists():
        long_wav(wav, args.minutes, args.data)
    run = subprocess.run(
        [
            "/usr/bin/time",
            "-f",
            "%e %M",
            str(HOST),
            "replay",
            "--kws-model",
            str(REPO / "weights" / "kws.mnm"),
            "--wav",
            str(wav),
        ],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        sys.stderr.write(run.stderr)
        raise SystemExit(f"{PROG}: the replay failed (exit {run.returncode})")
    seconds, rss_kb = re.findall(r"^([0-9.]+) ([0-9]+)$", run.stderr, re.M)[-1]
    result = {
        "minutes": args.minutes,
        "wav_bytes": wav.stat().st_size,
        "seconds": float(seconds),
        "max_rss_mb": round(int(rss_kb) / 1024, 1),
        "kws_reports": sum(1 for line in run.stdout.splitlines() if line.startswith("MN1 PRED ")),
    }
    print(json.dumps(result))
    return 0 if result["max_rss_mb"] <= args.limit_mb else 1
