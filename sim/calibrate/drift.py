"""Drift between two calibrations: is the client still on plan?

An analyst re-calibrates every week from the latest export and wants to know what changed since
last time: more or fewer leads, slower responses, lower conversion. Two ``fit.csv`` tables hold
the observed values with their 95 % intervals; a change counts as drift when it is larger than
both intervals together allow (the same rule as ``within_tolerance``), so noise is not flagged.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd

from sim.errors import LeadsimError
from sim.files import read_regular

OBSERVED_COLUMNS = ("target", "observed", "observed_ci_low", "observed_ci_high")
MAX_FIT_TABLE_BYTES = 10 * 1024 * 1024
"""A fit.csv holds one row per target (a few KB); a larger file is not one calibrate wrote."""


class DriftError(LeadsimError):
    """The previous calibration cannot be read."""


def read_previous(folder: Path) -> pd.DataFrame:
    """The observed columns of a previous calibration folder's ``fit.csv``."""
    path = folder / "fit.csv" if folder.is_dir() else folder
    try:
        table = pd.read_csv(io.BytesIO(read_regular(path, MAX_FIT_TABLE_BYTES)))
    except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DriftError(f"--previous {folder}: cannot read {path.name} of the previous calibration ({error})") from None
    missing = [column for column in OBSERVED_COLUMNS if column not in table]
    if missing:
        raise DriftError(f"--previous {folder}: {path.name} lacks column(s) {', '.join(missing)}; is it a leadsim calibration?")
    return table.loc[:, list(OBSERVED_COLUMNS)]


def drift_table(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Per target both observations, the change, and whether it is beyond both intervals."""
    merged = previous.merge(current.loc[:, list(OBSERVED_COLUMNS)], on="target", suffixes=("_previous", "_current"))
    rows = []
    for row in merged.itertuples(index=False):
        half_previous = _half(row.observed_ci_low_previous, row.observed_ci_high_previous)
        half_current = _half(row.observed_ci_low_current, row.observed_ci_high_current)
        change = float(row.observed_current) - float(row.observed_previous)
        rows.append({
            "target": row.target,
            "previous": row.observed_previous,
            "previous_ci_low": row.observed_ci_low_previous,
            "previous_ci_high": row.observed_ci_high_previous,
            "current": row.observed_current,
            "current_ci_low": row.observed_ci_low_current,
            "current_ci_high": row.observed_ci_high_current,
            "change": change,
            "relative_change": change / float(row.observed_previous) if row.observed_previous else math.nan,
            "drift": bool(abs(change) > math.hypot(half_previous, half_current) + 1e-12),
        })
    return pd.DataFrame(rows)


def _half(low: float, high: float) -> float:
    return 0.0 if math.isnan(low) or math.isnan(high) else (float(high) - float(low)) / 2


def drift_markdown(table: pd.DataFrame, previous: str) -> str:
    """The drift section of ``calibration.md``."""
    lines = [f"## Changes since {previous}", ""]
    flagged = table[table["drift"]]
    if flagged.empty:
        lines.append("No target changed beyond its 95 % intervals.")
    for row in flagged.itertuples(index=False):
        lines.append(
            f"- **drift** {row.target}: {row.previous:.4g} → {row.current:.4g} "
            f"({row.relative_change:+.0%}), beyond both 95 % intervals"
        )
    return "\n".join(lines) + "\n"
