"""Assumption range files: bad ones fail with file:line and exit 2; the bundled library is covered."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from sim.scenario.ranges import load_ranges, missing_ranges

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = """\
channels:
  - name: web_inquiry
    leads_per_week: 20  # assumption: test volume
    marketing_sourced: true  # assumption: marketing's
sales:
  reps: 4  # assumption: small team
"""
GOOD = """\
# a comment line first, so the entries start on line 2
channels.web_inquiry.leads_per_week: {range: [10, 30], distribution: triangular, reason: "volume swings"}
channels.web_inquiry.marketing_sourced: {fixed: true, reason: "an org fact"}
sales.reps: {range: [3, 6], reason: "head count"}
"""


def _files(folder: Path, ranges: str) -> Path:
    (folder / "ranges").mkdir()
    (folder / "s.yaml").write_text(SCENARIO, encoding="utf-8")
    (folder / "ranges" / "s.ranges.yaml").write_text(ranges, encoding="utf-8")
    return folder / "s.yaml"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('sales.reps: {range: [5, 9], reason: "head count"}', "range [5, 9] excludes the file's value 4"),
        ('sales.repz: {range: [3, 6], reason: "head count"}', "unknown key path; did you mean 'sales.reps'?"),
        ('sales.reps: {range: [3, 6], distribution: normal, reason: "x y"}', "unknown distribution 'normal'"),
        ("sales.reps: {range: [3, 6]}", "reason: Field required"),
        ('sales.reps: {range: [6, 3], reason: "head count"}', "finite low < high"),
        ('channels.web_inquiry.marketing_sourced: {range: [0, 1], reason: "x y"}', "is not a number"),
    ],
)
def test_a_bad_range_fails_with_file_line_and_exit_2(tmp_path, run_leadsim, line, expected):
    scenario = _files(tmp_path, "# header\n" + line + "\n")
    result = run_leadsim("explain", scenario.name, cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr
    assert "ranges/s.ranges.yaml:2:1:" in result.stderr, result.stderr
    assert expected in result.stderr, result.stderr
    with pytest.raises(Exception, match="ranges.yaml:2"):
        load_ranges(scenario)


def test_explain_shows_the_range_next_to_the_value(tmp_path, run_leadsim):
    scenario = _files(tmp_path, GOOD)
    result = run_leadsim("explain", scenario.name, "--format", "csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {row["parameter"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["channels.web_inquiry.leads_per_week"]["range"] == "10 – 30 (triangular)"
    assert rows["sales.reps"]["range"] == "3 – 6"
    assert rows["channels.web_inquiry.marketing_sourced"]["range"] == "fixed"
    assert rows["sales.queue"]["range"] == ""  # a schema default has no range


def test_a_value_set_by_override_has_no_range(tmp_path, run_leadsim):
    scenario = _files(tmp_path, GOOD)
    result = run_leadsim("explain", scenario.name, "--format", "csv", "--set", "sales.reps=5", cwd=tmp_path)
    rows = {row["parameter"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["sales.reps"]["range"] == ""


def test_missing_ranges_names_uncovered_assumptions(tmp_path):
    scenario = _files(tmp_path, 'sales.reps: {range: [3, 6], reason: "head count"}\n')
    assert missing_ranges(scenario) == [
        "channels.web_inquiry.leads_per_week", "channels.web_inquiry.marketing_sourced",
    ]


@pytest.mark.parametrize(
    "scenario",
    sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "scenarios" / "levers").glob("*.yaml")),
    ids=lambda path: path.stem,
)
def test_every_bundled_assumption_has_a_range_or_a_reason_to_stay_fixed(scenario):
    assert missing_ranges(scenario) == []


def test_validate_checks_the_range_files_of_the_whole_chain(tmp_path, run_leadsim):
    _files(tmp_path, 'sales.reps: {range: [5, 9], reason: "head count"}\n')
    (tmp_path / "child.yaml").write_text("extends: s.yaml\n", encoding="utf-8")
    result = run_leadsim("validate", "child.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "ranges/s.ranges.yaml:1:1: sales.reps: range [5, 9] excludes the file's value 4" in result.stderr


def test_validate_accepts_the_bundled_library_with_its_ranges(run_leadsim):
    files = [str(path) for path in sorted((ROOT / "scenarios").glob("*.yaml"))]
    result = run_leadsim("validate", *files, cwd=ROOT)
    assert result.returncode == 0, result.stderr
