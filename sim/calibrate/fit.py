"""Fitting by simulation: the parameters a CRM export cannot show directly.

The export shows when sales first called and how many leads were won, but not how strict
marketing's hand-off threshold is, how long a forwarded lead waits in an inbox, or how likely a
qualified lead is to sign. Those are found by simulating the calibrated scenario with a candidate
value and comparing the simulated funnel with the client's: one scalar at a time, with a bounded
optimiser (scipy) on common random numbers (same seed for every candidate, few replications, a
shortened horizon). Parameters are dotted ``--set`` paths, so renaming a field in the model needs
only a new path here. A parameter that cannot move its target beyond the data's noise is reported
as not identifiable and left at the base value.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as scipy_stats

from sim.calibrate.estimate import DIRECT_CONTACT_DAYS, Estimate, ExportEstimates
from sim.experiment.runner import run_experiment
from sim.scenario.overrides import Override
from sim.scenario.schema import Scenario
from sim.scenario.spec import ScenarioSpec

Z95 = float(scipy_stats.norm.ppf(0.975))
MIN_CHANNEL_FIT_LEADS = 50
"""A channel with fewer leads keeps its base interest floor (its win rate is mostly noise)."""
Statistic = Callable[[pd.DataFrame, float], float]
"""A number computed from one replication's cohort lead table and its length in weeks."""


# ------------------------------------------------------------------ statistics of a lead table


def _response_hours(leads: pd.DataFrame) -> pd.Series:
    return (leads["first_contact_at"] - leads["created_at"]).astype(float)


def direct_share(leads: pd.DataFrame, weeks: float) -> float:
    """Share of leads first contacted within DIRECT_CONTACT_DAYS of creation."""
    return float((_response_hours(leads) <= DIRECT_CONTACT_DAYS * 24).mean()) if len(leads) else math.nan


def response_quantile(q: float) -> Statistic:
    """The q-quantile of hours from creation to a first contact within DIRECT_CONTACT_DAYS."""
    def statistic(leads: pd.DataFrame, weeks: float) -> float:
        hours = _response_hours(leads).dropna()
        hours = hours[hours <= DIRECT_CONTACT_DAYS * 24]
        return float(np.quantile(hours, q)) if len(hours) else math.nan
    return statistic


def won_rate(channel: str | None = None) -> Statistic:
    """Share of (a channel's) leads won."""
    def statistic(leads: pd.DataFrame, weeks: float) -> float:
        chosen = leads if channel is None else leads[leads["channel"] == channel]
        return float((chosen["outcome"] == "won").mean()) if len(chosen) else math.nan
    return statistic


def leads_per_week(channel: str) -> Statistic:
    """New leads of a channel per week."""
    def statistic(leads: pd.DataFrame, weeks: float) -> float:
        return float((leads["channel"] == channel).sum()) / weeks
    return statistic


def mean_deal_value(leads: pd.DataFrame, weeks: float) -> float:
    """Mean deal value of won leads."""
    won = leads.loc[leads["outcome"] == "won", "deal_value"]
    return float(won.mean()) if len(won) else math.nan


# ------------------------------------------------------------------ targets and parameters


@dataclass(frozen=True)
class Target:
    """A statistic of the client's funnel: observed in the export, and how to simulate it."""

    name: str
    observed: Estimate
    statistic: Statistic

    @property
    def observed_se(self) -> float:
        """Standard error of the observation from its 95 % interval."""
        if math.isnan(self.observed.ci_low):
            return 0.0
        return (self.observed.ci_high - self.observed.ci_low) / (2 * Z95)


@dataclass(frozen=True)
class FitParameter:
    """A scenario parameter (dotted path) fitted against one target within bounds."""

    path: str
    target: str
    low: float
    high: float
    base_value: float
    log_scale: bool = False
    why: str = ""
    fallback: FitParameter | None = None
    """Fitted after the others when this one is not identifiable (e.g. another knob of the same channel)."""


