"""Running a workshop setup: the starting point, the edited setup, and their comparison.

A workshop session starts from a scenario file (the *starting point*), lets people move controls
(the *edited setup*), runs both with common random numbers and compares them KPI by KPI with the
paired difference and its 95 % confidence interval. The starting point's result is kept in
memory, so only the edited setup is simulated on a click; the experiment itself is
:func:`sim.experiment.runner.run_experiment`'s.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim import kpis, stats
from sim.metrics import FUNNEL_STEPS, funnel_masks
from sim.money import MoneyComparison, compare_money
from sim.scenario.loader import ScenarioValidationError
from sim.scenario.overrides import Override, as_overrides
from sim.scenario.schema import Scenario
from sim.scenario.spec import ScenarioSpec
from sim.workshop.control_table import ControlTable, WorkshopError, load_control_table
from sim.workshop.controls import (
    Controls,
    control_for,
    control_settings,
    control_words,
    controls_from_scenario,
)
from sim.workshop.settings import RunSettings
from sim.workshop.values import MISSING, complete_distribution, override, same, value_at
from sim.workshop.words import change_words, signed_text


def result_kpis() -> tuple[str, ...]:
    """The KPIs the workshop shows: every headline KPI of :mod:`sim.kpis`, in its order."""
    return kpis.headline_kpis()


@dataclass(frozen=True)
class StartingPoint:
    """A starting scenario file, loaded once: as written, and with the workshop's horizon."""

    file: Path
    scenario: Scenario
    baseline: Scenario
    controls: Controls
    horizon_overrides: tuple[str, ...]
    """The workshop's horizon as ``--set`` texts: what a saved setup's command line quotes."""
    table: ControlTable
    chain: tuple[tuple[str, float], ...] = ()
    """The files it was loaded from, with their modification times."""
    horizon: tuple[Override, ...] = ()
    """The same horizon as overrides (read once from the texts, so a run is what its command reproduces)."""

    @property
    def spec(self) -> ScenarioSpec:
        """The starting file with the workshop's horizon, as a spec to add changes to."""
        return ScenarioSpec(self.file, overrides=self.horizon)


@dataclass(frozen=True)
class Setup:
    """The edited setup: the starting point plus the overrides its changed controls set."""

    start: StartingPoint
    controls: Controls
    settings: dict[str, dict[str, Any]]
    changes: tuple[Override, ...]
    """What the changed controls set, as overrides of the starting file."""
    edited: Scenario
    """The edited scenario as a file would hold it (the file's own horizon)."""
    edited_run: Scenario
    """The edited scenario with the workshop's horizon (what the workshop simulates)."""
    run: RunSettings

    @property
    def baseline(self) -> Scenario:
        """The starting scenario with the workshop's horizon."""
        return self.start.baseline

    @property
    def changed(self) -> bool:
        """Whether any parameter differs from the starting file."""
        return bool(self.changes)

    @property
    def overrides(self) -> tuple[str, ...]:
        """The changes as ``--set`` texts (what a command line would say)."""
        return tuple(change.origin for change in self.changes)

    def run_overrides(self) -> tuple[str, ...]:
        """All ``--set`` overrides the workshop applies to the starting file for the edited run."""
        return (*self.start.horizon_overrides, *self.overrides)


_STARTS: OrderedDict[tuple[Any, ...], StartingPoint] = OrderedDict()
_STARTS_KEPT = 16


def library_of(file: Path) -> Path | None:
    """The scenario folder (with ``levers/``) a starting file belongs to, if any."""
    for folder in (file.parent, file.parent.parent):
        if (folder / "levers").is_dir():
            return folder
    return None


def load_start(
    file: str | os.PathLike[str], run: RunSettings, table: ControlTable | None = None
) -> StartingPoint:
    """Load a starting file; kept in memory while none of the files it extends changes."""
    path = Path(os.path.abspath(file))
    table = table or load_control_table(library_of(path))
    key = (str(path), run.measurement_days, id(table))
    cached = _STARTS.get(key)
    if cached is not None and all(_mtime(Path(name)) == mtime for name, mtime in cached.chain):
        _STARTS.move_to_end(key)
        return cached
    resolved = ScenarioSpec(path).resolve()
    chain = tuple((str(p), _mtime(p)) for p in resolved.chain)
    scenario = resolved.scenario
    texts = run.horizon_overrides(scenario)
    horizon = as_overrides(texts)  # the command-line text RunSettings gives, read once
    baseline = ScenarioSpec(path, overrides=horizon).load() if horizon else scenario
    controls = controls_from_scenario(scenario, table)
    start = StartingPoint(path, scenario, baseline, controls, texts, table, chain, horizon)
    _STARTS[key] = start
    while len(_STARTS) > _STARTS_KEPT:
        _STARTS.popitem(last=False)
    return start


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return math.nan


