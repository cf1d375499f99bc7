"""Why a KPI is empty: a reason for every KPI that cannot be computed in a replication.

A manager who sees "–" for the median response time must learn why: no lead was contacted, so
there is no response time to take a median of. A KPI that has no value stays empty (NaN) in the
KPI table – never a made-up 0 – and the ``notes`` column says why, one ``kpi: reason`` per KPI.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

NOTES_COLUMN = "notes"

REASONS: dict[str, str] = {
    "conversion_rate": "no lead was created in the measurement window",
    "median_response_hours": "no lead was contacted",
    "mean_response_hours": "no lead was contacted",
    "p90_response_hours": "no lead was contacted",
    "sla_met_share": "no lead was handed over to sales",
    "first_hour_share": "no lead was handed over to sales",
    "never_contacted_share": "no lead was handed over to sales",
    "cold_share": "no lead was contacted",
    "ignored_share": "no marketing lead was handed over to sales",
    "rep_utilization": "the reps had no working hours",
    "roi": "the costs are zero",
    "customers_satisfied_share": "no deal was won",
    "churned_share": "no deal was won",
}
"""The one reason each KPI can be empty for (the denominator that was zero)."""


def _missing(value: Any) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def kpi_notes(kpis_row: Mapping[str, Any]) -> str:
    """``'kpi: reason; kpi: reason'`` for every KPI of one replication that has no value."""
    notes = []
    for kpi, value in kpis_row.items():
        if kpi in REASONS and _missing(value):
            notes.append(f"{kpi}: {REASONS[kpi]}")
    return "; ".join(notes)


def with_notes(kpis: pd.DataFrame) -> pd.DataFrame:
    """The KPI table with a ``notes`` column (empty text where every KPI has a value)."""
    table = kpis.copy()
    table[NOTES_COLUMN] = [kpi_notes(row) for row in kpis.to_dict("records")]
    return table


def reasons_for(kpis: pd.DataFrame, shown: Iterable[str]) -> dict[str, str]:
    """For the shown KPIs that are empty in some replication: the reason and in how many."""
    found: dict[str, str] = {}
    for kpi in shown:
        if kpi in REASONS and kpi in kpis:
            empty = int(kpis[kpi].isna().sum())
            if empty:
                found[kpi] = f"{REASONS[kpi]} (in {empty} of {len(kpis)} replications)"
    return found
