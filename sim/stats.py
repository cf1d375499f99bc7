"""Output analysis: how sure are we, and is the new org design really better?

One replication is one possible year of the company; its KPIs are a single draw. Across
replications we report each KPI's mean with a 95% t-interval, and - because every scenario's
replication r sees the same leads (common random numbers) - the *paired* difference against a
reference scenario, replication by replication, with its own t-interval and the share of
replications in which the alternative did better. The same module chooses how many replications
are enough (the confidence-interval method with look-ahead of Hoad, Robinson & Davies 2010) and
where a warm-up ends (MSER-5). Pure functions on numbers and data frames; no simulation here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

ArrayLike: TypeAlias = Sequence[float] | np.ndarray | pd.Series

COMPARISON_COLUMNS = (
    "kpi", "scenario", "mean", "ci_low", "ci_high",
    "diff_vs_reference", "diff_ci_low", "diff_ci_high", "share_better",
)
DESCRIBE_COLUMNS = ("kpi", "scenario", "n", "mean", "sd", "ci_low", "ci_high")

# +1: higher is better, -1: lower is better, 0: neither (a volume or a load, not a goal).
KPI_DIRECTION: dict[str, Literal[-1, 0, 1]] = {
    "leads": 0,
    "mqls": 0,
    "sqls": 0,
    "handed_over": 0,
    "contacted": 1,
    "reached": 1,
    "qualified": 1,
    "won": 1,
    "revenue": 1,
    "conversion_rate": 1,
    "median_response_hours": -1,
    "mean_response_hours": -1,
    "p90_response_hours": -1,
    "sla_met_share": 1,
    "first_hour_share": 1,
    "never_contacted_share": -1,
    "cold_share": -1,
    "ignored_share": -1,
    "wasted_sales_hours": -1,
    "rep_utilization": 0,
    "lead_cost": -1,
    "staff_cost": -1,
    "org_cost": -1,
    "customers_satisfied_share": 1,
    "churned_share": -1,
    "upsell_revenue": 1,
    "referral_leads": 1,
    "cost": -1,
    "roi": 1,
    "qualified_later": 1,
    "median_response_from_inquiry_hours": -1,
    "mean_response_from_inquiry_hours": -1,
    "p90_response_from_inquiry_hours": -1,
    "sla_escalated_share": -1,
    "first_hour_share_from_inquiry": 1,
    "never_handed_over_share": 0,
    "capacity_held_leads": 0,
    "unanswered_dial_hours": -1,
    "unqualified_conversation_hours": -1,
    "total_revenue": 1,
    "net_contribution": 1,
}
ID_COLUMNS = ("scenario", "replication")
MSER_BATCH_SIZE = 5
DEFAULT_LOOK_AHEAD = 5


# ----------------------------------------------------------------- intervals


def _finite(values: ArrayLike) -> np.ndarray:
    """The values as a float array without NaN (a KPI undefined in a replication is skipped)."""
    array = np.asarray(values, dtype=float).ravel()
    return array[~np.isnan(array)]


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")


def half_width(values: ArrayLike, confidence: float = 0.95) -> float:
    """Half-width of the t-interval for the mean (NaN with fewer than two values)."""
    _check_confidence(confidence)
    data = _finite(values)
    count = data.size
    if count < 2:
        return math.nan
    standard_error = float(np.std(data, ddof=1)) / math.sqrt(count)
    return float(scipy_stats.t.ppf(0.5 + confidence / 2.0, count - 1)) * standard_error


def t_interval(values: ArrayLike, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t-interval ``(mean, low, high)``; NaN bounds with fewer than two values."""
    data = _finite(values)
    if data.size == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(np.mean(data))
    width = half_width(data, confidence)
    return (mean, mean - width, mean + width)


