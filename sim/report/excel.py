"""The report's tables on disk: CSV for analysts and an Excel workbook for consultants.

The workbook is a working file: numbers are stored as numbers (never "€2,425,832 [...]"), each
with the number format of its KPI's kind from :mod:`sim.kpis`, header rows are frozen and
columns sized to their content. Sheets: a summary (mean, 95 % CI and the difference to the
reference with its CI, per KPI and scenario), the funnel (the counts and shares of
:func:`sim.metrics.funnel`, as in the chart), the levers (when the attribution ran), the
assumptions (numbers as numbers) and the replication rows.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl.styles import Font

from sim import kpis, money
from sim.cell_safety import safe_frame
from sim.charts.common import label
from sim.charts.funnel import funnel_data
from sim.charts.weekly import weekly_data
from sim.report.comparison import Comparison, verdict
from sim.report.method import method_appendix
from sim.report.tables import CHANNEL_COLUMNS, _source_text, channel_numbers, differing_parameters
from sim.report.texts import text
from sim.scenario.loader import explain_rows
from sim.scenario.loader import format_value as format_yaml_value

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from sim.report.levers import LeverEffects

NUMBER_FORMATS: dict[str, str] = {
    "money": '#,##0 "€"',
    "share": "0.0%",
    "percent": "0.0%",
    "hours": '0.0 "h"',
    "count": "#,##0",
    "ratio": "0.00",
    "months": '0.0 "months"',
}
"""The Excel number format of each KPI kind (:data:`sim.kpis.Kind`)."""

MAX_WIDTH = 60


def number_format(kind: str) -> str:
    """The Excel number format of a KPI kind."""
    return NUMBER_FORMATS.get(kind, NUMBER_FORMATS["count"])


def _kind(column: str) -> str:
    try:
        return kpis.get(column).kind
    except kpis.KpiError:
        return "count"


def _clean(value: Any) -> Any:
    """A cell value: NaN and infinities as empty cells, numpy scalars as Python numbers."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_sheet(
    workbook: Any,
    name: str,
    frame: pd.DataFrame,
    column_formats: Mapping[str, str] | None = None,
    row_formats: Sequence[str] | None = None,
    row_format_columns: Sequence[str] = (),
) -> Worksheet:
    """``frame`` as sheet ``name``: header frozen, widths from content, numbers formatted.

    ``column_formats`` gives a column's number format; ``row_formats`` one format per row for
    the ``row_format_columns`` (a long table with one KPI per row). Other numeric cells get the
    count format. Text is written as text: formula-like text quoted (:mod:`sim.cell_safety`),
    and no string cell is ever stored as a formula.
    """
    frame = safe_frame(frame)
    sheet = workbook.create_sheet(title=name[:31])
    columns = [str(column) for column in frame.columns]
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        _as_text(cell)
    formats = dict(column_formats or {})
    for index, record in enumerate(frame.itertuples(index=False, name=None)):
        sheet.append([_clean(value) for value in record])
        for position, cell in enumerate(sheet[sheet.max_row]):
            _as_text(cell)
            if isinstance(cell.value, bool) or not isinstance(cell.value, (int, float)):
                continue
            column = columns[position]
            if row_formats is not None and column in row_format_columns:
                cell.number_format = row_formats[index]
            else:
                cell.number_format = formats.get(column, NUMBER_FORMATS["count"])
    sheet.freeze_panes = "B2" if columns and not _numeric_first(frame) else "A2"
    for position, column in enumerate(columns, start=1):
        values = [column, *("" if v is None else _shown(v) for v in frame.iloc[:, position - 1])]
        width = min(MAX_WIDTH, max(8, *(len(str(v)) for v in values)) + 2)
        sheet.column_dimensions[sheet.cell(row=1, column=position).column_letter].width = width
    return sheet


def _as_text(cell: Any) -> None:
    # openpyxl stores any string that begins with "=" as a formula; a string cell stays a string.
    if isinstance(cell.value, str):
        cell.data_type = "s"


def _numeric_first(frame: pd.DataFrame) -> bool:
    return len(frame.columns) > 0 and pd.api.types.is_numeric_dtype(frame.iloc[:, 0])


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return "" if not math.isfinite(value) else f"{value:,.1f}"
    return str(value)


