"""Decision robustness: does the conclusion survive the assumptions being off?

The confidence intervals of a comparison cover simulation noise only; most inputs of a company
profile are assumptions. This design samples every assumption's plausible range (the companion
range files, ``sim.scenario.ranges``) with a Latin hypercube, a scrambled Sobol sequence or Morris
trajectories over the mechanisms (many assumptions, few runs), the
same sample for every setup, and runs each setup in each sampled world with common random
numbers (one experiment: the runner's workers, Dask and cache). From the per-world results it
reports how often each setup is best and B beats A, which assumptions the difference depends on
(first-order Sobol indices by RBD-FAST from SALib on the same sample, or Morris screening of
mechanism groups), how the
difference moves across each top assumption's range (a tornado, from a linear fit along the
sample with bootstrap intervals) and the value at which the decision flips (the fit's root).

Which lever matters most in each sampled world (``--lever-ranking FROM TO``) is ranked by each
lever's effect ALONE (on top of FROM) and LAST (removed from the full target): 2k + 2 setups per
world for k levers. Full Shapley values per world would need every one of the 2^k subsets in
every world (1,024 × worlds for the bundled ten levers); alone and last bracket a lever's Shapley
value when levers interact in one direction, and agree with it when they do not interact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import stats
from sim.errors import ExperimentError, ScenarioError
from sim.experiment.attribution import plan_levers, subset_label, subset_spec
from sim.experiment.portfolio import check_measure, direction, measure_values
from sim.scenario.loader import display_path, resolve_scenario, with_overrides
from sim.scenario.overrides import Override, as_overrides
from sim.scenario.ranges import Parameter, uncertain_parameters
from sim.scenario.records import ResolvedScenario, format_value
from sim.scenario.schema import Scenario

DESIGNS = ("lhs", "sobol", "morris")
DEFAULT_SAMPLES = 32
DEFAULT_TOP = 5
BOOTSTRAP = 400
MORRIS_LEVELS = 4
SAMPLE_SEPARATOR = "@"


@dataclass(frozen=True)
class Setup:
    """A setup under study: its name, file, resolved scenario and the parameter keys it uses.

    ``file`` is the scenario file (for a lever subset, the reference its overlays go on).
    """

    name: str
    file: Path
    resolved: ResolvedScenario
    parameter_keys: tuple[str, ...]


@dataclass(frozen=True)
class RobustnessResult:
    """Everything a robustness run found, as tables (see docs/robustness.md for the columns)."""

    metric: str
    setups: list[str]
    parameters: pd.DataFrame
    samples: pd.DataFrame
    summary: pd.DataFrame
    sensitivity: pd.DataFrame
    break_even: pd.DataFrame
    kpis: pd.DataFrame
    replications: int
    seed: int
    design: str


# ------------------------------------------------------------------ planning and sampling


def plan_setups(
    files: Sequence[Path], overrides: Sequence[str | Override] = ()
) -> tuple[list[Setup], list[Parameter]]:
    """Resolve each setup; the union of their uncertain parameters (by file and key path)."""
    if len(files) < 2:
        raise ExperimentError("robustness compares at least two setups (A B …)")
    setups: list[Setup] = []
    parameters: dict[str, Parameter] = {}
    names: set[str] = set()
    for file in files:
        resolved = resolve_scenario(file, overrides)
        own = [p for p in uncertain_parameters(resolved) if p.path not in _overridden(overrides)]
        for parameter in own:
            parameters.setdefault(parameter.key, parameter)
        name, suffix = Path(file).stem, 2
        while name in names:
            name, suffix = f"{Path(file).stem}-{suffix}", suffix + 1
        names.add(name)
        setups.append(Setup(name, Path(file), resolved, tuple(p.key for p in own)))
    if not parameters:
        raise ExperimentError(
            "none of the setups has an assumption range to sample: write a range file next to a "
            "scenario file (<folder>/ranges/<name>.ranges.yaml, see docs/robustness.md)"
        )
    return setups, sorted(parameters.values(), key=lambda p: (p.path, p.key))


def _overridden(overrides: Sequence[str | Override]) -> set[str]:
    """Key paths fixed by ``--set`` (not sampled)."""
    return {
        item.partition("=")[0].strip() if isinstance(item, str) else item.key for item in overrides
    }


def mechanism_group(path: str) -> str:
    """The mechanism a parameter belongs to, for grouped Morris screening: ``channels.<name>`` or its section."""
    parts = path.split(".")
    return ".".join(parts[:2]) if parts[0] == "channels" and len(parts) > 2 else parts[0]


def morris_problem(parameters: Sequence[Parameter]) -> dict[str, Any]:
    """The SALib problem on the unit cube, parameters grouped by mechanism."""
    return {
        "num_vars": len(parameters), "names": parameter_labels(parameters),
        "bounds": [[0.0, 1.0]] * len(parameters), "groups": [mechanism_group(p.path) for p in parameters],
    }


def unit_sample(parameters: Sequence[Parameter], samples: int, design: str, seed: int) -> np.ndarray:
    """Points in the unit cube: Latin hypercube or scrambled Sobol (``samples`` worlds, scipy.stats.qmc),
    or Morris trajectories over the mechanism groups (``samples`` trajectories of groups + 1 worlds, SALib)."""
    from scipy.stats import qmc

    if design not in DESIGNS:
        raise ExperimentError(f"--design {design!r}: choose from {', '.join(DESIGNS)}")
    minimum = 4 if design == "morris" else 16
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < minimum:
        what = "trajectories" if design == "morris" else "worlds (the sensitivity estimate needs them)"
        raise ExperimentError(f"--samples must be a whole number >= {minimum} {what}, got {samples!r}")
    dimensions = len(parameters)
    if design == "morris":
        from SALib.sample import morris as morris_sample

        return np.asarray(morris_sample.sample(morris_problem(parameters), samples, num_levels=MORRIS_LEVELS, seed=seed))
    if design == "sobol":
        if samples & (samples - 1):
            raise ExperimentError(f"--samples {samples}: a Sobol sequence needs a power of two (16, 32, 64 …)")
        return np.asarray(qmc.Sobol(dimensions, scramble=True, seed=seed).random(samples))
    return np.asarray(qmc.LatinHypercube(dimensions, seed=seed).random(samples))


def to_values(unit: np.ndarray, parameters: Sequence[Parameter]) -> np.ndarray:
    """Unit-cube points as parameter values, through each range's distribution (ints rounded)."""
    from scipy.stats import triang

    values = np.empty_like(unit, dtype=float)
    for column, parameter in enumerate(parameters):
        u, low, high = unit[:, column], parameter.low, parameter.high
        if parameter.distribution == "loguniform":
            x = np.exp(np.log(low) + u * (np.log(high) - np.log(low)))
        elif parameter.distribution == "triangular":
            mode = min(max(parameter.value, low), high)
            x = triang.ppf(u, (mode - low) / (high - low), loc=low, scale=high - low)
        else:
            x = low + u * (high - low)
        if parameter.integer:
            x = np.clip(np.rint(x), math.ceil(low), math.floor(high))
        values[:, column] = x
    return values


