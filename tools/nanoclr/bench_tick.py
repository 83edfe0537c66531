"""Cost of the app's 20 ms tick on the real nanoCLR (a benchmark: prints numbers, asserts nothing).

    /usr/bin/python3 tools/nanoclr/bench_tick.py [--readme]     (after tools/nanoclr/build.sh)

The nanoCLR replay (tools/nanoclr/replay.sh --continuous: both tasks live every tick, the
microphone playing Speech Commands clips back to back, the IMU a HAPT recording) runs under
callgrind twice, for SHORT and LONG seconds of input time; the difference divided by the
difference in ticks is the steady-state cost of one tick with start-up (assembly loading, model
loading, resource copies) cancelled out. Each run is counted three ways: everything; only inside
the interop methods (Library_MambaNano_Interop_*: argument marshalling plus the engine); only
inside the engine's C API (mn_engine_*: front-ends, INT8 steps, heads). So a tick splits into the
interpreter and runtime's share (managed code, the CLR, GC, the serial lines), the interop
marshalling, and the native engine.
Counted on x86-64 (nanoCLR at -O2, the engine's C at -O2 -fno-tree-vectorize, as the kernel
benchmarks); the ESP32-S3 figure assumes one instruction per cycle at 240 MHz, the same cost model
as tools/python/mambanano/perf.py. --readme rewrites the table between README's nanoclr-tick markers.
"""

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import clr_output

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "python"))
from mambanano.gen_board_config import config_int  # noqa: E402

CLR = REPO / "build" / "nanoclr" / "posix" / "bin" / "nanoFramework.nanoCLR.test"
SHORT, LONG = 10, 20  # seconds of input time
TICK_MS = 20
MHZ = 240
BEGIN, END = "<!-- nanoclr-tick:begin -->", "<!-- nanoclr-tick:end -->"
SCOPES = {"total": None, "interop": "Library_MambaNano_Interop_*", "engine": "mn_engine_*"}


def build(seconds):
    """Record `seconds` of continuous input and build the replay; its .pe files in load order."""
    run = subprocess.run(
        [
            "bash",
            str(REPO / "tools" / "nanoclr" / "replay.sh"),
            "--seconds",
            str(seconds),
            "--continuous",
            "--build-only",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return (REPO / run.stdout.split()[-1]).read_text().split()


def instructions(pes, function):
    """Instructions nanoCLR executes running `pes` (inside `function` only, if given)."""
    with tempfile.TemporaryDirectory() as tmp:
        args = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out"]
        if function:
            args.append(f"--toggle-collect={function}")
        run = subprocess.run(args + [str(CLR), *pes], capture_output=True, text=True)
        if found := clr_output.problems(run.stdout, run.returncode):
            raise SystemExit("the replay did not run to its end:\n" + "\n".join(found))
        return int(re.search(r"Collected : (\d+)", run.stderr).group(1))


def measure():
    counts = {}
    for seconds in (SHORT, LONG):
        pes = build(seconds)
        counts[seconds] = {scope: instructions(pes, fn) for scope, fn in SCOPES.items()}
        print(
            f"{seconds} s: " + ", ".join(f"{k} {v:,}" for k, v in counts[seconds].items()),
            file=sys.stderr,
        )
    ticks = (LONG - SHORT) * 1000 // TICK_MS
    per_tick = {scope: (counts[LONG][scope] - counts[SHORT][scope]) / ticks for scope in SCOPES}
    return {
        "interpreter": per_tick["total"] - per_tick["interop"],
        "marshalling": per_tick["interop"] - per_tick["engine"],
        "engine": per_tick["engine"],
        "total": per_tick["total"],
    }


def table(t):
    budget = MHZ * 1000 * TICK_MS
    steps = config_int("har_streams") + config_int("kws_streams")  # one per stream

    def row(label, value):
        share, micros = 100 * value / t["total"], value / MHZ
        return f"| {label} | {value:,.0f} | {share:.1f} % | {micros:,.0f} µs = {100 * value / budget:.2f} % |"

    return "\n".join(
        [
            "| one 20 ms tick, HAR + KWS (nanoCLR) | instructions | share | ESP32-S3 @ 240 MHz, 1 IPC (of the tick) |",
            "|---|---|---|---|",
            row("interpreter and runtime (managed code, CLR, GC, serial lines)", t["interpreter"]),
            row("interop marshalling (Library_MambaNano_Interop_*)", t["marshalling"]),
            row(f"native engine (mn_engine_*: front-ends, {steps} INT8 steps, heads)", t["engine"]),
            row("**total**", t["total"]),
        ]
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--readme",
        action="store_true",
        help="rewrite the table between README's nanoclr-tick markers",
    )
    args = ap.parse_args()
    text = table(measure())
    print(text)
    if args.readme:
        readme = (REPO / "README.md").read_text()
        start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
        (REPO / "README.md").write_text(readme[:start] + "\n" + text + "\n" + readme[end:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
