"""Experiments: many replications of one or more scenarios, so that differences are real, not luck.

A consultant asks whether a shared team earns more than separate departments. One simulated
year is one draw; an experiment runs replication r of *every* scenario with the same random
numbers (``simulate(scenario, seed, r)``), so two org designs face the same leads and their
difference is measured replication by replication. Replications run serially, on local worker
processes or on a Dask cluster - with identical results - and each finished replication is
kept in a result cache, so a re-run or a run killed half-way redoes only what is missing.

Example::

    from sim.experiment.runner import run_experiment
    from sim.stats import summarize
    result = run_experiment({"today": today, "shared_team": shared}, replications=30, seed=1)
    summarize(result.kpis, kpis_to_compare=["revenue", "median_response_hours"])
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Self

import numpy as np
import pandas as pd

from sim import stats
from sim.errors import ExperimentError
from sim.experiment import progress as progress_report
from sim.experiment.budget import replication_cpu_seconds
from sim.experiment.cache import (
    CacheStats,
    ReplicationCache,
    ReplicationRecord,
    replication_key,
)
from sim.experiment.executors import (
    ReplicationTask,
    _open_runner,
    _Runner,
    check_scheduler_address,
)
from sim.kpis import WEEKLY_KPIS, kpi_columns
from sim.metrics import KPI_COLUMNS
from sim.outputs import DEFAULT_CACHE_DIR
from sim.scenario.schema import Scenario

logger = logging.getLogger(__name__)

DEFAULT = DEFAULT_CACHE_DIR
"""The default cache folder (``.leadsim-cache/`` in the working directory)."""
PRECISION_KPIS = tuple(name for name in KPI_COLUMNS if name not in ("scenario", "replication"))

ScenarioInput = Sequence[Scenario] | Mapping[str, Scenario]
CachePath = str | os.PathLike[str] | None


@dataclass(frozen=True)
class ExperimentResult:
    """All replications of all scenarios, as flat tables with a ``scenario`` column."""

    kpis: pd.DataFrame
    leads: pd.DataFrame
    weekly: pd.DataFrame
    scenarios: dict[str, Scenario]
    seed: int
    replications: int
    replications_needed: int | None = None
    precision_reached: bool | None = None
    cache: CacheStats = field(default_factory=CacheStats)
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def reference(self) -> str:
        """Name of the reference scenario (the first one)."""
        return next(iter(self.scenarios))


@dataclass(frozen=True)
class PrecisionOutcome:
    """How a sequential run ended: replications kept, replications needed, target met or not."""

    replications: int
    replications_needed: int | None
    precision_reached: bool


# ------------------------------------------------------------------ validation


def unique_scenarios(scenarios: ScenarioInput) -> dict[str, Scenario]:
    """Scenarios by unique name, in order; a repeated name gets ``-2``, ``-3``, ... appended."""
    items = list(scenarios.items()) if isinstance(scenarios, Mapping) else [(None, s) for s in scenarios]
    if not items:
        raise ExperimentError("an experiment needs at least one scenario")
    named: dict[str, Scenario] = {}
    for given, scenario in items:
        if not isinstance(scenario, Scenario):
            raise ExperimentError(f"expected a Scenario, got {type(scenario).__name__}")
        base = str(given) if given is not None else scenario.name
        name, suffix = base, 2
        while name in named:
            name, suffix = f"{base}-{suffix}", suffix + 1
        named[name] = scenario if scenario.name == name else scenario.model_copy(update={"name": name})
    return named


def _check_count(label: str, value: object, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ExperimentError(f"{label} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _resolve_workers(workers: int | None) -> int:
    if workers is None:
        return os.cpu_count() or 1
    return _check_count("workers", workers)


def show_progress(progress: bool | None) -> bool:
    """Whether to draw a progress bar: as asked, else only on a terminal outside CI."""
    if progress is not None:
        return progress
    return sys.stderr.isatty() and not os.environ.get("CI")


# -------------------------------------------------------------------- sessions


class _Session:
    """The replications of one experiment so far: cache look-ups, workers, progress."""

    def __init__(
        self,
        scenarios: dict[str, Scenario],
        seed: int,
        workers: int,
        scheduler: str | None,
        cache_dir: CachePath,
        progress: bool,
        tables: bool = True,
        announce: bool = False,
        up_to: int | None = None,
    ) -> None:
        self.scenarios = scenarios
        self.tables = tables
        self.seed = seed
        self.workers = workers
        self.scheduler = scheduler
        self.cache = None if cache_dir is None else ReplicationCache(cache_dir)
        self.runner: _Runner | None = None
        self.records: dict[tuple[str, int], ReplicationRecord] = {}
        self.computed = 0
        self.up_to = up_to
        """The most replications per scenario this experiment may add (said up front), if open-ended."""
        self.unit = progress_report.current_unit()
        self.costs = {name: replication_cpu_seconds(scenario) for name, scenario in scenarios.items()}
        self.progress = progress_report.ReplicationProgress(progress, announce, 1 if scheduler else workers)
        if scheduler:
            self.progress.clock.prior_factor = 1.0  # the cluster's load is not this machine's
        progress_report.note_cache_use(None if self.cache is None else self.cache.directory)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.progress.close()
        if self.runner is not None:
            # On an error or an interrupt the workers are stopped, not waited for: what they
            # were computing is lost either way (results are stored here, as they arrive).
            self.runner.close(cancel=kind is not None)

    @property
    def slots(self) -> int:
        """How many replications can run at once."""
        return self.runner.slots if self.runner is not None else (1 if self.scheduler else self.workers)

    def ensure(self, replications: int) -> None:
        """Make replications ``0 .. replications - 1`` of every scenario available."""
        tasks = [
            # Workers send tables back when they are kept or cached (the cache stores whole records).
            ReplicationTask(name, scenario, self.seed, replication, self.tables or self.cache is not None)
            for name, scenario in self.scenarios.items()
            for replication in range(replications)
            if (name, replication) not in self.records
        ]
        if not tasks:
            return
        keys = {id(task): self._key(task) for task in tasks} if self.cache is not None else {}
        if not self.progress.announced:
            self._announce(replications, tasks, keys)
        self.progress.add(len(tasks))
        pending = [task for task in tasks if not self._from_cache(task, keys.get(id(task)))]
        if not pending:
            return
        self.progress.to_compute([self.costs[task.name] for task in pending])
        if self.runner is None:
            self.runner = _open_runner(self.workers, self.scheduler, len(pending))
            self.progress.clock.slots = self.runner.slots
        self.progress.start()
        try:
            for task, record in self.runner.map(pending):
                if self.cache is not None:
                    self.cache.store(keys[id(task)], record)
                    progress_report.note_cached(self.cache.directory)
                self.records[(task.name, task.replication)] = record if self.tables else record.without_tables()
                self.computed += 1
                self.progress.finished(self.costs[task.name])
        finally:
            self.progress.pause()

    def _announce(self, replications: int, tasks: Sequence[ReplicationTask], keys: Mapping[int, str]) -> None:
        """Say up front what this experiment will run and about how long it takes (an estimate)."""
        self.progress.announced = True
        if not (self.progress.shown or self.progress.announce_lines):
            return
        count = len(self.scenarios)
        if count == 1:
            what = f"{progress_report.count_text(len(tasks), 'replications')} of {next(iter(self.scenarios))}"
        else:
            what = (
                f"{progress_report.count_text(count, self.unit)} × "
                f"{progress_report.count_text(replications, 'replications')} = "
                f"{progress_report.count_text(len(tasks), 'replications')}"
            )
        if self.up_to is not None and self.up_to > replications:
            what += f" to start with (up to {self.up_to:,} each if the precision needs them)"
        # A look at which entries exist, not a read: reading them all can take a while, and this
        # line should come first. A damaged entry is recomputed, so the estimate may come out short.
        cache = self.cache
        to_run = [task for task in tasks if cache is None or not cache.path_for(keys[id(task)]).is_file()]
        if cache is not None and not to_run:
            self.progress.say(f"{what}, all from the cache in {cache.directory}")
            return
        if len(to_run) < len(tasks):
            what += f", {len(tasks) - len(to_run):,} from the cache, {len(to_run):,} to run"
        costs = [self.costs[task.name] for task in to_run]
        clock = progress_report.TimeLeft(self._slots_for(len(to_run)), self.progress.clock.prior_factor)
        clock.add(costs)
        where = (
            f"on the Dask cluster at {self.scheduler}" if self.scheduler
            else f"on {progress_report.count_text(clock.slots, 'workers')}"
        )
        basis = f"about {float(f'{sum(costs) / len(costs):.2g}'):g} CPU-seconds per replication"
        load = "" if self.scheduler else progress_report.machine_load_text()
        self.progress.say(
            f"{what}: about {progress_report.duration_text(clock.estimate())} {where} "
            f"(an estimate from {basis}{', ' + load if load else ''})"
        )

    def _slots_for(self, pending: int) -> int:
        """The replications that will run at once for ``pending`` of them (as ``_open_runner`` decides)."""
        if self.runner is not None:
            return self.runner.slots
        if self.scheduler:
            return 1  # unknown until connected; the bar's time left corrects it
        return 1 if self.workers == 1 or pending <= 1 else min(self.workers, pending)

    def _key(self, task: ReplicationTask) -> str:
        return replication_key(task.scenario, task.seed, task.replication)

    def _from_cache(self, task: ReplicationTask, key: str | None) -> bool:
        if self.cache is None or key is None:
            return False
        record = self.cache.load(key, tables=self.tables)
        if record is None:
            return False
        self.records[(task.name, task.replication)] = record
        self.progress.hit()
        return True

    def values(self, kpi: str, replications: int) -> dict[str, list[float]]:
        """The KPI's value per scenario for replications ``0 .. replications - 1``."""
        return {
            name: [float(self.records[(name, r)].kpis[kpi]) for r in range(replications)]
            for name in self.scenarios
        }

    def cache_stats(self) -> CacheStats:
        """Hits, misses (= replications computed) and corrupt entries of this session."""
        if self.cache is None:
            return CacheStats(hits=0, misses=self.computed, corrupt=0)
        return self.cache.stats

    def result(
        self, replications: int, needed: int | None = None, reached: bool | None = None
    ) -> ExperimentResult:
        """The experiment's tables for replications ``0 .. replications - 1``, in scenario order."""
        ordered = [
            (name, self.records[(name, r)]) for name in self.scenarios for r in range(replications)
        ]
        kpis = pd.DataFrame(
            # The vocabulary as it is now, so a KPI added to sim/kpis.py is never dropped here.
            [{**record.kpis, "scenario": name} for name, record in ordered], columns=list(kpi_columns())
        )
        runs = pd.DataFrame([{"scenario": name, **record.run} for name, record in ordered])
        unfinished = int((~runs["cohort_finished"].astype(bool)).sum()) if "cohort_finished" in runs else 0
        if unfinished:
            logger.info("%d of %d replications reached the drain cap with open leads", unfinished, len(runs))
        return ExperimentResult(
            kpis=kpis,
            leads=_stack([(name, record.leads) for name, record in ordered]) if self.tables else pd.DataFrame(),
            weekly=_stack([(name, record.weekly) for name, record in ordered]) if self.tables else pd.DataFrame(),
            scenarios=dict(self.scenarios),
            seed=self.seed,
            replications=replications,
            replications_needed=needed,
            precision_reached=reached,
            cache=self.cache_stats(),
            runs=runs,
        )


