"""`leadsim portfolio`: every lever combination priced and written, bad targets refused cleanly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cell_safety import safe_cell
from sim.experiment.portfolio import PORTFOLIO_COLUMNS

REPORT_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"


def test_portfolio_prices_every_combination(run_leadsim, tmp_path: Path) -> None:
    out = tmp_path / "portfolio"
    completed = run_leadsim(
        "portfolio", str(REPORT_FIXTURES / "weekly_list.yaml"), str(REPORT_FIXTURES / "one_team.yaml"),
        "-r", "3", "-s", "4", "--workers", "1", "--no-cache", "--target", "net_benefit>=1",
        "--budget", "0", "-o", str(out),
    )
    assert completed.returncode == 0, completed.stderr
    table = pd.read_csv(out / "portfolio.csv")
    assert list(table.columns) == list(PORTFOLIO_COLUMNS)
    # The CSV holds the lever labels spreadsheet-safe ("+lever" would start a formula).
    subsets = ("reference", "+crm_tasks", "+shared_goals", "+crm_tasks+shared_goals")
    assert set(table["levers"]) == {safe_cell(subset) for subset in subsets}
    kpis = pd.read_csv(out / "kpis.csv")
    # Net benefit = difference in net contribution per year, sim.money's one definition.
    net = kpis["net_contribution_per_year"].groupby(kpis["scenario"]).mean()
    row = table.set_index("levers").loc[safe_cell("+crm_tasks")]
    assert row["difference_mean"] == pytest.approx(net[safe_cell("+crm_tasks")] - net["reference"])
    assert "cheapest combination reaching the target" in completed.stdout
    assert "best within €0 a year" in completed.stdout


def test_portfolio_rejects_a_bad_target_before_running(run_leadsim, tmp_path: Path) -> None:
    completed = run_leadsim(
        "portfolio", str(REPORT_FIXTURES / "weekly_list.yaml"), str(REPORT_FIXTURES / "one_team.yaml"),
        "--target", "revenue>=5", "-o", str(tmp_path / "x"),
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "'revenue'" in completed.stderr
    assert not (tmp_path / "x").exists()
