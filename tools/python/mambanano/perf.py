"""Performance report of the shipped models (a benchmark: prints numbers, asserts nothing).

    tools/mambanano perf [--readme]     # --readme also rewrites README's table

Per task, per input frame (an IMU sample for HAR, a 20 ms audio hop for KWS): instructions of the
front-end, of one INT8 step and of the head (classifier on the pooled state), counted by callgrind
on the scalar build (-O2 -fno-tree-vectorize, as a scalar MCU core); the float reference step
beside it; MACs; bytes of state, scratch and weights; and an ESP32-S3 estimate at 240 MHz under
two stated assumptions: (scalar) one instruction per cycle, frame cost = front-end + streams x step
(the app steps `streams` staggered states per frame) + head per scored window; (PIE bound) the
ESP32-S3's 128-bit SIMD does 16 int8 MACs per cycle, so MACs / 16 cycles is a floor for the step's
multiply-accumulates alone. Writes native-interop/bench/perf_report.png.
"""

import argparse
import re
import subprocess
import tempfile
from pathlib import Path

from mambanano import model_file as mf
from mambanano.gen_board_config import config_int
from mambanano.paths import REPO

PROG = "mambanano perf"
APP_CONFIG_KEYS = {  # task -> nf.config (streams, window in 20 ms frames)
    "HAR": ("har_streams", "har_window_samples"),
    "KWS": ("kws_streams", "kws_window_hops"),
}

BUILD = REPO / "build" / "bench"
FRAMES = 200
MHZ = 240
BEGIN, END = "<!-- perf-report:begin -->", "<!-- perf-report:end -->"


def build():
    subprocess.run(
        [
            "cmake",
            "-S",
            str(REPO / "native-interop"),
            "-B",
            str(BUILD),
            "-DCMAKE_BUILD_TYPE=Release",
            "-DMN_BUILD_TESTS=OFF",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        ["cmake", "--build", str(BUILD), "-j", "2", "--target", "bench_kernel", "bench_frontend"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def callgrind(function, args):
    """Instructions inside `function` (inclusive) over a run of the bench executable; and its stdout."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        run = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                f"--toggle-collect={function}",
                *map(str, args),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        collected = re.search(r"Collected : (\d+)", run.stderr)
        return int(collected.group(1)), run.stdout


def fields(stdout):
    return {k: v for k, v in (line.split(None, 1) for line in stdout.splitlines() if line.strip())}


def measure(task, path, streams, frame_ms, window_frames):
    kernel = BUILD / "bench" / "bench_kernel"
    frontend = BUILD / "bench" / "bench_frontend"
    step_ir, out = callgrind("mn_step_s8", [kernel, path, "int8", FRAMES])
    info = fields(out)
    head_ir, _ = callgrind("mn_logits_q8", [kernel, path, "int8", FRAMES])  # one call per run
    float_ir, fout = callgrind("mnf_step", [kernel, path, "float", FRAMES])
    finfo = fields(fout)
    if task == "HAR":
        fe_ir, _ = callgrind("mn_imu_step_counts_s8", [frontend, "imu", FRAMES * 10])
        fe_ir /= FRAMES * 10
    else:
        fe_ir, _ = callgrind("mn_logmel_step_s8", [frontend, "audio", FRAMES])
        fe_ir /= FRAMES
    step = step_ir / FRAMES
    macs = int(info["macs_per_frame"])
    frame = fe_ir + streams * step + head_ir * streams / window_frames  # a head per scored window
    return {
        "task": task,
        "model": path.name,
        "fe": fe_ir,
        "step": step,
        "head": head_ir,
        "float_step": float_ir / FRAMES,
        "macs": macs,
        "state": int(info["state_bytes"]),
        "scratch": int(info["scratch_bytes"]),
        "float_state": int(finfo["state_bytes"]),
        "weights": path.stat().st_size,
        "streams": streams,
        "frame": frame,
        "frame_us": frame / MHZ,
        "load": frame / (MHZ * 1000 * frame_ms),
        "pie_us": macs / 16 / MHZ,
    }


def table(rows):
    lines = [
        "| per input frame | " + " | ".join(f"{r['task']} (`{r['model']}`)" for r in rows) + " |",
        "|---|" + "---|" * len(rows),
    ]

    def row(label, fmt):
        lines.append(f"| {label} | " + " | ".join(fmt(r) for r in rows) + " |")

    row("frame", lambda r: "one 50 Hz IMU sample" if r["task"] == "HAR" else "one 20 ms audio hop")
    row("front-end, instructions", lambda r: f"{r['fe']:,.0f}")
    row(
        "INT8 step, instructions (per MAC)",
        lambda r: f"{r['step']:,.0f} ({r['step'] / r['macs']:.2f})",
    )
    row(
        "float reference step, instructions",
        lambda r: f"{r['float_step']:,.0f} (INT8 / float {r['step'] / r['float_step']:.2f})",
    )
    row("head (logits of a window), instructions", lambda r: f"{r['head']:,.0f}")
    row("MACs per step", lambda r: f"{r['macs']:,}")
    row("streams stepped per frame", lambda r: f"{r['streams']}")
    row(
        "INT8 state per stream + scratch, bytes",
        lambda r: f"{r['state']:,} + {r['scratch']:,} (float state {r['float_state']:,})",
    )
    row("weights (model file), bytes", lambda r: f"{r['weights']:,}")
    row(
        "ESP32-S3 @ 240 MHz, scalar, 1 IPC",
        lambda r: f"{r['frame_us']:,.0f} µs per frame = {100 * r['load']:.2f} % of the core",
    )
    row("PIE floor for one step's MACs (16/cycle)", lambda r: f"{r['pie_us']:.1f} µs")
    return "\n".join(lines)


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2))
    names = [r["task"] for r in rows]
    fe = [r["fe"] for r in rows]
    steps = [r["streams"] * r["step"] for r in rows]
    head = [r["frame"] - r["fe"] - r["streams"] * r["step"] for r in rows]
    ax.barh(names, fe, label="front-end")
    ax.barh(names, steps, left=fe, label="INT8 steps (all streams)")
    ax.barh(names, head, left=[a + b for a, b in zip(fe, steps)], label="head (amortized)")
    ax.set_xlabel("instructions per input frame (scalar build)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv=None):
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    ap.add_argument(
        "--readme",
        action="store_true",
        help="rewrite the table between README's perf-report markers",
    )
    args = ap.parse_args(argv)
    build()
    rows = []
    for path in sorted((REPO / "weights").glob("*.mnm")):
        header, _ = mf.read_model_file(path)
        task = "HAR" if header["task"] == mf.Task.HAR else "KWS"
        streams_key, window_key = APP_CONFIG_KEYS[task]
        streams = config_int(streams_key)
        rows.append(measure(task, path, streams, 20, config_int(window_key) // streams))
    text = table(rows)
    print(text)
    plot(rows, REPO / "native-interop" / "bench" / "perf_report.png")
    if args.readme:
        readme = (REPO / "README.md").read_text()
        start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
        (REPO / "README.md").write_text(readme[:start] + "\n" + text + "\n" + readme[end:])
