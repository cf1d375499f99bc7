"""A comparison of org setups as a report holds it: the files, the experiment and its summary.

The experiment itself is run by ``sim.experiment.comparison``; this module keeps what the
report's sections need next to it – which file each setup came from, the reference, the KPIs in
focus, the language – and answers the small questions the sections ask (a KPI's summary row,
"clearly better or not", each setup's calendar and SLA).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim import kpis
from sim.charts.kpi import assessment
from sim.errors import ReportError
from sim.experiment import ExperimentResult
from sim.experiment.comparison import START_REPLICATIONS, ComparisonPrecision, compare_scenarios
from sim.report.scenarios import ScenarioFile, load_scenario_files
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Comparison:
    """An experiment over scenario files, summarised for a report."""

    scenarios: dict[str, ScenarioFile]
    result: ExperimentResult
    summary: pd.DataFrame
    reference: str
    kpi_focus: tuple[str, ...]
    language: str = "en"
    title: str = ""
    workers: int | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    precision: ComparisonPrecision | None = None
    """The precision of the headline difference reached, and the replications that took."""

    @property
    def names(self) -> list[str]:
        """Scenario names, reference first."""
        return [self.reference, *[n for n in self.scenarios if n != self.reference]]

    def scenario(self, name: str) -> Scenario:
        """The scenario called ``name``."""
        return self.scenarios[name].scenario


def run_comparison(
    scenario_files: Sequence[str | os.PathLike[str]] | Mapping[str, ScenarioFile],
    reference: str | None = None,
    replications: int = 3,
    seed: int = 0,
    workers: int | None = None,
    kpi_focus: Sequence[str] | None = None,
    language: str = "en",
    title: str = "",
    cache_dir: str | os.PathLike[str] | None = None,
    precision: float | None = None,
    start_replications: int = START_REPLICATIONS,
) -> Comparison:
    """Load the scenario files, have ``sim.experiment`` compare them, and keep what a report shows.

    ``kpi_focus`` defaults to the vocabulary's headline KPIs (``sim.kpis.headline_kpis``). Without
    ``precision`` every setup runs exactly ``replications``; with it, ``replications`` is the cap
    and the comparison stops once the net benefit per year of every setup is known to within
    ``precision`` (e.g. 0.1 for ±10 %) – see ``sim.experiment.comparison``.
    """
    loaded = (
        dict(scenario_files)
        if isinstance(scenario_files, Mapping)
        else load_scenario_files(scenario_files)
    )
    if reference is not None and reference not in loaded:
        # A reference given by the scenario's name (as in kpis.csv) finds its titled entry.
        reference = next(
            (key for key, file in loaded.items() if file.scenario.name == reference), reference
        )
    if reference is not None and reference not in loaded:
        raise ReportError(
            f"reference {reference!r} is not one of the scenarios: {', '.join(loaded)}"
        )
    focus = tuple(kpis.check(list(kpi_focus), "kpi_focus")) if kpi_focus else kpis.headline_kpis()
    started = time.perf_counter()
    compared = compare_scenarios(
        {name: file.scenario for name, file in loaded.items()},
        reference=reference,
        replications=replications,
        seed=seed,
        workers=workers,
        cache_dir=cache_dir,
        precision=precision,
        start_replications=start_replications,
    )
    ordered = {name: loaded[name] for name in compared.result.scenarios}
    return Comparison(
        scenarios=ordered,
        result=compared.result,
        summary=compared.summary,
        reference=compared.reference,
        kpi_focus=focus,
        language=language,
        title=title,
        workers=workers,
        seconds=time.perf_counter() - started,
        precision=compared.precision,
    )


def kpi_row(comparison: Comparison, kpi: str, scenario: str) -> pd.Series:
    """The summary row of ``kpi`` for ``scenario`` (KeyError when the summary lacks it)."""
    rows = comparison.summary[
        (comparison.summary["kpi"] == kpi) & (comparison.summary["scenario"] == scenario)
    ]
    if rows.empty:
        raise KeyError((kpi, scenario))
    return rows.iloc[0]


def verdict(kpi: str, low: float, high: float) -> str | None:
    """``clearly_better``, ``clearly_worse`` or ``unclear`` from a difference's CI; None for a volume."""
    if kpis.direction(kpi) == 0:
        return None
    return {"better": "clearly_better", "worse": "clearly_worse"}.get(
        assessment(kpi, low, high), "unclear"
    )


def calendars(comparison: Comparison) -> dict[str, Any]:
    """Each scenario's business calendar (for response times in business hours)."""
    return {name: comparison.scenario(name).calendar for name in comparison.names}


def sla_hours(comparison: Comparison) -> dict[str, float]:
    """The first-response target in business hours of each scenario with an agreed SLA.

    A setup without a written SLA (``sla.agreed: false``) has no line in the response chart:
    its target is only the yardstick of ``sla_met_share``.
    """
    return {
        name: comparison.scenario(name).sla.first_contact_business_hours
        for name in comparison.names
        if comparison.scenario(name).sla.agreed
    }


def response_markers(comparison: Comparison, kpi: str = "median_response_hours") -> dict[str, float]:
    """Each scenario's mean of the response KPI the chart marks (the summary's value)."""
    return {name: float(kpi_row(comparison, kpi, name)["mean"]) for name in comparison.names}
