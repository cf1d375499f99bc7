"""--replications auto: the replications algorithm stops where the CI is precise enough."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from sim import stats
from sim.errors import ExperimentError
from sim.experiment.runner import run_until_precision, sequential_replications
from sim.scenario.schema import Scenario


def normal_sampler(mean: float, sd: float, seed: int, calls: list[int] | None = None):
    """A sampler of known variance: replication r is always the same draw (prefix-stable)."""
    draws = np.random.default_rng(seed).normal(mean, sd, 1000)

    def sample(count: int) -> dict[str, list[float]]:
        if calls is not None:
            calls.append(count)
        return {"known": list(draws[:count])}

    return sample, draws


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_stops_at_the_requested_precision_for_known_variance(seed: int) -> None:
    mean, sd, precision = 100.0, 20.0, 0.05
    sample, draws = normal_sampler(mean, sd, seed)
    outcome = sequential_replications(sample, precision, min_replications=5, max_replications=500)
    needed = outcome.replications_needed
    assert outcome.precision_reached and needed is not None
    # at the stopping point and through its look-ahead the CI is within ±5 % ...
    for count in range(needed, needed + stats.look_ahead(needed) + 1):
        assert stats.relative_precision(draws[:count]) <= precision
    assert outcome.replications == needed + stats.look_ahead(needed)
    # ... and n matches the known variance: n ≈ (z σ / (precision μ))² ≈ 61.5. n scales with the
    # sample variance, whose relative standard error at n ≈ 60 is √(2/(n−1)) ≈ 18 %; ±50 % is
    # ≈ 2.7 standard errors (the first passage also stops early when s happens to be small).
    expected = (scipy_stats.norm.ppf(0.975) * sd / (precision * mean)) ** 2
    assert 0.5 * expected <= needed <= 1.5 * expected


def test_batching_changes_only_the_work_not_the_answer() -> None:
    answers = set()
    for batch_size in (1, 4, 25):
        calls: list[int] = []
        sample, _ = normal_sampler(100.0, 20.0, 5, calls)
        outcome = sequential_replications(sample, 0.05, batch_size=batch_size, max_replications=500)
        answers.add((outcome.replications, outcome.replications_needed))
        assert calls[0] == 5 and calls == sorted(calls)
    assert len(answers) == 1


def test_gives_up_at_the_maximum_and_says_so() -> None:
    sample, _ = normal_sampler(100.0, 200.0, 6)
    outcome = sequential_replications(sample, 0.01, max_replications=30, batch_size=7)
    assert outcome.replications == 30
    assert outcome.replications_needed is None and not outcome.precision_reached


def test_real_run_reaches_the_precision(small_pair: list[Scenario], tmp_path) -> None:
    result = run_until_precision(
        small_pair, precision=0.04, kpi="leads", max_replications=60, seed=2, workers=2,
        cache_dir=tmp_path / "cache",
    )
    needed = result.replications_needed
    assert result.precision_reached and needed is not None
    assert needed > 5  # more than the initial replications were needed
    assert result.replications == needed + stats.look_ahead(needed)
    assert len(result.kpis) == 2 * result.replications
    for _, rows in result.kpis.groupby("scenario"):
        values = rows.sort_values("replication")["leads"].to_numpy(dtype=float)
        assert stats.relative_precision(values[:needed]) <= 0.04
        assert stats.relative_precision(values) <= 0.04
    # the same run again, serially and from the cache, keeps exactly the same replications
    again = run_until_precision(
        small_pair, precision=0.04, kpi="leads", max_replications=60, seed=2, workers=1,
        cache_dir=tmp_path / "cache",
    )
    assert (again.replications, again.replications_needed) == (result.replications, needed)
    assert again.cache.misses == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"precision": 0}, "precision must be a number > 0"),
        ({"precision": math.nan}, "precision must be a number > 0"),
        ({"kpi": "happiness"}, "unknown precision KPI 'happiness'"),
        ({"max_replications": 3}, "max_replications must be a whole number >= 5"),
    ],
)
def test_bad_auto_options(small: Scenario, options: dict, message: str) -> None:
    with pytest.raises(ExperimentError, match=message):
        run_until_precision([small], cache_dir=None, **options)