def _new_workbook() -> Any:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def summary_sheet(comparison: Comparison, shown: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per KPI and scenario: mean, 95 % CI, difference to the reference with its CI.

    ``shown``: the KPIs (default: every KPI of the summary, in vocabulary order).
    """
    language = comparison.language
    summary = comparison.summary
    names = list(shown) if shown is not None else [k for k in kpis.kpi_names() if k in set(summary["kpi"])]
    rows = []
    for kpi in names:
        kind = kpis.get(kpi).kind
        for scenario in comparison.names:
            found = summary[(summary["kpi"] == kpi) & (summary["scenario"] == scenario)]
            if found.empty:
                continue
            values = found.iloc[0]
            reference = scenario == comparison.reference
            judged = None if reference else verdict(kpi, values["diff_ci_low"], values["diff_ci_high"])
            rows.append({
                "KPI": kpis.label(kpi, language),
                "kpi": kpi,
                "unit": kpis.get(kpi).unit_in(language),
                "scenario": scenario,
                "mean": float(values["mean"]),
                "ci_low": float(values["ci_low"]),
                "ci_high": float(values["ci_high"]),
                "diff_vs_reference": None if reference else float(values["diff_vs_reference"]),
                "diff_ci_low": None if reference else float(values["diff_ci_low"]),
                "diff_ci_high": None if reference else float(values["diff_ci_high"]),
                "verdict": text(judged, language) if judged else "",
                "_format": number_format(kind),
            })
    return pd.DataFrame(rows)


def money_sheet(comparison: Comparison) -> pd.DataFrame:
    """Per alternative: the :mod:`sim.money` figures as numbers, then as the report words them."""
    items = money.money_comparisons(comparison.result.kpis, comparison.reference)
    rows = []
    for item in items:
        row: dict[str, Any] = dict(item.as_row())
        for column in ("payback_months", "payback_months_ci_low", "payback_months_ci_high"):
            if math.isinf(float(row[column])):
                row[column] = None  # never pays back: an empty cell, the text column says "never"
        texts = money.money_texts(item, comparison.language)
        row.update({f"{name} (text)": texts[name] for name in money.COMPARISON_ORDER})
        rows.append(row)
    columns = [*money.MONEY_COLUMNS, *(f"{name} (text)" for name in money.COMPARISON_ORDER)]
    return pd.DataFrame(rows, columns=columns)


def _money_formats(columns: Sequence[str]) -> dict[str, str]:
    formats = {column: NUMBER_FORMATS["money"] for column in columns if "months" not in column}
    formats.update({column: NUMBER_FORMATS["months"] for column in columns if "months" in column})
    formats["replications"] = NUMBER_FORMATS["count"]
    return formats


SUMMARY_VALUE_COLUMNS = ("mean", "ci_low", "ci_high", "diff_vs_reference", "diff_ci_low", "diff_ci_high")


def _write_summary(workbook: Any, name: str, frame: pd.DataFrame) -> None:
    formats = list(frame["_format"]) if len(frame) else []
    write_sheet(
        workbook, name, frame.drop(columns=["_format"], errors="ignore"),
        row_formats=formats, row_format_columns=SUMMARY_VALUE_COLUMNS,
    )


def funnel_sheet(leads: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The funnel's counts and shares (the chart's data): scenario, step, leads, share."""
    data = funnel_data(leads)
    return pd.DataFrame({
        "scenario": data["scenario"],
        "step": [label(step, language) for step in data["step"]],
        "step_id": data["step"],
        "leads_per_replication": data["leads"],
        "share_of_leads": data["share_of_leads"],
    })


def lever_sheet(effects: Sequence[LeverEffects]) -> tuple[pd.DataFrame, list[str]]:
    """Every attribution's table in one sheet (numbers), and the number format of each row."""
    frames, formats = [], []
    for effect in effects:
        table = effect.table.copy()
        table.insert(0, "kpi", effect.kpi)
        table.insert(0, "target", effect.target)
        frames.append(table)
        formats += [number_format(kpis.get(effect.kpi).kind)] * len(table)
    if not frames:
        return pd.DataFrame(), []
    return pd.concat(frames, ignore_index=True), formats


def _weekly_formats(columns: Sequence[str]) -> dict[str, str]:
    """Weekly series: utilisation a share, hours in hours, the rest counts."""
    return {
        column: NUMBER_FORMATS["share" if "utilization" in column else "hours" if "hours" in column else "count"]
        for column in columns
    }


def _kpi_formats(columns: Sequence[str]) -> dict[str, str]:
    return {column: number_format(_kind(column)) for column in columns}


def _write_common(
    workbook: Any,
    comparison: Comparison,
    lever_effects: Sequence[LeverEffects] | None,
) -> None:
    focus = [k for k in comparison.kpi_focus if k in set(comparison.summary["kpi"])]
    _write_summary(workbook, "summary", summary_sheet(comparison, focus))
    write_sheet(
        workbook, "funnel", funnel_sheet(comparison.result.leads, comparison.language),
        column_formats={"leads_per_replication": NUMBER_FORMATS["count"],
                        "share_of_leads": NUMBER_FORMATS["share"]},
    )
    if lever_effects:
        table, formats = lever_sheet(lever_effects)
        numeric = [c for c in table.columns if c not in ("target", "kpi", "lever")]
        write_sheet(workbook, "levers", table, row_formats=formats, row_format_columns=numeric)


def write_scenario_tables(
    comparison: Comparison,
    output_dir: str | os.PathLike[str],
) -> list[Path]:
    """Tables of the deep dive: kpis.csv, summary.csv, weekly.csv, channels.csv, scenario.xlsx."""
    from sim.report.tables import channel_table

    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    weekly = weekly_data(comparison.result.weekly)
    frames = {
        "kpis": comparison.result.kpis,
        "summary": comparison.summary,
        "weekly": weekly,
        "channels": channel_table(comparison.result.leads, comparison.language),
    }
    written = []
    for name, frame in frames.items():
        safe_frame(frame).to_csv(folder / f"{name}.csv", index=False)
        written.append(folder / f"{name}.csv")
    workbook = _new_workbook()
    _write_common(workbook, comparison, None)
    write_sheet(workbook, "channels", channel_numbers(comparison.result.leads),
                column_formats=_kpi_formats(CHANNEL_COLUMNS) | {"lead_cost_per_deal": NUMBER_FORMATS["money"]})
    write_sheet(workbook, "weekly", weekly, column_formats=_weekly_formats(list(weekly.columns)))
    write_sheet(workbook, "assumptions", scenario_assumptions(comparison))
    _write_summary(workbook, "all_kpis", summary_sheet(comparison))
    write_sheet(workbook, "kpis", comparison.result.kpis,
                column_formats=_kpi_formats(list(comparison.result.kpis.columns)))
    workbook.save(folder / "scenario.xlsx")
    written.append(folder / "scenario.xlsx")
    return written


def _typed(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return format_yaml_value(value)


def scenario_assumptions(comparison: Comparison) -> pd.DataFrame:
    """Every parameter of each scenario with its value (numbers as numbers) and source."""
    records: dict[str, dict[str, Any]] = {}
    for name, item in comparison.scenarios.items():
        for row in explain_rows(item.resolved):
            record = records.setdefault(row.path, {"parameter": row.path})
            record[name] = _typed(row.value)
            record[f"{name} source"] = _source_text(row)
    return pd.DataFrame(list(records.values()))


def write_tables(
    comparison: Comparison,
    output_dir: str | os.PathLike[str],
    lever_effects: Sequence[LeverEffects] | None = None,
) -> list[Path]:
    """Write kpis.csv, comparison.csv, money.csv, assumptions.csv and comparison.xlsx into ``output_dir``.

    ``lever_effects`` (from :func:`sim.report.attribute_levers`) adds the workbook's lever sheet.
    """
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    kpi_rows = comparison.result.kpis
    summary = comparison.summary
    assumptions = differing_parameters(comparison.scenarios)
    method = method_appendix(comparison)
    written = []
    money_rows = money_sheet(comparison)
    for name, frame in (
        ("kpis.csv", kpi_rows),
        ("comparison.csv", summary),
        ("money.csv", money_rows[list(money.MONEY_COLUMNS)]),
        ("assumptions.csv", assumptions),
    ):
        safe_frame(frame).to_csv(folder / name, index=False)
        written.append(folder / name)
    workbook = _new_workbook()
    _write_common(workbook, comparison, lever_effects)
    write_sheet(workbook, "assumptions", differing_parameters(comparison.scenarios, raw=True))
    _write_summary(workbook, "comparison", summary_sheet(comparison))
    write_sheet(workbook, "money", money_rows, column_formats=_money_formats(list(money_rows.columns)))
    write_sheet(workbook, "kpis", kpi_rows, column_formats=_kpi_formats(list(kpi_rows.columns)))
    write_sheet(workbook, "method", method)
    path = folder / "comparison.xlsx"
    workbook.save(path)
    written.append(path)
    return written
