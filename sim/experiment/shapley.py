"""Shapley values: what each lever of an org change is worth, whatever order it comes in.

Adding a fast hand-off is worth more once sales stops ignoring marketing's leads, so "the
effect of a lever" depends on what is already in place. The Shapley value averages a lever's
marginal effect over every order of adding the levers; the values add up to the whole
difference between the two setups (efficiency), and two levers that only pay off together
share their joint gain equally. Pure functions on a table of KPI values per lever subset and
replication; running the subsets is the job of :mod:`sim.experiment.attribution`.

Each subset's KPI value is an array over replications, and replication r of every subset saw
the same leads (common random numbers). Because the Shapley value is linear in the subset
values, it is computed *within* each replication; the per-replication values are paired and
give a t-interval. With sampled permutations the sampling error between permutations is added.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from sim import stats

Coalition = frozenset[str]
SubsetValues = Mapping[Coalition, np.ndarray]

SHAPLEY_COLUMNS = (
    "lever", "shapley_mean", "shapley_ci_low", "shapley_ci_high",
    "alone_mean", "alone_ci_low", "alone_ci_high",
    "last_mean", "last_ci_low", "last_ci_high",
    "rank", "share_of_total",
)
INTERACTION_COLUMNS = ("lever_a", "lever_b", "interaction_mean", "interaction_ci_low", "interaction_ci_high", "kind")
EXACT = "exact"
SAMPLED = "permutations"


@dataclass(frozen=True)
class Permutations:
    """Sampled lever orders; ``pairs`` groups each order with its reverse (antithetic sampling)."""

    orders: tuple[tuple[str, ...], ...]
    pairs: tuple[tuple[int, int], ...]


# ------------------------------------------------------------------ which subsets


def all_subsets(levers: Sequence[str]) -> list[Coalition]:
    """Every subset of ``levers`` (2^k), smallest first, each in lever order within a size."""
    return [
        frozenset(chosen)
        for size in range(len(levers) + 1)
        for chosen in itertools.combinations(levers, size)
    ]


def sample_permutations(levers: Sequence[str], count: int, seed: int) -> Permutations:
    """``count`` random lever orders (rounded up to even), each followed by its reverse.

    The reverse of an order puts early levers late, so the pair's average cancels much of the
    position effect (antithetic variates); pairs, not single orders, are the sampling units.
    """
    if count < 2:
        raise ValueError(f"permutation sampling needs at least 2 permutations, got {count}")
    generator = np.random.default_rng(np.random.SeedSequence([int(seed), 0x5A4B]))
    orders: list[tuple[str, ...]] = []
    pairs: list[tuple[int, int]] = []
    for _ in range(math.ceil(count / 2)):
        order = tuple(levers[index] for index in generator.permutation(len(levers)))
        pairs.append((len(orders), len(orders) + 1))
        orders.extend([order, tuple(reversed(order))])
    return Permutations(tuple(orders), tuple(pairs))


def permutation_subsets(permutations: Permutations) -> list[Coalition]:
    """The prefixes of every sampled order (the subsets their marginal effects need), deduplicated."""
    seen: dict[Coalition, None] = {}
    for order in permutations.orders:
        for count in range(len(order) + 1):
            seen.setdefault(frozenset(order[:count]), None)
    return list(seen)


def side_subsets(levers: Sequence[str], pairs: bool = False) -> list[Coalition]:
    """The subsets the "alone" and "last" columns need (and the lever pairs, if asked)."""
    everything = frozenset(levers)
    chosen = [frozenset(), everything]
    chosen += [frozenset([lever]) for lever in levers]
    chosen += [everything - {lever} for lever in levers]
    if pairs:
        chosen += [frozenset(pair) for pair in itertools.combinations(levers, 2)]
    return list(dict.fromkeys(chosen))


# ------------------------------------------------------------------ the values


def _weight(size: int, players: int) -> float:
    """Share of orders in which a given lever comes right after a given set of ``size`` others."""
    return math.factorial(size) * math.factorial(players - size - 1) / math.factorial(players)


def _lookup(subset_values: SubsetValues, subset: Iterable[str]) -> np.ndarray:
    key = frozenset(subset)
    if key not in subset_values:
        raise ValueError(f"no KPI values for the lever subset {{{', '.join(sorted(key))}}}")
    return np.asarray(subset_values[key], dtype=float)


def exact_shapley(subset_values: SubsetValues, levers: Sequence[str]) -> dict[str, np.ndarray]:
    """Per lever, its Shapley value in each replication, from all 2^k subsets."""
    players = len(levers)
    values: dict[str, np.ndarray] = {}
    for lever in levers:
        others = [other for other in levers if other != lever]
        total = np.zeros_like(_lookup(subset_values, ()))
        for size in range(players):
            weight = _weight(size, players)
            for chosen in itertools.combinations(others, size):
                gain = _lookup(subset_values, (*chosen, lever)) - _lookup(subset_values, chosen)
                total = total + weight * gain
        values[lever] = total
    return values


def permutation_shapley(
    subset_values: SubsetValues, permutations: Permutations
) -> dict[str, np.ndarray]:
    """Per lever, its marginal effect per antithetic pair and replication: shape (pairs, replications)."""
    levers = permutations.orders[0]
    per_order: dict[str, list[np.ndarray]] = {lever: [] for lever in levers}
    for order in permutations.orders:
        for position, lever in enumerate(order):
            gain = _lookup(subset_values, order[: position + 1]) - _lookup(subset_values, order[:position])
            per_order[lever].append(gain)
    return {
        lever: np.array([(gains[first] + gains[second]) / 2.0 for first, second in permutations.pairs])
        for lever, gains in per_order.items()
    }


def shapley_interactions(
    subset_values: SubsetValues, levers: Sequence[str]
) -> dict[tuple[str, str], np.ndarray]:
    """Shapley interaction index per lever pair and replication (Grabisch 1997), from all subsets.

    The average, over the subsets S of the other levers, of the 2×2 contrast
    v(S+a+b) − v(S+a) − v(S+b) + v(S): positive when the two levers are worth more together.
    """
    players = len(levers)
    result: dict[tuple[str, str], np.ndarray] = {}
    for first, second in itertools.combinations(levers, 2):
        others = [lever for lever in levers if lever not in (first, second)]
        total = np.zeros_like(_lookup(subset_values, ()))
        for size in range(players - 1):
            weight = math.factorial(size) * math.factorial(players - size - 2) / math.factorial(players - 1)
            for chosen in itertools.combinations(others, size):
                contrast = (
                    _lookup(subset_values, (*chosen, first, second))
                    - _lookup(subset_values, (*chosen, first))
                    - _lookup(subset_values, (*chosen, second))
                    + _lookup(subset_values, chosen)
                )
                total = total + weight * contrast
        result[(first, second)] = total
    return result


def pair_contrasts(subset_values: SubsetValues, levers: Sequence[str]) -> dict[tuple[str, str], np.ndarray]:
    """The 2×2 interaction contrast of each lever pair from the reference, per replication."""
    start = _lookup(subset_values, ())
    return {
        (first, second): _lookup(subset_values, (first, second))
        - _lookup(subset_values, (first,)) - _lookup(subset_values, (second,)) + start
        for first, second in itertools.combinations(levers, 2)
    }


# ------------------------------------------------------------------ intervals


def sampled_interval(per_pair: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and CI of a permutation estimate: simulation noise plus the permutation sampling error.

    ``per_pair`` has one row per antithetic pair and one column per replication. The simulation
    part is the t-interval variance of the per-replication means (over pairs); the sampling part
    is the variance between pairs of their replication means. The two standard errors are added
    in quadrature, with Welch–Satterthwaite degrees of freedom.
    """
    grid = np.asarray(per_pair, dtype=float)
    pairs, replications = grid.shape
    mean = float(grid.mean())
    parts = []  # (variance of the mean, degrees of freedom)
    if replications > 1:
        parts.append((float(np.var(grid.mean(axis=0), ddof=1)) / replications, replications - 1))
    if pairs > 1:
        parts.append((float(np.var(grid.mean(axis=1), ddof=1)) / pairs, pairs - 1))
    if not parts:
        return (mean, math.nan, math.nan)
    variance = sum(part for part, _ in parts)
    if variance == 0:
        return (mean, mean, mean)
    dof = variance**2 / sum(part**2 / df for part, df in parts if part > 0)
    width = float(scipy_stats.t.ppf(0.5 + confidence / 2.0, dof)) * math.sqrt(variance)
    return (mean, mean - width, mean + width)