def sampled_override(parameter: Parameter, value: float) -> Override:
    """A sampled value as an override of its parameter (a whole number for an integer one)."""
    return Override.at(parameter.path, int(value) if parameter.integer else float(value))


def world_scenario(setup: Setup, parameters: Sequence[Parameter], row: np.ndarray, sample: int) -> Scenario:
    """The setup in one sampled world: its resolved data with the sampled values applied."""
    changes = [
        sampled_override(parameter, float(value))
        for parameter, value in zip(parameters, row, strict=True)
        if parameter.key in setup.parameter_keys
    ]
    try:
        return with_overrides(setup.resolved, setup.file, changes)
    except ScenarioError as error:
        raise ScenarioError(
            f"sampled world {sample} of the assumption ranges makes {setup.name} invalid – narrow the "
            f"range named below in its range file:\n{error}{_sampled_culprits(setup, parameters, row, error)}"
        ) from None


def _sampled_culprits(setup: Setup, parameters: Sequence[Parameter], row: np.ndarray, error: ScenarioError) -> str:
    """The range-file lines of the sampled values a world's problems concern (their key or a key below it).

    A cross-field rule (tasks in cycle order, shares adding up) is reported at the enclosing key,
    whose file line is the scenario's, not the range's: this names the ranges to narrow.
    """
    lines: list[str] = []
    for problem in getattr(error, "problems", None) or []:
        below = [
            (parameter, value) for parameter, value in zip(parameters, row, strict=True)
            if parameter.key in setup.parameter_keys
            and (parameter.path == problem.path or parameter.path.startswith(f"{problem.path}."))
        ]
        # A rule over several items names the key it checks (at_cycle_share): keep only those.
        named = [item for item in below if item[0].path.rsplit(".", 1)[-1] in problem.message]
        for parameter, value in named or below:
            shown = format_value(int(value) if parameter.integer else float(value))
            line = (
                f"{parameter.origin.location}: {parameter.path}: sampled {shown} from range "
                f"[{format_value(parameter.low)}, {format_value(parameter.high)}]"
            )
            if line not in lines:
                lines.append(line)
    return "".join(f"\n{line}" for line in lines)


