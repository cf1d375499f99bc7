"""Named random streams: the same name gives the same numbers, whatever else was drawn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.model.random_streams import (
    DrawRow,
    named_stream,
    replication_seed_sequence,
    sample_from_uniform,
    sample_many,
)
from sim.scenario.schema import Distribution


def test_replication_seed_sequence_rejects_negative_values() -> None:
    with pytest.raises(ValueError, match="-3"):
        replication_seed_sequence(-3, 0)
    with pytest.raises(ValueError, match="-1"):
        replication_seed_sequence(1, -1)


def test_named_stream_is_reproducible_and_order_independent() -> None:
    parent = replication_seed_sequence(42, 3)
    first = named_stream(parent, "contact", "web_inquiry").random(5)
    named_stream(parent, "arrivals", "web_inquiry").random(1000)  # other draws in between
    again = named_stream(replication_seed_sequence(42, 3), "contact", "web_inquiry").random(5)
    np.testing.assert_array_equal(first, again)


@pytest.mark.parametrize(
    ("names_a", "names_b", "seed_b", "replication_b"),
    [
        (("contact",), ("arrivals",), 42, 0),  # another mechanism
        (("traits", "webinar"), ("traits", "web_inquiry"), 42, 0),  # another channel
        (("contact",), ("contact",), 43, 0),  # another seed
        (("contact",), ("contact",), 42, 1),  # another replication
        (("rows", "a", "b"), ("rows", "b", "a"), 42, 0),  # the order of the names counts
    ],
)
def test_different_names_seeds_or_replications_give_different_streams(
    names_a: tuple[str, ...], names_b: tuple[str, ...], seed_b: int, replication_b: int
) -> None:
    a = named_stream(replication_seed_sequence(42, 0), *names_a).random(8)
    b = named_stream(replication_seed_sequence(seed_b, replication_b), *names_b).random(8)
    assert not np.array_equal(a, b)


def test_draw_row_consumes_in_order_then_continues_on_its_own_generator() -> None:
    overflow = np.random.Generator(np.random.PCG64(7))
    expected_overflow = np.random.Generator(np.random.PCG64(7)).random(2)
    row = DrawRow([0.1, 0.2, 0.3], overflow)
    assert [row.uniform() for _ in range(3)] == [0.1, 0.2, 0.3]
    assert row.uniform() == expected_overflow[0]
    assert row.uniform() == expected_overflow[1]


def test_draw_row_keeps_uniforms_strictly_inside_the_unit_interval() -> None:
    row = DrawRow([0.0, 1.0], np.random.Generator(np.random.PCG64(0)))
    low, high = row.uniform(), row.uniform()
    assert 0.0 < low < 1e-9
    assert 1.0 - 1e-9 < high < 1.0


def test_draw_row_transforms() -> None:
    rng = np.random.Generator(np.random.PCG64(0))
    row = DrawRow([0.5, 1 - math.exp(-1.0), 0.3, 0.9], rng)
    assert row.normal() == pytest.approx(0.0, abs=1e-12)
    assert row.exponential(5.0) == pytest.approx(5.0)  # F^-1(1 - e^-1) = mean
    assert row.exponential(math.inf) == math.inf
    assert row.index == 2  # an infinite mean uses no draw
    assert row.sample(Distribution(distribution="fixed", mean=2.5)) == 2.5
    assert row.index == 3  # a fixed value still consumes its uniform: rows stay aligned


def test_fixed_and_zero_mean_distributions_are_constant() -> None:
    assert sample_from_uniform(Distribution(distribution="fixed", mean=3.0), 0.99) == 3.0
    assert sample_from_uniform(Distribution(distribution="exponential", mean=0.0), 0.99) == 0.0
    uniforms = np.array([0.1, 0.5, 0.9])
    np.testing.assert_array_equal(
        sample_many(Distribution(distribution="fixed", mean=3.0), uniforms), [3.0, 3.0, 3.0]
    )


def test_exponential_quantiles() -> None:
    exponential = Distribution(distribution="exponential", mean=4.0)
    for uniform in (0.01, 0.5, 0.99):
        expected = stats.expon(scale=4.0).ppf(uniform)
        assert sample_from_uniform(exponential, uniform) == pytest.approx(expected, rel=1e-12)


def test_lognormal_quantiles_match_mean_and_cv() -> None:
    mean, cv = 84.0, 0.5
    lognormal = Distribution(distribution="lognormal", mean=mean, cv=cv)
    sigma = math.sqrt(math.log1p(cv * cv))
    reference = stats.lognorm(s=sigma, scale=mean / math.sqrt(1 + cv * cv))
    assert reference.mean() == pytest.approx(mean)
    assert reference.std() / reference.mean() == pytest.approx(cv)
    for uniform in (0.01, 0.25, 0.5, 0.75, 0.99):
        assert sample_from_uniform(lognormal, uniform) == pytest.approx(
            reference.ppf(uniform), rel=1e-9
        )


@pytest.mark.parametrize(
    "distribution",
    [
        Distribution(distribution="exponential", mean=2.0),
        Distribution(distribution="lognormal", mean=20000.0, cv=0.6),
        Distribution(distribution="fixed", mean=7.0),
    ],
)
def test_vectorised_sampling_matches_scalar(distribution: Distribution) -> None:
    uniforms = np.random.Generator(np.random.PCG64(1)).random(200)
    vectorised = sample_many(distribution, uniforms)
    scalar = [sample_from_uniform(distribution, float(u)) for u in uniforms]
    np.testing.assert_allclose(vectorised, scalar, rtol=1e-9)


def test_a_keyed_draw_row_continues_on_its_named_stream_made_only_when_needed() -> None:
    parent = replication_seed_sequence(3, 1)
    row = DrawRow.keyed([0.25], parent, ("more", "contact"), ("web", "17"))
    assert row.uniform() == 0.25
    assert row.more is None  # the pre-drawn values sufficed: no stream made yet
    expected = named_stream(parent, "more", "contact", "web", "17").random(2)
    assert [row.uniform(), row.uniform()] == list(expected)


def test_a_draw_row_without_a_stream_says_so_when_it_runs_out() -> None:
    row = DrawRow([0.5])
    row.uniform()
    with pytest.raises(ValueError, match="ran out"):
        row.uniform()
