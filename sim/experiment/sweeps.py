"""Sensitivity designs: which parameters move a KPI, one at a time and two together.

"Would two more reps matter more than a faster hand-off?" is answered by running the scenario
with each parameter at a low and a high value (a tornado), and by a grid over two parameters
(a heatmap). Every variant is the same scenario file with overrides (as ``--set`` gives), and all
variants see the same leads (common random numbers), so the differences are the parameters'.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim import kpis
from sim.errors import ExperimentError
from sim.experiment.progress import terminal_progress
from sim.experiment.runner import run_experiment
from sim.scenario.overrides import Override, as_overrides
from sim.scenario.spec import ScenarioSpec
from sim.stats import summarize

__all__ = ["one_at_a_time", "two_way_sweep"]


def _check_kpi(kpi: str) -> None:
    try:
        kpis.check(kpi)
    except kpis.KpiError as error:
        raise ExperimentError(str(error)) from None


def _variants_summary(
    base_file: Path,
    variants: Mapping[str, Sequence[Override]],
    kpi: str,
    replications: int,
    seed: int,
    workers: int | None,
    cache_dir: str | os.PathLike[str] | None,
) -> pd.DataFrame:
    """Mean and CI of ``kpi`` for each named list of overrides of one scenario file (CRN)."""
    base = ScenarioSpec(base_file)
    scenarios = {name: base.with_overrides(overrides).load() for name, overrides in variants.items()}
    with terminal_progress() as shown:
        result = run_experiment(
            scenarios, replications=replications, seed=seed, workers=workers,
            cache_dir=cache_dir, progress=shown, tables=False,
        )
    return summarize(result.kpis, kpis_to_compare=[kpi]).set_index("scenario")


def one_at_a_time(
    scenario_file: str | os.PathLike[str],
    ranges: Mapping[str, Sequence[Any]],
    kpi: str = "revenue",
    replications: int = 3,
    seed: int = 0,
    workers: int | None = None,
    overrides: Sequence[str | Override] = (),
    cache_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """One-at-a-time sensitivity: ``kpi`` with each parameter at its low and high value.

    ``ranges`` maps a parameter path (as for ``--set``, e.g. ``sales.reps``) to ``[low, high]``.
    All variants share the seeds (common random numbers). Columns: parameter, setting
    (low/high), parameter_value, value, ci_low, ci_high, base.
    """
    _check_kpi(kpi)
    path = Path(scenario_file)
    if not isinstance(ranges, Mapping) or not ranges:
        raise ExperimentError(
            "ranges must map parameter paths to [low, high], e.g. {'sales.reps': [8, 12]}"
        )
    fixed = as_overrides(overrides)
    variants: dict[str, list[Override]] = {"base": list(fixed)}
    meta = []
    for parameter, values in ranges.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) != 2:
            raise ExperimentError(f"ranges: {parameter}: give [low, high], got {values!r}")
        for setting, value in zip(("low", "high"), values, strict=True):
            name = f"{parameter}={value}"
            variants[name] = [*fixed, Override.at(parameter, value)]
            meta.append((parameter, setting, value, name))
    summary = _variants_summary(path, variants, kpi, replications, seed, workers, cache_dir)
    base = float(summary.loc["base", "mean"])
    rows = [
        {
            "parameter": parameter,
            "setting": setting,
            "parameter_value": value,
            "value": float(summary.loc[name, "mean"]),
            "ci_low": float(summary.loc[name, "ci_low"]),
            "ci_high": float(summary.loc[name, "ci_high"]),
            "base": base,
        }
        for parameter, setting, value, name in meta
    ]
    return pd.DataFrame(rows)


def two_way_sweep(
    scenario_file: str | os.PathLike[str],
    x: str,
    x_values: Sequence[Any],
    y: str,
    y_values: Sequence[Any],
    kpi: str = "revenue",
    replications: int = 3,
    seed: int = 0,
    workers: int | None = None,
    overrides: Sequence[str | Override] = (),
    cache_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """``kpi`` for every combination of two parameters' values: columns x, y, value, ci_low, ci_high."""
    _check_kpi(kpi)
    path = Path(scenario_file)
    if x == y:
        raise ExperimentError(f"the sweep needs two different parameters, got {x!r} twice")
    if not x_values or not y_values:
        raise ExperimentError("the sweep needs at least one value for each parameter")
    fixed = as_overrides(overrides)
    variants = {
        f"{x}={xv}, {y}={yv}": [*fixed, Override.at(x, xv), Override.at(y, yv)]
        for xv in x_values
        for yv in y_values
    }
    summary = _variants_summary(path, variants, kpi, replications, seed, workers, cache_dir)
    rows = []
    for xv in x_values:
        for yv in y_values:
            row = summary.loc[f"{x}={xv}, {y}={yv}"]
            rows.append(
                {
                    x: xv,
                    y: yv,
                    "value": float(row["mean"]),
                    "ci_low": float(row["ci_low"]),
                    "ci_high": float(row["ci_high"]),
                }
            )
    return pd.DataFrame(rows)