@dataclass(frozen=True)
class Simulated:
    """A target's simulated mean and 95 % interval over replications."""

    mean: float
    ci_low: float
    ci_high: float
    se: float


@dataclass(frozen=True)
class FitResult:
    """The fitted value of one parameter, with its uncertainty and the verdict."""

    path: str
    target: str
    value: float
    ci_low: float
    ci_high: float
    identifiable: bool
    at_bound: bool
    evaluations: int
    message: str
    n: int = 0

    @property
    def comment(self) -> str:
        """The scenario file comment for this parameter."""
        if not self.identifiable:
            return f"not identifiable from the data: left at the base value ({self.message})"
        interval = f"95% CI {_short(self.ci_low)}-{_short(self.ci_high)}"
        bound = "; at its bound, the target is out of reach" if self.at_bound else ""
        return f"fitted: by simulation against {self.target}, n={self.n} ({interval}, {self.evaluations} runs{bound})"


def _short(value: float) -> str:
    return f"{value:.3g}"


@dataclass
class Simulator:
    """Runs a scenario (a file or a spec) with overrides on common random numbers and caches the lead tables."""

    scenario_file: Path | ScenarioSpec
    horizon: tuple[str | Override, ...]
    replications: int = 2
    seed: int = 0
    workers: int | None = 1
    runs: int = 0
    _cache: dict[tuple[str | Override, ...], tuple[pd.DataFrame, float]] = field(default_factory=dict)

    def leads(self, overrides: Sequence[str | Override]) -> tuple[pd.DataFrame, float]:
        """Cohort lead table of all replications and the measurement window in weeks."""
        key = tuple(overrides)
        if key not in self._cache:
            scenario = self.scenario(overrides)
            result = run_experiment(
                {"calibration": scenario}, replications=self.replications, seed=self.seed,
                workers=self.workers, cache_dir=None, progress=False,
            )
            self.runs += 1
            self._cache[key] = (result.leads, scenario.horizon.measurement_days / 7)
        return self._cache[key]

    def scenario(self, overrides: Sequence[str | Override]) -> Scenario:
        """The scenario with the shortened horizon and ``overrides``."""
        spec = self.scenario_file
        base = spec if isinstance(spec, ScenarioSpec) else ScenarioSpec(Path(spec))
        return base.with_overrides([*self.horizon, *overrides]).load()

    def simulate(self, statistic: Statistic, overrides: Sequence[str | Override]) -> Simulated:
        """Mean and 95 % t interval of a statistic over the replications."""
        leads, weeks = self.leads(overrides)
        values = np.array([
            statistic(group, weeks) for _, group in leads.groupby("replication", sort=True)
        ] or [math.nan])
        values = values[~np.isnan(values)]
        if len(values) == 0:
            return Simulated(math.nan, math.nan, math.nan, math.nan)
        mean = float(values.mean())
        if len(values) < 2:
            return Simulated(mean, math.nan, math.nan, 0.0)
        se = float(values.std(ddof=1) / math.sqrt(len(values)))
        half = float(scipy_stats.t.ppf(0.975, len(values) - 1)) * se
        return Simulated(mean, mean - half, mean + half, se)


def _override(path: str, value: float) -> Override:
    """A tried value, to six significant digits (the fit's resolution; also what messages show)."""
    shown = f"{value:.6g}"
    return Override.at(path, float(shown), origin=f"{path}={shown}")


