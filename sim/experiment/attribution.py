"""Which lever is worth how much? Split the gain of an org change fairly among its levers.

A target setup such as the customer-happiness team is the current setup plus a list of lever
overlays (``extends: [separate_departments.yaml, levers/sla.yaml, ...]``). Levers interact – a
fast hand-off is worth more when sales no longer ignores the lead – so a lever's step on a path
depends on the order of the path. Attribution therefore runs the current setup with every
subset of the levers (or, for many levers, the subsets that sampled orders pass through), all
with common random numbers, and reports each lever's Shapley value (its average marginal effect
over all orders) next to its effect alone and its effect when added last, with 95 % intervals.

Composition order: a subset is the reference plus the chosen overlays *in the target's extends
order*, the order the loader merges them in the target itself. Where two levers set the same
key the later one wins, so the subset values depend on that order; the Shapley value is the
same whichever order the levers are *attributed* in, and reordering the extends list changes
a result only where it changes which lever wins a shared key.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import kpis as kpi_vocabulary
from sim import stats
from sim.errors import ExperimentError, ScenarioError
from sim.experiment import shapley
from sim.experiment.cache import CacheStats, scenario_content_hash
from sim.outputs import DEFAULT_CACHE_DIR
from sim.scenario.loader import ResolvedScenario, resolve_scenario
from sim.scenario.overrides import Override, as_overrides
from sim.scenario.schema import Scenario
from sim.scenario.spec import ScenarioSpec

ATTRIBUTION_COLUMNS = shapley.SHAPLEY_COLUMNS
INTERACTION_COLUMNS = shapley.INTERACTION_COLUMNS
DEFAULT_MAX_SUBSETS = 64
"""Exact Shapley values over all 2^k subsets up to this many (k ≤ 6 levers); the bundled pair has
ten levers (1,024 subsets), so by default its orders are sampled – the CI includes that error."""
DEFAULT_PERMUTATIONS = 8
"""Lever orders sampled (4 antithetic pairs: ≤ 74 subsets for ten levers, plus each lever alone and last)."""
START_REPLICATIONS = 2
"""Replications per subset before the first look, when the attribution runs by precision."""
REPLICATION_STEPS = (2, 3, 4, 6, 8, 10)
"""Replications per subset at each look: fixed steps, so where the attribution stops is a function
of the seed alone, whatever the number of workers. Beyond the last, steps of four."""
DEFAULT_BAND = 0.03
"""The practical band, as a share of the total difference: a lever whose interval lies within
±3 % of the whole change is "no effect worth reporting" and does not force more replications."""
REFERENCE = "reference"
TARGET = "target"
"""Scenario label of the target file when it adds settings beyond its levers."""


@dataclass(frozen=True)
class LeverPlan:
    """The scenarios an attribution needs: reference, the lever overlays in merge order, the target."""

    reference_file: Path
    target: ScenarioSpec
    lever_files: tuple[Path, ...]

    @property
    def target_file(self) -> Path:
        """The target's scenario file (for a composed target, the file its overlays go on)."""
        return self.target.file

    @property
    def names(self) -> list[str]:
        """The levers' display names, in merge order."""
        return [lever_name(lever) for lever in self.lever_files]


@dataclass(frozen=True)
class Attribution:
    """An attribution's results: lever table, interactions, KPI rows and the subset values."""

    effects: pd.DataFrame
    interactions: pd.DataFrame
    kpis: pd.DataFrame
    subset_values: dict[frozenset[str], np.ndarray]
    subset_scenarios: dict[frozenset[str], Scenario]
    plan: LeverPlan
    kpi: str
    method: str
    runs: int
    """Replications simulated or read from the cache (subsets × replications)."""
    replications: int
    seed: int
    residual: tuple[float, float, float] | None = None
    """Target minus reference-plus-all-levers (mean, CI), when the target file adds settings."""
    cache: CacheStats | None = None
    subset_runs: SubsetRuns | None = None
    """The runs behind it: a lever portfolio prices the same runs (``portfolio_of``)."""


