"""What each lever contributes: the attribution of ``sim.experiment.attribution``, presented.

A target setup such as the customer-happiness team is the reference plus lever overlays. The
report does not compute the split itself: it asks the one attribution algorithm of
``sim.experiment.attribution`` for each setup built that way, and shows its table as bars with
intervals and as a table with each lever's effect alone and on the path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim import kpis
from sim.experiment import attribution
from sim.experiment.progress import terminal_progress
from sim.report.comparison import Comparison
from sim.report.parameters import MIN_LEVER_REPLICATIONS, check_whole_number
from sim.report.scenarios import ScenarioFile
from sim.report.tables import table_html
from sim.report.texts import note
from sim.scenario.loader import file_title

LEVER_REPLICATIONS = 10
"""Replications per lever subset by default. An attribution simulates every subset of a setup's
levers (2^k scenarios), so it costs far more than the comparison: a report compares its setups
over more replications (30) and attributes over the comparison's first ten."""
_TABLE_COLUMNS = {
    "shapley": ("Contribution (Shapley value)", "Beitrag (Shapley-Wert)"),
    "alone": ("Lever alone", "Hebel allein"),
    "last": ("Added last", "Als letzter hinzugefügt"),
    "step": ("Step on the path", "Schritt auf dem Pfad"),
}


@dataclass(frozen=True)
class LeverEffects:
    """The attribution of one target setup's difference to the reference, lever by lever."""

    target: str
    kpi: str
    table: pd.DataFrame
    runs: attribution.SubsetRuns | None = None
    """The subset runs behind ``table``: the portfolio chart prices the same runs."""
    comparison_replications: int = 0
    """Replications of the comparison the summary quotes."""

    @property
    def replications(self) -> int:
        """Replications per lever subset: the comparison's first ones (same leads)."""
        return self.runs.replications if self.runs is not None else 0


def lever_overlays(reference: ScenarioFile, target: ScenarioFile) -> list[Path]:
    """The overlay files ``target`` adds on top of ``reference``, in extends order."""
    return attribution.lever_files_between(reference.resolved, target.resolved)


def attribution_kpi(comparison: Comparison) -> str:
    """The KPI to attribute: the first money KPI in focus, else the first KPI in focus."""
    money = [kpi for kpi in comparison.kpi_focus if kpis.get(kpi).kind == "money"]
    return (money or list(comparison.kpi_focus))[0]


def attribute_levers(
    comparison: Comparison,
    kpi: str | None = None,
    workers: int | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    replications: int | None = LEVER_REPLICATIONS,
) -> list[LeverEffects]:
    """Each setup that is the reference plus lever overlays, attributed by ``sim.experiment``.

    Over the comparison's first ``replications`` (all of them if None or fewer) with its seed:
    the same leads (common random numbers); with a cache, the comparison's own runs of the
    reference and the target are read from it. Setups that add no overlay to the reference are left
    out, and so is everything with fewer than two replications (an attribution's intervals need two).
    """
    kpi = kpis.check(kpi, "lever attribution")[0] if kpi else attribution_kpi(comparison)
    available = comparison.result.replications
    if replications is not None:
        check_whole_number("lever_replications", replications, MIN_LEVER_REPLICATIONS)
    used = available if replications is None else min(replications, available)
    if used < MIN_LEVER_REPLICATIONS:
        return []
    reference = comparison.scenarios[comparison.reference]
    found = []
    for name in comparison.names[1:]:
        target = comparison.scenarios[name]
        if not lever_overlays(reference, target):
            continue
        with terminal_progress() as shown:
            result = attribution.run_attribution(
                reference.path,
                target.path,
                kpi=kpi,
                replications=used,
                seed=comparison.result.seed,
                workers=workers if workers is not None else comparison.workers,
                cache_dir=cache_dir,
                progress=shown,
            )
        table, runs = result.effects, result.subset_runs
        titles = {attribution.lever_name(path): file_title(path) for path in lever_overlays(reference, target)}
        if "lever" in table.columns:
            table = table.assign(lever=[titles.get(str(lever), str(lever)) for lever in table["lever"]])
        found.append(LeverEffects(name, kpi, table, runs, available))
    return found


def lever_note(effects: LeverEffects, language: str = "en") -> str:
    """The note that says how to read the lever chart (Shapley values or steps on a path).

    When the levers were attributed over fewer replications than the comparison, it says so and
    gives the difference they add up to, which differs from the summary's by sampling alone.
    """
    key = "shapley_note" if "shapley_mean" in effects.table.columns else "waterfall_note"
    label = kpis.label(effects.kpi, language)
    shown = note(key, language, kpi=label, target=effects.target)
    if 0 < effects.replications < effects.comparison_replications:
        total = effects.table.attrs["total_difference"]  # all levers - none: the Shapley values' sum
        shown += note(
            "lever_replications_note",
            language,
            reps=effects.replications,
            of=effects.comparison_replications,
            kpi=label,
            total=kpis.format_number(total, kpis.get(effects.kpi).kind, language, signed=True, compact=True),
        )
    return shown


def lever_table(effects: LeverEffects, language: str = "en") -> pd.DataFrame:
    """Per lever, each measure the attribution gives as "value [low; high]" (signed)."""
    kind = kpis.get(effects.kpi).kind
    lever_title = "Lever" if kpis.check_language(language) == "en" else "Hebel"

    def cell(row: pd.Series, prefix: str) -> str:
        value, low, high = (row[f"{prefix}_{part}"] for part in ("mean", "ci_low", "ci_high"))
        if pd.isna(value):
            return "–"
        shown = [kpis.format_number(v, kind, language, signed=True) for v in (value, low, high)]
        return f"{shown[0]} [{shown[1]}; {shown[2]}]"

    prefixes = [p for p in _TABLE_COLUMNS if f"{p}_mean" in effects.table.columns]
    rows = []
    for _, row in effects.table.iterrows():
        record = {lever_title: str(row["lever"])}
        for prefix in prefixes:
            titles = _TABLE_COLUMNS[prefix]
            record[titles[0] if language == "en" else titles[1]] = cell(row, prefix)
        rows.append(record)
    return pd.DataFrame(rows)


def lever_table_html(effects: LeverEffects, language: str = "en") -> str:
    """:func:`lever_table` as an escaped HTML table."""
    return table_html(lever_table(effects, language))
