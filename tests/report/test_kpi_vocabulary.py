"""A KPI added to ``sim/kpis.py`` alone appears in every view: KPI table, CLI summary, report, workshop.

The KPI below exists nowhere but in the patched vocabulary – its names, chart name, reason for
"–" and translations included: if a view keeps its own KPI list, label, note or format, it misses
the new KPI and the test fails. The vocabulary itself is checked to be complete: every KPI named,
noted and translated into every language, and no other module naming a KPI on its own.
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import typer
from report_helpers import FIXTURES
from typer.testing import CliRunner

from sim import charts, kpis, report
from sim.experiment import run_experiment
from sim.kpis import Kpi, Words
from sim.metrics import replication_kpis
from sim.model.records import LEAD_COLUMNS
from sim.report.texts import _T as REPORT_TEXTS
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
NEW_KPI = Kpi(
    "won_per_hundred_leads",
    Words("Deals per hundred leads", "Abschlüsse je hundert Leads"),
    "ratio",
    1,
    Words("won deals per hundred leads of the cohort", "gewonnene Abschlüsse je hundert Leads der Kohorte"),
    headline=True,
    formula=lambda row: 100.0 * float(row["won"]) / float(row["leads"]) if row["leads"] else math.nan,
    empty=kpis.NO_LEADS,
    short=Words("Deals per 100 leads", "Abschlüsse je 100 Leads"),
)
EVERY_KPI = (*kpis.KPIS, *kpis.COMPARISON_KPIS)


@pytest.fixture
def extra_kpi(monkeypatch: pytest.MonkeyPatch) -> Iterator[Kpi]:
    """The vocabulary with one more headline KPI, as if it had been added to sim/kpis.py."""
    monkeypatch.setattr(kpis, "KPIS", (*kpis.KPIS, NEW_KPI))
    yield NEW_KPI


def test_the_vocabulary_lists_the_new_kpi(extra_kpi: Kpi):
    assert extra_kpi.column in kpis.headline_kpis()
    assert kpis.label(extra_kpi.column, "de") == "Abschlüsse je hundert Leads"
    assert kpis.format_kpi(extra_kpi.column, 2.345) == "2.35"


def test_the_new_kpi_has_its_chart_name_and_its_reason_for_a_dash(extra_kpi: Kpi):
    assert charts.label(extra_kpi.column, "de") == "Abschlüsse je 100 Leads"
    empty = {"scenario": "x", extra_kpi.column: math.nan}
    assert kpis.kpi_notes(empty) == "won_per_hundred_leads: no lead was created in the measurement window"
    assert kpis.kpi_notes(empty, "de") == "won_per_hundred_leads: im Messzeitraum entstand kein Lead"
    table = pd.DataFrame([{extra_kpi.column: math.nan}, {extra_kpi.column: 2.0}])
    assert kpis.reasons_for(table, [extra_kpi.column]) == {
        extra_kpi.column: "no lead was created in the measurement window (in 1 of 2 replications)"
    }


# --------------------------------------------------------------------------- the vocabulary is complete


def test_every_language_of_the_views_is_a_language_of_the_vocabulary():
    assert kpis.LANGUAGES == Words._fields
    assert set(REPORT_TEXTS) == set(kpis.LANGUAGES) == set(charts.LANGUAGES)


@pytest.mark.parametrize("kpi", EVERY_KPI, ids=lambda kpi: kpi.column)
def test_every_kpi_is_named_noted_and_translated(kpi: Kpi):
    assert all(isinstance(words, Words) for words in (kpi.name, kpi.description, kpi.empty))
    assert kpi.short is None or isinstance(kpi.short, Words)
    for language in kpis.LANGUAGES:
        texts = (kpi.title(language), kpi.chart_title(language), kpi.description.text(language),
                 kpi.empty.text(language))
        for text in texts:
            assert isinstance(text, str) and text.strip(), (kpi.column, language)
        unit = kpis.UNITS.get(kpi.kind)
        assert kpi.unit_in(language) == (unit.text(language) if unit else "")
    # A translation is not the English text copied (names that read the same, like "ROI", aside).
    assert kpi.empty.de != kpi.empty.en and kpi.description.de != kpi.description.en


def _degenerate_rows() -> list[dict]:
    """KPI rows of replications where every denominator is zero: no leads, no hours, no window."""
    scenario = load_scenario(FIXTURES / "weekly_list.yaml")
    scenario = scenario.model_copy(update={"horizon": scenario.horizon.model_copy(update={"measurement_days": 0})})
    leads = pd.DataFrame({column: pd.Series(dtype=float) for column in LEAD_COLUMNS})
    leads = leads.astype({column: object for column in ("outcome", "channel", "max_stage")})
    run = {"replication": 0, "available_rep_hours": 0.0, "busy_rep_hours": 0.0}
    # A lead table from before some hours were recorded leaves them empty too.
    older = leads.drop(columns=["unanswered_dial_hours", "unqualified_conversation_hours"])
    return [replication_kpis(table, run, scenario) for table in (leads, older)]


def test_every_kpi_that_can_be_empty_says_why():
    empty = {
        name for row in _degenerate_rows() for name, value in row.items()
        if isinstance(value, float) and math.isnan(value)
    }
    assert "median_response_from_inquiry_hours" in empty
    unexplained = [name for name in empty if kpis.get(name).empty is kpis.NOT_COMPUTED]
    assert unexplained == [], "give these KPIs the reason they are empty for (Kpi.empty)"
    notes = kpis.kpi_notes(_degenerate_rows()[0])
    assert "median_response_from_inquiry_hours: no lead was contacted" in notes
    assert "roi: the costs are zero" in notes


def _labels() -> dict[str, str]:
    found = {}
    for kpi in EVERY_KPI:
        for language in kpis.LANGUAGES:
            for text in (kpi.name.text(language), kpi.title(language), kpi.chart_title(language)):
                found[text] = kpi.column
    return found


def _sources() -> Iterator[tuple[str, str]]:
    """Every module of sim/ but the vocabulary, and every notebook's code, as (where, source)."""
    for path in sorted((ROOT / "sim").rglob("*.py")):
        if path != ROOT / "sim" / "kpis.py":
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for number, cell in enumerate(cells):
            if cell["cell_type"] == "code":
                code = "".join(cell["source"])
                lines = [line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))]
                yield f"{path.relative_to(ROOT)} cell {number}", "\n".join(lines)


def test_no_other_module_declares_a_kpi_label():
    labels = _labels()
    columns = {kpi.column for kpi in EVERY_KPI}
    found = []
    for where, source in _sources():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in labels:
                found.append(f"{where}:{node.lineno} {node.value!r} (the name of {labels[node.value]})")
            if isinstance(node, ast.Dict):  # a words table keyed by KPI: {"revenue": "Umsatz"}
                for key, value in zip(node.keys, node.values, strict=True):
                    if (isinstance(key, ast.Constant) and key.value in columns
                            and isinstance(value, ast.Constant) and isinstance(value.value, str)):
                        found.append(f"{where}:{node.lineno} {key.value!r}: {value.value!r}")
    assert found == [], "KPI names belong in sim/kpis.py (Kpi.name, Kpi.short)"


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