def lever_name(path: Path) -> str:
    """A lever's display name: its file stem (``levers/sla.yaml`` → ``sla``)."""
    return path.stem


def lever_files_between(reference: ResolvedScenario, target: ResolvedScenario) -> list[Path]:
    """The files ``target`` merges on top of ``reference`` (its lever overlays), in merge order.

    Empty unless ``target`` extends ``reference`` (directly or through its parents) and brings
    at least one more file besides itself.
    """
    reference_file, target_file = reference.chain[-1], target.chain[-1]
    if reference_file not in target.chain:
        return []
    return [path for path in target.chain if path not in reference.chain and path != target_file]


def plan_levers(
    reference_file: Path, target_file: Path | ScenarioSpec, levers: Sequence[Path] = ()
) -> LeverPlan:
    """Find the lever overlays that lead from ``reference_file`` to ``target_file``.

    The target is a file or a :class:`ScenarioSpec` (the workshop's start plus every lever).
    """
    # Absolute, links kept - as the loader names the files of a chain - so the reference is found
    # in the target's chain when the scenarios are reached through a symbolic link.
    spec = target_file if isinstance(target_file, ScenarioSpec) else ScenarioSpec.of(target_file)
    if levers:
        lever_files = tuple(Path(lever).resolve() for lever in levers)
    else:
        reference, target = resolve_scenario(reference_file), spec.resolve()
        if reference.chain[-1] not in target.chain:
            raise ScenarioError(
                f"{target_file}: attribution needs a target that extends the reference "
                f"({reference_file}) plus lever overlays, but it merges "
                f"{', '.join(str(path) for path in target.chain[:-1]) or 'nothing'}; "
                "name the levers with --lever instead"
            )
        if spec.composed:  # its overlays and their parents beyond the reference; not its own file
            lever_files = tuple(path for path in target.chain if path not in reference.chain and path != spec.file)
        else:
            lever_files = tuple(lever_files_between(reference, target))
    if not lever_files:
        raise ScenarioError(f"{target_file}: no lever overlays found between the two scenarios")
    names = [lever_name(lever) for lever in lever_files]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ScenarioError(f"{target_file}: two lever files share the name {', '.join(repeated)}")
    return LeverPlan(Path(reference_file).resolve(), spec, lever_files)


def check_kpi(kpi: str) -> None:
    """Refuse a KPI name the vocabulary does not know, listing the allowed ones."""
    kpi_vocabulary.check(kpi, where="--kpi")


# ------------------------------------------------------------------ composing subsets


def compose(
    reference_file: Path, lever_files: Sequence[Path], name: str, overrides: Sequence[str | Override] = ()
) -> Scenario:
    """The reference scenario with ``lever_files`` overlaid in order, as the loader merges them."""
    return ScenarioSpec.of(reference_file, lever_files, name, overrides).load()


def subset_label(subset: frozenset[str], levers: Sequence[str]) -> str:
    """A subset's scenario name: ``reference`` or ``+lever+lever`` in merge order."""
    chosen = [lever for lever in levers if lever in subset]
    return "+".join(["", *chosen]) if chosen else REFERENCE


def subset_spec(plan: LeverPlan, subset: frozenset[str], overrides: Sequence[str | Override] = ()) -> ScenarioSpec:
    """A subset as a spec: the reference plus its overlays in the plan's (merge) order, named by its label."""
    levers = plan.names
    chosen = [file for file, name in zip(plan.lever_files, levers, strict=True) if name in subset]
    return ScenarioSpec.of(plan.reference_file, chosen, subset_label(subset, levers), overrides)


def subset_scenarios(
    plan: LeverPlan, subsets: Sequence[frozenset[str]], overrides: Sequence[str | Override] = ()
) -> dict[frozenset[str], Scenario]:
    """Each subset as a scenario: the reference plus its overlays in the plan's (merge) order."""
    changes = as_overrides(overrides)
    return {subset: subset_spec(plan, subset, changes).load() for subset in subsets}