def fit_parameter(
    simulator: Simulator, parameter: FitParameter, target: Target, fixed: Sequence[str | Override],
    max_evaluations: int = 12,
) -> FitResult:
    """Fit one parameter with a bounded scalar search; probe the bounds first for identifiability."""
    to_x = math.log if parameter.log_scale else (lambda value: value)
    from_x = math.exp if parameter.log_scale else (lambda value: value)
    evaluations: list[tuple[float, Simulated]] = []

    def simulated(x: float) -> Simulated:
        result = simulator.simulate(target.statistic, [*fixed, _override(parameter.path, from_x(x))])
        evaluations.append((x, result))
        return result

    low, high = to_x(parameter.low), to_x(parameter.high)
    at_low, at_high = simulated(low), simulated(high)
    noise = max(target.observed_se, at_low.se, at_high.se, 1e-12)
    if not (abs(at_high.mean - at_low.mean) > 2 * noise):
        return FitResult(
            parameter.path, target.name, parameter.base_value, math.nan, math.nan, False, False, len(evaluations),
            f"moving it from {_short(parameter.low)} to {_short(parameter.high)} changes {target.name} "
            f"by less than twice its noise",
            target.observed.n,
        )

    def loss(x: float) -> float:
        value = simulated(x).mean
        return (value - target.observed.value) ** 2 if not math.isnan(value) else math.inf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        found = optimize.minimize_scalar(
            loss, bounds=(low, high), method="bounded",
            options={"maxiter": max(max_evaluations - 2, 1), "xatol": (high - low) * 1e-3},
        )
    best_x = float(found.x)
    best = min(evaluations, key=lambda item: abs(item[0] - best_x))[1]
    slope = _local_slope(evaluations, best_x)
    spread = math.sqrt(target.observed_se**2 + (best.se if not math.isnan(best.se) else 0.0) ** 2)
    half = Z95 * spread / abs(slope) if slope else math.inf
    ci_low = from_x(max(best_x - half, low)) if math.isfinite(half) else from_x(low)
    ci_high = from_x(min(best_x + half, high)) if math.isfinite(half) else from_x(high)
    at_bound = min(best_x - low, high - best_x) < (high - low) * 0.01 and abs(best.mean - target.observed.value) > Z95 * spread
    return FitResult(
        parameter.path, target.name, from_x(best_x), ci_low, ci_high, True, at_bound, len(evaluations),
        f"simulated {_short(best.mean)} vs observed {_short(target.observed.value)}",
        target.observed.n,
    )


def _local_slope(evaluations: Sequence[tuple[float, Simulated]], centre: float) -> float:
    """Slope of the target over the parameter near the optimum, from the runs closest to it."""
    usable = [(x, result.mean) for x, result in evaluations if not math.isnan(result.mean)]
    usable.sort(key=lambda item: abs(item[0] - centre))
    nearest = usable[:5]
    xs = np.array([x for x, _ in nearest])
    if len(nearest) < 2 or np.ptp(xs) == 0:
        return 0.0
    ys = np.array([y for _, y in nearest])
    return float(np.polyfit(xs, ys, 1)[0])


# ------------------------------------------------------------------ the calibration plan


def targets(estimates: ExportEstimates) -> dict[str, Target]:
    """The client's funnel as targets: what the fitted scenario should reproduce."""
    found: dict[str, Target] = {}
    for channel in estimates.channels:
        found[f"leads_per_week[{channel.name}]"] = Target(
            f"leads_per_week[{channel.name}]", channel.leads_per_week, leads_per_week(channel.name)
        )
    found["direct_contact_share"] = Target("direct_contact_share", estimates.direct_contact_share, direct_share)
    if estimates.response_median_hours is not None and estimates.response_p90_hours is not None:
        found["median_response_from_inquiry_hours"] = Target("median_response_from_inquiry_hours", estimates.response_median_hours, response_quantile(0.5))
        found["p90_response_from_inquiry_hours"] = Target("p90_response_from_inquiry_hours", estimates.response_p90_hours, response_quantile(0.9))
    if estimates.won_rate is not None:
        found["won_rate"] = Target("won_rate", estimates.won_rate, won_rate())
    for channel in estimates.channels:
        if channel.won_rate is not None:
            found[f"won_rate[{channel.name}]"] = Target(f"won_rate[{channel.name}]", channel.won_rate, won_rate(channel.name))
    if estimates.deal_value is not None:
        found["mean_deal_value"] = Target("mean_deal_value", estimates.deal_value[0], mean_deal_value)
    return found


