"""The lever portfolio prices a combination with the money table's running cost, not its org measures alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import money
from sim.experiment import portfolio
from sim.experiment.attribution import run_subsets

ROOT = Path(__file__).resolve().parents[2]
SILO = ROOT / "scenarios" / "separate_departments.yaml"
SDR_TEAM = ROOT / "scenarios" / "sdr_team.yaml"
SDR_ROLE = ROOT / "scenarios" / "levers" / "sdr_role.yaml"
# A short year keeps the runs quick; the cost of a role is stated per year all the same.
SHORT = ("horizon.warmup_days=14", "horizon.measurement_days=42")


def test_the_sdr_combination_costs_the_money_tables_running_cost_difference() -> None:
    runs = run_subsets(
        SILO, SDR_TEAM, replications=2, seed=3, levers=[SDR_ROLE], overrides=SHORT, sampling=False,
        workers=1, cache_dir=None, progress=False,
    )
    priced = portfolio.portfolio_of(runs)
    row = priced.table.set_index("levers").loc["+sdr_role"]
    money_row = money.money_table(runs.kpis, "reference").set_index("scenario").loc["+sdr_role"]
    assert row["added_org_cost_per_year"] == pytest.approx(money_row["yearly_cost_difference"], rel=1e-12)
    reference_cost = money.yearly_cost(runs.kpis[runs.kpis["scenario"] == "reference"]).mean()
    assert row["org_cost_per_year"] == pytest.approx(reference_cost + money_row["yearly_cost_difference"])
    # The SDR role has no org measures' running cost: its price is the three SDRs' salaries
    # (and whatever lead cost changes), never the €0 the org measures alone would say.
    sdr_staff = 3 * 60000.0
    assert money_row["yearly_cost_difference"] == pytest.approx(sdr_staff, rel=0.05)
    assert priced.table.set_index("levers").loc["reference", "added_org_cost_per_year"] == 0.0
