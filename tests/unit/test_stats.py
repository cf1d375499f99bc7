"""Output analysis numbers equal scipy.stats on fixed data; MSER-5 and the replications rule behave."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from sim import stats

REVENUE_A = [101.0, 98.5, 110.2, 95.0, 104.4, 99.9, 107.3, 102.8]
REVENUE_B = [108.2, 101.0, 118.9, 99.1, 110.0, 103.5, 115.1, 104.9]


def scipy_interval(values: list[float], confidence: float = 0.95) -> tuple[float, float]:
    data = np.asarray(values)
    return scipy_stats.t.interval(
        confidence, data.size - 1, loc=data.mean(), scale=scipy_stats.sem(data)
    )


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_t_interval_equals_scipy(confidence: float) -> None:
    mean, low, high = stats.t_interval(REVENUE_A, confidence)
    expected_low, expected_high = scipy_interval(REVENUE_A, confidence)
    assert mean == pytest.approx(np.mean(REVENUE_A), rel=1e-12)
    assert (low, high) == pytest.approx((expected_low, expected_high), rel=1e-12)


def test_paired_difference_equals_ttest_rel() -> None:
    mean, low, high = stats.paired_difference(REVENUE_B, REVENUE_A)
    expected = scipy_stats.ttest_rel(REVENUE_B, REVENUE_A).confidence_interval(0.95)
    assert mean == pytest.approx(np.mean(np.subtract(REVENUE_B, REVENUE_A)), rel=1e-12)
    assert (low, high) == pytest.approx((expected.low, expected.high), rel=1e-12)


def test_welch_difference_equals_ttest_ind() -> None:
    mean, low, high = stats.welch_difference(REVENUE_B, REVENUE_A)
    expected = scipy_stats.ttest_ind(REVENUE_B, REVENUE_A, equal_var=False).confidence_interval(0.95)
    assert mean == pytest.approx(np.mean(REVENUE_B) - np.mean(REVENUE_A), rel=1e-12)
    assert (low, high) == pytest.approx((expected.low, expected.high), rel=1e-12)


def test_small_samples_give_nan_bounds() -> None:
    assert all(math.isnan(value) for value in stats.t_interval([]))
    mean, low, high = stats.t_interval([3.0])
    assert mean == 3.0 and math.isnan(low) and math.isnan(high)
    assert stats.t_interval([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)


def test_bad_confidence_is_rejected() -> None:
    with pytest.raises(ValueError, match="confidence"):
        stats.t_interval(REVENUE_A, confidence=1.5)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=40))
def test_t_interval_matches_scipy_for_any_sample(values: list[float]) -> None:
    mean, low, high = stats.t_interval(values)
    assert low <= mean <= high
    if np.std(values) > 1e-6 * max(1.0, np.max(np.abs(values))):
        expected_low, expected_high = scipy_interval(values)
        assert (low, high) == pytest.approx((expected_low, expected_high), rel=1e-9, abs=1e-6)


# ---------------------------------------------------------------------- summarize


def kpi_table() -> pd.DataFrame:
    """Three scenarios x 8 replications, with one undefined response time."""
    response_a = [5.0, 6.0, 5.5, 7.0, 6.5, 5.0, 6.0, 5.8]
    response_c = [4.0, 5.5, 5.0, math.nan, 6.0, 4.0, 5.0, 5.0]
    rows = []
    for name, revenue, response in (
        ("today", REVENUE_A, response_a),
        ("shared_team", REVENUE_B, [value - 1.0 for value in response_a]),
        ("faster", REVENUE_A, response_c),
    ):
        for replication, (value, hours) in enumerate(zip(revenue, response, strict=True)):
            rows.append({"scenario": name, "replication": replication, "revenue": value,
                         "median_response_hours": hours, "leads": 100})
    return pd.DataFrame(rows)


def test_summarize_columns_and_reference_rows() -> None:
    summary = stats.summarize(kpi_table())
    assert tuple(summary.columns) == stats.COMPARISON_COLUMNS
    assert summary["scenario"].unique().tolist() == ["today", "shared_team", "faster"]
    reference = summary[summary["scenario"] == "today"]
    assert reference[["diff_vs_reference", "diff_ci_low", "diff_ci_high", "share_better"]].isna().all().all()


def test_summarize_paired_numbers_equal_scipy() -> None:
    summary = stats.summarize(kpi_table(), kpis_to_compare=["revenue"]).set_index("scenario")
    row = summary.loc["shared_team"]
    expected = scipy_stats.ttest_rel(REVENUE_B, REVENUE_A).confidence_interval(0.95)
    assert row["diff_vs_reference"] == pytest.approx(np.mean(REVENUE_B) - np.mean(REVENUE_A))
    assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx((expected.low, expected.high))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(scipy_interval(REVENUE_B))
    assert row["share_better"] == 1.0  # shared_team earns more in all 8 paired replications


def test_share_better_follows_the_kpi_direction() -> None:
    summary = stats.summarize(kpi_table(), kpis_to_compare=["median_response_hours", "leads"])
    by_key = summary.set_index(["kpi", "scenario"])
    # one hour faster in every replication: lower response time is better
    assert by_key.loc[("median_response_hours", "shared_team"), "share_better"] == 1.0
    assert by_key.loc[("median_response_hours", "shared_team"), "diff_vs_reference"] == pytest.approx(-1.0)
    # lead volume has no better direction
    assert math.isnan(by_key.loc[("leads", "shared_team"), "share_better"])


def test_undefined_values_drop_out_of_their_pairs() -> None:
    summary = stats.summarize(kpi_table(), kpis_to_compare=["median_response_hours"])
    row = summary.set_index("scenario").loc["faster"]
    a = [5.0, 6.0, 5.5, 6.5, 5.0, 6.0, 5.8]  # replication 3 is undefined in "faster"
    c = [4.0, 5.5, 5.0, 6.0, 4.0, 5.0, 5.0]
    expected = scipy_stats.ttest_rel(c, a).confidence_interval(0.95)
    assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx((expected.low, expected.high))
    assert row["share_better"] == 1.0  # faster in all 7 defined pairs
    assert row["mean"] == pytest.approx(np.mean(c))


def test_summarize_rejects_unknown_reference_and_kpi() -> None:
    with pytest.raises(ValueError, match="reference scenario 'nope'"):
        stats.summarize(kpi_table(), reference="nope")
    with pytest.raises(ValueError, match="unknown KPI revenu"):
        stats.summarize(kpi_table(), kpis_to_compare=["revenu"])


def test_describe_gives_standard_deviation() -> None:
    described = stats.describe(kpi_table(), ["revenue"]).set_index("scenario")
    assert described.loc["today", "sd"] == pytest.approx(np.std(REVENUE_A, ddof=1))
    assert described.loc["today", "n"] == len(REVENUE_A)


# ------------------------------------------------------------------- MSER-5


def test_mser5_cuts_an_initial_transient() -> None:
    rng = np.random.default_rng(7)
    transient = np.linspace(0.0, 10.0, 20)  # queue filling up over 20 weeks
    steady = 10.0 + rng.normal(0.0, 0.5, 80)
    cut = stats.mser5(np.concatenate([transient, steady]))
    assert cut % 5 == 0
    assert 15 <= cut <= 25


def test_mser5_keeps_a_stationary_series() -> None:
    series = 10.0 + np.random.default_rng(3).normal(0.0, 1.0, 100)
    assert stats.mser5(series) <= 20  # no transient: little or nothing is cut
    assert stats.mser5([1.0, 2.0, 3.0]) == 0


def test_mser5_is_the_argmin_of_the_marginal_standard_error() -> None:
    series = np.array([9.0, 1, 1, 1, 1, 5, 5, 6, 5, 5, 4, 5, 5, 6, 5, 5, 5, 4, 5, 6])
    batch_means = series.reshape(4, 5).mean(axis=1)
    scores = [np.sum((batch_means[d:] - batch_means[d:].mean()) ** 2) / (4 - d) ** 2 for d in range(3)]
    assert stats.mser5(series) == 5 * int(np.argmin(scores))


def test_mser_rejects_missing_values() -> None:
    with pytest.raises(ValueError, match="missing"):
        stats.mser5([1.0, math.nan] * 10)


# ------------------------------------------------------- number of replications


def test_relative_precision() -> None:
    mean, _low, high = stats.t_interval(REVENUE_A)
    assert stats.relative_precision(REVENUE_A) == pytest.approx((high - mean) / mean)
    assert stats.relative_precision([0.0, 0.0, 0.0]) == 0.0
    assert stats.relative_precision([-1.0, 1.0]) == math.inf
    assert math.isnan(stats.relative_precision([1.0]))


def test_look_ahead_grows_beyond_100() -> None:
    assert stats.look_ahead(5) == 5
    assert stats.look_ahead(100) == 5
    assert stats.look_ahead(200) == 10


def test_replications_needed_requires_the_look_ahead_to_hold() -> None:
    rng = np.random.default_rng(1)
    values = 100.0 + rng.normal(0.0, 10.0, 120)
    needed = stats.replications_needed({"a": values}, precision=0.05)
    assert needed is not None
    path = stats.precision_path(values)
    assert all(path[needed - 1:needed + stats.look_ahead(needed)] <= 0.05)
    for earlier in range(5, needed):
        window = path[earlier - 1:earlier + stats.look_ahead(earlier)]
        assert not all(window <= 0.05)
    # too few values to finish the look-ahead: not decided yet
    assert stats.replications_needed({"a": values[: needed + 2]}, precision=0.05) is None


def test_replications_needed_waits_for_every_scenario() -> None:
    rng = np.random.default_rng(2)
    steady = 100.0 + rng.normal(0.0, 1.0, 60)
    noisy = 100.0 + rng.normal(0.0, 15.0, 60)
    alone = stats.replications_needed({"steady": steady}, precision=0.05)
    together = stats.replications_needed({"steady": steady, "noisy": noisy}, precision=0.05)
    assert alone == 5
    assert together is not None and together > alone
