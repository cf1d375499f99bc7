"""``leadsim robustness``: the files an analyst gets, and bad input that stops before any run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SCENARIO = """\
horizon: {warmup_days: 7, measurement_days: 56, drain_cap_days: 60}  # assumption: a short test run
channels:
  - name: web_inquiry
    leads_per_week: 20  # assumption: test volume
handoff:
  mode: batch  # assumption: weekly list
sales:
  reps: 3  # assumption: small team
"""


def _pair(folder: Path, ranges: str) -> None:
    (folder / "ranges").mkdir()
    (folder / "a.yaml").write_text(SCENARIO, encoding="utf-8")
    (folder / "b.yaml").write_text("extends: a.yaml\nhandoff:\n  mode: realtime  # assumption: CRM task\n", encoding="utf-8")
    (folder / "ranges" / "a.ranges.yaml").write_text(ranges, encoding="utf-8")


def test_robustness_writes_its_tables_and_prints_the_shares(tmp_path, run_leadsim):
    _pair(tmp_path, 'sales.reps: {range: [2, 4], reason: "head count"}\n'
                    'channels.web_inquiry.leads_per_week: {range: [15, 25], distribution: loguniform, reason: "x y"}\n')
    result = run_leadsim("robustness", "a.yaml", "b.yaml", "--samples", "16", "-r", "2", "-w", "1", "--no-cache",
                         "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "sampled worlds" in result.stdout and "break-even" in result.stdout
    written = sorted(path.name for path in (tmp_path / "out").iterdir())
    for name in ("robustness_summary.csv", "robustness_samples.csv", "robustness_sensitivity.csv",
                 "robustness_break_even.csv", "robustness_parameters.csv"):
        assert name in written
    samples = pd.read_csv(tmp_path / "out" / "robustness_samples.csv")
    assert len(samples) == 16
    reps = samples["sales.reps"]
    assert set(reps) <= {2, 3, 4} and reps.nunique() == 3  # integers stay integers
    volume = samples["channels.web_inquiry.leads_per_week"]
    assert volume.between(15, 25).all()
    summary = pd.read_csv(tmp_path / "out" / "robustness_summary.csv")
    assert summary["share_best"].sum() == 1.0


def test_a_bad_range_file_stops_robustness_with_file_line(tmp_path, run_leadsim):
    _pair(tmp_path, 'sales.reps: {range: [4, 9], reason: "head count"}\n')
    result = run_leadsim("robustness", "a.yaml", "b.yaml", "--samples", "16", "-o", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert "ranges/a.ranges.yaml:1:1: sales.reps: range [4, 9] excludes the file's value 3" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_setups_without_ranges_are_refused(tmp_path, run_leadsim):
    (tmp_path / "a.yaml").write_text(SCENARIO, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(SCENARIO, encoding="utf-8")
    result = run_leadsim("robustness", "a.yaml", "b.yaml", "--no-cache", cwd=tmp_path)
    assert result.returncode == 2
    assert "none of the setups has an assumption range" in result.stderr