def paired_difference(
    alternative: ArrayLike, reference: ArrayLike, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Mean and t-interval of ``alternative - reference``, pair by pair (as ``scipy.stats.ttest_rel``)."""
    alt = np.asarray(alternative, dtype=float).ravel()
    ref = np.asarray(reference, dtype=float).ravel()
    if alt.shape != ref.shape:
        raise ValueError(f"paired samples need equal lengths, got {alt.size} and {ref.size}")
    return t_interval(alt - ref, confidence)


def welch_difference(
    alternative: ArrayLike, reference: ArrayLike, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Mean difference and Welch (unpaired, unequal variances) t-interval of two samples."""
    _check_confidence(confidence)
    alt = _finite(alternative)
    ref = _finite(reference)
    difference = float(np.mean(alt) - np.mean(ref)) if alt.size and ref.size else math.nan
    if alt.size < 2 or ref.size < 2:
        return (difference, math.nan, math.nan)
    var_alt = float(np.var(alt, ddof=1)) / alt.size
    var_ref = float(np.var(ref, ddof=1)) / ref.size
    total = var_alt + var_ref
    if total == 0:
        return (difference, difference, difference)
    dof = total**2 / (var_alt**2 / (alt.size - 1) + var_ref**2 / (ref.size - 1))
    width = float(scipy_stats.t.ppf(0.5 + confidence / 2.0, dof)) * math.sqrt(total)
    return (difference, difference - width, difference + width)


def share_better(differences: ArrayLike, direction: int) -> float:
    """Share of paired differences in which the alternative is strictly better (NaN without a direction)."""
    data = _finite(differences)
    if direction == 0 or data.size == 0:
        return math.nan
    better = data > 0 if direction > 0 else data < 0
    return float(np.mean(better))


# ----------------------------------------------------------------- KPI tables


def kpi_columns(kpis: pd.DataFrame) -> list[str]:
    """The numeric KPI columns of a KPI table, in table order (identifiers excluded)."""
    return [
        name for name in kpis.columns
        if name not in ID_COLUMNS and pd.api.types.is_numeric_dtype(kpis[name])
        and not pd.api.types.is_bool_dtype(kpis[name])
    ]


def _scenario_order(kpis: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(kpis["scenario"].tolist()))


def _chosen_kpis(kpis: pd.DataFrame, kpis_to_compare: Sequence[str] | None) -> list[str]:
    available = kpi_columns(kpis)
    if kpis_to_compare is None:
        return available
    unknown = [name for name in kpis_to_compare if name not in available]
    if unknown:
        raise ValueError(
            f"unknown KPI {', '.join(unknown)}; choose from: {', '.join(available)}"
        )
    return list(kpis_to_compare)


def _by_replication(kpis: pd.DataFrame, scenario: str, kpi: str) -> pd.Series:
    rows = kpis[kpis["scenario"] == scenario]
    return pd.Series(rows[kpi].to_numpy(dtype=float), index=rows["replication"].to_numpy())


def describe(
    kpis: pd.DataFrame, kpis_to_describe: Sequence[str] | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """Per KPI and scenario: replications used, mean, standard deviation and t-interval."""
    rows = []
    for kpi in _chosen_kpis(kpis, kpis_to_describe):
        for scenario in _scenario_order(kpis):
            values = _finite(_by_replication(kpis, scenario, kpi))
            mean, low, high = t_interval(values, confidence)
            sd = float(np.std(values, ddof=1)) if values.size > 1 else math.nan
            rows.append((kpi, scenario, int(values.size), mean, sd, low, high))
    return pd.DataFrame(rows, columns=list(DESCRIBE_COLUMNS))


def summarize(
    kpis: pd.DataFrame,
    reference: str | None = None,
    kpis_to_compare: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean and CI per KPI and scenario, with the paired difference against ``reference``.

    ``reference`` defaults to the first scenario in the table. Differences pair replications by
    their index (common random numbers); a replication where either value is undefined (NaN)
    is left out of that KPI's pairs. The reference's own difference columns are NaN.
    """
    scenarios = _scenario_order(kpis)
    if not scenarios:
        return pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    reference = scenarios[0] if reference is None else reference
    if reference not in scenarios:
        raise ValueError(f"reference scenario {reference!r} not in: {', '.join(scenarios)}")
    rows = []
    for kpi in _chosen_kpis(kpis, kpis_to_compare):
        reference_values = _by_replication(kpis, reference, kpi)
        for scenario in scenarios:
            values = _by_replication(kpis, scenario, kpi)
            mean, low, high = t_interval(values, confidence)
            if scenario == reference:
                rows.append((kpi, scenario, mean, low, high, math.nan, math.nan, math.nan, math.nan))
                continue
            paired = pd.concat([values, reference_values], axis=1, join="inner").dropna()
            differences = paired.iloc[:, 0].to_numpy() - paired.iloc[:, 1].to_numpy()
            diff, diff_low, diff_high = t_interval(differences, confidence)
            better = share_better(differences, KPI_DIRECTION.get(kpi, 0))
            rows.append((kpi, scenario, mean, low, high, diff, diff_low, diff_high, better))
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


# ------------------------------------------------------ number of replications


def relative_precision(values: ArrayLike, confidence: float = 0.95) -> float:
    """CI half-width divided by |mean|: 0 for a constant, infinite for a zero mean, NaN below two values."""
    data = _finite(values)
    width = half_width(data, confidence)
    if math.isnan(width):
        return math.nan
    if width == 0:
        return 0.0
    mean = abs(float(np.mean(data)))
    return width / mean if mean > 0 else math.inf


def precision_path(values: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Relative precision after 1, 2, ..., n replications (entry n - 1 uses the first n values)."""
    data = np.asarray(values, dtype=float).ravel()
    return np.array([relative_precision(data[:count], confidence) for count in range(1, data.size + 1)])


def look_ahead(replications: int, k_limit: int = DEFAULT_LOOK_AHEAD) -> int:
    """Hoad et al.'s look-ahead: ``k_limit`` up to 100 replications, then ``k_limit`` per cent of them."""
    return k_limit if replications <= 100 else math.floor(k_limit * replications / 100)


def _within(
    values_by_scenario: Mapping[str, ArrayLike], precision: float, confidence: float
) -> np.ndarray:
    """Per replication count n (index n - 1): every scenario's relative precision is within target."""
    paths = [precision_path(values, confidence) for values in values_by_scenario.values()]
    lengths = {path.size for path in paths}
    if len(lengths) != 1:
        raise ValueError(f"every scenario needs the same number of replications, got {sorted(lengths)}")
    return np.logical_and.reduce([np.nan_to_num(path, nan=math.inf) <= precision for path in paths])


def replications_needed(
    values_by_scenario: Mapping[str, ArrayLike],
    precision: float,
    min_replications: int = 5,
    confidence: float = 0.95,
    k_limit: int = DEFAULT_LOOK_AHEAD,
) -> int | None:
    """Hoad, Robinson & Davies (2010): the first n >= ``min_replications`` whose precision holds
    for every scenario at n and through the look-ahead n + 1 .. n + look_ahead(n); None while the
    data do not (yet) show such an n."""
    within = _within(values_by_scenario, precision, confidence)
    available = within.size
    for count in range(max(min_replications, 2), available + 1):
        if not within[count - 1]:
            continue
        last = count + look_ahead(count, k_limit)
        if last > available:
            return None
        if within[count - 1:last].all():
            return count
    return None


def streak_start(
    values_by_scenario: Mapping[str, ArrayLike],
    precision: float,
    min_replications: int = 5,
    confidence: float = 0.95,
) -> int | None:
    """The n from which the target has held up to the latest replication (None if it fails now)."""
    within = _within(values_by_scenario, precision, confidence)
    if within.size == 0 or not within[-1]:
        return None
    start = within.size
    while start - 1 >= max(min_replications, 2) and within[start - 2]:
        start -= 1
    return start


# ---------------------------------------------------------------------- warm-up


def mser(series: ArrayLike, batch_size: int = MSER_BATCH_SIZE) -> int:
    """MSER-m truncation point: index (into ``series``) of the first batch to keep.

    The series is cut into non-overlapping batches of ``batch_size`` (an incomplete tail batch is
    dropped); the truncation d minimises the marginal standard error
    sum((z_j - mean(z_d+1..k))^2) / (k - d)^2 over the first half of the batches (White 1997).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    data = np.asarray(series, dtype=float).ravel()
    if np.isnan(data).any():
        raise ValueError("MSER needs a series without missing values")
    batches = data.size // batch_size
    if batches < 2:
        return 0
    means = data[: batches * batch_size].reshape(batches, batch_size).mean(axis=1)
    best_cut, best_score = 0, math.inf
    for cut in range(batches // 2 + 1):
        kept = means[cut:]
        if kept.size < 2:
            break
        score = float(np.sum((kept - kept.mean()) ** 2)) / kept.size**2
        if score < best_score:
            best_cut, best_score = cut, score
    return best_cut * batch_size


def mser5(series: ArrayLike) -> int:
    """MSER-5 truncation point: index (into ``series``) of the first batch of five to keep."""
    return mser(series, MSER_BATCH_SIZE)
