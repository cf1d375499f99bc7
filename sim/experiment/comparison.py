"""Compare org setups: every scenario run with the same leads, summarised against a reference.

"What does the customer-happiness team buy us compared with separate departments?" is one
experiment: replication r of every setup sees the same leads (common random numbers), and the
summary gives each KPI's mean with its 95 % interval and the paired difference to the reference.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from sim.errors import ExperimentError
from sim.experiment.progress import terminal_progress
from sim.experiment.runner import ExperimentResult, run_experiment
from sim.scenario.schema import Scenario
from sim.stats import summarize


@dataclass(frozen=True)
class ScenarioComparison:
    """The replications of every setup and their summary against the reference."""

    result: ExperimentResult
    summary: pd.DataFrame
    reference: str


def compare_scenarios(
    scenarios: Mapping[str, Scenario],
    reference: str | None = None,
    replications: int = 3,
    seed: int = 0,
    workers: int | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
) -> ScenarioComparison:
    """Run every scenario (reference first) with common random numbers and summarise them."""
    names = list(scenarios)
    if not names:
        raise ExperimentError("no scenarios to compare")
    reference = names[0] if reference is None else reference
    if reference not in scenarios:
        raise ExperimentError(
            f"reference {reference!r} is not one of the scenarios: {', '.join(names)}"
        )
    ordered = {reference: scenarios[reference], **{n: s for n, s in scenarios.items() if n != reference}}
    with terminal_progress(progress) as shown:
        result = run_experiment(
            ordered, replications=replications, seed=seed, workers=workers,
            cache_dir=cache_dir, progress=shown,
        )
    return ScenarioComparison(result, summarize(result.kpis, reference=reference), reference)
