"""A KPI added to ``sim/kpis.py`` alone appears in every view: KPI table, CLI summary, report, workshop.

The KPI below exists nowhere but in the patched vocabulary: if a view keeps its own KPI list,
label or format, it misses the new KPI and the test fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from report_helpers import FIXTURES
from typer.testing import CliRunner

from sim import kpis, report
from sim.experiment import run_experiment
from sim.kpis import Kpi
from sim.scenario.loader import load_scenario

NEW_KPI = Kpi(
    "won_per_hundred_leads",
    "Deals per hundred leads",
    "Abschlüsse je hundert Leads",
    "ratio",
    1,
    "won deals per hundred leads of the cohort",
    headline=True,
    formula=lambda row: 100.0 * float(row["won"]) / float(row["leads"]) if row["leads"] else 0.0,
)


@pytest.fixture
def extra_kpi(monkeypatch: pytest.MonkeyPatch) -> Iterator[Kpi]:
    """The vocabulary with one more headline KPI, as if it had been added to sim/kpis.py."""
    monkeypatch.setattr(kpis, "KPIS", (*kpis.KPIS, NEW_KPI))
    yield NEW_KPI


def test_the_vocabulary_lists_the_new_kpi(extra_kpi: Kpi):
    assert extra_kpi.column in kpis.headline_kpis()
    assert kpis.label(extra_kpi.column, "de") == "Abschlüsse je hundert Leads"
    assert kpis.format_kpi(extra_kpi.column, 2.345) == "2.35"


def test_the_kpi_table_of_an_experiment_has_it(extra_kpi: Kpi):
    result = run_experiment(
        {"weekly": load_scenario(FIXTURES / "weekly_list.yaml")},
        replications=1, workers=1, cache_dir=None, progress=False,
    )
    assert extra_kpi.column in result.kpis.columns
    row = result.kpis.iloc[0]
    assert row[extra_kpi.column] == pytest.approx(100.0 * row["won"] / row["leads"])


def test_the_cli_summary_shows_it(extra_kpi: Kpi, tmp_path: Path):
    from sim.cli.main import app

    result = CliRunner().invoke(
        app,
        ["run", str(FIXTURES / "weekly_list.yaml"), "--replications", "1", "--workers", "1", "--no-cache",
         "--out", str(tmp_path / "run")],
    )
    assert result.exit_code == 0, result.output
    assert extra_kpi.column in result.output


def test_the_report_kpi_table_shows_it(extra_kpi: Kpi):
    comparison = report.run_comparison(
        [str(FIXTURES / "weekly_list.yaml"), str(FIXTURES / "realtime.yaml")],
        replications=1, workers=1,
    )
    assert extra_kpi.column in comparison.kpi_focus
    table = report.kpi_table(comparison).set_index("Key figure")
    assert "Deals per hundred leads" in table.index
    assert "[" in table.loc["Deals per hundred leads", "weekly_list: mean [95 % CI]"]


def test_a_view_that_cannot_show_a_kpi_fails_loudly(extra_kpi: Kpi):
    comparison = report.run_comparison([str(FIXTURES / "weekly_list.yaml")], replications=1, workers=1)
    with pytest.raises(kpis.KpiError, match="unknown KPI 'not_a_kpi'"):
        report.kpi_table(comparison, ["revenue", "not_a_kpi"])


def test_the_workshop_lists_it(extra_kpi: Kpi):
    from sim.workshop import result_kpis

    assert extra_kpi.column in result_kpis()


def test_the_report_command_takes_kpi_focus_from_the_vocabulary(tmp_path: Path):
    from report_helpers import report_app

    app: typer.Typer = report_app()
    result = CliRunner().invoke(
        app,
        ["report", str(FIXTURES / "weekly_list.yaml"), "-p", "kpi_focus=[revenue, happiness]",
         "--out", str(tmp_path), "--no-cache"],
    )
    assert result.exit_code != 0
    assert "unknown KPI 'happiness'" in str(result.exception)
    assert not any(tmp_path.iterdir())