def _stack(frames: Sequence[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """Concatenate per-replication tables, with a ``scenario`` column first."""
    table = pd.concat([frame for _, frame in frames], ignore_index=True)
    lengths = [len(frame) for _, frame in frames]
    names = np.repeat(np.array([name for name, _ in frames], dtype=object), lengths)
    table.insert(0, "scenario", pd.array(names, dtype="str"))
    return table


def _open_session(
    scenarios: ScenarioInput,
    seed: int,
    workers: int | None,
    scheduler: str | None,
    cache_dir: CachePath,
    progress: bool | None,
    tables: bool = True,
    *,
    up_to: int | None = None,
) -> _Session:
    """A session over ``scenarios``; ``up_to``: the most replications per scenario it may add (said up front)."""
    named = unique_scenarios(scenarios)
    seed = _check_count("seed", seed, minimum=0)
    if scheduler:
        check_scheduler_address(scheduler)
    # Within the leadsim command the plan and estimate are stated even where no bar is drawn
    # (a log, a pipe), unless the caller turned progress off.
    announce = progress is None and progress_report.announces()
    return _Session(
        named, seed, _resolve_workers(workers), scheduler, cache_dir, show_progress(progress), tables,
        announce=announce, up_to=up_to,
    )


# ------------------------------------------------------------------ public API


def run_experiment(
    scenarios: ScenarioInput,
    replications: int = 10,
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    cache_dir: CachePath = DEFAULT,
    progress: bool | None = None,
    tables: bool = True,
) -> ExperimentResult:
    """Run ``replications`` replications of every scenario with common random numbers.

    ``workers=None`` uses all local cores, ``workers=1`` runs serially, ``scheduler`` sends the
    work to a Dask cluster at that address; the tables are identical in every case.
    ``cache_dir=None`` disables the result cache. ``progress`` draws a bar with the time left on
    stderr (default: on a terminal outside CI); within the ``leadsim`` command the plan and its
    time estimate are also stated up front (``sim.experiment.progress``). ``tables=False`` keeps only the KPI and run
    tables (``leads`` and ``weekly`` come back empty) - for many scenarios whose lead tables
    nobody reads (attribution subsets, robustness worlds), whose memory would otherwise grow with
    every replication; the cache still stores whole records.
    """
    *_, result = run_experiment_in_steps(
        scenarios, [replications], seed, workers, scheduler, cache_dir, progress, tables
    )
    return result


def run_experiment_in_steps(
    scenarios: ScenarioInput,
    steps: Sequence[int],
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    cache_dir: CachePath = DEFAULT,
    progress: bool | None = None,
    tables: bool = True,
) -> Iterator[ExperimentResult]:
    """``run_experiment`` for replications ``0 .. n - 1`` at each n of ``steps``, one result per step.

    For a live answer that sharpens: the first step's figures come early and each later step adds
    replications to the ones already run (one worker pool for all steps), so the last result is
    ``run_experiment(scenarios, steps[-1], ...)`` exactly. Closing the iterator early stops the
    workers.
    """
    counts = [_check_count("replications", step) for step in steps]
    if not counts or any(later <= earlier for earlier, later in itertools.pairwise(counts)):
        raise ValueError(f"steps must be a non-empty rising sequence of replication counts, got {steps!r}")
    with _open_session(scenarios, seed, workers, scheduler, cache_dir, progress, tables) as session:
        for count in counts:
            session.ensure(count)
            yield session.result(count)


def sequential_replications(
    sample: Callable[[int], Mapping[str, Sequence[float]]],
    precision: float,
    min_replications: int = 5,
    max_replications: int = 200,
    batch_size: int | Callable[[], int] = 1,
    confidence: float = 0.95,
) -> PrecisionOutcome:
    """The replications algorithm (Hoad, Robinson & Davies 2010) over any sampler.

    ``sample(n)`` returns each scenario's KPI values of replications ``0 .. n - 1``. Replications
    are added ``batch_size`` (a number, or a function giving one) at a time, or just enough to
    finish a look-ahead, until the relative CI half-width is within ``precision`` for every
    scenario at n and through the look-ahead replications after it, or until
    ``max_replications``. Batching changes only the work done, not the answer.
    """
    count = min(min_replications, max_replications)
    while True:
        values = sample(count)
        needed = stats.replications_needed(values, precision, min_replications, confidence)
        if needed is not None:
            return PrecisionOutcome(needed + stats.look_ahead(needed), needed, True)
        start = stats.streak_start(values, precision, min_replications, confidence)
        if count >= max_replications:
            return PrecisionOutcome(count, start, start is not None)
        step = batch_size() if callable(batch_size) else batch_size
        target = start + stats.look_ahead(start) if start is not None else count + step
        count = min(max_replications, max(target, count + 1))


def _check_precision_options(
    precision: float, kpi: str, min_replications: int, max_replications: int, confidence: float
) -> None:
    if not (isinstance(precision, (int, float)) and math.isfinite(precision) and precision > 0):
        raise ExperimentError(f"precision must be a number > 0 (e.g. 0.05 for ±5%), got {precision!r}")
    if kpi not in PRECISION_KPIS:
        raise ExperimentError(f"unknown precision KPI {kpi!r}; choose from: {', '.join(PRECISION_KPIS)}")
    _check_count("min_replications", min_replications, minimum=3)
    _check_count("max_replications", max_replications, minimum=min_replications)
    if not 0 < confidence < 1:
        raise ExperimentError(f"confidence must be between 0 and 1, got {confidence!r}")


def run_until_precision(
    scenarios: ScenarioInput,
    precision: float = 0.05,
    kpi: str = "revenue",
    max_replications: int = 200,
    min_replications: int = 5,
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    cache_dir: CachePath = DEFAULT,
    progress: bool | None = None,
    confidence: float = 0.95,
    batch_size: int | None = None,
) -> ExperimentResult:
    """``--replications auto``: add replications until ``kpi``'s CI is within ``precision`` of its mean.

    The result keeps ``replications_needed`` plus its look-ahead replications (or
    ``max_replications`` when the target was not confirmed; then ``precision_reached`` tells
    whether the last CI met it). The kept replications do not depend on workers or batch size.
    """
    _check_precision_options(precision, kpi, min_replications, max_replications, confidence)
    with _open_session(
        scenarios, seed, workers, scheduler, cache_dir, progress, up_to=max_replications
    ) as session:
        batch = _check_count("batch_size", batch_size) if batch_size is not None else None

        def sample(count: int) -> dict[str, list[float]]:
            session.ensure(count)
            return session.values(kpi, count)

        outcome = sequential_replications(
            sample, precision, min_replications, max_replications,
            batch_size=batch or (lambda: max(2, session.slots)), confidence=confidence,
        )
        if not outcome.precision_reached:
            logger.warning(
                "%s did not reach ±%.1f%% precision within %d replications",
                kpi, 100 * precision, max_replications,
            )
        return session.result(outcome.replications, outcome.replications_needed, outcome.precision_reached)


# ---------------------------------------------------------------------- warm-up



def weekly_kpi_series(result: ExperimentResult, kpi: str, scenario: str | None = None) -> pd.DataFrame:
    """A weekly KPI from the start of the run, averaged over replications (complete weeks only).

    Columns: ``week``, ``mean`` and ``replications``; a week appears only if every replication
    simulated it completely. ``rep_utilization`` is (lead + selling + own workload hours) / available hours.
    """
    if kpi not in WEEKLY_KPIS:
        raise ExperimentError(f"unknown weekly KPI {kpi!r}; choose from: {', '.join(WEEKLY_KPIS)}")
    scenario = result.reference if scenario is None else scenario
    weekly = result.weekly[result.weekly["scenario"] == scenario]
    ends = result.runs[result.runs["scenario"] == scenario].set_index("replication")["end_time_hours"]
    complete = weekly[weekly["week_start_hours"] + 168.0 <= weekly["replication"].map(ends)]
    if kpi == "rep_utilization":
        worked = complete["lead_work_hours"] + complete["own_pipeline_hours"] + complete["selling_hours"]
        values = worked / complete["available_rep_hours"].where(complete["available_rep_hours"] > 0)
    else:
        values = complete[kpi].astype(float)
    frame = pd.DataFrame({"week": complete["week"], "replication": complete["replication"], "value": values})
    table = frame.groupby("week").agg(mean=("value", "mean"), replications=("replication", "nunique"))
    table = table[table["replications"] == result.replications].reset_index()
    return table[["week", "mean", "replications"]]