def default_parameters(scenario: Scenario, estimates: ExportEstimates) -> list[FitParameter]:
    """What is fitted, in order: who sales gets at once, how long it waits, how often it is won."""
    channel_parameters = [
        # The interest a lead keeps however long it waits: the channel's conversion-by-response curve.
        FitParameter(
            f"channels.{channel.name}.decay.floor", f"won_rate[{channel.name}]", 0.0, 0.95,
            scenario.channel(channel.name).decay.floor,
            why=f"interest a {channel.name} lead keeps however long sales waits",
            # A channel called within hours never decays far: its floor cannot show, its fit can.
            fallback=FitParameter(
                f"channels.{channel.name}.fit.alpha", f"won_rate[{channel.name}]", 0.3, 30.0,
                scenario.channel(channel.name).fit.alpha, log_scale=True,
                why=f"how well {channel.name} leads fit the ideal customer (Beta alpha, beta kept)",
            ),
        )
        for channel in estimates.channels
        if channel.leads >= MIN_CHANNEL_FIT_LEADS and channel.won_rate is not None
        and scenario.channel(channel.name).leads_per_week > 0
    ]
    return [
        FitParameter(
            "qualification.threshold", "direct_contact_share", -0.5, 1.5, scenario.qualification.threshold,
            why="marketing's hand-off threshold decides which leads sales works at once",
        ),
        FitParameter(
            "handoff.admin_delay_hours.mean", "median_response_from_inquiry_hours", 0.05, 336.0,
            scenario.handoff.admin_delay_hours.mean, log_scale=True,
            why="the delay before a handed-over lead reaches a rep's queue",
        ),
        *channel_parameters,
        FitParameter(
            "conversion.win_probability", "won_rate", 0.005, 1.0, scenario.conversion.win_probability,
            why="the chance that a qualified lead signs (after the channels' own interest floors)",
        ),
    ]


def fit_all(
    simulator: Simulator, parameters: Sequence[FitParameter], found: dict[str, Target], max_evaluations: int = 12
) -> tuple[list[FitResult], list[Override]]:
    """Fit the parameters one after another, each with the values fitted before it; and overrides."""
    results: list[FitResult] = []
    fixed: list[Override] = []
    queue = list(parameters)
    while queue:
        parameter = queue.pop(0)
        target = found.get(parameter.target)
        if target is None:
            results.append(FitResult(
                parameter.path, parameter.target, parameter.base_value, math.nan, math.nan, False, False, 0,
                f"the export has no {parameter.target}",
            ))
            continue
        result = fit_parameter(simulator, parameter, target, fixed, max_evaluations)
        if result.identifiable:
            fixed.append(_override(parameter.path, result.value))
        elif parameter.fallback is not None:
            queue.append(parameter.fallback)
            result = replace(result, message=f"{result.message}; {parameter.fallback.path} is fitted instead")
        results.append(result)
    return results, fixed


def fit_table(simulator: Simulator, found: dict[str, Target], overrides: Sequence[str | Override]) -> pd.DataFrame:
    """target, observed with CI, simulated with CI, within tolerance (difference inside both half-widths)."""
    rows = []
    for target in found.values():
        simulated = simulator.simulate(target.statistic, overrides)
        observed_half = 0.0 if math.isnan(target.observed.ci_low) else (target.observed.ci_high - target.observed.ci_low) / 2
        simulated_half = 0.0 if math.isnan(simulated.ci_low) else (simulated.ci_high - simulated.ci_low) / 2
        # Within tolerance: the difference is inside the combined half-widths of both intervals.
        tolerance = math.hypot(observed_half, simulated_half)
        difference = simulated.mean - target.observed.value
        rows.append({
            "target": target.name,
            "observed": target.observed.value,
            "observed_ci_low": target.observed.ci_low,
            "observed_ci_high": target.observed.ci_high,
            "observed_n": target.observed.n,
            "simulated": simulated.mean,
            "simulated_ci_low": simulated.ci_low,
            "simulated_ci_high": simulated.ci_high,
            "within_tolerance": bool(not math.isnan(difference) and abs(difference) <= tolerance + 1e-12),
        })
    return pd.DataFrame(rows)
