"""Money in one place: net benefit per year and payback, computed once and shown identically.

The formulas are checked on a hand-made KPI table; then one small comparison goes through the
``leadsim compare`` command (its printed table and money.csv), the report (its money table and
the money.csv / workbook it writes) and the workshop page, and every view must show the very
figures :func:`sim.money.compare_money` computes from the KPI table.
"""

from __future__ import annotations

import html
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import typer
from report_helpers import FIXTURES
from typer.testing import CliRunner

from sim import kpis, money, stats
from sim.cell_safety import safe_cell
from sim.cli.experiment import register
from sim.report import run_comparison, write_tables
from sim.report.board import money_table_html
from sim.workshop import page as workshop_page
from sim.workshop.session import RunSummary, compare_money_of_runs

# ---------------------------------------------------------------- formulas


def _table(reference: dict[str, list[float]], alternative: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for name, values in (("a", reference), ("b", alternative)):
        for replication in range(len(values["revenue"])):
            revenue = values["revenue"][replication]
            cost = values["cost"][replication]
            rows.append({
                "scenario": name, "replication": replication,
                "total_revenue_per_year": revenue, "cost_per_year": cost,
                "net_contribution_per_year": revenue - cost, "one_off_cost": values["one_off"][0],
            })
    return pd.DataFrame(rows)


def test_net_benefit_is_revenue_difference_minus_cost_difference_with_a_paired_interval():
    table = _table(
        {"revenue": [100.0, 120.0, 90.0], "cost": [50.0, 52.0, 49.0], "one_off": [0.0]},
        {"revenue": [130.0, 160.0, 100.0], "cost": [60.0, 61.0, 58.0], "one_off": [24.0]},
    )
    item = money.compare_money(table, "b", "a")
    # Δ revenue (30 + 40 + 10) / 3 = 26.67; Δ cost (10 + 9 + 9) / 3 = 9.33
    assert item.revenue_difference_per_year == pytest.approx(80 / 3)
    assert item.yearly_cost_difference == pytest.approx(28 / 3)
    assert item.net_benefit_per_year == pytest.approx(80 / 3 - 28 / 3)
    expected = stats.paired_difference([70.0, 99.0, 42.0], [50.0, 68.0, 41.0])
    assert (item.net_benefit_per_year, item.net_benefit_ci_low, item.net_benefit_ci_high) == pytest.approx(
        expected
    )
    assert item.one_off_cost_difference == 24.0
    assert item.payback_months == pytest.approx(24.0 / (item.net_benefit_per_year / 12))
    # The interval's lower net benefit end is below zero here: the slow end never pays back.
    assert item.net_benefit_ci_low < 0
    assert math.isinf(item.payback_months_ci_high)
    assert item.payback_months_ci_low == pytest.approx(24.0 / (item.net_benefit_ci_high / 12))


@pytest.mark.parametrize(
    ("one_off", "net", "months"),
    [(12_000.0, 24_000.0, 6.0), (0.0, 1.0, 0.0), (-5.0, 10.0, 0.0), (10.0, 0.0, math.inf),
     (10.0, -3.0, math.inf), (math.nan, 3.0, math.nan)],
)
def test_payback_months(one_off: float, net: float, months: float):
    result = money.payback_months(one_off, net)
    assert (math.isnan(result) and math.isnan(months)) or result == months


def test_payback_words_say_never_and_months():
    assert kpis.format_kpi("payback_months", math.inf) == "never"
    assert kpis.format_kpi("payback_months", 4.25) == "4.2 months"
    assert kpis.format_kpi("payback_months", 14.4, "de") == "14 Monate"
    assert kpis.format_kpi("payback_months", math.nan) == "–"


# ---------------------------------------------------------------- one comparison, every view


def _scenarios(folder: Path) -> tuple[Path, Path]:
    shutil.copy(FIXTURES / "weekly_list.yaml", folder / "weekly_list.yaml")
    team = folder / "crm_team.yaml"
    team.write_text(
        "extends: weekly_list.yaml\nname: crm_team\n"
        "handoff: {mode: realtime, ignore_share: 0.0}\n"
        "costs:\n  org_costs_per_year: {crm: 30000}\n  org_costs_one_off: {crm: 40000}\n",
        encoding="utf-8",
    )
    return folder / "weekly_list.yaml", team


def _cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """leadsim (test)."""

    register(app)
    return app


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_money_is_computed_once_and_shown_identically_everywhere(tmp_path: Path):
    reference_file, team_file = _scenarios(tmp_path)
    out = tmp_path / "compare"
    ran = CliRunner().invoke(
        _cli(),
        ["compare", str(reference_file), str(team_file), "-r", "3", "--seed", "5", "--workers", "1",
         "--no-cache", "--out", str(out)],
        terminal_width=200,
    )
    assert ran.exit_code == 0, ran.output + repr(ran.exception)
    kpi_rows = pd.read_csv(out / "kpis.csv")
    expected = money.compare_money(kpi_rows, "crm_team", "weekly_list")
    assert expected.one_off_cost_difference == 40_000.0
    assert math.isfinite(expected.net_benefit_per_year)
    texts = money.money_texts(expected)

    # CLI: money.csv holds the numbers, the printed table the texts.
    csv = pd.read_csv(out / "money.csv").iloc[0]
    for column in money.MONEY_COLUMNS[2:]:
        assert float(csv[column]) == pytest.approx(float(getattr(expected, column)), rel=1e-9, nan_ok=True)
    printed = _plain(ran.output)
    for name in ("net_benefit_per_year", "payback_months"):
        assert texts[name] in printed, (name, texts[name])

    # Report: the same experiment (same files, seed, replications) gives the same texts.
    comparison = run_comparison([reference_file, team_file], replications=3, seed=5, workers=1)
    pd.testing.assert_frame_equal(
        comparison.result.kpis.reset_index(drop=True)[list(kpi_rows.columns.drop("notes"))],
        kpi_rows.drop(columns="notes"), check_dtype=False, rtol=1e-12,
    )
    page = html.unescape(money_table_html(comparison))
    for name in ("net_benefit_per_year", "payback_months", "one_off_cost_difference"):
        assert texts[name] in page
    written = tmp_path / "tables"
    write_tables(comparison, written)
    report_csv = pd.read_csv(written / "money.csv").iloc[0]
    assert float(report_csv["net_benefit_per_year"]) == pytest.approx(expected.net_benefit_per_year, rel=1e-9)
    workbook = pd.read_excel(written / "comparison.xlsx", sheet_name="money").iloc[0]
    # The same texts, spreadsheet-safe ("+€…" would start a formula).
    assert workbook["net_benefit_per_year (text)"] == safe_cell(texts["net_benefit_per_year"])
    assert workbook["payback_months (text)"] == safe_cell(texts["payback_months"])

    # Workshop: the same KPI rows as starting point and edited setup show the same texts.
    def summary(name: str) -> RunSummary:
        rows = kpi_rows[kpi_rows["scenario"] == name].drop(columns=["scenario", "notes"])
        return RunSummary(rows.reset_index(drop=True), pd.DataFrame(), 0.0, 0, 0)

    baseline, edited = summary("weekly_list"), summary("crm_team")
    shown = compare_money_of_runs(baseline, edited)
    assert shown.net_benefit_per_year == pytest.approx(expected.net_benefit_per_year, rel=1e-12)
    rows = html.unescape("".join(workshop_page._money_rows(_workshop_comparison(baseline, edited, shown))))
    assert texts["net_benefit_per_year"] in rows and texts["payback_months"] in rows


def _workshop_comparison(baseline: RunSummary, edited: RunSummary, shown: money.MoneyComparison):
    from sim.workshop.session import Comparison

    return Comparison(setup=None, baseline=baseline, edited=edited, changes=(), seconds=0.0, money=shown)  # type: ignore[arg-type]
