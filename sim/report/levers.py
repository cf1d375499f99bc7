"""What each lever contributes: the attribution of ``sim.experiment.attribution``, presented.

A target setup such as the customer-happiness team is the reference plus lever overlays. The
report does not compute the split itself: it asks the one attribution algorithm of
``sim.experiment.attribution`` for each setup built that way, and shows its table as bars with
intervals and as a table with each lever's effect alone and when added last.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim import kpis
from sim.experiment import attribution, shapley
from sim.experiment.progress import describing, terminal_progress
from sim.report.comparison import Comparison
from sim.report.parameters import MIN_LEVER_REPLICATIONS, check_whole_number
from sim.report.scenarios import ScenarioFile
from sim.report.tables import table_html
from sim.report.texts import note, text
from sim.scenario.loader import file_title

LEVER_REPLICATIONS = 10
"""Replications per lever subset by default (the cap when the attribution runs by precision). An
attribution simulates every subset of a setup's levers (2^k scenarios), so it costs far more than
the comparison: it uses the comparison's first replications (the same leads)."""
LEVER_BAND = attribution.DEFAULT_BAND
"""``leadsim report``'s practical band: more replications only while a lever's interval crosses
zero and reaches beyond ±3 % of the total difference, or two adjacent levers' order is open."""
_TABLE_COLUMNS = {
    "shapley": ("Contribution (Shapley value)", "Beitrag (Shapley-Wert)"),
    "alone": ("Lever alone", "Hebel allein"),
    "last": ("Added last", "Als letzter hinzugefügt"),
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
    band: float | None = None
    """The practical band (share of the total difference) when run by precision; None when fixed."""

    @property
    def replications(self) -> int:
        """Replications per lever subset: the comparison's first ones (same leads)."""
        return self.runs.replications if self.runs is not None else 0

    def distinguishable(self) -> dict[str, str]:
        """Per lever (as shown): ``nonzero`` (its interval excludes zero), ``negligible`` (inside the
        practical band) or ``open``; without a band, only ``nonzero`` or ``open``."""
        total = abs(float(self.table.attrs.get("total_difference", 0.0)))
        width = (self.band or 0.0) * total
        found = {}
        for _, row in self.table.iterrows():
            low, high = float(row["shapley_ci_low"]), float(row["shapley_ci_high"])
            if low > 0 or high < 0:
                found[str(row["lever"])] = shapley.NONZERO
            elif width > 0 and -width <= low and high <= width:
                found[str(row["lever"])] = shapley.NEGLIGIBLE
            else:
                found[str(row["lever"])] = shapley.OPEN
        return found


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
    band: float | None = None,
) -> list[LeverEffects]:
    """Each setup that is the reference plus lever overlays, attributed by ``sim.experiment``.

    Over the comparison's first ``replications`` (all of them if None or fewer) with its seed:
    the same leads (common random numbers); with a cache, the comparison's own runs of the
    reference and the target are read from it. Setups that add no overlay to the reference are left
    out, and so is everything with fewer than two replications (an attribution's intervals need two).
    With a ``band`` (share of the total difference, e.g. 0.03) ``replications`` is the cap: the
    attribution starts at two and adds replications only while a lever or a ranking is open.
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
        with terminal_progress() as shown, describing("lever combinations"):
            result = attribution.run_attribution(
                reference.path,
                target.path,
                kpi=kpi,
                replications=used,
                seed=comparison.result.seed,
                workers=workers if workers is not None else comparison.workers,
                cache_dir=cache_dir,
                progress=shown,
                band=band,
            )
        table, runs = result.effects, result.subset_runs
        titles = {attribution.lever_name(path): file_title(path) for path in lever_overlays(reference, target)}
        table = table.assign(lever=[titles.get(str(lever), str(lever)) for lever in table["lever"]])
        found.append(LeverEffects(name, kpi, table, runs, available, band))
    return found


def lever_note(effects: LeverEffects, language: str = "en") -> str:
    """The note that says how to read the lever chart (each lever's Shapley value).

    When the levers were attributed over fewer replications than the comparison, it says so and
    gives the difference they add up to, which differs from the summary's by sampling alone.
    """
    label = kpis.label(effects.kpi, language)
    shown = note("shapley_note", language, kpi=label, target=effects.target)
    runs = effects.runs
    if effects.band is not None and runs is not None and runs.cap is not None:
        kind = kpis.get(effects.kpi).kind
        total = abs(float(effects.table.attrs.get("total_difference", 0.0)))
        shown += note(
            "lever_precision_note", language, reps=runs.replications, cap=runs.cap,
            band=kpis.format_number(effects.band, "share", language),
            width=kpis.format_number(effects.band * total, kind, language, compact=True),
        )
        still_open = _still_open(effects)
        if still_open:
            shown += note("lever_precision_open", language, open=still_open)
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


def _still_open(effects: LeverEffects) -> str:
    """The levers and neighbouring rankings the attribution left open, in words."""
    runs = effects.runs
    found = runs.resolution if runs is not None else None
    if runs is None or found is None:
        return ""
    # The table's rows are the plan's levers in order, with the titles a reader sees.
    titles = dict(zip(runs.plan.names, (str(lever) for lever in effects.table["lever"]), strict=True))
    named = []
    for item in found.unresolved:
        named.append(" vs. ".join(titles.get(part, part) for part in item.split(" vs. ")))
    return "; ".join(named)


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

    zero = effects.distinguishable()
    width = kpis.format_number(
        (effects.band or 0.0) * abs(float(effects.table.attrs.get("total_difference", 0.0))), kind, language,
        compact=True,
    )
    answers = {
        shapley.NONZERO: text("lever_zero_yes", language),
        shapley.NEGLIGIBLE: text("lever_zero_negligible", language, width=width),
        shapley.OPEN: text("lever_zero_no", language),
    }
    rows = []
    for _, row in effects.table.iterrows():
        record = {lever_title: str(row["lever"])}
        for prefix, titles in _TABLE_COLUMNS.items():
            record[titles[0] if language == "en" else titles[1]] = cell(row, prefix)
        record[text("lever_zero", language)] = answers[zero[str(row["lever"])]]
        rows.append(record)
    return pd.DataFrame(rows)


def lever_table_html(effects: LeverEffects, language: str = "en") -> str:
    """:func:`lever_table` as an escaped HTML table."""
    return table_html(lever_table(effects, language))
