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
    return projected_interval(grid, grid.shape[1], confidence)


# ------------------------------------------------------------------ is it resolved?

NEGLIGIBLE = "negligible"
"""A lever whose interval lies inside the practical band: no effect worth reporting."""
NONZERO = "nonzero"
"""A lever whose interval excludes zero: its value is distinguishable from zero."""
OPEN = "open"
"""Neither: more replications could still tell."""
FUTILE = "unresolved"
"""Neither, and the replications up to the cap could not tell either (the sampled orders' error,
or an effect too small for the noise): open, but not worth more replications."""


@dataclass(frozen=True)
class Resolution:
    """Which levers and adjacent rankings an attribution has settled, and which are still open."""

    levers: dict[str, str]
    """Per lever: ``nonzero``, ``negligible``, ``open`` or ``unresolved`` (open, but beyond the cap's reach)."""
    open_rankings: tuple[tuple[str, str], ...]
    """Adjacent levers (by size) whose order is neither resolved nor a practical tie."""
    band: float
    unresolved_rankings: tuple[tuple[str, str], ...] = ()
    """Adjacent levers whose order is open but which the replications up to the cap could not settle."""

    @property
    def settled(self) -> bool:
        """Whether nothing is open that more replications could settle."""
        return OPEN not in self.levers.values() and not self.open_rankings

    @property
    def unresolved(self) -> list[str]:
        """The levers and adjacent rankings left open (whether or not replications could settle them)."""
        levers = [lever for lever, status in self.levers.items() if status in (OPEN, FUTILE)]
        rankings = [f"{a} vs. {b}" for a, b in (*self.open_rankings, *self.unresolved_rankings)]
        return levers + rankings


def lever_samples(
    subset_values: SubsetValues, levers: Sequence[str], permutations: Permutations | None = None
) -> dict[str, np.ndarray]:
    """Per lever, what its interval is built from: a value per replication, or per pair and replication."""
    if permutations is None:
        return exact_shapley(subset_values, levers)
    return permutation_shapley(subset_values, permutations)


def sample_interval(samples: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """The interval :func:`shapley_values` gives for these samples (exact: t; sampled orders: both errors)."""
    grid = np.asarray(samples, dtype=float)
    return stats.t_interval(grid, confidence) if grid.ndim == 1 else sampled_interval(grid, confidence)


def projected_interval(
    samples: np.ndarray, replications: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """The interval these samples would give with ``replications`` replications, the spread unchanged.

    The replication part of the variance shrinks as 1/replications; the part from sampled orders
    (between antithetic pairs) does not – more replications cannot narrow it.
    """
    grid = np.asarray(samples, dtype=float)
    mean = float(grid.mean())
    parts = []  # (variance of the mean, degrees of freedom)
    across = grid if grid.ndim == 1 else grid.mean(axis=0)
    if across.size > 1:
        parts.append((float(np.var(across, ddof=1)) / replications, replications - 1))
    if grid.ndim == 2 and grid.shape[0] > 1:
        parts.append((float(np.var(grid.mean(axis=1), ddof=1)) / grid.shape[0], grid.shape[0] - 1))
    variance = sum(part for part, _ in parts)
    if not parts or variance == 0:
        return (mean, mean, mean) if parts else (mean, math.nan, math.nan)
    dof = variance**2 / sum(part**2 / df for part, df in parts if part > 0)
    width = float(scipy_stats.t.ppf(0.5 + confidence / 2.0, dof)) * math.sqrt(variance)
    return (mean, mean - width, mean + width)


def _status(interval: tuple[float, float, float], band: float) -> str:
    _, low, high = interval
    if not (math.isfinite(low) and math.isfinite(high)):
        return OPEN
    if low > 0 or high < 0:
        return NONZERO
    return NEGLIGIBLE if -band <= low and high <= band else OPEN


def resolution(
    subset_values: SubsetValues,
    levers: Sequence[str],
    permutations: Permutations | None,
    band: float,
    confidence: float = 0.95,
    cap: int | None = None,
) -> Resolution:
    """Which levers are distinguishable from zero, negligible (inside ±``band``) or still open.

    A lever is open while its interval crosses zero and reaches outside ±``band``. Two levers next
    to each other by size are an open ranking while the interval of the difference of their sizes
    (paired, replication by replication and order by order) does the same – unless both are
    negligible, whose order nobody reads. The intervals are those of the lever table, so with two
    replications (one degree of freedom, t = 12.7) little is settled by luck. With a ``cap``, an
    item counts as open only if ``cap`` replications could settle it (:func:`projected_interval`):
    an interval held open by the sampled orders' error, or by an effect too small for the noise
    even at the cap, does not buy replications that cannot change the answer.
    """
    samples = lever_samples(subset_values, levers, permutations)
    intervals = {lever: sample_interval(samples[lever], confidence) for lever in levers}

    def judged(grid: np.ndarray, interval: tuple[float, float, float]) -> str:
        found = _status(interval, band)
        if found == OPEN and cap is not None and _status(projected_interval(grid, cap, confidence), band) == OPEN:
            return FUTILE
        return found

    status = {lever: judged(samples[lever], intervals[lever]) for lever in levers}
    by_size = sorted(levers, key=lambda lever: -abs(intervals[lever][0]))
    open_pairs, futile_pairs = [], []
    for larger, smaller in itertools.pairwise(by_size):
        if status[larger] == NEGLIGIBLE and status[smaller] == NEGLIGIBLE:
            continue
        # Sizes compared with each lever's sign, so "larger" stays larger whatever its direction.
        signs = {lever: 1.0 if intervals[lever][0] >= 0 else -1.0 for lever in (larger, smaller)}
        gap = signs[larger] * samples[larger] - signs[smaller] * samples[smaller]
        verdict = judged(gap, sample_interval(gap, confidence))
        if verdict == OPEN:
            open_pairs.append((larger, smaller))
        elif verdict == FUTILE:
            futile_pairs.append((larger, smaller))
    return Resolution(status, tuple(open_pairs), band, tuple(futile_pairs))


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

