"""Lever portfolios: which combination of levers buys the most, and the cheapest way to a goal.

A board rarely buys all nine levers at once. Attribution already runs every subset of the
levers with common random numbers, so every combination has a price – its running cost per year
(lead, staff and org measures, :func:`sim.money.yearly_cost`: the cost the money table shows, so
an extra role costs its salaries, not €0) – and a measured gain over the current setup, with a
paired interval. The Pareto front is the set of combinations no other
combination beats on both; from it follow the cheapest combination that reaches a target and
the best one within a budget. Choosing the best of many noisy candidates favours lucky ones, so
a choice is reported with its paired difference to the runner-up and whether the target is met
with 95 % confidence, not just on average.

``net_benefit`` = the difference in net contribution per year (revenue incl. upsell − total cost:
lead, staff and org cost, so a lever's own cost is already subtracted); :mod:`sim.money` defines
it and prices a combination, this module only ranks. Pure functions below the runner.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import kpis as kpi_vocabulary
from sim import money, stats
from sim.errors import ExperimentError
from sim.experiment.attribution import SubsetRuns, run_subsets, subset_label
from sim.money import NET_BENEFIT, org_cost_per_year  # noqa: F401 - the org measures' part, kept importable here
from sim.scenario.limits import clip

PORTFOLIO_COLUMNS = (
    "levers", "lever_count", "org_cost_per_year", "added_org_cost_per_year",
    "difference_mean", "difference_ci_low", "difference_ci_high", "on_front",
)
"""The portfolio table's columns. ``org_cost_per_year`` is the combination's running cost per year
(lead, staff and org measures, as :func:`sim.money.yearly_cost`), ``added_org_cost_per_year`` its
paired difference to the reference (the money table's ``yearly_cost_difference``); the names stay
for the CSV's readers and the command's table."""
_TARGET = re.compile(r"^\s*(?:(?P<name>[a-z_]+)\s*)?(?P<op>>=|<=)?\s*(?P<value>[-+]?[0-9][0-9_.eE+-]*)\s*$")


@dataclass(frozen=True)
class Target:
    """A goal for the difference to the current setup: ``>= value`` or ``<= value``."""

    measure: str
    at_least: bool
    value: float

    def met(self, difference: float) -> bool:
        """Whether a difference reaches the goal."""
        return difference >= self.value if self.at_least else difference <= self.value


@dataclass(frozen=True)
class Choice:
    """A recommended combination and how clearly it beats its runner-up."""

    levers: str
    row: dict[str, Any]
    runner_up: str | None
    versus_runner_up: tuple[float, float, float] | None
    confident: bool
    """Target met with 95 % confidence (or, for a budget, better than the runner-up)."""


def check_measure(measure: str) -> str:
    """``net_benefit`` or a KPI of the vocabulary with a better direction; else a clear error."""
    if measure == NET_BENEFIT:
        return measure
    kpi_vocabulary.check(measure, where="--kpi")
    if kpi_vocabulary.direction(measure) == 0:
        raise kpi_vocabulary.KpiError(f"--kpi: {measure!r} has no better direction to optimise; choose another KPI")
    return measure


def direction(measure: str) -> int:
    """+1 higher is better, -1 lower is better."""
    return 1 if measure == NET_BENEFIT else int(kpi_vocabulary.direction(measure))


def measure_values(rows: pd.DataFrame, measure: str) -> pd.Series:
    """The measure per KPI row: a KPI column, or :func:`sim.money.net_contribution` for the net benefit.

    A combination's net benefit is its difference in this column to FROM: the same definition
    as the report's, the CLI's and the workshop's (revenue incl. upsell minus cost, per year).
    """
    if measure == NET_BENEFIT:
        return money.net_contribution(rows)
    return rows[measure]


def parse_target(text: str, measure: str) -> Target:
    """``"net_benefit>=250000"``, ``">=250000"`` or ``"250000"`` (≥ for higher-is-better); finite numbers only."""
    found = _TARGET.match(text)
    value = _finite_number(found["value"]) if found is not None else None
    if found is None or value is None:
        # One message for every unusable goal: "inf", "nan" and a number too large for a float
        # (a few hundred digits) alike, since none of them can ever be reached or missed.
        raise ExperimentError(
            f"--target {clip(text)!r}: the goal must be a finite number, with an optional KPI name and "
            f">= or <=; write e.g. {measure}>=250000"
        )
    name = found["name"] or measure
    if name != measure:
        raise ExperimentError(f"--target {clip(text)!r} names {clip(name)!r}, but the portfolio measures {measure!r}")
    operator = found["op"] or (">=" if direction(measure) > 0 else "<=")
    return Target(measure, operator == ">=", value)


def _finite_number(text: str) -> float | None:
    """``text`` as a finite float; None when it is no number or overflows to infinity."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# ------------------------------------------------------------------ pure tables


def portfolio_table(
    subset_values: Mapping[frozenset[str], np.ndarray],
    costs: Mapping[frozenset[str], float],
    levers: Sequence[str],
    better: int = 1,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per combination: yearly running cost, paired difference to no lever, Pareto membership.

    ``better`` is +1 when a higher measure is better, -1 when lower is. Sorted by cost, then by
    difference (best first).
    """
    start = np.asarray(subset_values[frozenset()], dtype=float)
    base_cost = costs[frozenset()]
    rows = []
    for subset, values in subset_values.items():
        difference = stats.paired_difference(values, start, confidence)
        rows.append(
            (subset_label(subset, levers), len(subset), costs[subset], costs[subset] - base_cost, *difference)
        )
    table = pd.DataFrame(rows, columns=list(PORTFOLIO_COLUMNS[:-1]))
    table["_gain"] = better * table["difference_mean"]
    table = table.sort_values(["org_cost_per_year", "_gain", "lever_count"], ascending=[True, False, True])
    table["on_front"] = pareto_mask(table["org_cost_per_year"].to_numpy(), table["_gain"].to_numpy())
    return table.drop(columns="_gain").reset_index(drop=True)


def pareto_mask(costs: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """True for the combinations no other one beats: none as cheap with more gain, none cheaper with as much."""
    flags = np.zeros(len(costs), dtype=bool)
    for index, (cost, gain) in enumerate(zip(costs, gains, strict=True)):
        dominated = ((costs <= cost) & (gains > gain)) | ((costs < cost) & (gains >= gain))
        flags[index] = not dominated.any()
    return flags


def pareto_front(table: pd.DataFrame) -> pd.DataFrame:
    """The rows on the front, cheapest first."""
    return table[table["on_front"]].reset_index(drop=True)


def _versus(
    values: Mapping[str, np.ndarray], chosen: str, other: str | None, confidence: float
) -> tuple[float, float, float] | None:
    if other is None:
        return None
    return stats.paired_difference(values[chosen], values[other], confidence)


def cheapest_reaching(
    table: pd.DataFrame,
    values: Mapping[str, np.ndarray],
    target: Target,
    confidence: float = 0.95,
) -> Choice | None:
    """The cheapest combination whose mean difference meets ``target`` (None if none does).

    Confidence: the interval bound on the target's side must meet it too. The runner-up is the
    next cheapest combination that meets the target.
    """
    meeting = table[[target.met(value) for value in table["difference_mean"]]]
    if meeting.empty:
        return None
    ranked = meeting.sort_values(["org_cost_per_year", "difference_mean"], ascending=[True, not target.at_least])
    chosen = ranked.iloc[0]
    runner_up = str(ranked.iloc[1]["levers"]) if len(ranked) > 1 else None
    bound = chosen["difference_ci_low"] if target.at_least else chosen["difference_ci_high"]
    return Choice(
        str(chosen["levers"]), chosen.to_dict(), runner_up,
        _versus(values, str(chosen["levers"]), runner_up, confidence),
        bool(not math.isnan(bound) and target.met(bound)),
    )


def best_within_budget(
    table: pd.DataFrame,
    values: Mapping[str, np.ndarray],
    budget: float,
    better: int = 1,
    confidence: float = 0.95,
) -> Choice | None:
    """The combination with the best mean difference whose added running cost per year fits ``budget``.

    Confident when the paired interval against the runner-up (second best within the budget)
    excludes zero in the chosen one's favour.
    """
    affordable = table[table["added_org_cost_per_year"] <= budget]
    if affordable.empty:
        return None
    ranked = affordable.assign(_gain=better * affordable["difference_mean"]).sort_values(
        ["_gain", "org_cost_per_year"], ascending=[False, True]
    )
    chosen = ranked.iloc[0]
    runner_up = str(ranked.iloc[1]["levers"]) if len(ranked) > 1 else None
    versus = _versus(values, str(chosen["levers"]), runner_up, confidence)
    confident = versus is not None and (versus[1] > 0 if better > 0 else versus[2] < 0)
    return Choice(str(chosen["levers"]), chosen.drop(labels="_gain").to_dict(), runner_up, versus, confident)


# ------------------------------------------------------------------ running


@dataclass(frozen=True)
class Portfolio:
    """Every priced combination, the front, and the choices asked for."""

    table: pd.DataFrame
    measure: str
    values: dict[str, np.ndarray]
    runs: SubsetRuns
    target: Target | None = None
    cheapest: Choice | None = None
    budget: float | None = None
    best: Choice | None = None


def portfolio_of(
    runs: SubsetRuns, measure: str = NET_BENEFIT, target: str | None = None, budget: float | None = None
) -> Portfolio:
    """Price every subset run and pick the cheapest way to ``target`` and the best within ``budget``."""
    check_measure(measure)
    names = runs.plan.names
    subset_values = runs.values(lambda rows: measure_values(rows, measure))
    costs = yearly_costs(runs)
    better = direction(measure)
    table = portfolio_table(subset_values, costs, names, better)
    by_label = {subset_label(subset, names): values for subset, values in subset_values.items()}
    goal = None if target is None else parse_target(target, measure)
    return Portfolio(
        table=table, measure=measure, values=by_label, runs=runs, target=goal,
        cheapest=None if goal is None else cheapest_reaching(table, by_label, goal),
        budget=budget,
        best=None if budget is None else best_within_budget(table, by_label, budget, better),
    )


def yearly_costs(runs: SubsetRuns) -> dict[frozenset[str], float]:
    """Each subset's running cost per year: the reference's mean plus the money table's paired difference.

    Priced by :func:`sim.money.yearly_cost_difference`, so a combination's added cost is the
    "Δ running cost per year" the money table shows for the same change (staff of a new role
    included), and the front and the budget compare what the board pays.
    """
    names = runs.plan.names
    reference = subset_label(frozenset(), names)
    reference_rows = runs.kpis[runs.kpis["scenario"] == reference]
    base = float(money.yearly_cost(reference_rows).mean())
    return {
        subset: base + money.yearly_cost_difference(runs.kpis, subset_label(subset, names), reference)
        for subset in runs.scenarios
    }


def run_portfolio(
    reference_file: Path,
    target_file: Path,
    measure: str = NET_BENEFIT,
    replications: int = 10,
    seed: int = 0,
    levers: Sequence[Path] = (),
    *,
    target: str | None = None,
    budget: float | None = None,
    **options: Any,
) -> Portfolio:
    """Run every lever subset (the same runs as an attribution, so the cache is shared) and price them."""
    check_measure(measure)
    if target is not None:
        parse_target(target, measure)  # a bad target fails before anything runs
    if budget is not None and not (isinstance(budget, (int, float)) and math.isfinite(budget) and budget >= 0):
        raise ExperimentError(f"--budget must be a number >= 0 (added running cost per year), got {budget!r}")
    runs = run_subsets(reference_file, target_file, replications, seed, levers, sampling=False, **options)
    return portfolio_of(runs, measure, target, budget)
