"""The report's tables on disk: CSV for analysts and an Excel workbook for consultants."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from sim.charts.weekly import weekly_data
from sim.report.comparison import Comparison
from sim.report.method import method_appendix
from sim.report.tables import channel_table, differing_parameters, kpi_table


def write_scenario_tables(comparison: Comparison, output_dir: str | os.PathLike[str]) -> list[Path]:
    """Tables of the deep dive: kpis.csv, summary.csv, weekly.csv, channels.csv, scenario.xlsx."""
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    frames = {
        "kpis": comparison.result.kpis,
        "summary": comparison.summary,
        "weekly": weekly_data(comparison.result.weekly),
        "channels": channel_table(comparison.result.leads, comparison.language),
    }
    written = []
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
        written.append(folder / f"{name}.csv")
    with pd.ExcelWriter(folder / "scenario.xlsx", engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    written.append(folder / "scenario.xlsx")
    return written




def write_tables(comparison: Comparison, output_dir: str | os.PathLike[str]) -> list[Path]:
    """Write kpis.csv, comparison.csv, assumptions.csv and comparison.xlsx into ``output_dir``."""
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    kpi_rows = comparison.result.kpis
    summary = comparison.summary
    assumptions = differing_parameters(comparison.scenarios)
    method = method_appendix(comparison)
    written = []
    for name, frame in (
        ("kpis.csv", kpi_rows),
        ("comparison.csv", summary),
        ("assumptions.csv", assumptions),
    ):
        frame.to_csv(folder / name, index=False)
        written.append(folder / name)
    workbook = folder / "comparison.xlsx"
    with pd.ExcelWriter(workbook, engine="openpyxl") as writer:
        kpi_table(comparison).to_excel(writer, sheet_name="summary", index=False)
        summary.to_excel(writer, sheet_name="comparison", index=False)
        kpi_rows.to_excel(writer, sheet_name="kpis", index=False)
        assumptions.to_excel(writer, sheet_name="assumptions", index=False)
        method.to_excel(writer, sheet_name="method", index=False)
    written.append(workbook)
    return written