# ------------------------------------------------------------------ running


def _check_options(replications: int, max_subsets: int, permutations: int) -> None:
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 2:
        raise ExperimentError(f"attribution needs at least 2 replications for intervals, got {replications!r}")
    if isinstance(max_subsets, bool) or not isinstance(max_subsets, int) or max_subsets < 2:
        raise ExperimentError(f"max_subsets must be a whole number >= 2, got {max_subsets!r}")
    if isinstance(permutations, bool) or not isinstance(permutations, int) or permutations < 2:
        raise ExperimentError(f"permutations must be a whole number >= 2, got {permutations!r}")


def choose_subsets(
    levers: Sequence[str], max_subsets: int, permutations: int, seed: int
) -> tuple[list[frozenset[str]], shapley.Permutations | None]:
    """All 2^k subsets when affordable, else the subsets of sampled antithetic orders."""
    if 2 ** len(levers) <= max_subsets:
        return shapley.all_subsets(levers), None
    sample = shapley.sample_permutations(levers, permutations, seed)
    subsets = shapley.side_subsets(levers, pairs=True) + shapley.permutation_subsets(sample)
    return list(dict.fromkeys(subsets)), sample


@dataclass(frozen=True)
class SubsetRuns:
    """The replications of every lever subset (and of the target, if it adds settings of its own)."""

    plan: LeverPlan
    scenarios: dict[frozenset[str], Scenario]
    kpis: pd.DataFrame
    permutations: shapley.Permutations | None
    has_residual: bool
    replications: int
    seed: int
    cache: CacheStats | None = None
    cap: int | None = None
    """At most this many replications per subset when run by precision; None when fixed."""
    resolution: shapley.Resolution | None = None
    """What the last look found settled and open (run by precision only)."""

    @property
    def runs(self) -> int:
        """Replications simulated or read from the cache."""
        return len(self.kpis)

    def scenario_values(self, measure: Callable[[pd.DataFrame], pd.Series]) -> dict[str, np.ndarray]:
        """A measure of each scenario's KPI rows, per replication in order, by scenario label."""
        return {
            label: measure(rows.sort_values("replication")).to_numpy(dtype=float)
            for label, rows in self.kpis.groupby("scenario", sort=False)
        }

    def values(self, measure: Callable[[pd.DataFrame], pd.Series]) -> dict[frozenset[str], np.ndarray]:
        """The measure per subset, as :func:`sim.experiment.shapley.shapley_values` takes it."""
        by_label = self.scenario_values(measure)
        return {subset: by_label[subset_label(subset, self.plan.names)] for subset in self.scenarios}


def kpi_measure(kpi: str) -> Callable[[pd.DataFrame], pd.Series]:
    """The measure that reads one KPI column."""
    return lambda rows: rows[kpi]


def _prepare(
    reference_file: Path,
    target_file: Path | ScenarioSpec,
    seed: int,
    levers: Sequence[Path],
    overrides: Sequence[str | Override],
    max_subsets: int,
    permutations: int,
    sampling: bool,
) -> tuple[LeverPlan, dict[frozenset[str], Scenario], shapley.Permutations | None, dict[str, Scenario], bool]:
    """The plan, the subset scenarios, the sampled orders and every scenario to run, by label."""
    plan = plan_levers(reference_file, target_file, levers)
    names = plan.names
    if not sampling and 2 ** len(names) > max_subsets:
        raise ExperimentError(
            f"{len(names)} levers make {2 ** len(names)} subsets, more than --max-subsets "
            f"{max_subsets}; raise it or name fewer levers with --lever"
        )
    subsets, sample = choose_subsets(names, max_subsets, permutations, seed)
    scenarios = subset_scenarios(plan, subsets, overrides)
    labelled = {subset_label(subset, names): scenario for subset, scenario in scenarios.items()}
    target = plan.target.with_overrides(overrides).load()
    has_residual = scenario_content_hash(target) != scenario_content_hash(scenarios[frozenset(names)])
    if has_residual:
        labelled[TARGET] = target
    return plan, scenarios, sample, labelled, has_residual


