"""One judge of what the POSIX nanoCLR printed, for every tool that runs a program on it
(run_tests.py, bench_tick.py, load_app.sh, replay.sh).

    /usr/bin/python3 tools/nanoclr/clr_output.py OUTPUT_FILE --rc N [--upto LINE]

A run is good when nanoCLR exited with 0 and printed LINE ("Done.", the end of a program, or
"Ready.", every assembly loaded, its native checksum matched and every type resolved) with none
of the runtime's reports of a program that cannot run as built before it (what follows LINE is
not judged: the device app, for one, stops at its first call into an ESP32 driver after "Ready.").
The CLI prints the problems and the output's last lines to stderr and exits 1 if there are any.
"""

import argparse
import re
import sys
from pathlib import Path

# nanoCLR's own reports of a program that cannot run as built
RUNTIME_ERRORS = re.compile(
    r"Invalid native checksum|ERROR!!!!|Unhandled exception|Exception was thrown|"
    r"Cannot find|Resolve: unknown|error: failed to load|NotImplementedException"
)


def problems(output, returncode, upto="Done."):
    """Lines saying what is wrong with a run that printed `output` and exited with `returncode`:
    runtime error reports before the first line `upto`, a non-zero exit, no `upto` line."""
    lines = [line.rstrip("\r") for line in output.splitlines()]
    end = lines.index(upto) if upto in lines else len(lines)
    found = [f"nanoCLR: {line.strip()}" for line in lines[:end] if RUNTIME_ERRORS.search(line)]
    if returncode != 0:
        found.append(f"nanoCLR exited with {returncode} (negative: killed by signal {-returncode})")
    if end == len(lines):
        found.append(f"nanoCLR did not print '{upto}' (the program did not get there)")
    return found


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("output", type=Path, help="what nanoCLR printed (stdout and stderr)")
    ap.add_argument("--rc", type=int, required=True, help="nanoCLR's exit code")
    ap.add_argument("--upto", default="Done.", help="the line a good run reaches (default Done.)")
    args = ap.parse_args(argv)
    output = args.output.read_text(errors="replace")
    found = problems(output, args.rc, args.upto)
    if found:
        tail = [line for line in output.splitlines() if not line.startswith(("Loaded", "   "))]
        print("\n".join(tail[-15:] + found), file=sys.stderr)
        print(f"nanoCLR run failed ({args.output})", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
