"""Why a KPI is empty: kept importable for older callers; the reasons live in :mod:`sim.kpis`."""

from __future__ import annotations

from sim.kpis import NOTES_COLUMN, kpi_notes, reasons_for, with_notes

__all__ = ["NOTES_COLUMN", "kpi_notes", "reasons_for", "with_notes"]
