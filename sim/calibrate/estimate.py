"""What a CRM export shows directly: volumes, profiles, response times, cycles, deal values, win rates.

Every number comes with a 95 % confidence interval and the count it rests on, so the calibrated
scenario can say "calibrated: 412 leads over 26 weeks" and the fit table can tell a real misfit
from noise. All functions are pure: a table in, numbers out. Intervals: exact Poisson for rates,
Wilson for shares, order statistics (distribution-free) for percentiles, Cox's method for the
mean of a lognormal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from sim.calibrate.export import LeadExport

CONFIDENCE = 0.95
MIN_PROFILE_LEADS = 100
"""A channel with fewer leads gets the all-channel weekday/hour profile (its own would be noise)."""
MIN_STAGE_LEADS = 30
STAGE_TOLERANCE_HOURS = 1.0
"""A lead that became MQL/SQL within an hour of creation arrived in that stage."""
MIN_SEASON_DAYS = 365
MIN_CALENDAR_CONTACTS = 50
DIRECT_CONTACT_DAYS = 14
"""A first contact later than this follows nurturing, not the inquiry (kept out of response times)."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Estimate:
    """A value, its 95 % confidence interval, the count behind it and what it was estimated from."""

    value: float
    ci_low: float
    ci_high: float
    n: int
    basis: str

    @property
    def comment(self) -> str:
        """The ``# calibrated: ...`` text for the scenario file."""
        return f"calibrated: {self.basis}, n={self.n}"


@dataclass(frozen=True)
class ChannelEstimates:
    """Everything estimated for one channel of the export."""

    name: str
    leads: int
    leads_per_week: Estimate
    won_rate: Estimate | None
    weekday_profile: tuple[float, ...] | None
    hour_profile: tuple[float, ...] | None
    monthly_seasonality: tuple[float, ...] | None
    profile_basis: str
    stage_mix: dict[str, Estimate] | None


@dataclass(frozen=True)
class WorkCalendar:
    """When sales works, read from the times of first contacts."""

    work_days: tuple[str, ...]
    start_hour: float
    end_hour: float
    n: int


@dataclass(frozen=True)
class ExportEstimates:
    """All direct estimates of one export."""

    leads: int
    weeks: float
    first_created: pd.Timestamp
    last_created: pd.Timestamp
    channels: tuple[ChannelEstimates, ...]
    contacted_share: Estimate
    direct_contact_share: Estimate
    response_median_hours: Estimate | None
    response_p90_hours: Estimate | None
    response_cv: float | None
    won_rate: Estimate | None
    attempts_mean: Estimate | None
    max_attempts: Estimate | None
    cycle_days: tuple[Estimate, float] | None
    deal_value: tuple[Estimate, float] | None
    reps: Estimate | None
    calendar: WorkCalendar | None = None
    notes: tuple[str, ...] = field(default=())


# ------------------------------------------------------------------ interval functions


def poisson_rate(count: int, exposure: float, basis: str) -> Estimate:
    """Events per unit of exposure with the exact (Garwood) Poisson interval."""
    alpha = 1 - CONFIDENCE
    low = stats.chi2.ppf(alpha / 2, 2 * count) / 2 if count > 0 else 0.0
    high = stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    return Estimate(count / exposure, float(low) / exposure, float(high) / exposure, count, basis)


def proportion(successes: int, trials: int, basis: str) -> Estimate:
    """A share with its Wilson interval."""
    if trials == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, basis)
    interval = stats.binomtest(successes, trials).proportion_ci(CONFIDENCE, method="wilson")
    return Estimate(successes / trials, float(interval.low), float(interval.high), trials, basis)


def quantile(values: Sequence[float] | np.ndarray, q: float, basis: str) -> Estimate:
    """The q-quantile with a distribution-free interval from binomial order statistics."""
    ordered = np.sort(np.asarray(values, dtype=float))
    n = len(ordered)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, basis)
    alpha = 1 - CONFIDENCE
    low_rank = int(stats.binom.ppf(alpha / 2, n, q))
    high_rank = int(stats.binom.ppf(1 - alpha / 2, n, q)) + 1
    low = ordered[max(low_rank - 1, 0)]
    high = ordered[min(high_rank - 1, n - 1)]
    return Estimate(float(np.quantile(ordered, q)), float(low), float(high), n, basis)


def mean_interval(values: Sequence[float] | np.ndarray, basis: str) -> Estimate:
    """A mean with its t interval."""
    data = np.asarray(values, dtype=float)
    n = len(data)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, basis)
    mean = float(data.mean())
    if n < 2:
        return Estimate(mean, math.nan, math.nan, n, basis)
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * data.std(ddof=1) / math.sqrt(n))
    return Estimate(mean, mean - half, mean + half, n, basis)


