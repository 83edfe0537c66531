"""A test stage's totals from the JUnit XML report its runner wrote.

Runners: ctest --output-junit, pytest --junitxml, MambaNano.TestHost --junit,
tools/nanoclr/run_tests.py --junit, tools/lint/lint.py --junit.

    python3 tools/scripts/junit_totals.py [--exit-code N] REPORT.xml

Prints one line per failed test ("  FAIL name: first line of the message", at most 30), then
"PASSED FAILED SKIPPED" as the last line. A testcase fails with a <failure> or <error> child, is
skipped with a <skipped> child, else passes. A missing or unreadable report, a report without a
single testcase, or a runner exit code N != 0 while the report shows no failure each count as one
more failure (the runner stopped before its report was complete). Standard library only.
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

MAX_LISTED = 30


def totals(report: Path, exit_code: int = 0) -> tuple[int, int, int, list[str]]:
    """(passed, failed, skipped, failure lines) of one JUnit XML report."""
    try:
        cases = list(ET.parse(report).getroot().iter("testcase"))
    except (OSError, ET.ParseError) as e:
        return 0, 1, 0, [f"no readable report {report}: {e}"]
    passed, skipped, failures = 0, 0, []
    for case in cases:
        name, classname = case.get("name", ""), case.get("classname")
        if classname and classname != name:  # ctest repeats the name as the class
            name = f"{classname}.{name}"
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            text = problem.get("message") or (problem.text or "").strip() or problem.tag
            failures.append(f"{name}: {text.splitlines()[0] if text else problem.tag}")
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    if not cases:
        failures.append(f"no test in {report}")
    elif exit_code != 0 and not failures:
        failures.append(f"the runner exited with {exit_code} after a report without failures")
    return passed, len(failures), skipped, failures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", type=Path)
    ap.add_argument("--exit-code", type=int, default=0, help="the runner's exit code")
    args = ap.parse_args(argv)
    passed, failed, skipped, failures = totals(args.report, args.exit_code)
    for line in failures[:MAX_LISTED]:
        print(f"  FAIL {line}")
    if len(failures) > MAX_LISTED:
        print(f"  ... and {len(failures) - MAX_LISTED} more")
    print(passed, failed, skipped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