def build_setup(
    start_file: str | os.PathLike[str] | StartingPoint,
    controls: Controls | Mapping[str, Any] | None = None,
    run: RunSettings | None = None,
) -> Setup:
    """The edited setup for ``controls`` (a :class:`Controls`, or only the changed controls).

    Raises :class:`WorkshopError` or :class:`sim.scenario.loader.ScenarioValidationError` (with
    problems named by control) for values the controls or the schema do not allow.
    """
    run = run or RunSettings()
    start = start_file if isinstance(start_file, StartingPoint) else load_start(start_file, run)
    if controls is None:
        controls = start.controls
    elif not isinstance(controls, Controls):
        controls = start.controls.replace(**dict(controls))
    settings = control_settings(controls, start.controls, start.scenario, start.table)
    data = start.scenario.model_dump(mode="json")
    changes: list[Override] = []
    for values in settings.values():
        for path, value in values.items():
            current = value_at(data, path)
            if current is MISSING or not same(complete_distribution(value), current):
                changes.append(override(path, value))
    try:
        edited_run = start.spec.with_overrides(changes).load() if changes else start.baseline
    except ScenarioValidationError as error:
        raise ScenarioValidationError(
            [
                dataclasses.replace(p, location=control_for(p.path, start.table) or p.location)
                for p in error.problems
            ]
        ) from None
    # No control touches the horizon: the file's version is the run's with the file's horizon.
    edited = (
        edited_run.model_copy(update={"horizon": start.scenario.horizon})
        if changes
        else start.scenario
    )
    return Setup(start, controls, settings, tuple(changes), edited, edited_run, run)


def error_message(error: BaseException, table: ControlTable | None = None) -> str:
    """A message for the page: which control or file, what is wrong, in plain words."""
    if isinstance(error, ScenarioValidationError):
        table = table or load_control_table()
        titles = {table.title(name) for name in table.names()}
        lines = []
        for problem in error.problems:
            # A control's value (build_setup names the control), or a line of a scenario file.
            if problem.location in titles or not problem.path:
                where = problem.location
            else:
                where = f"{problem.location}: {problem.path}"
            lines.append(f"{where}: {_plain_bounds(problem.message)}")
        return "\n".join(lines)
    return _plain_bounds(str(error))


def _plain_bounds(text: str) -> str:
    """'an integer >= 1 (got -3)' → 'a whole number of at least 1 (you typed -3)'."""
    text = text.replace("an integer >= ", "a whole number of at least ")
    text = text.replace("an integer", "a whole number")
    text = re.sub(r">= (\S+)", r"at least \1", text)
    text = re.sub(r"<= (\S+)", r"at most \1", text)
    return text.replace("(got ", "(you typed ")


def describe_changes(setup: Setup) -> list[str]:
    """The changed controls in words: ``["Response deadline (SLA): none → 1 h", ...]``."""
    table = setup.start.table
    return [
        f"{table.title(name)}: {control_words(name, setup.start.controls[name], table)} → "
        f"{control_words(name, setup.controls[name], table)}"
        for name in setup.settings
    ]


# =========================================================================== running


@dataclass(frozen=True)
class RunSummary:
    """What the page needs from one scenario's replications: KPI rows and the mean funnel."""

    kpis: pd.DataFrame
    funnel: pd.DataFrame
    seconds: float
    computed: int
    from_cache: int
    funnel_by_replication: pd.DataFrame | None = None
    """Leads per funnel step (columns) and replication (rows), so a prefix can be averaged."""

    @property
    def replications(self) -> int:
        """How many replications the figures average."""
        return len(self.kpis)

    def first(self, replications: int) -> RunSummary:
        """The summary of replications ``0 .. replications - 1`` only (to pair with a partial run)."""
        if replications >= self.replications:
            return self
        if self.funnel_by_replication is None:
            raise ValueError("this summary keeps no funnel per replication")
        counts = self.funnel_by_replication.iloc[:replications]
        return dataclasses.replace(
            self,
            kpis=self.kpis[self.kpis["replication"] < replications].reset_index(drop=True),
            funnel=_mean_of(counts),
            funnel_by_replication=counts,
        )