def world_label(setup: str, sample: int) -> str:
    """The experiment's scenario name of a setup in a sampled world (stable, so the cache resumes)."""
    return f"{setup}{SAMPLE_SEPARATOR}{sample:04d}"


# ------------------------------------------------------------------ analysis (pure)


def parameter_labels(parameters: Sequence[Parameter]) -> list[str]:
    """The key path, or ``path [file]`` when two files set the same path."""
    counts: dict[str, int] = {}
    for parameter in parameters:
        counts[parameter.path] = counts.get(parameter.path, 0) + 1
    return [p.path if counts[p.path] == 1 else f"{p.path} [{p.file.stem}]" for p in parameters]


def sensitivity_table(x: np.ndarray, y: np.ndarray, labels: Sequence[str], seed: int) -> pd.DataFrame:
    """First-order Sobol index (RBD-FAST, SALib) of ``y`` to each column of ``x``, with its 95 % CI."""
    from SALib.analyze import rbd_fast

    problem = {"num_vars": x.shape[1], "names": list(labels), "bounds": [[0.0, 1.0]] * x.shape[1]}
    spread = float(np.std(y))
    if spread == 0.0:
        s1 = np.zeros(x.shape[1])
        conf = np.zeros(x.shape[1])
    else:
        harmonics = 4 if len(y) >= 32 else 2
        try:
            found = rbd_fast.analyze(problem, x, y, M=harmonics, num_resamples=200, conf_level=0.95, seed=seed)
        except ZeroDivisionError:
            found = rbd_fast.analyze(problem, x, y, M=2, num_resamples=200, conf_level=0.95, seed=seed)
        s1 = np.asarray(found["S1"], dtype=float)
        conf = np.asarray(found["S1_conf"], dtype=float)
    rho = [_spearman(x[:, column], y) for column in range(x.shape[1])]
    table = pd.DataFrame({"parameter": list(labels), "sobol_s1": s1, "sobol_s1_conf": conf, "spearman": rho})
    table = table.sort_values(["sobol_s1", "parameter"], ascending=[False, True]).reset_index(drop=True)
    table.insert(1, "rank", np.arange(1, len(table) + 1))
    return table


def morris_table(unit: np.ndarray, y: np.ndarray, parameters: Sequence[Parameter], seed: int) -> pd.DataFrame:
    """Morris screening of ``y`` by mechanism group (SALib): mu* with its 95 % CI, and sigma."""
    from SALib.analyze import morris as morris_analyze

    problem = morris_problem(parameters)
    found = morris_analyze.analyze(
        problem, unit, y, num_resamples=200, conf_level=0.95, num_levels=MORRIS_LEVELS, seed=seed
    )
    table = pd.DataFrame({
        "parameter": list(found["names"]), "morris_mu_star": np.asarray(found["mu_star"], dtype=float),
        "morris_mu_star_conf": np.asarray(found["mu_star_conf"], dtype=float),
        "morris_sigma": np.asarray(found["sigma"], dtype=float),
    })
    table = table.sort_values(["morris_mu_star", "parameter"], ascending=[False, True]).reset_index(drop=True)
    table.insert(1, "rank", np.arange(1, len(table) + 1))
    return table


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(spearmanr(a, b).statistic)