# ------------------------------------------------------------------ the table


def shapley_values(
    subset_values: SubsetValues,
    levers: Sequence[str],
    permutations: Permutations | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per lever: Shapley value, effect alone, effect last, each with a paired CI.

    ``subset_values`` maps a set of lever names to that subset's KPI per replication (the
    empty set is the reference, all levers the target). Without ``permutations`` every subset
    must be present (exact); with them, their prefixes plus the alone/last subsets. ``.attrs``
    holds the efficiency check: ``total_difference`` (all levers − none, with CI) and
    ``sum_of_shapley``, which are equal by construction.
    """
    levers = list(levers)
    if len(set(levers)) != len(levers) or not levers:
        raise ValueError(f"levers must be distinct and at least one, got {levers}")
    start, everything = _lookup(subset_values, ()), _lookup(subset_values, levers)
    if permutations is None:
        per_replication = exact_shapley(subset_values, levers)
        intervals = {lever: stats.t_interval(values, confidence) for lever, values in per_replication.items()}
    else:
        per_pair = permutation_shapley(subset_values, permutations)
        intervals = {lever: sampled_interval(per_pair[lever], confidence) for lever in levers}
    total = stats.paired_difference(everything, start, confidence)
    rows = []
    for lever in levers:
        alone = stats.paired_difference(_lookup(subset_values, [lever]), start, confidence)
        others = [other for other in levers if other != lever]
        last = stats.paired_difference(everything, _lookup(subset_values, others), confidence)
        rows.append((lever, *intervals[lever], *alone, *last))
    table = pd.DataFrame(rows, columns=list(SHAPLEY_COLUMNS[:-2]))
    table["rank"] = table["shapley_mean"].abs().rank(ascending=False, method="first").astype(int)
    table["share_of_total"] = table["shapley_mean"] / total[0] if total[0] else math.nan
    table.attrs.update(
        {
            "total_difference": total[0], "total_ci_low": total[1], "total_ci_high": total[2],
            "sum_of_shapley": float(table["shapley_mean"].sum()),
            "method": EXACT if permutations is None else SAMPLED,
            "replications": int(start.size),
        }
    )
    return table


def interactions(
    subset_values: SubsetValues,
    levers: Sequence[str],
    exact: bool = True,
    top: int | None = 5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The largest pairwise interactions (by |mean|) with paired CIs.

    Exact: the Shapley interaction index over all subsets; otherwise the 2×2 contrast from the
    reference (the only pair subsets a permutation sample is given).
    """
    levers = list(levers)
    per_replication = shapley_interactions(subset_values, levers) if exact else pair_contrasts(subset_values, levers)
    kind = "shapley_interaction" if exact else "pair_from_reference"
    rows = [
        (first, second, *stats.t_interval(values, confidence), kind)
        for (first, second), values in per_replication.items()
    ]
    table = pd.DataFrame(rows, columns=list(INTERACTION_COLUMNS))
    order = table["interaction_mean"].abs().sort_values(ascending=False, kind="stable").index
    table = table.loc[order].reset_index(drop=True)
    return table if top is None else table.head(top)


def path_effects(subset_values: SubsetValues, order: Sequence[str]) -> dict[str, float]:
    """Mean step of each lever when added in ``order`` (the order-dependent path method, for contrast)."""
    return {
        lever: float(np.mean(_lookup(subset_values, order[: i + 1]) - _lookup(subset_values, order[:i])))
        for i, lever in enumerate(order)
    }