_RESULTS: OrderedDict[tuple[Any, ...], RunSummary] = OrderedDict()
_RESULTS_KEPT = 24


def clear_memory_cache() -> None:
    """Forget kept starting points and results (for tests and benchmarks)."""
    _RESULTS.clear()
    _STARTS.clear()


def run_scenario(scenario: Scenario, run: RunSettings) -> RunSummary:
    """Replications ``0 .. run.replications - 1`` of one scenario (kept in memory by content)."""
    *_, summary = run_scenario_in_steps(scenario, run)
    return summary


def run_scenario_in_steps(scenario: Scenario, run: RunSettings) -> Iterator[RunSummary]:
    """The summary after each of ``run.refinement_steps()``; the last one has every replication.

    A result already in memory comes at once, complete. Closing the iterator early stops the
    remaining replications.
    """
    from sim.experiment import runner
    from sim.experiment.cache import scenario_content_hash

    key = (scenario_content_hash(scenario), run.seed, run.replications)
    cached = _RESULTS.get(key)
    if cached is not None:
        _RESULTS.move_to_end(key)
        yield dataclasses.replace(cached, seconds=0.0, computed=0, from_cache=run.replications)
        return
    started = time.perf_counter()
    steps = runner.run_experiment_in_steps(
        {"run": scenario},
        run.refinement_steps(),
        seed=run.seed,
        workers=run.workers,
        cache_dir=run.cache_dir,
        progress=False,
    )
    summary = None
    for result in steps:
        counts = funnel_by_replication(result.leads, result.replications)
        summary = RunSummary(
            kpis=result.kpis.drop(columns=["scenario"]).reset_index(drop=True),
            funnel=_mean_of(counts),
            seconds=time.perf_counter() - started,
            computed=result.cache.misses,
            from_cache=result.cache.hits,
            funnel_by_replication=counts,
        )
        yield summary
    assert summary is not None and summary.replications == run.replications
    _RESULTS[key] = summary
    while len(_RESULTS) > _RESULTS_KEPT:
        _RESULTS.popitem(last=False)


def funnel_by_replication(leads: pd.DataFrame, replications: int) -> pd.DataFrame:
    """Leads per funnel step (columns ``FUNNEL_STEPS``) for each replication ``0 .. n - 1`` (rows).

    The nested steps of :func:`sim.metrics.funnel`, counted per replication so that the mean
    over any first replications is at hand.
    """
    masks = pd.DataFrame(funnel_masks(leads), index=leads.index)
    assert tuple(masks.columns) == FUNNEL_STEPS
    counts = masks.groupby(leads["replication"]).sum()
    return counts.reindex(range(replications), fill_value=0)


def _mean_of(counts: pd.DataFrame) -> pd.DataFrame:
    """Leads per funnel step averaged over the replications of ``counts`` (columns ``step``, ``leads``)."""
    return pd.DataFrame({"step": list(FUNNEL_STEPS), "leads": counts.mean().to_numpy(dtype=float)})


