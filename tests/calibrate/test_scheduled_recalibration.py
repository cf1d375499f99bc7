"""A scheduled report job that names a CRM export re-calibrates from the newest export each run
and flags what drifted since the job's previous report: the analyst's weekly "are we on plan?"."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from calibrate_synthetic import Truth, generate, write_generic

from sim.cli.main import main

CONFIG = """\
out: reports
jobs:
  - title: Client weekly
    export: exports/leads_*.csv
    parameters: {profile: generic, timezone: UTC, fit: false, fit_days: 30, check_replications: 2}
"""


def _run_jobs(config: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["report", "--config", str(config), "--no-cache"])
    assert stopped.value.code in (0, None)


def _job_folders(reports: Path) -> list[Path]:
    return sorted(folder for folder in reports.iterdir() if folder.is_dir() and "client-weekly" in folder.name)


def test_a_job_run_twice_on_two_exports_flags_the_slower_responses(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    config = tmp_path / "reports.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    last_week = Truth(weeks=8)
    this_week = replace(last_week, response_median_hours=3 * last_week.response_median_hours)
    first = write_generic(generate(last_week, seed=3), tmp_path / "exports" / "leads_w01.csv")
    _run_jobs(config)
    (week_1,) = _job_folders(tmp_path / "reports")
    assert (week_1 / "fit.csv").is_file() and not (week_1 / "drift.csv").exists()

    # A newer export arrives (the same leads, answered three times slower); the old one stays.
    second = write_generic(generate(this_week, seed=3), tmp_path / "exports" / "leads_w02.csv")
    os.utime(first, (1_700_000_000, 1_700_000_000))
    os.utime(second, (1_700_600_000, 1_700_600_000))
    _run_jobs(config)
    week_1_again, week_2 = _job_folders(tmp_path / "reports")
    assert week_1_again == week_1
    drift = pd.read_csv(week_2 / "drift.csv").set_index("target")
    assert drift.loc["median_response_from_inquiry_hours", "drift"]
    assert drift.loc["median_response_from_inquiry_hours", "relative_change"] == pytest.approx(2.0, abs=0.5)
    assert not drift.loc["leads_per_week[web_inquiry]", "drift"]
    page = (week_2 / "report.html").read_text(encoding="utf-8")
    assert "Changes since" in page and "drift" in page and "median_response_from_inquiry_hours" in page
    assert "leads_w02.csv" in page
    # Nothing personal from the export reaches the report.
    assert "Zacharias" not in page and "@example.com" not in page


def test_an_export_pattern_that_matches_nothing_fails_the_job_by_name(tmp_path: Path) -> None:
    config = tmp_path / "reports.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        main(["report", "--config", str(config), "--no-cache"])
    assert stopped.value.code == 2
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Client weekly" in index and "no file matches exports/leads_*.csv" in index
