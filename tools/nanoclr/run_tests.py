"""Run MambaNano.Tests on the real nanoCLR and judge the result from its output.

    /usr/bin/python3 tools/nanoclr/run_tests.py [--timeout S] [--log FILE] [--junit FILE]
                                                    (after tools/nanoclr/build.sh)

Runs the POSIX nanoCLR harness (build/nanoclr/posix/bin) on NFUnitTest.pe's load order
(build/nanoclr/app/NFUnitTest.load.txt: mscorlib first, the test assembly last) with
nanoFramework.UnitTestLauncher.pe, the program, before the test assembly.
nanoFramework.TestFramework's UnitTestLauncher prints "Test passed|failed|skipped,NAME,..."
per test method (and per [Setup]/[Cleanup]); the harness exits 0 whatever happens, so this reads
the output and fails on: a failed test, a native checksum mismatch or any other runtime error
report, a crash (a signal or a non-zero exit), a timeout, a missing "Done.", or a [TestMethod] of
MambaNano.Tests/*.cs that did not report. Prints one line per failure and closes with
"N passed, N failed" (skipped tests are listed and counted apart). Exit code 1 on any failure.
--junit FILE also writes the results as JUnit XML: a testcase per passed, failed or skipped test
method, and one failed testcase per runtime problem (what tools/run_tests.sh counts).
"""

import argparse
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import clr_output

REPO = Path(__file__).resolve().parents[2]
TEST_SOURCES = REPO / "MambaNano.Tests"
BUILD = REPO / "build" / "nanoclr"
CLR = BUILD / "posix" / "bin" / "nanoFramework.nanoCLR.test"
LAUNCHER = BUILD / "pe" / "nanoFramework.UnitTestLauncher.pe"
LOAD_ORDER = BUILD / "app" / "NFUnitTest.load.txt"
RESULT = re.compile(r"^Test (passed|failed|skipped),([^,]+),(.*)$")


def declared_tests(folder=TEST_SOURCES):
    """{Namespace.Class.Method} of every [TestMethod] in the test project's sources (its
    subfolders included: Device/ holds the device-only tests)."""
    names = set()
    for path in sorted(p for p in folder.rglob("*.cs") if not {"obj", "bin"} & set(p.parts)):
        namespace, cls, pending = "", "", False
        for line in path.read_text(encoding="utf-8").splitlines():
            if m := re.match(r"\s*namespace\s+([\w.]+)", line):
                namespace = m.group(1)
            elif m := re.match(
                r"\s*(?:public|internal)?\s*(?:sealed\s+|static\s+)*class\s+(\w+)", line
            ):
                cls = m.group(1)
            elif re.match(r"\s*\[TestMethod\]", line):
                pending = True
            elif pending and (m := re.match(r"\s*public\s+(?:static\s+)?void\s+(\w+)\s*\(", line)):
                names.add(f"{namespace}.{cls}.{m.group(1)}")
                pending = False
    return names


def judge(output, returncode, declared):
    """([passed test names], [failure lines], [skip lines]) for one harness run."""
    passed, reported, failed, skipped = set(), set(), [], []
    problems = clr_output.problems(output, returncode, "Done.")
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
    if not reported:
        problems.append(f"FAIL none of the {len(declared)} declared [TestMethod]s reported")
    else:
        problems += [
            f"FAIL {name}: declared [TestMethod] never reported"
            for name in sorted(declared - reported)
        ]
    return sorted(passed & declared if declared else passed), failed + problems, skipped


def write_junit(path, passed_names, failures, skipped):
    """JUnit XML of one run; failures and skipped: judge()'s "FAIL name: why", "SKIP ..." lines."""
    suite = ET.Element(
        "testsuite",
        name="nanoclr-tests",
        tests=str(len(passed_names) + len(failures) + len(skipped)),
        failures=str(len(failures)),
        skipped=str(len(skipped)),
    )
    for name in passed_names:
        ET.SubElement(suite, "testcase", name=name)
    for kind, lines in (("failure", failures), ("skipped", skipped)):
        for line in lines:
            name, _, why = line.partition(": ")
            case = ET.SubElement(
                suite, "testcase", name=name.removeprefix("FAIL ").removeprefix("SKIP ")
            )
            ET.SubElement(case, kind, message=why or line)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=900, help="seconds (default 900)")
    ap.add_argument("--log", type=Path, help="also write the harness output here")
    ap.add_argument("--junit", type=Path, help="also write the results as JUnit XML here")
    args = ap.parse_args(argv)
    pes = LOAD_ORDER.read_text().split()
    try:
        run = subprocess.run(
            [str(CLR), *pes[:-1], str(LAUNCHER), pes[-1]],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=args.timeout,
        )
        output, code = run.stdout + run.stderr, run.returncode
    except subprocess.TimeoutExpired as e:
        output = (
            (e.stdout or b"").decode(errors="replace")
            if isinstance(e.stdout, bytes)
            else (e.stdout or "")
        )
        output += f"\ntimeout after {args.timeout:.0f} s\n"
        code = "timeout"
    if args.log:
        args.log.write_text(output)
    if code == "timeout":
        passed, failures, skipped = [], [f"nanoCLR: timed out after {args.timeout:.0f} s"], []
    else:
        passed, failures, skipped = judge(output, code, declared_tests())
    for line in skipped + failures:
        print(f"  {line}")
    if skipped:
        print(f"{len(skipped)} skipped")
    print(f"{len(passed)} passed, {len(failures)} failed")
    if args.junit:
        write_junit(args.junit, passed, failures, skipped)
    return 1 if failures or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