@dataclass(frozen=True)
class KpiChange:
    """One KPI, starting point against edited setup, with the paired difference and its CI."""

    kpi: str
    baseline: float
    edited: float
    difference: float
    ci_low: float
    ci_high: float

    @property
    def label(self) -> str:
        """The KPI's name on the page (from the KPI vocabulary)."""
        return kpis.label(self.kpi)

    @property
    def tone(self) -> str:
        """better / worse / changed (no good direction) / unclear (CI includes 0) / same."""
        if _zero(self.difference) and (
            math.isnan(self.ci_low) or (_zero(self.ci_low) and _zero(self.ci_high))
        ):
            return "same"
        if math.isnan(self.ci_low) or math.isnan(self.ci_high) or self.ci_low <= 0 <= self.ci_high:
            return "unclear"
        direction = kpis.direction(self.kpi)
        if direction == 0:
            return "changed"
        return "better" if direction * self.difference > 0 else "worse"

    @property
    def words(self) -> str:
        """The change in words: '€0.42 M more (+21 %)', '4.2 h faster'."""
        return change_words(self.kpi, self.difference, self.baseline)

    @property
    def verdict(self) -> str:
        """How sure we are, in words."""
        return {
            "same": "no change",
            "unclear": "could be chance (the 95 % interval includes no change)",
            "better": "clearly better",
            "worse": "clearly worse",
            "changed": "a clear change",
        }[self.tone]

    @property
    def interval(self) -> str:
        """'95 % CI: +€0.30 M to +€0.64 M'."""
        if math.isnan(self.ci_low) or math.isnan(self.ci_high):
            return "95 % CI: needs at least two replications"
        return (
            f"95 % CI: {signed_text(self.kpi, self.ci_low)} to "
            f"{signed_text(self.kpi, self.ci_high)}"
        )


def _zero(value: float) -> bool:
    return not math.isnan(value) and abs(value) < 1e-12


@dataclass(frozen=True)
class Comparison:
    """The starting point and the edited setup, run with common random numbers."""

    setup: Setup
    baseline: RunSummary
    edited: RunSummary
    changes: tuple[KpiChange, ...]
    seconds: float
    money: MoneyComparison | None = None
    """Net benefit per year and payback of the edited setup against the starting point."""

    def change(self, kpi: str) -> KpiChange:
        """The change of one KPI."""
        return next(change for change in self.changes if change.kpi == kpi)


def compare_runs(
    baseline: RunSummary, edited: RunSummary, shown: Sequence[str] | None = None
) -> tuple[KpiChange, ...]:
    """Mean per setup and the paired difference (replication by replication) with its 95 % CI."""
    names = list(result_kpis() if shown is None else kpis.check(list(shown), "workshop KPIs"))
    table = pd.concat(
        [baseline.kpis.assign(scenario="baseline"), edited.kpis.assign(scenario="edited")],
        ignore_index=True,
    )
    summary = stats.summarize(table, reference="baseline", kpis_to_compare=names)
    changes = []
    for kpi in names:
        rows = summary[summary["kpi"] == kpi].set_index("scenario")
        if rows.empty:
            raise WorkshopError(f"KPI {kpi!r} is in sim/kpis.py but the comparison has no value")
        changes.append(
            KpiChange(
                kpi=kpi,
                baseline=float(rows.loc["baseline", "mean"]),
                edited=float(rows.loc["edited", "mean"]),
                difference=float(rows.loc["edited", "diff_vs_reference"]),
                ci_low=float(rows.loc["edited", "diff_ci_low"]),
                ci_high=float(rows.loc["edited", "diff_ci_high"]),
            )
        )
    return tuple(changes)


def compare_money_of_runs(baseline: RunSummary, edited: RunSummary) -> MoneyComparison:
    """Net benefit per year and payback of ``edited`` against ``baseline`` (:mod:`sim.money`)."""
    table = pd.concat(
        [baseline.kpis.assign(scenario="baseline"), edited.kpis.assign(scenario="edited")],
        ignore_index=True,
    )
    return compare_money(table, "edited", "baseline")


def compare_setup(setup: Setup) -> Comparison:
    """Run the starting point (kept in memory) and the edited setup; compare them."""
    *_, comparison = compare_setup_in_steps(setup)
    return comparison


def compare_setup_in_steps(setup: Setup) -> Iterator[Comparison]:
    """The comparison after each of the edited setup's ``run.refinement_steps()``.

    The starting point runs in full first (it is in memory after the page opened); each step pairs
    the edited setup's replications so far with the same replications of the starting point, so
    every partial comparison is a paired one and the last is :func:`compare_setup`'s.
    """
    started = time.perf_counter()
    baseline = run_scenario(setup.baseline, setup.run)
    for edited in run_scenario_in_steps(setup.edited_run, setup.run):
        paired = baseline.first(edited.replications)
        yield Comparison(
            setup, paired, edited, compare_runs(paired, edited), time.perf_counter() - started,
            compare_money_of_runs(paired, edited),
        )