def run_subsets(
    reference_file: Path,
    target_file: Path | ScenarioSpec,
    replications: int = 10,
    seed: int = 0,
    levers: Sequence[Path] = (),
    *,
    overrides: Sequence[str | Override] = (),
    max_subsets: int = DEFAULT_MAX_SUBSETS,
    permutations: int = DEFAULT_PERMUTATIONS,
    sampling: bool = True,
    **experiment_options: Any,
) -> SubsetRuns:
    """Run the subsets an attribution needs in ONE experiment (shared cache, pool and progress bar).

    All 2^k subsets when that is at most ``max_subsets``; beyond, the subsets of sampled lever
    orders, or an error when ``sampling`` is off (a portfolio prices every subset).
    """
    from sim.experiment.runner import run_experiment

    _check_options(replications, max_subsets, permutations)
    plan, scenarios, sample, labelled, has_residual = _prepare(
        reference_file, target_file, seed, levers, overrides, max_subsets, permutations, sampling
    )
    # Only the subsets' KPIs are used: their lead tables would grow memory with every subset.
    experiment_options.setdefault("tables", False)
    result = run_experiment(labelled, replications, seed, **experiment_options)
    return SubsetRuns(plan, scenarios, result.kpis, sample, has_residual, replications, seed, result.cache)


def replication_steps(cap: int, start: int = START_REPLICATIONS) -> list[int]:
    """The replication counts an attribution by precision looks at, from ``start`` up to ``cap``."""
    if cap <= start:
        return [cap]
    steps = [start, *(step for step in REPLICATION_STEPS if start < step < cap)]
    while steps[-1] + 4 < cap:  # beyond the fixed steps
        steps.append(steps[-1] + 4)
    return [*steps, cap]


def run_subsets_until_resolved(
    reference_file: Path,
    target_file: Path,
    kpi: str,
    max_replications: int = 10,
    seed: int = 0,
    levers: Sequence[Path] = (),
    *,
    band: float = DEFAULT_BAND,
    start_replications: int = START_REPLICATIONS,
    overrides: Sequence[str | Override] = (),
    max_subsets: int = DEFAULT_MAX_SUBSETS,
    permutations: int = DEFAULT_PERMUTATIONS,
    workers: int | None = None,
    scheduler: str | None = None,
    cache_dir: str | os.PathLike[str] | None = DEFAULT_CACHE_DIR,
    progress: bool | None = None,
) -> SubsetRuns:
    """Run every subset from ``start_replications`` on, adding replications to all subsets at
    once at fixed steps while a lever or an adjacent ranking is still open (see
    :func:`sim.experiment.shapley.resolution`), up to ``max_replications``.

    ``band`` is the practical band as a share of the total difference (target minus reference):
    a lever inside it does not force more replications.
    """
    from sim.experiment.runner import _open_session  # the session the replications algorithm uses

    check_kpi(kpi)
    _check_options(max_replications, max_subsets, permutations)
    _check_options(start_replications, max_subsets, permutations)
    if isinstance(band, bool) or not isinstance(band, (int, float)) or not 0 <= band < 1:
        raise ExperimentError(f"band must be a share between 0 and 1 (e.g. 0.03), got {band!r}")
    plan, scenarios, sample, labelled, has_residual = _prepare(
        reference_file, target_file, seed, levers, overrides, max_subsets, permutations, True
    )
    names = plan.names
    # Only the subsets' KPIs are used: their lead tables would grow memory with every subset.
    with _open_session(
        labelled, seed, workers, scheduler, cache_dir, progress, tables=False, up_to=max_replications
    ) as session:
        for count in replication_steps(max_replications, min(start_replications, max_replications)):
            session.ensure(count)
            result = session.result(count)
            runs = SubsetRuns(
                plan, scenarios, result.kpis, sample, has_residual, count, seed, result.cache, max_replications
            )
            values = runs.values(kpi_measure(kpi))
            total = float(np.mean(values[frozenset(names)] - values[frozenset()]))
            found = shapley.resolution(values, names, sample, band * abs(total), cap=max_replications)
            runs = replace(runs, resolution=found)
            if found.settled:
                break
    return runs


