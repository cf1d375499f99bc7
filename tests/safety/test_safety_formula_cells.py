"""User text never becomes a live formula in a CSV or workbook leadsim writes (CSV injection).

A scenario's name, title, description and YAML comments reach the tables; a spreadsheet runs a
cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula. Every
written cell must therefore come out as inert text, and numbers must stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sim import report
from sim.cell_safety import safe_cell, safe_frame
from sim.report.excel import write_sheet

TITLE = '=HYPERLINK("http://example.invalid/steal","Click me")'
NAME = "@SUM(1+1)*cmd|' /C calc'!A0"
DESCRIPTION = "+cmd|' /C calc'!A0"
COMMENT = "-2+3+cmd|' /C calc'!A0"

HOSTILE_YAML = f"""\
extends: small.yaml
name: "{NAME}"
title: '{TITLE}'
description: "{DESCRIPTION}"
sales:
  reps: 4  # {COMMENT}
"""

# What a spreadsheet would read as a formula: "-" only when no digit follows (a negative number).
LIVE = re.compile(r"^([=+@\t\r]|-(?!\d))")


def _live_csv_cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [cell for row in csv.reader(handle) for cell in row if LIVE.match(cell)]


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _workbook_problems(path: Path) -> list[tuple[str, str, object]]:
    workbook = openpyxl.load_workbook(path)
    return [
        (sheet.title, cell.coordinate, cell.value)
        for sheet in workbook
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f" or (isinstance(cell.value, str) and LIVE.match(cell.value))
    ]


def _workbook_strings(path: Path) -> set[str]:
    workbook = openpyxl.load_workbook(path)
    return {cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row
            if isinstance(cell.value, str)}


@pytest.fixture
def hostile(workdir: Path) -> Path:
    """hostile.yaml next to small.yaml: formula payloads in name, title, description, comment."""
    path = workdir / "hostile.yaml"
    path.write_text(HOSTILE_YAML, encoding="utf-8")
    return path


# ------------------------------------------------------------------ the neutraliser


@pytest.mark.parametrize(
    "text",
    [TITLE, NAME, DESCRIPTION, COMMENT, "-cmd", "+", "-", "=1+1", "@A1", "\t=1+1", "\r=1+1", "-1+cmd|x!A0"],
)
def test_formula_like_text_gets_a_leading_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-3.2, 0.0, 7, -1, 2.5e-9, None, True, "plain", "a=b", "ratio -1", "",
                                   "-3.2", "+5", "-1e-3", "'=already quoted"])
def test_numbers_and_harmless_text_are_unchanged(value: object) -> None:
    result = safe_cell(value)
    assert result == value and type(result) is type(value)


def test_a_frame_keeps_its_numbers_and_quotes_its_text_and_headers() -> None:
    frame = pd.DataFrame({"=header": ["=1+1", "ok", None], "delta": [-3.2, 1.0, float("nan")],
                          "count": [-1, 2, 3]})
    safe = safe_frame(frame)
    assert list(safe.columns) == ["'=header", "delta", "count"]
    assert list(safe.iloc[:, 0][:2]) == ["'=1+1", "ok"] and pd.isna(safe.iloc[2, 0])
    assert safe["delta"].dtype == "float64" and safe["delta"].iloc[0] == -3.2
    assert safe["count"].dtype == frame["count"].dtype and list(safe["count"]) == [-1, 2, 3]
    assert frame.iloc[0, 0] == "=1+1" and frame.columns[0] == "=header"  # the input is left alone


def test_a_sheet_stores_text_as_text_and_numbers_as_numbers(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    write_sheet(workbook, "s", pd.DataFrame({"scenario": [TITLE, "plain"], "delta": [-3.2, 1.5]}))
    workbook.save(tmp_path / "s.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "s.xlsx")["s"]
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("'" + TITLE, "s")
    assert (sheet["B2"].value, sheet["B2"].data_type) == (-3.2, "n")
    assert _workbook_problems(tmp_path / "s.xlsx") == []


# ------------------------------------------------------------------ through the real writers


def test_compare_writes_no_live_formula_into_its_csv_files(workdir: Path, hostile: Path, cli) -> None:
    outcome = cli("compare", "small.yaml", hostile.name, "-r", "2", "--workers", "1", "--no-cache",
                  "--csv", "--set", "horizon.measurement_days=21", "--out", "cmp")
    assert outcome.code == 0, outcome.err
    written = sorted((workdir / "cmp").rglob("*.csv"))
    assert {path.name for path in written} >= {"kpis.csv", "comparison.csv", "money.csv", "leads.csv"}
    for path in written:
        assert _live_csv_cells(path) == [], path.name
    # The payload did reach the files – neutralised, not dropped.
    with (workdir / "cmp" / "comparison.csv").open(newline="", encoding="utf-8") as handle:
        assert "'" + NAME in {cell for row in csv.reader(handle) for cell in row}


def test_explain_csv_writes_no_live_formula(workdir: Path, hostile: Path, cli) -> None:
    outcome = cli("explain", hostile.name, "--format", "csv")
    assert outcome.code == 0, outcome.err
    cells = _csv_cells(outcome.out)
    assert [cell for cell in cells if LIVE.match(cell)] == []
    assert {"'" + TITLE, "'" + NAME, "'" + DESCRIPTION, "'" + COMMENT} <= set(cells)


def test_the_report_tables_and_workbooks_hold_no_live_formula(workdir: Path, hostile: Path) -> None:
    comparison = report.run_comparison(["small.yaml", str(hostile)], replications=2, seed=1, workers=1)
    written = [*report.write_tables(comparison, workdir / "tables"),
               *report.write_scenario_tables(comparison, workdir / "deep_dive")]
    workbooks = [path for path in written if path.suffix == ".xlsx"]
    assert {path.name for path in workbooks} == {"comparison.xlsx", "scenario.xlsx"}
    for path in written:
        if path.suffix == ".xlsx":
            assert _workbook_problems(path) == [], path.name
        else:
            assert _live_csv_cells(path) == [], path.name
    # The hostile title is in the tables as inert text.
    assert "'" + TITLE in _workbook_strings(workdir / "tables" / "comparison.xlsx")
    assert "'" + TITLE in {cell for path in written if path.suffix == ".csv"
                           for cell in _csv_cells(path.read_text(encoding="utf-8"))}
