"""The Excel workbook is a working file: numbers as numbers with formats, frozen headers, sheets."""

from __future__ import annotations

import math
import re
from pathlib import Path

import openpyxl
import pytest
from report_helpers import FIXTURES, BuiltReport

from sim import kpis, report
from sim.report.excel import NUMBER_FORMATS


@pytest.fixture(scope="module")
def comparison() -> report.Comparison:
    return report.run_comparison(
        [str(FIXTURES / "weekly_list.yaml"), str(FIXTURES / "realtime.yaml")],
        replications=2,
        seed=1,
        workers=1,
    )


@pytest.fixture(scope="module")
def workbook(comparison, tmp_path_factory) -> openpyxl.Workbook:
    folder = tmp_path_factory.mktemp("tables")
    report.write_tables(comparison, folder)
    return openpyxl.load_workbook(folder / "comparison.xlsx")


def _header(sheet) -> list[str]:
    return [cell.value for cell in sheet[1]]


def test_every_numeric_cell_is_a_number_with_a_format(workbook):
    numbers = 0
    for sheet in workbook:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    # No number hides in a text cell ("€2,425,832 [...]", "0.25").
                    if sheet.title in ("summary", "comparison", "funnel", "kpis"):
                        assert "[" not in cell.value, (sheet.title, cell.value)
                        assert not re.search(r"€\s*\d|\d\s*(€|%)", cell.value), (sheet.title, cell.value)
                    if sheet.title != "method":
                        with pytest.raises(ValueError):
                            float(cell.value.replace(",", ""))
                elif isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    numbers += 1
                    assert cell.number_format != "General", (sheet.title, cell.coordinate)
    assert numbers > 100


def test_headers_are_frozen_and_columns_sized(workbook):
    for sheet in workbook:
        assert sheet.freeze_panes in ("A2", "B2"), sheet.title
        widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
        assert all(8 <= w <= 62 for w in widths), (sheet.title, widths)


def test_summary_has_mean_ci_and_difference_per_kpi_and_scenario(workbook, comparison):
    sheet = workbook["summary"]
    header = _header(sheet)
    for column in ("KPI", "scenario", "mean", "ci_low", "ci_high", "diff_vs_reference",
                   "diff_ci_low", "diff_ci_high"):
        assert column in header
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert {(r["kpi"], r["scenario"]) for r in rows} == {
        (k, s) for k in comparison.kpi_focus for s in comparison.names
    }
    summary = comparison.summary.set_index(["kpi", "scenario"])
    for cells, row in zip(sheet.iter_rows(min_row=2), rows, strict=True):
        expected = summary.loc[(row["kpi"], row["scenario"])]
        assert math.isclose(row["mean"], float(expected["mean"]))
        assert row["ci_low"] <= row["mean"] <= row["ci_high"]
        mean_cell = cells[header.index("mean")]
        assert mean_cell.number_format == NUMBER_FORMATS[kpis.get(row["kpi"]).kind]
        if row["scenario"] == comparison.reference:
            assert row["diff_vs_reference"] is None
        else:
            assert math.isclose(row["diff_vs_reference"], float(expected["diff_vs_reference"]), abs_tol=1e-9)
    kinds = {r["kpi"]: cells[header.index("mean")].number_format
             for cells, r in zip(sheet.iter_rows(min_row=2), rows, strict=True)}
    assert kinds["revenue"] == '#,##0 "€"'
    assert kinds["conversion_rate"] == "0.0%"
    assert kinds["median_response_hours"] == '0.0 "h"'
    assert kinds["won"] == "#,##0"


def test_funnel_sheet_matches_the_funnel_chart(workbook, comparison):
    from sim import charts

    sheet = workbook["funnel"]
    header = _header(sheet)
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    data = charts.funnel_data(comparison.result.leads)
    assert [(r["scenario"], r["step_id"]) for r in rows] == list(zip(data["scenario"], data["step"], strict=True))
    for row, share in zip(rows, data["share_of_leads"], strict=True):
        assert math.isclose(row["share_of_leads"], share)
    for cells in sheet.iter_rows(min_row=2):
        assert cells[header.index("share_of_leads")].number_format == "0.0%"


def test_assumption_values_keep_their_type(workbook, comparison):
    sheet = workbook["assumptions"]
    header = _header(sheet)
    values = {
        row[0].value: [row[header.index(name)].value for name in comparison.names]
        for row in sheet.iter_rows(min_row=2)
    }
    assert values["handoff.mode"] == ["batch", "realtime"]
    assert all(
        isinstance(v, (int, float)) for v in values["handoff.ignore_share"]
    ), values["handoff.ignore_share"]


def test_the_reports_workbook_has_funnel_lever_and_assumption_sheets(built_report: BuiltReport):
    # `leadsim report` runs the lever attribution: its workbook has the lever sheet.
    workbook = openpyxl.load_workbook(built_report.html.parent / "comparison.xlsx")
    for name in ("summary", "funnel", "levers", "assumptions"):
        assert name in workbook.sheetnames
    levers = workbook["levers"]
    header = _header(levers)
    assert "lever" in header
    numeric = [c for row in levers.iter_rows(min_row=2) for c in row
               if isinstance(c.value, float)]
    assert numeric and all(c.number_format != "General" for c in numeric)


def test_scenario_workbook(comparison, tmp_path: Path):
    report.write_scenario_tables(comparison, tmp_path)
    workbook = openpyxl.load_workbook(tmp_path / "scenario.xlsx")
    for name in ("summary", "funnel", "channels", "assumptions", "kpis"):
        assert name in workbook.sheetnames
    channels = workbook["channels"]
    header = _header(channels)
    revenue = channels.cell(row=2, column=header.index("revenue") + 1)
    assert isinstance(revenue.value, float) and revenue.number_format == '#,##0 "€"'