def linear_break_even(x: np.ndarray, y: np.ndarray, low: float, high: float, seed: int) -> dict[str, float]:
    """Fit ``y = a + b·x`` along the sample: swing over [low, high] and the root (decision flip).

    Intervals are bootstrap percentiles (resampling sampled worlds). The root is NaN when the
    fitted line does not cross zero inside [low, high].
    """
    rng = np.random.default_rng(seed)

    def fit(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float]:
        if np.ptp(xs) == 0:
            return float(np.mean(ys)), 0.0
        slope, intercept = np.polyfit(xs, ys, 1)
        return float(intercept), float(slope)

    intercept, slope = fit(x, y)
    boot = [fit(x[i], y[i]) for i in (rng.integers(0, len(x), len(x)) for _ in range(BOOTSTRAP))]
    at_low = np.array([a + b * low for a, b in boot])
    at_high = np.array([a + b * high for a, b in boot])
    roots = np.array([-a / b if b != 0 else np.nan for a, b in boot])
    root = -intercept / slope if slope != 0 else math.nan
    inside = low <= root <= high if math.isfinite(root) else False
    finite = roots[np.isfinite(roots)]
    return {
        "at_low": intercept + slope * low, "at_low_ci_low": float(np.quantile(at_low, 0.025)),
        "at_low_ci_high": float(np.quantile(at_low, 0.975)),
        "at_high": intercept + slope * high, "at_high_ci_low": float(np.quantile(at_high, 0.025)),
        "at_high_ci_high": float(np.quantile(at_high, 0.975)),
        "break_even": root if inside else math.nan,
        "break_even_ci_low": float(np.quantile(finite, 0.025)) if inside and finite.size else math.nan,
        "break_even_ci_high": float(np.quantile(finite, 0.975)) if inside and finite.size else math.nan,
        "slope": slope,
    }