def lognormal(values: Sequence[float] | np.ndarray, basis: str) -> tuple[Estimate, float] | None:
    """Mean (Cox interval) and cv of a lognormal fitted to the positive values; None if < 2."""
    data = np.asarray(values, dtype=float)
    data = data[data > 0]
    n = len(data)
    if n < 2:
        return None
    logs = np.log(data)
    mu, variance = float(logs.mean()), float(logs.var(ddof=1))
    centre = mu + variance / 2
    se = math.sqrt(variance / n + variance**2 / (2 * (n - 1)))
    z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
    mean = Estimate(math.exp(centre), math.exp(centre - z * se), math.exp(centre + z * se), n, basis)
    return mean, math.sqrt(math.expm1(variance))


# ------------------------------------------------------------------ profiles


def weekday_profile(created: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> tuple[float, ...]:
    """Leads per weekday, divided by how often that weekday occurs in the window, mean 1."""
    days = pd.date_range(start.normalize(), end.normalize(), freq="D")
    occurrences = np.bincount(days.day_of_week, minlength=7).astype(float)
    counts = np.bincount(created.dt.day_of_week, minlength=7).astype(float)
    return _normalised(np.divide(counts, occurrences, out=np.zeros(7), where=occurrences > 0))


def hour_profile(created: pd.Series) -> tuple[float, ...]:
    """Leads per hour of the (local) day, mean 1."""
    return _normalised(np.bincount(created.dt.hour, minlength=24).astype(float))


def monthly_profile(created: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> tuple[float, ...] | None:
    """Leads per calendar day of each month, mean 1; None for a window shorter than a year."""
    if (end - start).days < MIN_SEASON_DAYS:
        return None
    days = pd.date_range(start.normalize(), end.normalize(), freq="D")
    exposure = np.bincount(days.month - 1, minlength=12).astype(float)
    counts = np.bincount(created.dt.month - 1, minlength=12).astype(float)
    return _normalised(np.divide(counts, exposure, out=np.zeros(12), where=exposure > 0))


def _normalised(weights: np.ndarray) -> tuple[float, ...]:
    mean = weights.mean()
    return tuple(round(float(weight / mean), 3) for weight in weights) if mean > 0 else tuple(1.0 for _ in weights)


def work_calendar(contacts: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> WorkCalendar | None:
    """Work days (contacts per occurrence >= 10 % of the busiest day) and the 1st-99th percentile hours."""
    contacts = contacts.dropna()
    if len(contacts) < MIN_CALENDAR_CONTACTS:
        return None
    days = pd.date_range(start.normalize(), end.normalize(), freq="D")
    occurrences = np.bincount(days.day_of_week, minlength=7).astype(float)
    counts = np.bincount(contacts.dt.day_of_week, minlength=7).astype(float)
    per_day = np.divide(counts, occurrences, out=np.zeros(7), where=occurrences > 0)
    work_days = tuple(day for day, rate in zip(WEEKDAYS, per_day, strict=True) if rate >= 0.1 * per_day.max())
    clock = contacts.dt.hour + contacts.dt.minute / 60
    start_hour = float(math.floor(np.quantile(clock, 0.01)))
    end_hour = float(min(math.ceil(np.quantile(clock, 0.99)), 24))
    if end_hour <= start_hour:
        start_hour, end_hour = 0.0, 24.0
    return WorkCalendar(work_days, start_hour, end_hour, len(contacts))


def stage_at_creation(leads: pd.DataFrame) -> pd.Series | None:
    """'ql', 'mql' or 'sql' per lead from the stage dates; None when the export has none."""
    columns = [column for column in ("mql_at", "sql_at") if column in leads and leads[column].notna().any()]
    if not columns:
        return None
    limit = leads["created_at"] + pd.Timedelta(hours=STAGE_TOLERANCE_HOURS)
    stage = pd.Series("ql", index=leads.index)
    if "mql_at" in columns:
        stage[leads["mql_at"] <= limit] = "mql"
    if "sql_at" in columns:
        stage[leads["sql_at"] <= limit] = "sql"
    return stage


# ------------------------------------------------------------------ the export


def observation_weeks(created: pd.Series) -> float:
    """Length of the window in weeks; the span of n uniform arrivals is stretched by (n+1)/(n-1)."""
    n = len(created)
    span_days = (created.max() - created.min()).total_seconds() / 86400
    if n < 2 or span_days <= 0:
        return 1 / 7
    return span_days * (n + 1) / (n - 1) / 7


def hours_between(later: pd.Series, earlier: pd.Series) -> pd.Series:
    """Hours from ``earlier`` to ``later`` (NaN where either is missing)."""
    return (later - earlier).dt.total_seconds() / 3600


def estimate(export: LeadExport) -> ExportEstimates:
    """All direct estimates of a checked export."""
    leads = export.leads
    created = leads["created_at"]
    start, end = created.min(), created.max()
    weeks = observation_weeks(created)
    window = f"{len(leads)} leads over {weeks:.1f} weeks"
    notes: list[str] = []
    all_weekday = weekday_profile(created, start, end)
    all_hour = hour_profile(created)
    stages = stage_at_creation(leads)
    won = leads["won_at"].notna()
    channels = []
    for name, group in leads.groupby("channel", sort=True):
        own = len(group) >= MIN_PROFILE_LEADS
        stage_mix = None
        if stages is not None and len(group) >= MIN_STAGE_LEADS:
            counts = stages[group.index].value_counts()
            stage_mix = {
                stage: proportion(int(counts.get(stage, 0)), len(group), f"stage at creation of {name} leads")
                for stage in ("ql", "mql", "sql")
            }
        channels.append(ChannelEstimates(
            name=str(name),
            leads=len(group),
            leads_per_week=poisson_rate(len(group), weeks, f"{name} leads over {weeks:.1f} weeks"),
            won_rate=proportion(int(won[group.index].sum()), len(group), f"{name} leads won"),
            weekday_profile=weekday_profile(group["created_at"], start, end) if own else all_weekday,
            hour_profile=hour_profile(group["created_at"]) if own else all_hour,
            monthly_seasonality=monthly_profile(group["created_at"], start, end),
            profile_basis=(
                f"creation times of {len(group)} {name} leads" if own
                else f"creation times of all {len(leads)} leads ({name} has only {len(group)})"
            ),
            stage_mix=stage_mix,
        ))
    if (end - start).days < MIN_SEASON_DAYS:
        notes.append(
            f"monthly seasonality not estimated: the export covers {(end - start).days} days, "
            f"less than a year (left at the base values)"
        )
    contacted = leads["first_contact_at"].notna()
    # A date-only contact on the day of creation reads as midnight: count it as an immediate response.
    all_response = hours_between(leads["first_contact_at"], created).clip(lower=0)
    # Leads first called weeks later were nurtured first; the speed-to-lead figures are about the rest.
    direct = all_response <= DIRECT_CONTACT_DAYS * 24
    response = all_response[direct]
    response_fit = lognormal(response.to_numpy(), "response hours")
    attempts = leads["contact_attempts"][contacted].dropna() if "contact_attempts" in leads else pd.Series(dtype=float)
    attempts = attempts[attempts > 0]
    cycle_start = leads["qualified_at"] if "qualified_at" in leads and leads["qualified_at"].notna().any() else leads["first_contact_at"]
    cycle_from = "qualification" if cycle_start is not leads["first_contact_at"] else "first contact"
    cycle = hours_between(leads["won_at"], cycle_start)[won].dropna() / 24
    amounts = leads["amount"][won].dropna() if "amount" in leads else pd.Series(dtype=float)
    owners = leads["owner"][contacted].dropna() if "owner" in leads else pd.Series(dtype=str)
    return ExportEstimates(
        leads=len(leads),
        weeks=weeks,
        first_created=start,
        last_created=end,
        channels=tuple(channels),
        contacted_share=proportion(int(contacted.sum()), len(leads), f"leads with a first contact, of {window}"),
        direct_contact_share=proportion(
            int(direct.sum()), len(leads), f"leads first contacted within {DIRECT_CONTACT_DAYS} days, of {window}"
        ),
        response_median_hours=quantile(response, 0.5, f"hours from creation to first contact (within {DIRECT_CONTACT_DAYS} days)") if len(response) else None,
        response_p90_hours=quantile(response, 0.9, f"hours from creation to first contact (within {DIRECT_CONTACT_DAYS} days)") if len(response) else None,
        response_cv=response_fit[1] if response_fit else None,
        won_rate=proportion(int(won.sum()), len(leads), f"won leads of {window}"),
        attempts_mean=mean_interval(attempts, "contact attempts of contacted leads") if len(attempts) else None,
        max_attempts=(
            quantile(attempts, 0.95, "95th percentile of contact attempts per contacted lead")
            if len(attempts) >= 20 else None
        ),
        cycle_days=lognormal(cycle.to_numpy(), f"days from {cycle_from} to won, lognormal fit"),
        deal_value=lognormal(amounts.to_numpy(), "amounts of won leads, lognormal fit"),
        calendar=work_calendar(leads["first_contact_at"][contacted], start, end),
        reps=(
            Estimate(float(owners.nunique()), math.nan, math.nan, len(owners), "distinct owners of contacted leads")
            if len(owners) else None
        ),
        notes=tuple(notes),
    )
