"""Run MambaNano.Tests on the real nanoCLR and judge the result from its output.

    /usr/bin/python3 tools/nanoclr/run_tests.py [--timeout S] [--log FILE]     (after tools/nanoclr/build.sh)

Runs the POSIX nanoCLR harness (build/nanoclr/posix/bin) on NFUnitTest.pe's load order
(build/nanoclr/app/NFUnitTest.load.txt: mscorlib first, the test assembly last) with
nanoFramework.UnitTestLauncher.pe, the program, before the test assembly.
nanoFramework.TestFramework's UnitTestLauncher prints "Test passed|failed|skipped,NAME,..."
per test method (and per [Setup]/[Cleanup]); the harness exits 0 whatever happens, so this reads
the output and fails on: a failed test, a native checksum mismatch or any other runtime error
report, a crash (a signal or a non-zero exit), a timeout, a missing "Done.", or a [TestMethod] of
MambaNano.Tests/*.cs that did not report. Prints one line per failure and closes with
"N passed, N failed" (skipped tests are listed and counted apart). Exit code 1 on any failure.
"""
import argparse
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEST_SOURCES = REPO / "MambaNano.Tests"
BUILD = REPO / "build" / "nanoclr"
CLR = BUILD / "posix" / "bin" / "nanoFramework.nanoCLR.test"
LAUNCHER = BUILD / "pe" / "nanoFramework.UnitTestLauncher.pe"
LOAD_ORDER = BUILD / "app" / "NFUnitTest.load.txt"
RESULT = re.compile(r"^Test (passed|failed|skipped),([^,]+),(.*)$")
# nanoCLR's own reports of a program that cannot run as built
RUNTIME_ERRORS = re.compile(r"Invalid native checksum|ERROR!!!!|Unhandled exception|Exception was thrown|"
                            r"Cannot find|Resolve: unknown|error: failed to load|NotImplementedException")


def declared_tests(folder=TEST_SOURCES):
    """{Namespace.Class.Method} of every [TestMethod] in the test project's sources."""
    names = set()
    for path in sorted(folder.glob("*.cs")):
        namespace, cls, pending = "", "", False
        for line in path.read_text(encoding="utf-8").splitlines():
            if m := re.match(r"\s*namespace\s+([\w.]+)", line):
                namespace = m.group(1)
            elif m := re.match(r"\s*(?:public|internal)?\s*(?:sealed\s+|static\s+)*class\s+(\w+)", line):
                cls = m.group(1)
            elif re.match(r"\s*\[TestMethod\]", line):
                pending = True
            elif pending and (m := re.match(r"\s*public\s+(?:static\s+)?void\s+(\w+)\s*\(", line)):
                names.add(f"{namespace}.{cls}.{m.group(1)}")
                pending = False
    return names


def judge(output, returncode, declared):
    """(passed count, [failure lines], [skip lines]) for one harness run."""
    passed, reported, failed, skipped, problems = set(), set(), [], [], []
    for line in output.splitlines():
        line = line.rstrip("\r")
        if m := RESULT.match(line):
            kind, name, detail = m.groups()
            method = name.rsplit(".", 1)[0]  # the launcher appends ".<attribute index>"
            reported.add(method)
            if kind == "passed":
                passed.add(method)
            elif kind == "failed":
                failed.append(f"FAIL {method}: {detail}")
            else:
                skipped.append(f"SKIP {method}: {detail}")
        elif RUNTIME_ERRORS.search(line):
            problems.append(f"nanoCLR: {line.strip()}")
    if returncode != 0:
        problems.append(f"nanoCLR exited with {returncode} (negative: killed by signal {-returncode})")
    if not re.search(r"^Done\.\r?$", output, re.M):
        problems.append("nanoCLR did not print 'Done.' (the program did not run to its end)")
    if not reported:
        problems.append(f"FAIL none of the {len(declared)} declared [TestMethod]s reported")
    else:
        problems += [f"FAIL {name}: declared [TestMethod] never reported" for name in sorted(declared - reported)]
    n_passed = len(passed & declared) if declared else len(passed)
    return n_passed, failed + problems, skipped


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=900, help="seconds (default 900)")
    ap.add_argument("--log", type=Path, help="also write the harness output here")
    args = ap.parse_args(argv)
    pes = LOAD_ORDER.read_text().split()
    try:
        run = subprocess.run([str(CLR), *pes[:-1], str(LAUNCHER), pes[-1]], capture_output=True, text=True, errors="replace",
                             timeout=args.timeout)
        output, code = run.stdout + run.stderr, run.returncode
    except subprocess.TimeoutExpired as e:
        output = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        output += f"\ntimeout after {args.timeout:.0f} s\n"
        code = "timeout"
    if args.log:
        args.log.write_text(output)
    if code == "timeout":
        passed, failures, skipped = 0, [f"nanoCLR: timed out after {args.timeout:.0f} s"], []
    else:
        passed, failures, skipped = judge(output, code, declared_tests())
    for line in skipped + failures:
        print(f"  {line}")
    if skipped:
        print(f"{len(skipped)} skipped")
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