def analyse(
    metric: str,
    setups: Sequence[str],
    parameters: Sequence[Parameter],
    values: np.ndarray,
    unit: np.ndarray,
    per_world: pd.DataFrame,
    seed: int,
    top: int = DEFAULT_TOP,
    design: str = "lhs",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(samples, summary, sensitivity, break_even) from each setup's metric per world and replication.

    ``per_world`` has columns ``setup, sample, replication, value``. Sensitivity: first-order
    Sobol indices per assumption (lhs, sobol) or Morris mu* per mechanism group (morris); the
    break-even rows are the top assumptions (for Morris: in each top group, the assumption
    whose rank correlation with the difference is strongest).
    """
    better = direction(metric)
    labels = parameter_labels(parameters)
    reference = setups[0]
    wide = per_world.pivot_table(index=["sample", "replication"], columns="setup", values="value")
    means = wide.groupby(level="sample").mean()[list(setups)]
    samples = pd.DataFrame(values, columns=labels)
    samples.insert(0, "sample", np.arange(len(values)))
    for setup in setups:
        samples[f"{metric}:{setup}"] = means[setup].to_numpy()
    samples["best"] = [setups[int(np.argmax(better * row))] for row in means.to_numpy()]
    summary_rows: list[dict[str, Any]] = []
    sensitivity_frames, break_even_rows = [], []
    for setup in setups:
        share_best = float((samples["best"] == setup).mean())
        row: dict[str, Any] = {"setup": setup, "share_best": share_best}
        if setup != reference:
            difference = np.array([
                stats.paired_difference(
                    wide.loc[sample][setup].to_numpy(), wide.loc[sample][reference].to_numpy()
                )
                for sample in means.index
            ])
            column = f"difference:{setup}-{reference}"
            samples[column] = difference[:, 0]
            samples[f"{column}:ci_low"] = difference[:, 1]
            samples[f"{column}:ci_high"] = difference[:, 2]
            diff = difference[:, 0]
            row.update({
                "versus": reference, "share_better": float(np.mean(better * diff > 0)),
                "difference_mean": float(np.mean(diff)),
                "difference_p05": float(np.quantile(diff, 0.05)),
                "difference_p95": float(np.quantile(diff, 0.95)),
            })
            if design == "morris":
                table = morris_table(unit, diff, parameters, seed)
                measure, width = "morris_mu_star", "morris_mu_star_conf"
            else:
                table = sensitivity_table(unit, diff, labels, seed)
                measure, width = "sobol_s1", "sobol_s1_conf"
            table.insert(0, "comparison", f"{setup} - {reference}")
            sensitivity_frames.append(table)
            for item in table.head(top).to_dict("records"):
                position = _representative(str(item["parameter"]), labels, parameters, unit, diff, design)
                parameter = parameters[position]
                fitted = linear_break_even(values[:, position], diff, parameter.low, parameter.high, seed)
                break_even_rows.append({
                    "comparison": f"{setup} - {reference}", "rank": item["rank"], "parameter": labels[position],
                    "group": mechanism_group(parameter.path), "value": parameter.value,
                    "low": parameter.low, "high": parameter.high, "importance_measure": measure,
                    "importance": item[measure], "importance_conf": item[width], **fitted,
                    "reason": parameter.reason, "range_file_line": parameter.origin.location,
                })
        summary_rows.append(row)
    sensitivity = pd.concat(sensitivity_frames, ignore_index=True)
    return samples, pd.DataFrame(summary_rows), sensitivity, pd.DataFrame(break_even_rows)


def _representative(
    name: str, labels: Sequence[str], parameters: Sequence[Parameter], unit: np.ndarray, diff: np.ndarray, design: str
) -> int:
    """The column of a sensitivity row: the assumption itself, or for a Morris group its member
    whose rank correlation with the difference is strongest."""
    if design != "morris":
        return list(labels).index(name)
    members = [i for i, p in enumerate(parameters) if mechanism_group(p.path) == name]
    return max(members, key=lambda i: (abs(_spearman(unit[:, i], diff)), -i))


def parameters_table(parameters: Sequence[Parameter]) -> pd.DataFrame:
    """One row per sampled parameter: its value, range, distribution, reason and range-file line."""
    return pd.DataFrame([
        {
            "parameter": label, "group": mechanism_group(p.path), "file": display_path(p.file), "path": p.path,
            "value": p.value,
            "low": p.low, "high": p.high, "distribution": p.distribution, "reason": p.reason,
            "range_file_line": p.origin.location,
        }
        for label, p in zip(parameter_labels(parameters), parameters, strict=True)
    ])


# ------------------------------------------------------------------ running


def run_robustness(
    files: Sequence[Path],
    metric: str = "net_benefit",
    samples: int = DEFAULT_SAMPLES,
    replications: int = 3,
    seed: int = 0,
    design: str = "lhs",
    top: int = DEFAULT_TOP,
    overrides: Sequence[str | Override] = (),
    **experiment_options: Any,
) -> RobustnessResult:
    """Sample the assumption ranges, run every setup in every sampled world (one experiment), analyse.

    ``experiment_options`` go to :func:`sim.experiment.runner.run_experiment` (workers,
    scheduler, cache_dir, progress): the results do not depend on them.
    """
    from sim.experiment.runner import run_experiment

    check_measure(metric)
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 2:
        raise ExperimentError(f"--replications: robustness needs at least 2 per world for intervals, got {replications!r}")
    setups, parameters = plan_setups([Path(file) for file in files], overrides)
    unit = unit_sample(parameters, samples, design, seed)
    values = to_values(unit, parameters)
    worlds = {
        world_label(setup.name, sample): world_scenario(setup, parameters, values[sample], sample)
        for sample in range(len(unit))
        for setup in setups
    }
    experiment_options.setdefault("tables", False)  # only the worlds' KPIs are used
    result = run_experiment(worlds, replications, seed, **experiment_options)
    kpis = result.kpis.copy()
    split = kpis["scenario"].str.rsplit(SAMPLE_SEPARATOR, n=1, expand=True)
    per_world = pd.DataFrame({
        "setup": split[0], "sample": split[1].astype(int), "replication": kpis["replication"],
        "value": measure_values(kpis, metric).to_numpy(dtype=float),
    })
    names = [setup.name for setup in setups]
    table_samples, summary, sensitivity, break_even = analyse(
        metric, names, parameters, values, unit, per_world, seed, top, design
    )
    return RobustnessResult(
        metric=metric, setups=names, parameters=parameters_table(parameters), samples=table_samples,
        summary=summary, sensitivity=sensitivity, break_even=break_even, kpis=kpis,
        replications=replications, seed=seed, design=design,
    )


# ------------------------------------------------------------------ lever ranking across worlds

LEVER_RANKING_COLUMNS = (
    "lever", "share_first_alone", "share_first_last", "mean_rank_alone", "mean_rank_last",
    "alone_mean", "alone_p05", "alone_p95", "last_mean", "last_p05", "last_p95", "worlds",
)


def lever_ranking_subsets(levers: Sequence[str]) -> list[frozenset[str]]:
    """No lever, each lever alone, the full set without each lever, the full set (2k + 2, deduplicated)."""
    everything = frozenset(levers)
    subsets = [frozenset(), *(frozenset({lever}) for lever in levers), *(everything - {lever} for lever in levers), everything]
    return list(dict.fromkeys(subsets))


def _ranks(effects: np.ndarray, better: int) -> np.ndarray:
    """Rank 1 = the best effect in each row (world); ties keep the levers' merge order."""
    order = np.argsort(-better * effects, axis=1, kind="stable")
    ranks = np.empty_like(order)
    ranks[np.arange(effects.shape[0])[:, None], order] = np.arange(1, effects.shape[1] + 1)
    return ranks


def rank_levers(metric: str, levers: Sequence[str], per_world: pd.DataFrame) -> pd.DataFrame:
    """Per lever: share of worlds where it is first alone / last, mean ranks, spread of its effects.

    ``per_world`` has columns ``setup`` (a subset label), ``sample``, ``replication``, ``value``.
    An effect is the mean over the world's paired replications of the difference in ``metric``.
    """
    better = direction(metric)
    wide = per_world.pivot_table(index=["sample", "replication"], columns="setup", values="value")
    means = wide.groupby(level="sample").mean()
    everything = frozenset(levers)

    def column(subset: frozenset[str]) -> np.ndarray:
        return means[subset_label(subset, levers)].to_numpy(dtype=float)

    start, full = column(frozenset()), column(everything)
    alone = np.column_stack([column(frozenset({lever})) - start for lever in levers])
    last = np.column_stack([full - column(everything - {lever}) for lever in levers])
    rank_alone, rank_last = _ranks(alone, better), _ranks(last, better)
    return pd.DataFrame({
        "lever": list(levers),
        "share_first_alone": (rank_alone == 1).mean(axis=0),
        "share_first_last": (rank_last == 1).mean(axis=0),
        "mean_rank_alone": rank_alone.mean(axis=0),
        "mean_rank_last": rank_last.mean(axis=0),
        "alone_mean": alone.mean(axis=0),
        "alone_p05": np.quantile(alone, 0.05, axis=0),
        "alone_p95": np.quantile(alone, 0.95, axis=0),
        "last_mean": last.mean(axis=0),
        "last_p05": np.quantile(last, 0.05, axis=0),
        "last_p95": np.quantile(last, 0.95, axis=0),
        "worlds": len(means),
    }).sort_values(["mean_rank_alone", "mean_rank_last", "lever"]).reset_index(drop=True)


def run_lever_ranking(
    reference_file: Path,
    target_file: Path,
    metric: str = "net_benefit",
    samples: int = DEFAULT_SAMPLES,
    replications: int = 3,
    seed: int = 0,
    design: str = "lhs",
    overrides: Sequence[str | Override] = (),
    **experiment_options: Any,
) -> pd.DataFrame:
    """Rank the levers FROM → TO in each sampled world by their effect alone and last (one experiment).

    The setups are FROM plus lever subsets, composed in TO's merge order as for attribution; the
    sample covers the union of their assumption ranges (same design and seed as the robustness
    run, so the worlds coincide with it when the two sample the same assumptions). Common random
    numbers within each world; results do not depend on ``experiment_options`` (workers, cache).
    """
    from sim.experiment.runner import run_experiment

    check_measure(metric)
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 2:
        raise ExperimentError(f"--replications: robustness needs at least 2 per world for intervals, got {replications!r}")
    plan = plan_levers(Path(reference_file), Path(target_file))
    levers = plan.names
    if len(levers) < 2:
        raise ExperimentError(f"--lever-ranking: {target_file} adds one lever to {reference_file}; nothing to rank")
    changes = as_overrides(overrides)
    fixed = _overridden(changes)
    setups: list[Setup] = []
    parameters: dict[str, Parameter] = {}
    for subset in lever_ranking_subsets(levers):
        spec = subset_spec(plan, subset, changes)
        resolved = spec.resolve()
        own = [p for p in uncertain_parameters(resolved) if p.path not in fixed]
        for parameter in own:
            parameters.setdefault(parameter.key, parameter)
        setups.append(Setup(subset_label(subset, levers), spec.file, resolved, tuple(p.key for p in own)))
    if not parameters:
        raise ExperimentError(
            "--lever-ranking: none of the lever setups has an assumption range to sample (see docs/robustness.md)"
        )
    sampled = sorted(parameters.values(), key=lambda p: (p.path, p.key))
    values = to_values(unit_sample(sampled, samples, design, seed), sampled)
    worlds = {
        world_label(setup.name, sample): world_scenario(setup, sampled, values[sample], sample)
        for sample in range(len(values))
        for setup in setups
    }
    experiment_options.setdefault("tables", False)  # only the worlds' KPIs are used
    kpis = run_experiment(worlds, replications, seed, **experiment_options).kpis
    split = kpis["scenario"].str.rsplit(SAMPLE_SEPARATOR, n=1, expand=True)
    per_world = pd.DataFrame({
        "setup": split[0], "sample": split[1].astype(int), "replication": kpis["replication"],
        "value": measure_values(kpis, metric).to_numpy(dtype=float),
    })
    return rank_levers(metric, levers, per_world)
