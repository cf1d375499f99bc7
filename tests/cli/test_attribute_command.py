"""`leadsim attribute`: lever contributions written as a table, bad input as a clean error."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cell_safety import safe_cell
from sim.experiment.attribution import ATTRIBUTION_COLUMNS

REPORT_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"


def test_attribute_writes_one_row_per_lever_and_the_values_add_up(run_leadsim, tmp_path: Path) -> None:
    out = tmp_path / "attribution"
    completed = run_leadsim(
        "attribute", str(REPORT_FIXTURES / "weekly_list.yaml"), str(REPORT_FIXTURES / "one_team.yaml"),
        "--kpi", "won", "-r", "3", "-s", "4", "--workers", "1", "--no-cache",
        "-o", str(out),
    )
    assert completed.returncode == 0, completed.stderr
    effects = pd.read_csv(out / "attribution.csv")
    assert list(effects.columns[:10]) == list(ATTRIBUTION_COLUMNS[:10])
    assert set(effects["lever"]) == {"crm_tasks", "shared_goals"}
    kpis = pd.read_csv(out / "kpis.csv")
    means = kpis.groupby("scenario")["won"].mean()
    # Four subsets (2^2), one experiment; the Shapley values add up to the whole difference.
    # The CSV holds the subset labels spreadsheet-safe ("+lever" would start a formula).
    subsets = ("reference", "+crm_tasks", "+shared_goals", "+crm_tasks+shared_goals")
    assert set(means.index) == {safe_cell(subset) for subset in subsets}
    total = means[safe_cell("+crm_tasks+shared_goals")] - means["reference"]
    assert effects["shapley_mean"].sum() == pytest.approx(total)
    assert "efficiency check" in completed.stdout
    check = pd.read_csv(out / "attribution_total.csv").iloc[0]
    assert check["sum_of_shapley"] == pytest.approx(check["total_difference"])
    assert check["total_difference"] == pytest.approx(total)
    assert "subset runs: 4 scenarios × 3 replications = 12" in completed.stdout


def test_attribute_rejects_an_unknown_kpi(run_leadsim, tmp_path: Path) -> None:
    completed = run_leadsim(
        "attribute", str(REPORT_FIXTURES / "weekly_list.yaml"), str(REPORT_FIXTURES / "one_team.yaml"),
        "--kpi", "revenu", "--replications", "2", "--out", str(tmp_path / "x"),
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "'revenu'" in completed.stderr and "allowed:" in completed.stderr
    assert not (tmp_path / "x").exists()  # nothing written for a run that never started
