"""Spreadsheet-safe cells: user text in a CSV or workbook is never run as a formula.

Scenario names, titles, descriptions and YAML comments end up in the tables leadsim writes.
Excel, LibreOffice and Google Sheets treat a cell that begins with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return as a formula (``=HYPERLINK(...)``, ``-2+3+cmd|' /C calc'!A0``), so a
hostile scenario file could make a consultant's spreadsheet fetch URLs or run commands. Following
the OWASP rule, such text gets a leading single quote: shown as text, never evaluated. Numbers
stay numbers (a -3.2 is a float cell, not text), and so does text that is exactly one plain
number (``"-3.2"``), which a spreadsheet reads as that number and nothing else.

Every CSV and workbook writer goes through :func:`safe_frame` (or :func:`safe_cell` for single
values): the commands' result folders, the report's tables and workbooks, the notebooks' tables
and ``leadsim explain --format csv``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)."""

QUOTE = "'"
"""What neutralised text begins with: spreadsheets show it as text and evaluate nothing."""

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (a plain number literal is not one)."""
    return text.startswith(FORMULA_STARTS) and _PLAIN_NUMBER.fullmatch(text) is None


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet may show it: formula-like text quoted, anything else unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return QUOTE + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with formula-like text quoted in cells and headers; numbers untouched."""
    import pandas as pd  # here, not at the top: safe_cell serves commands that never load pandas

    safe = frame.copy()
    if not isinstance(safe.columns, pd.MultiIndex):
        safe.columns = safe.columns.map(safe_cell)
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        # Numeric, boolean and date columns cannot hold text: left as they are, dtype and all.
        if (
            pd.api.types.is_numeric_dtype(column)
            or pd.api.types.is_bool_dtype(column)
            or pd.api.types.is_datetime64_any_dtype(column)
            or pd.api.types.is_timedelta64_dtype(column)
        ):
            continue
        texts = column.astype(object)
        quoted = texts.map(safe_cell)
        if not quoted.equals(texts):  # a column without formula-like text keeps its dtype
            safe.isetitem(position, quoted)
    return safe
