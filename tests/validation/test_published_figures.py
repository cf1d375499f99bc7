"""Validation: the bundled scenarios reproduce the published speed-to-lead and funnel figures.

Each test names the FIGURES.md row it checks (/work/shared/domain/FIGURES.md), measures it from
the lead table the way the study measured it, and explains its band. Two kinds of tolerance:

- the *band* is the published range, widened where the study population (many firms) differs
  from one simulated company; it is a statement about the scenario files;
- the *confidence interval* covers the simulation's own noise: with ``REPLICATIONS`` simulated
  years, the 95 % t-interval of the replication mean (or an exact conditional bound for pooled
  rare events) must lie inside the band, so a lucky seed cannot pass a wrong calibration.

The silo (``separate_departments``) is the article's starting point and is what the audits of
F1/F5/F10 saw in the typical firm; the customer happiness team must beat it through the
mechanisms alone (FIGURES "Alignment effects": no bonus factor exists in the model).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from sim import stats
from sim.metrics import qualification_by_response

ValidationRuns = Any  # the session fixture's ValidationRuns (tests/validation/conftest.py)

CONFIDENCE = 0.95
SILO = "separate_departments"
TEAM = "customer_happiness_team"


def _mean_interval(values: pd.Series) -> tuple[float, float, float]:
    assert values.notna().all() and len(values) >= 10, f"need >= 10 finite replications: {values}"
    return stats.t_interval(values.to_numpy(dtype=float), CONFIDENCE)


def _assert_interval_inside(
    values: pd.Series, low_bound: float, high_bound: float, what: str
) -> None:
    mean, low, high = _mean_interval(values)
    assert low_bound <= low and high <= high_bound, (
        f"{what}: mean {mean:.4g}, 95 % CI [{low:.4g}, {high:.4g}] over {len(values)} "
        f"replications is not inside the band [{low_bound:g}, {high_bound:g}]"
    )


def ratio_lower_bound(
    hits_a: int, trials_a: int, hits_b: int, trials_b: int, confidence: float = CONFIDENCE
) -> float:
    """One-sided lower confidence bound of the ratio of two shares (hits_a/trials_a) / (hits_b/trials_b).

    The exact conditional method for rare events: with shares of a few per cent or less, hit
    counts are nearly Poisson, and given their total K the hits in a are Binomial(K, pi) with
    pi = rho * trials_a / (rho * trials_a + trials_b), rho being the ratio. The Clopper-Pearson
    lower bound of pi turns into one of rho. Binomial counts vary slightly less than Poisson
    ones, so the bound errs on the safe (low) side. Zero hits in b still give a finite bound,
    and thin buckets give a weak one, so too few leads make a test fail rather than pass by luck.
    """
    if hits_a == 0:
        return 0.0
    pi_low = float(scipy_stats.beta.ppf(1.0 - confidence, hits_a, hits_b + 1))
    return pi_low / (1.0 - pi_low) * trials_b / trials_a


def test_ratio_lower_bound_covers_the_true_ratio_and_tightens_with_data() -> None:
    """The bound used for F2 is below the true ratio in >= 95 % of samples, and tighter with more data."""
    rng = np.random.default_rng(7)
    trials_a, trials_b, share_a, share_b = 6_000, 1_500, 0.05, 0.005  # the F2 buckets' scale
    hits_a = rng.binomial(trials_a, share_a, size=4_000)
    hits_b = rng.binomial(trials_b, share_b, size=4_000)
    bounds = np.array(
        [ratio_lower_bound(a, trials_a, b, trials_b) for a, b in zip(hits_a, hits_b, strict=True)]
    )
    assert (bounds <= share_a / share_b).mean() >= 0.95
    assert ratio_lower_bound(50, 1_000, 5, 1_000) < ratio_lower_bound(500, 10_000, 50, 10_000) < 10
    assert ratio_lower_bound(50, 1_000, 0, 10) < 2.0  # ten leads cannot prove a large ratio


# ------------------------------------------------------------------ F2: speed to lead


@pytest.fixture(scope="module")
def web_qualification(validation_runs: ValidationRuns) -> pd.DataFrame:
    """Web inquiries of all bundled setups, qualified share by first-attempt delay (F2 buckets)."""
    leads = validation_runs.leads
    web = leads[leads["channel"] == "web_inquiry"]
    return qualification_by_response(web).set_index("bucket")


def test_f2_web_inquiries_called_within_an_hour_qualify_several_times_as_often_as_an_hour_later(
    web_qualification: pd.DataFrame,
) -> None:
    """F2: first attempt within 1 h vs 1-2 h later: ~7x the odds of qualifying (42 firms, 1.25 M leads).

    Measured as the study did: response time = first contact attempt - moment the lead was ready
    for sales (``qualification_by_response``), web inquiries only (F2 studied web leads), pooled
    over the three bundled setups so every bucket has leads (the silo's nightly list never calls
    within 2 h; the team rarely needs 1-2 h). "Qualify" = reached and sales-qualified.
    Band: at least 3x as the 95 % lower bound - F2 says ~7x for a population of firms, and our
    fast bucket is dominated by the team's minutes-long responses, so the simulated point
    estimate is larger; 3x still fails a curve without a hot window (a single exponential with
    a half-life of hours gives < 2x between these buckets). Tolerance: a 95 % lower confidence
    bound (``ratio_lower_bound``) from ~6,000 fast and ~1,400 1-2 h web inquiries (12 x 3 years).
    """
    fast = web_qualification.loc["0–1 h"]
    later = web_qualification.loc["1–2 h"]
    bound = ratio_lower_bound(
        int(fast["qualified"]), int(fast["leads"]), int(later["qualified"]), int(later["leads"])
    )
    assert bound >= 3.0, (
        f"within 1 h: {int(fast['qualified'])}/{int(fast['leads'])} qualified, 1-2 h: "
        f"{int(later['qualified'])}/{int(later['leads'])}; ratio lower bound {bound:.2f} < 3"
    )


def test_f2_web_inquiries_called_within_an_hour_qualify_dozens_of_times_as_often_as_after_a_day(
    web_qualification: pd.DataFrame,
) -> None:
    """F2: first attempt within 1 h vs after >= 24 h: > 60x the odds of qualifying.

    Same measure and pooling as the 1-2 h test. Band: at least 20x as the 95 % lower bound -
    ">60x" is a point estimate from one study; 20x ("dozens of times") keeps the claim's order of
    magnitude while a few thousand late inquiries, which qualify about once in a thousand, can
    bound the ratio only from below. A decay curve without the cold floor's depth (e.g. one
    that keeps 10 % interest after a day) fails it.
    """
    fast = web_qualification.loc["0–1 h"]
    late = web_qualification.loc["≥24 h"]
    bound = ratio_lower_bound(
        int(fast["qualified"]), int(fast["leads"]), int(late["qualified"]), int(late["leads"])
    )
    assert bound >= 20.0, (
        f"within 1 h: {int(fast['qualified'])}/{int(fast['leads'])} qualified, >= 24 h: "
        f"{int(late['qualified'])}/{int(late['leads'])}; ratio lower bound {bound:.1f} < 20"
    )


# ---------------------------------------------------- F1 / F5 / F10: the silo's follow-up


def test_f1_f5_separate_departments_never_contact_a_quarter_to_two_fifths_of_their_leads(
    validation_runs: ValidationRuns,
) -> None:
    """F1 (23 % of firms never answered a web inquiry) and F5 (40 % never responded).

    Measured as the audits saw it, from the customer's side: a handed-over lead without any
    contact attempt counts as never contacted, whether sales ignored it or it waited until the
    prospect bought elsewhere (``never_contacted_share`` over handed-over leads).
    Band 15-45 %: the two audits' values (23 % and 40 %) widened by ~8 points each way, since
    audits of single test leads across thousands of firms vary that much between studies.
    Tolerance: the 95 % CI of the mean over 12 years (half-width ~0.4 points) must lie inside.
    """
    values = validation_runs.kpi(SILO, "never_contacted_share")
    _assert_interval_inside(values, 0.15, 0.45, "share of handed-over leads never contacted")


def test_f1_f5_separate_departments_answer_with_a_median_of_hours_to_two_days(
    validation_runs: ValidationRuns,
) -> None:
    """F5 (median first call 4 h 8 min) and F1 (48 % of responders within 1 h, 31 % after 24 h).

    Response time = first contact attempt - sales-ready (``median_response_hours`` over the
    leads that were attempted, as the audits took the median over responding firms).
    Band 2-48 h: F5's 4 h is the audited median of all firms, including fast ones; a silo with
    a nightly list and reps working marketing leads after their own prospects (the article's
    setup) answers no lead within the hour, so its median is near a day. The band keeps the
    order of magnitude ("hours to two days", not "minutes" and not "a week", which a weekly
    list would give). Tolerance: the 95 % CI of the mean of 12 yearly medians must lie inside.
    """
    values = validation_runs.kpi(SILO, "median_response_hours")
    _assert_interval_inside(values, 2.0, 48.0, "median response hours")


def test_f1_f5_separate_departments_answer_with_a_mean_near_two_days(
    validation_runs: ValidationRuns,
) -> None:
    """F1 (mean response among responders 42 h) and F5 (mean ~41 h).

    Same response-time measure as the median test; the mean is the figure both audits agree on.
    Band 20-80 h: about half to twice the published ~42 h - the tail (leads ready on Friday
    night, reps busy with their own accounts) depends on one firm's calendar and workload more
    than the median does. Tolerance: the 95 % CI of the mean over 12 years must lie inside.
    """
    values = validation_runs.kpi(SILO, "mean_response_hours")
    _assert_interval_inside(values, 20.0, 80.0, "mean response hours")


def test_f10_separate_departments_do_not_pursue_most_marketing_leads(
    validation_runs: ValidationRuns,
) -> None:
    """F10: sales reps do not pursue ~70 % of marketing leads (461 reps, 4 firms); F11: ~80 % lost.

    Measured over marketing-sourced leads handed to sales: "not pursued" = sales never got into
    a conversation with the lead - ignored, never attempted, or given up after unanswered dials
    (F8: half of leads are never called twice). Counting only ignored + never attempted would
    make "not pursued" the same number as F1's never-contacted share (23-40 %), so F1 and F10
    could not both hold; reading F10 as "never worked into a conversation" reconciles them.
    Band 55-85 %: F10's 70 % +-15 points (one study of four firms; F11's survey estimate of
    80 % lies inside). Tolerance: the 95 % CI of the mean over 12 years must lie inside.
    """
    leads = validation_runs.leads_of(SILO)
    marketing = leads[leads["marketing_sourced"] & leads["handoff_at"].notna()]
    not_pursued = (~marketing["reached"]).groupby(marketing["replication"]).mean()
    _assert_interval_inside(not_pursued, 0.55, 0.85, "share of marketing leads not pursued")


# ------------------------------------------------------------ F12 / F13: lead -> customer


@pytest.mark.parametrize("setup", [SILO, TEAM])
def test_f12_f13_lead_to_customer_rate_is_half_a_percent_to_five_percent(
    validation_runs: ValidationRuns, setup: str
) -> None:
    """F13 (end to end inquiry -> won ~0.5-5 %) and F12 (lead -> sale by source 0.5-3.6 %).

    Measured on the whole cohort: won / leads created in the measured year (``conversion_rate``),
    every channel, leads still open at the drain cap counted as not won.
    Band 0.5-5 %: F13's practitioner range as published (F12's by-source rates lie inside); both
    org setups must stay inside - a silo below 0.5 % or a team above 5 % would mean a mechanism
    is too strong. Tolerance: ~60 (silo) to ~180 (team) wins a year give a yearly rate with
    +-8-13 % Poisson noise; the 95 % CI of the mean over 12 years must lie inside the band.
    """
    values = validation_runs.kpi(setup, "conversion_rate")
    _assert_interval_inside(values, 0.005, 0.05, f"{setup} lead -> customer rate")


# ------------------------------------------------- the article's claim: the team is better


def test_customer_happiness_team_earns_more_than_separate_departments(
    validation_runs: ValidationRuns,
) -> None:
    """The team's revenue exceeds the silo's: paired 95 % CI of the difference above zero.

    FIGURES "Alignment effects": aligned firms grow faster (Aberdeen, correlational); the model
    has no bonus factor, so any gain must come from the mechanisms (response time, acceptance,
    scoring, capacity, recycling). Replication r of both setups sees the same leads (common
    random numbers), so the difference is measured pair by pair over 12 years.
    """
    team = validation_runs.kpi(TEAM, "revenue")
    silo = validation_runs.kpi(SILO, "revenue")
    mean, low, high = stats.paired_difference(team.to_numpy(), silo.to_numpy(), CONFIDENCE)
    assert low > 0, f"team - silo revenue: mean {mean:,.0f}, 95 % CI [{low:,.0f}, {high:,.0f}]"


def test_customer_happiness_team_answers_faster_and_meets_fewer_cold_leads(
    validation_runs: ValidationRuns,
) -> None:
    """The team's median response time and cold share are below the silo's (paired 95 % CIs).

    The article's first failure mode is "leads gone cold" because sales follows up late; F1-F5
    measure response time. Both must improve in the team through the real-time hand-off, the
    SLA queue and marketing leads no longer waiting behind own prospects - paired over the
    same 12 years of leads.
    """
    for kpi in ("median_response_hours", "cold_share"):
        team = validation_runs.kpi(TEAM, kpi)
        silo = validation_runs.kpi(SILO, kpi)
        mean, low, high = stats.paired_difference(team.to_numpy(), silo.to_numpy(), CONFIDENCE)
        assert high < 0, f"team - silo {kpi}: mean {mean:.3g}, 95 % CI [{low:.3g}, {high:.3g}]"