def run_attribution(
    reference_file: Path,
    target_file: Path,
    kpi: str = "revenue",
    replications: int = 10,
    seed: int = 0,
    levers: Sequence[Path] = (),
    *,
    overrides: Sequence[str | Override] = (),
    max_subsets: int = DEFAULT_MAX_SUBSETS,
    permutations: int = DEFAULT_PERMUTATIONS,
    top_interactions: int | None = 5,
    band: float | None = None,
    **experiment_options: Any,
) -> Attribution:
    """Run every subset scenario in one experiment and attribute the KPI difference to the levers.

    With a ``band`` (a share of the total difference, e.g. 0.03), ``replications`` is the cap:
    the subsets start at two replications and get more only while a lever or a ranking is open.
    """
    check_kpi(kpi)
    if band is not None:
        runs = run_subsets_until_resolved(
            reference_file, target_file, kpi, replications, seed, levers, band=band,
            overrides=overrides, max_subsets=max_subsets, permutations=permutations, **experiment_options,
        )
    else:
        runs = run_subsets(
            reference_file, target_file, replications, seed, levers, overrides=overrides,
            max_subsets=max_subsets, permutations=permutations, **experiment_options,
        )
    return attribution_of(runs, kpi, top_interactions)


def attribution_of(runs: SubsetRuns, kpi: str, top_interactions: int | None = 5) -> Attribution:
    """Shapley values, alone, last and interactions of ``kpi`` from finished subset runs."""
    check_kpi(kpi)
    names = runs.plan.names
    values = runs.values(kpi_measure(kpi))
    effects = shapley.shapley_values(values, names, runs.permutations)
    pairs = shapley.interactions(values, names, exact=runs.permutations is None, top=top_interactions)
    residual = None
    if runs.has_residual:
        target = runs.scenario_values(kpi_measure(kpi))[TARGET]
        residual = stats.paired_difference(target, values[frozenset(names)])
    subsets = runs.kpis["scenario"].nunique()
    effects.attrs.update(
        {
            "kpi": kpi, "subset_runs": runs.runs, "subsets": subsets, "seed": runs.seed,
            "target_residual": None if residual is None else residual[0],
        }
    )
    return Attribution(
        effects=effects, interactions=pairs, kpis=runs.kpis, subset_values=values,
        subset_scenarios=runs.scenarios, plan=runs.plan, kpi=kpi, method=effects.attrs["method"],
        runs=runs.runs, replications=runs.replications, seed=runs.seed, residual=residual,
        cache=runs.cache, subset_runs=runs,
    )


def attribute(
    reference_file: Path,
    target_file: Path,
    kpi: str = "revenue",
    replications: int = 10,
    seed: int = 0,
    levers: Sequence[Path] = (),
    **experiment_options: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the attribution; return (lever effects table with the efficiency check in ``.attrs``, KPI rows)."""
    result = run_attribution(reference_file, target_file, kpi, replications, seed, levers, **experiment_options)
    return result.effects, result.kpis


def efficiency_line(effects: pd.DataFrame, kpi: str) -> str:
    """One line showing that the lever values add up to the whole difference."""
    attrs = effects.attrs
    fmt = kpi_vocabulary.get(kpi).format
    return (
        f"efficiency check: total difference {fmt(attrs['total_difference'], signed=True)} "
        f"(95% CI {fmt(attrs['total_ci_low'], signed=True)} … {fmt(attrs['total_ci_high'], signed=True)}) "
        f"= sum of Shapley values {fmt(attrs['sum_of_shapley'], signed=True)}"
    )
