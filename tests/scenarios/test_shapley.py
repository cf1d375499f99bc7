"""Shapley arithmetic on toy games with known answers (no simulation)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats as scipy_stats

from sim.experiment import shapley

Game = Callable[[frozenset[str]], np.ndarray]


def table(levers: list[str], game: Game) -> dict[frozenset[str], np.ndarray]:
    """The KPI values of every subset of ``levers`` under ``game``."""
    return {subset: game(subset) for subset in shapley.all_subsets(levers)}


REPLICATION_LEVEL = np.array([100.0, 130.0, 90.0, 120.0, 110.0])  # common random numbers: one level per replication
EFFECTS = {"a": 10.0, "b": -4.0, "c": 25.0}


def additive(subset: frozenset[str]) -> np.ndarray:
    return REPLICATION_LEVEL + sum(EFFECTS[lever] for lever in subset)


def with_interaction(subset: frozenset[str]) -> np.ndarray:
    """a and b are each worth 10 and 2 alone, and 6 more together; c is worth 25 whatever happens."""
    value = REPLICATION_LEVEL + 10.0 * ("a" in subset) + 2.0 * ("b" in subset) + 25.0 * ("c" in subset)
    return value + 6.0 * ("a" in subset and "b" in subset)


def test_additive_effects_are_the_shapley_values() -> None:
    effects = shapley.shapley_values(table(list(EFFECTS), additive), list(EFFECTS)).set_index("lever")
    for lever, effect in EFFECTS.items():
        row = effects.loc[lever]
        assert row["shapley_mean"] == pytest.approx(effect)
        assert row["alone_mean"] == pytest.approx(effect)
        assert row["last_mean"] == pytest.approx(effect)
        # No noise in the difference: the interval is the point.
        assert row["shapley_ci_low"] == pytest.approx(effect)
        assert row["shapley_ci_high"] == pytest.approx(effect)


def test_an_interaction_is_split_equally() -> None:
    levers = ["a", "b", "c"]
    effects = shapley.shapley_values(table(levers, with_interaction), levers).set_index("lever")
    assert effects.loc["a", "shapley_mean"] == pytest.approx(10.0 + 3.0)
    assert effects.loc["b", "shapley_mean"] == pytest.approx(2.0 + 3.0)
    assert effects.loc["c", "shapley_mean"] == pytest.approx(25.0)
    # Alone misses the joint gain, last gets all of it.
    assert effects.loc["a", "alone_mean"] == pytest.approx(10.0)
    assert effects.loc["a", "last_mean"] == pytest.approx(16.0)
    assert effects.loc["b", "last_mean"] == pytest.approx(8.0)


def test_the_largest_interaction_is_the_known_one() -> None:
    levers = ["a", "b", "c"]
    pairs = shapley.interactions(table(levers, with_interaction), levers)
    first = pairs.iloc[0]
    assert (first["lever_a"], first["lever_b"]) == ("a", "b")
    assert first["interaction_mean"] == pytest.approx(6.0)
    assert pairs.iloc[1:]["interaction_mean"].abs().max() == pytest.approx(0.0)


def test_values_add_up_to_the_total_difference_in_every_replication() -> None:
    generator = np.random.default_rng(3)
    levers = ["a", "b", "c", "d"]
    noise = {subset: generator.normal(0, 5, size=5) for subset in shapley.all_subsets(levers)}
    values = {subset: with_interaction(subset & {"a", "b", "c"}) + noise[subset] for subset in noise}
    per_replication = shapley.exact_shapley(values, levers)
    total = values[frozenset(levers)] - values[frozenset()]
    np.testing.assert_allclose(sum(per_replication.values()), total)
    effects = shapley.shapley_values(values, levers)
    assert effects.attrs["sum_of_shapley"] == pytest.approx(effects.attrs["total_difference"])
    assert effects.attrs["total_difference"] == pytest.approx(total.mean())


def test_the_interval_is_the_t_interval_of_the_per_replication_values() -> None:
    generator = np.random.default_rng(11)
    levers = ["a", "b", "c"]
    values = {subset: with_interaction(subset) + generator.normal(0, 3, 5) for subset in shapley.all_subsets(levers)}
    per_replication = shapley.exact_shapley(values, levers)["a"]
    effects = shapley.shapley_values(values, levers).set_index("lever")
    half = scipy_stats.t.ppf(0.975, 4) * scipy_stats.sem(per_replication)
    assert effects.loc["a", "shapley_ci_low"] == pytest.approx(per_replication.mean() - half)
    assert effects.loc["a", "shapley_ci_high"] == pytest.approx(per_replication.mean() + half)


def test_the_exact_values_match_the_average_over_all_orders() -> None:
    generator = np.random.default_rng(5)
    levers = ["a", "b", "c", "d"]
    values = {subset: generator.normal(0, 10, 3) for subset in shapley.all_subsets(levers)}
    exact = shapley.exact_shapley(values, levers)
    orders = list(itertools.permutations(levers))
    for lever in levers:
        by_order = [
            values[frozenset(order[: order.index(lever) + 1])] - values[frozenset(order[: order.index(lever)])]
            for order in orders
        ]
        np.testing.assert_allclose(exact[lever], np.mean(by_order, axis=0))


def test_listing_the_levers_in_another_order_changes_no_value_although_the_order_matters() -> None:
    levers = ["a", "b", "c"]
    values = table(levers, with_interaction)
    forward = shapley.shapley_values(values, levers).set_index("lever")["shapley_mean"]
    backward = shapley.shapley_values(values, levers[::-1]).set_index("lever")["shapley_mean"]
    assert forward.to_dict() == pytest.approx(backward.to_dict())
    # The interaction makes b's step depend on what came before it, so the equality is not trivial.
    first = values[frozenset({"b"})] - values[frozenset()]
    last = values[frozenset(levers)] - values[frozenset({"a", "c"})]
    assert np.mean(first) != pytest.approx(np.mean(last))


def test_a_missing_subset_is_named() -> None:
    values = table(["a", "b"], additive)
    del values[frozenset({"a"})]
    with pytest.raises(ValueError, match=r"\{a\}"):
        shapley.shapley_values(values, ["a", "b"])


# ------------------------------------------------------------------ permutation sampling


def many_levers(subset: frozenset[str]) -> np.ndarray:
    """Eight levers, worth 1..8, with lever0, lever1 and lever2 worth 12 more together.

    A three-way interaction: an antithetic pair of orders does not average it out exactly
    (a pairwise one it would), so sampled values carry sampling error.
    """
    value = REPLICATION_LEVEL + sum(int(lever[-1]) + 1.0 for lever in subset)
    return value + 12.0 * ({"lever0", "lever1", "lever2"} <= subset)


LEVERS8 = [f"lever{index}" for index in range(8)]


def test_sampled_orders_come_in_antithetic_pairs_and_need_only_their_prefixes() -> None:
    sample = shapley.sample_permutations(LEVERS8, 6, seed=1)
    assert len(sample.orders) == 6
    for first, second in sample.pairs:
        assert sample.orders[second] == tuple(reversed(sample.orders[first]))
    subsets = shapley.permutation_subsets(sample)
    assert len(subsets) <= 6 * 7 + 2  # k - 1 inner prefixes per order, plus none and all
    assert frozenset() in subsets and frozenset(LEVERS8) in subsets


def test_sampling_is_exact_for_additive_effects() -> None:
    sample = shapley.sample_permutations(LEVERS8, 4, seed=2)
    values = {subset: many_levers(subset - {"lever1"}) for subset in shapley.all_subsets(LEVERS8)}
    effects = shapley.shapley_values(values, LEVERS8, sample).set_index("lever")
    for index, lever in enumerate(LEVERS8):
        expected = 0.0 if lever == "lever1" else index + 1.0
        assert effects.loc[lever, "shapley_mean"] == pytest.approx(expected)


def test_the_sampled_interval_includes_the_sampling_error_and_covers_the_exact_value() -> None:
    values = {subset: many_levers(subset) for subset in shapley.all_subsets(LEVERS8)}
    exact = shapley.shapley_values(values, LEVERS8).set_index("lever")
    covered, widths = 0, []
    for seed in range(40):
        sample = shapley.sample_permutations(LEVERS8, 16, seed=seed)
        sampled = shapley.shapley_values(values, LEVERS8, sample).set_index("lever")
        row = sampled.loc["lever0"]
        # Replications are identical in their differences: all width is permutation sampling.
        widths.append(row["shapley_ci_high"] - row["shapley_ci_low"])
        tolerance = 1e-9
        covered += row["shapley_ci_low"] - tolerance <= 5.0 <= row["shapley_ci_high"] + tolerance
        assert sampled.attrs["sum_of_shapley"] == pytest.approx(sampled.attrs["total_difference"])
        assert sampled.attrs["method"] == shapley.SAMPLED
    assert exact.loc["lever0", "shapley_mean"] == pytest.approx(1.0 + 4.0)
    assert max(widths) > 1.0
    assert covered >= 34  # a 95 % interval misses rarely (200 seeds: 94.5 % covered)


def test_sampled_interval_adds_both_variances() -> None:
    grid = np.array([[1.0, 2.0, 3.0], [3.0, 4.0, 8.0]])  # 2 pairs × 3 replications
    mean, low, high = shapley.sampled_interval(grid)
    simulation = np.var(grid.mean(axis=0), ddof=1) / 3
    sampling = np.var(grid.mean(axis=1), ddof=1) / 2
    dof = (simulation + sampling) ** 2 / (simulation**2 / 2 + sampling**2 / 1)
    half = scipy_stats.t.ppf(0.975, dof) * math.sqrt(simulation + sampling)
    assert mean == pytest.approx(grid.mean())
    assert (low, high) == pytest.approx((mean - half, mean + half))
