"""The test harness's own tools: the JUnit totals run_tests.sh counts
(tools/scripts/junit_totals.py), the reports the runners write, and the .editorconfig reading of
the lint stage (tools/lint/lint.py)."""

import importlib.util
import sys
from pathlib import Path

# the repository's root, wherever the tests folder sits in it
REPO = next(p for p in Path(__file__).resolve().parents if (p / ".editorconfig").is_file())


def load(relative):
    """A standalone script of the repository, imported by its path with its folder first on
    sys.path, as `python3 SCRIPT` runs it (its imports of the scripts beside it resolve)."""
    path = REPO / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


junit_totals = load("tools/scripts/junit_totals.py")
lint = load("tools/lint/lint.py")

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="s">
  <testcase classname="a" name="ok1"/>
  <testcase classname="a" name="ok2"><system-out>fine</system-out></testcase>
  <testcase classname="a" name="bad"><failure message="expected 3, got 4">trace</failure></testcase>
  <testcase classname="b" name="broken"><error message="ImportError: x"/></testcase>
  <testcase classname="b" name="later"><skipped message="no data"/></testcase>
</testsuite></testsuites>
"""


def test_junit_totals_counts_each_outcome(tmp_path):
    report = tmp_path / "r.xml"
    report.write_text(REPORT)
    passed, failed, skipped, lines = junit_totals.totals(report)
    assert (passed, failed, skipped) == (2, 2, 1)
    assert lines == ["a.bad: expected 3, got 4", "b.broken: ImportError: x"]


def test_junit_totals_missing_empty_or_contradicted_reports_fail(tmp_path):
    assert junit_totals.totals(tmp_path / "absent.xml")[:3] == (0, 1, 0)
    (tmp_path / "cut.xml").write_text("<testsuite><testcase name='x'>")
    assert junit_totals.totals(tmp_path / "cut.xml")[:3] == (0, 1, 0)
    (tmp_path / "empty.xml").write_text("<testsuite name='s' tests='0'/>")
    assert junit_totals.totals(tmp_path / "empty.xml")[:3] == (0, 1, 0)
    (tmp_path / "ok.xml").write_text("<testsuite><testcase name='x'/></testsuite>")
    assert junit_totals.totals(tmp_path / "ok.xml")[:3] == (1, 0, 0)
    assert junit_totals.totals(tmp_path / "ok.xml", exit_code=1)[:3] == (1, 1, 0)


def test_junit_totals_last_line_is_passed_failed_skipped(tmp_path, capsys):
    report = tmp_path / "r.xml"
    report.write_text(REPORT)
    junit_totals.main([str(report), "--exit-code", "1"])
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "2 2 1"
    assert out[0] == "  FAIL a.bad: expected 3, got 4"


def test_lint_junit_report_reads_back(tmp_path):
    report = tmp_path / "lint.xml"
    results = {
        "good": (lint.Result(True), 0.1),
        "bad": (lint.Result(False, "x.c:3: trailing whitespace"), 0.2),
        "later": (lint.Result(True, skipped="applied with ruff-check"), 0.0),
    }
    lint.write_junit(report, results)
    assert junit_totals.totals(report)[:3] == (1, 1, 1)


def test_editorconfig_braces_and_section_order():
    assert lint.expand_braces("*.{c,h,cpp}") == ["*.c", "*.h", "*.cpp"]
    assert lint.expand_braces("{CMakeLists.txt,*.cmake}") == ["CMakeLists.txt", "*.cmake"]
    sections = lint.read_editorconfig(REPO / ".editorconfig")
    c = lint.editorconfig_for("native-interop/src/mn_step_s8.c", sections)
    assert (c["indent_size"], c["max_line_length"], c["end_of_line"]) == ("4", "120", "lf")
    assert lint.editorconfig_for("README.md", sections)["trim_trailing_whitespace"] == "false"
    assert lint.editorconfig_for("tools/run_tests.sh", sections)["indent_size"] == "2"
    assert (
        lint.editorconfig_for("MambaNano/Core/ModelSlot.cs", sections)["max_line_length"] == "120"
    )
    assert "max_line_length" not in lint.editorconfig_for("nf.config", sections)


def test_generated_files_are_recognised():
    assert lint.is_generated("MambaNano/Core/BoardConfig.cs")
    assert lint.is_generated("native-interop/src/mn_frontend_tables.h")
    assert not lint.is_generated("native-interop/src/mn_step_s8.c")


def test_nanoclr_runner_report_counts_like_its_summary(tmp_path):
    runner = load("tools/nanoclr/run_tests.py")
    output = "\n".join(
        [
            "Test passed,NS.A.One.0,1 ms",
            "Test failed,NS.A.Two.0,expected 1",
            "Test skipped,NS.A.Three.0,no board",
            "Done.",
        ]
    )
    declared = {"NS.A.One", "NS.A.Two", "NS.A.Three", "NS.A.Four"}
    passed, failures, skipped = runner.judge(output, 0, declared)
    assert passed == ["NS.A.One"]
    report = tmp_path / "nanoclr.xml"
    runner.write_junit(report, passed, failures, skipped)
    # NS.A.Two failed, NS.A.Four never reported: two failures, as the closing line says
    assert junit_totals.totals(report)[:3] == (1, 2, 1)


def test_one_judge_of_a_nanoclr_run():
    clr = load("tools/nanoclr/clr_output.py")
    assert clr.problems("Loaded x\r\nDone.\r\n", 0) == []
    assert clr.problems("Ready.\nUnhandled exception in Esp32 driver\n", 0, upto="Ready.") == [], (
        "what follows the line a run must reach is not judged"
    )
    found = clr.problems("Invalid native checksum: MambaNano.Interop\nDone.\n", 0)
    assert found == ["nanoCLR: Invalid native checksum: MambaNano.Interop"]
    assert clr.problems("Done.\n", -11) == [
        "nanoCLR exited with -11 (negative: killed by signal 11)"
    ]
    assert clr.problems("Resolving.\n", 0, upto="Ready.") == [
        "nanoCLR did not print 'Ready.' (the program did not get there)"
    ]
    assert clr.problems("Done. \n", 0) != [], "the line itself, nothing like it"
