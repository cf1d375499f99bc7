"""Rich tables and numbers as the commands print them, worded by the KPI vocabulary (``sim.kpis``)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.console import Console, JustifyMethod
from rich.table import Table

from sim import kpis as kpi_vocabulary


def format_number(value: float, kpi: str = "") -> str:
    """A KPI value as a manager reads it, formatted by the KPI vocabulary."""
    return kpi_vocabulary.format_kpi(kpi, value)


def format_difference(value: float, kpi: str = "") -> str:
    """A difference with its sign; differences of shares in percentage points."""
    return kpi_vocabulary.format_kpi(kpi, value, signed=True)


def interval(low: float, high: float, kpi: str, difference: bool = False) -> str:
    """A 95% interval as "low … high", or "–" when it is unknown."""
    if math.isnan(low) or math.isnan(high):
        return "–"
    show = format_difference if difference else format_number
    return f"{show(low, kpi)} … {show(high, kpi)}"


def kpi_cell(kpi: str) -> str:
    """The KPI's column name, with its clock for a response KPI (the clock chosen in sim.kpis)."""
    try:
        words = kpi_vocabulary.get(kpi).clock_words()
    except kpi_vocabulary.KpiError:
        words = ""
    return f"{kpi} ({words})" if words else kpi


def titled_table(title: str, columns: Sequence[tuple[str, JustifyMethod]]) -> Table:
    """An empty table with a title and justified columns."""
    table = Table(title=title)
    for column, justify in columns:
        table.add_column(column, justify=justify)
    return table


def wide_console() -> Console:
    """A console for results; piped or redirected, it is wide enough not to wrap the tables."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=max(console.width, 160))
    return console
