"""Re-calibration on a newer export flags what drifted beyond the data's noise, and nothing else."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from calibrate_synthetic import Truth, generate, write_generic

from sim.cli.main import main


def _calibrate(export: Path, out: Path, *options: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["calibrate", str(export), "--out", str(out), "--no-fit", "--check-replications", "2",
              "--fit-days", "30", *options])
    assert stopped.value.code in (0, None)


def test_second_export_with_slower_responses_is_flagged(tmp_path: Path) -> None:
    last_week = Truth(weeks=8)
    this_week = replace(last_week, response_median_hours=3 * last_week.response_median_hours)
    # The same seed: the same leads arrive, only sales answers them three times slower.
    first = write_generic(generate(last_week, seed=3), tmp_path / "export_1.csv")
    second = write_generic(generate(this_week, seed=3), tmp_path / "export_2.csv")
    _calibrate(first, tmp_path / "week_1")
    _calibrate(second, tmp_path / "week_2", "--previous", str(tmp_path / "week_1"))
    drift = pd.read_csv(tmp_path / "week_2" / "drift.csv").set_index("target")
    assert drift.loc["median_response_from_inquiry_hours", "drift"]
    assert drift.loc["median_response_from_inquiry_hours", "relative_change"] == pytest.approx(2.0, abs=0.5)
    assert drift.loc["p90_response_from_inquiry_hours", "drift"]
    assert not drift.loc["leads_per_week[web_inquiry]", "drift"]
    summary = (tmp_path / "week_2" / "calibration.md").read_text(encoding="utf-8")
    assert "**drift** median_response_from_inquiry_hours" in summary
