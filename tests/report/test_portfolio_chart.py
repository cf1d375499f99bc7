"""The compare report's lever portfolio chart: the same numbers as ``leadsim portfolio``, a true front."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from report_helpers import FIXTURES

from sim import charts, money, report
from sim.cell_safety import safe_frame
from sim.experiment.portfolio import PORTFOLIO_COLUMNS

SEED, REPLICATIONS = 5, 2


def _priced_lever_setup(folder: Path) -> tuple[Path, Path]:
    """The weekly-list company plus three levers with different yearly costs (one adds a rep)."""
    folder.mkdir()
    (folder / "crm.yaml").write_text(
        "handoff:\n  mode: realtime  # lever: CRM task at once\n"
        "costs:\n  org_costs_per_year:\n    crm_licence: 30000  # lever's licence\n",
        encoding="utf-8",
    )
    (folder / "goals.yaml").write_text(
        "handoff:\n  ignore_share: 0.0  # lever: shared goals\n"
        "costs:\n  org_costs_per_year:\n    goal_meetings: 5000  # lever's meetings\n",
        encoding="utf-8",
    )
    (folder / "rep.yaml").write_text(
        "sales:\n  reps: 4  # lever: one more rep\n"
        "costs:\n  org_costs_per_year:\n    hiring: 60000  # lever's cost\n",
        encoding="utf-8",
    )
    target = folder / "all_levers.yaml"
    target.write_text(
        f"extends:\n  - {FIXTURES / 'weekly_list.yaml'}\n  - crm.yaml\n  - goals.yaml\n  - rep.yaml\n"
        "name: all_levers\n",
        encoding="utf-8",
    )
    return FIXTURES / "weekly_list.yaml", target


def test_portfolio_chart_prices_the_lever_section_runs_like_leadsim_portfolio(run_leadsim, tmp_path: Path):
    reference, target = _priced_lever_setup(tmp_path / "scenarios")
    comparison = report.run_comparison(
        [str(reference), str(target)], replications=REPLICATIONS, seed=SEED, workers=1
    )
    effects = report.attribute_levers(comparison, workers=1)
    assert len(effects) == 1
    runs = effects[0].runs
    assert runs is not None and runs.kpis["scenario"].nunique() == 2**3  # every combination, run once
    goal = 1.0
    priced = report.lever_portfolio(effects[0], goal)
    assert priced is not None and priced.complete
    data = charts.portfolio_data(priced.portfolio.table, priced.chosen)

    out = tmp_path / "portfolio"
    completed = run_leadsim(
        "portfolio", str(reference), str(target), "-r", str(REPLICATIONS), "-s", str(SEED),
        "--workers", "1", "--no-cache", "-o", str(out),
    )
    assert completed.returncode == 0, completed.stderr
    written = pd.read_csv(out / "portfolio.csv")
    pd.testing.assert_frame_equal(  # the chart's data, written spreadsheet-safe
        safe_frame(data[list(PORTFOLIO_COLUMNS)]), written, check_dtype=False, rtol=1e-12, atol=1e-6
    )

    # The front is the true Pareto front: every point on it is beaten by none, every other by one.
    cost, gain = data["org_cost_per_year"].to_numpy(), data["difference_mean"].to_numpy()
    for index, row in data.iterrows():
        beaten_by = ((cost <= cost[index]) & (gain > gain[index])) | ((cost < cost[index]) & (gain >= gain[index]))
        assert bool(beaten_by.any()) != bool(row["on_front"]), row["levers"]
    # Priced like the money table: each combination's added cost is its Δ running cost per year
    # (lead, staff and org measures), so the extra rep costs a salary on top of its hiring.
    money_rows = money.money_table(runs.kpis, "reference").set_index("scenario")
    for row in data.itertuples():
        expected = 0.0 if row.levers == "reference" else money_rows.loc[row.levers, "yearly_cost_difference"]
        assert row.added_org_cost_per_year == pytest.approx(expected, rel=1e-12, abs=1e-6), row.levers

    # The marked combination is the cheapest one whose mean reaches the goal.
    reaching = data[data["difference_mean"] >= goal].sort_values(["org_cost_per_year", "difference_mean"],
                                                                 ascending=[True, False])
    if reaching.empty:
        assert not data["chosen"].any()
    else:
        assert list(data.loc[data["chosen"], "levers"]) == [reaching.iloc[0]["levers"]]
    assert "Pareto" in report.portfolio_note(priced)
    svg = charts.to_svg(charts.portfolio_chart(data, "de"))
    assert "<svg" in svg and "Pareto-Front" in svg


@pytest.mark.parametrize("bad", [True, float("nan"), [1], "revenue>=5"])
def test_a_bad_portfolio_target_is_a_clear_report_error(bad: object, tmp_path: Path):
    effects = report.LeverEffects("x", "revenue", pd.DataFrame(), runs=None)
    assert report.lever_portfolio(effects, bad) is None  # no runs: nothing to price, nothing checked
    if isinstance(bad, str):
        return  # a text target is checked against the measure when priced (see above test's CLI twin)
    with pytest.raises(report.ReportError, match="portfolio_target"):
        report.check_portfolio_target(bad)
