"""Validation: each bundled setup reproduces the published figures that describe it.

Each test names the figure it checks (its id in docs/sources.md), runs it on the setup the study
describes - the silo (``separate_departments``) for the audits of typical firms (F1, F5,
F10), ``base`` for the speed-to-lead odds, the decay shape and source conversion (F2, F4, F12),
the team for the outcome by time of engagement (F4) -
measures it from the lead table the way the study measured it (response time from the
inquiry, "qualify" as the study defined it, odds where the study reports odds) and explains
its band. Nothing is pooled across setups. Two kinds of
tolerance:

- the *band* is the published range, widened where the study population (many firms) differs
  from one simulated company; it is a statement about the scenario files;
- the *confidence interval* covers the simulation's own noise: with ``REPLICATIONS`` simulated
  years, the 95 % t-interval of the replication mean (or an exact conditional bound for pooled
  rare events) must lie inside the band, so a lucky seed cannot pass a wrong calibration.

The customer happiness team must beat the silo through the mechanisms alone (docs/sources.md,
"Alignment effects": no bonus factor exists in the model).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats
from scipy.stats.contingency import odds_ratio

from sim import stats
from sim.metrics import qualification_by_response
from sim.model.decay import interest

ValidationRuns = Any  # the session fixture's ValidationRuns (tests/validation/conftest.py)

CONFIDENCE = 0.95
BASE = "base"
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


def odds_ratio_lower_bound(table: pd.DataFrame, fast: str, slow: str) -> tuple[float, str]:
    """One-sided 95 % lower bound of the odds ratio of qualifying, bucket ``fast`` against ``slow``.

    F2 reports odds ratios, so the test measures one: the conditional maximum-likelihood
    estimate with its exact interval (``scipy.stats.contingency.odds_ratio``, Fisher's
    conditional distribution), valid for rare events and thin buckets - zero hits in ``slow``
    give a finite bound, and too few leads make a magnitude test fail rather than pass by luck.
    """
    a, b = table.loc[fast], table.loc[slow]
    hits_a, leads_a, hits_b, leads_b = (int(a["qualified"]), int(a["leads"]),
                                        int(b["qualified"]), int(b["leads"]))
    result = odds_ratio([[hits_a, leads_a - hits_a], [hits_b, leads_b - hits_b]])
    bound = float(result.confidence_interval(CONFIDENCE, alternative="greater").low)
    text = (f"{fast}: {hits_a}/{leads_a} qualified, {slow}: {hits_b}/{leads_b}; odds ratio "
            f"{float(result.statistic):.2f}, one-sided 95 % lower bound {bound:.2f}")
    return bound, text


# ------------------------------------------------------------ F2: speed to lead (base.yaml)


@pytest.fixture(scope="module")
def web_qualification(validation_runs: ValidationRuns) -> pd.DataFrame:
    """base.yaml's web inquiries: first-series qualified share by first attempt after the inquiry."""
    web = validation_runs.leads_of(BASE)
    web = web[web["channel"] == "web_inquiry"]
    return qualification_by_response(web, start_column="created_at").set_index("bucket")


def test_f2_base_web_inquiries_qualify_less_often_the_later_the_first_attempt(
    web_qualification: pd.DataFrame,
) -> None:
    """F2: the chance of qualifying falls with the delay of the first attempt after the inquiry.

    Measured as the study did, on base.yaml (a firm answering web leads by e-mail forwarding,
    no silo): response time = first contact attempt - inquiry (``created_at``), web inquiries
    only, "qualify" = a conversation that qualified the lead in its first contact series
    (the study's "meaningful conversation with a decision maker").
    Band: no bucket qualifies significantly more often than the one before (0-1 h, 1-2 h,
    2-24 h, 24 h+; a one-sided two-proportion z-test at 95 % per adjacent pair, so a reversal
    beyond the binomial noise of the bucket sizes fails) and the first bucket above the last
    (the size of that step is the next test's band). F2 reports ~7x the odds between the first
    two buckets; base.yaml's decay is F4's curve (D2), whose multiplier falls only 1.4x between
    the first and the second hour (docs/model.md, "Speed to lead: which figures the decay form
    keeps": F2's 7x is traded off), and the first attempt reaches a fifth of leads, so the
    measured odds ratio is ~1-2x (0.99 in this suite, ~1.9 with seed 1). With ~550 leads in
    the 1-2 h bucket that cannot be separated from 1 at 95 %, so this band checks direction and
    rules out a reversal.
    """
    qualified = web_qualification["qualified"].to_numpy(dtype=float)
    leads = web_qualification["leads"].to_numpy(dtype=float)
    shares = qualified / leads
    z_one_sided = float(scipy_stats.norm.ppf(0.95))
    for i, j in itertools.pairwise(range(len(shares))):
        pooled = (qualified[i] + qualified[j]) / (leads[i] + leads[j])
        standard_error = np.sqrt(pooled * (1 - pooled) * (1 / leads[i] + 1 / leads[j]))
        rise = (shares[j] - shares[i]) / standard_error
        assert rise < z_one_sided, (web_qualification.index[i], web_qualification.index[j], shares, rise)
    assert shares[0] > shares[-1], shares


def test_f2_base_web_inquiries_called_within_an_hour_have_several_times_the_odds_of_qualifying_as_after_a_day(
    web_qualification: pd.DataFrame,
) -> None:
    """F2: within 1 h of the inquiry vs 24 h or more: many times the odds of qualifying.

    Same measure and setup as the test above, as an odds ratio (F2 reports odds). Band: the
    one-sided 95 % lower bound (exact conditional interval) >= 2.5. F2 reports > 60x, which F4
    (2.5 M leads) rules out: its 38 % in the first hour against 5 % after a day is an odds ratio
    of 11.6 at most (docs/model.md). base.yaml keeps F4's curve, whose multiplier after a day is
    at its floor, 0.111 of the peak, but nurtured leads handed over days after their inquiry
    were re-warmed by their engagements, so ~3-5x is expected here (measured 3.7). 2.5x fails a
    decay too weak to matter (a floor of a third gives < 2x), and it fails F2's steep form D1
    on base.yaml's e-mail hand-off, where almost nobody qualifies in any bucket (2 of ~660
    first-hour inquiries in ten years: the bound collapses). Tolerance: ~640 fast and ~3,300
    late inquiries over 10 years.
    """
    bound, text = odds_ratio_lower_bound(web_qualification, "0–1 h", "≥24 h")
    assert bound >= 2.5, text


F4_RATES = {"first hour": 0.38, "hours 1-24": 0.08, "after 24 h": 0.05}
"""F4: positive outcome by the time of engagement after the inquiry (VanillaSoft / Telfer)."""


def _mean_interest(decay: Any, start_hours: float, end_hours: float) -> float:
    """The decay curve's mean over [start, end) hours after the inquiry (fine midpoint rule)."""
    hours = np.linspace(start_hours, end_hours, 20_001)
    midpoints = (hours[:-1] + hours[1:]) / 2
    return float(np.mean([interest(decay, t) for t in midpoints]))


def test_f4_base_web_inquiry_decay_has_the_shape_of_f4s_outcome_rates(
    validation_runs: ValidationRuns,
) -> None:
    """F4 (shape): base.yaml's web-inquiry decay falls as F4's positive-outcome rates do.

    F4's rates by time of engagement - 38 % in the first hour, 8 % in hours 1-24, 5 % after a
    day - fix the curve's shape (its absolute level in the model comes from reach, stage and
    fit). Measured on the curve itself: the mean multiplier over the first hour, over hours
    1-24 and over hours 24-48, as ratios first hour : hours 1-24 and first hour : after a day,
    against 38/8 = 4.75 and 38/5 = 7.6. Band: what F4's rounding to whole per cent allows
    (37.5-38.5 over 7.5-8.5 and over 4.5-5.5). Not measured from simulated leads: base.yaml
    holds ~3 first conversations a year within an hour of the inquiry (the first dial reaches
    a fifth; e-mail forwarding), too few to test a ratio. A scenario switched to F2's steep D1
    (ratios 19x and 59x) fails here - and must revisit docs/model.md's trade-off.
    """
    decay = next(c for c in validation_runs.scenarios[BASE].channels if c.name == "web_inquiry").decay
    first_hour = _mean_interest(decay, 0.0, 1.0)
    rest_of_day = _mean_interest(decay, 1.0, 24.0)
    next_day = _mean_interest(decay, 24.0, 48.0)
    low, high = 0.005, 0.005  # F4 gives whole per cent
    first, day, after = F4_RATES.values()
    bands = {
        "first hour / hours 1-24": (first_hour / rest_of_day, (first - low) / (day + high), (first + high) / (day - low)),
        "first hour / after 24 h": (first_hour / next_day, (first - low) / (after + high), (first + high) / (after - low)),
    }
    for name, (ratio, lowest, highest) in bands.items():
        assert lowest <= ratio <= highest, f"{name}: {ratio:.2f} outside F4's [{lowest:.2f}, {highest:.2f}]"


# ------------------------------------------- F4: outcome by time of engagement (the team)


def _engagement_buckets(validation_runs: ValidationRuns, scenario: str) -> pd.DataFrame:
    """Web inquiries reached at least once: qualified share by first conversation after the inquiry."""
    leads = validation_runs.leads_of(scenario)
    table = qualification_by_response(
        leads[leads["channel"] == "web_inquiry"], bucket_edges_hours=(0.0, 1.0, 24.0, np.inf),
        start_column="created_at", moment_column="first_conversation_at",
    )
    return table.set_index("bucket")


def _share_interval(row: pd.Series) -> tuple[float, float]:
    """The exact (Clopper-Pearson) 95 % interval of a bucket's qualified share."""
    interval = scipy_stats.binomtest(int(row["qualified"]), int(row["leads"])).proportion_ci(
        CONFIDENCE, method="exact"
    )
    return float(interval.low), float(interval.high)


def test_f4_customer_happiness_team_web_inquiries_engaged_in_the_first_hour_qualify_at_about_f4s_rates(
    validation_runs: ValidationRuns,
) -> None:
    """F4: a positive outcome for 38 % of web leads engaged in the first hour, 5 % after 24 h.

    Measured as F4 did, by the time of engagement (the first conversation - the start of the
    first attempt that reached the lead - after the inquiry), "positive outcome" = qualified in
    that conversation, web inquiries only, on the team: F4's 2.5 M leads come from firms that
    route web leads to reps at once through lead-management software, as the team's real-time
    CRM hand-off does (base.yaml and the silo engage almost nobody within the hour).
    Bands: first hour 28-48 % and after 24 h 2.5-10 % - F4's rates widened by about a quarter
    (a half to twice for the small rate), since one company's stage and fit mix moves the level
    that many firms average; the exact 95 % interval of the pooled share over 10 years
    (~350 first-hour and ~5,000 late conversations) must lie inside. Hours 1-24 are only
    required to lie between the two: F4's 8 % averages its firms' engagement times over the
    whole span, while the team's engagements in it come within a few hours (its retries), where
    the curve is still high (measured ~22 %).
    """
    table = _engagement_buckets(validation_runs, TEAM)
    first_low, first_high = _share_interval(table.loc["0–1 h"])
    day_low, day_high = _share_interval(table.loc["1–24 h"])
    late_low, late_high = _share_interval(table.loc["≥24 h"])
    text = table.to_string()
    assert 0.28 <= first_low and first_high <= 0.48, text
    assert 0.025 <= late_low and late_high <= 0.10, text
    assert late_high < day_low and day_high < first_low, text


# ------------------------------------------------------------ F12: source conversion (base.yaml)


def test_f12_base_web_inquiries_become_customers_at_about_the_published_rate(
    validation_runs: ValidationRuns,
) -> None:
    """F12: lead -> sale by source, website 1.6 % (Implisit, ~500 B2B firms).

    Measured as F12 did: won / web inquiries created in the measured year, per replication,
    on base.yaml; open leads at the drain cap count as not won.
    Band 0.4-3.2 %: a quarter to twice F12's 1.6 %. F12 averages firms that answer at every
    speed; base.yaml answers only ~6 % of its web inquiries within the first hour (F1: 37 % of
    firms), so with intent decaying over hours it belongs in the lower half of that spread.
    Tolerance: ~10 web wins a year (+-30 % Poisson noise); the 95 % CI of the mean over 10
    years must lie inside the band.
    """
    leads = validation_runs.leads_of(BASE)
    web = leads[leads["channel"] == "web_inquiry"]
    rate = (web["outcome"] == "won").groupby(web["replication"]).mean()
    _assert_interval_inside(rate, 0.004, 0.032, "base web inquiry -> customer rate")


# ---------------------------------------------------- F1 / F5 / F10: the silo's follow-up


def _silo_web(validation_runs: ValidationRuns) -> pd.DataFrame:
    leads = validation_runs.leads_of(SILO)
    return leads[leads["channel"] == "web_inquiry"]


def test_f1_f5_separate_departments_never_answer_a_quarter_to_two_fifths_of_their_web_inquiries(
    validation_runs: ValidationRuns,
) -> None:
    """F1 (23 % of firms never answered a web inquiry) and F5 (40 % never responded).

    Measured as the audits did, from the inquirer's side, on the silo: the share of web
    inquiries that never got a contact attempt - ignored by sales, kept in marketing's
    nurturing until they bought elsewhere, or waiting until the buying window closed.
    Band 15-45 %: the two audits' values widened by ~8 points each way, since audits of single
    test leads across thousands of firms vary that much between studies. Tolerance: the 95 %
    CI of the mean over 10 years must lie inside.
    """
    web = _silo_web(validation_runs)
    never = web["first_contact_at"].isna().groupby(web["replication"]).mean()
    _assert_interval_inside(never, 0.15, 0.45, "silo web inquiries never answered")


def test_f1_f5_separate_departments_answer_web_inquiries_with_a_median_of_hours_to_two_days(
    validation_runs: ValidationRuns,
) -> None:
    """F5 (median first call 4 h 8 min) and F1 (mean 42 h; 24 % of firms after more than 24 h).

    Response time = first contact attempt - inquiry, over the silo's web inquiries that were
    attempted (as the audits took the median over responding firms), median per year.
    Band 2-48 h: F5's 4 h is the audited median of all firms, including fast ones; a silo with
    a nightly list and reps working marketing leads after their own prospects answers no lead
    within the hour, so it sits among F1's slow firms, near two days. The band keeps the order
    of magnitude ("hours to two days", not minutes, not a week). Tolerance: the 95 % CI of the
    mean of 10 yearly medians must lie inside.
    """
    web = _silo_web(validation_runs)
    contacted = web[web["first_contact_at"].notna()]
    response = contacted["first_contact_at"] - contacted["created_at"]
    median = response.groupby(contacted["replication"]).median()
    _assert_interval_inside(median, 2.0, 48.0, "silo median response from the inquiry (hours)")


def test_f10_separate_departments_do_not_pursue_most_marketing_leads(
    validation_runs: ValidationRuns,
) -> None:
    """F10: sales reps do not pursue ~70 % of marketing leads (461 reps, 4 firms); F11: ~80 % lost.

    Measured on the silo over marketing-sourced leads handed to sales: "not pursued" = sales
    never got into a conversation with the lead - ignored, never attempted, or given up after
    unanswered dials (F8: half of leads are never called twice). Counting only ignored + never
    attempted would make "not pursued" the same number as F1's never-contacted share, so F1 and
    F10 could not both hold; reading F10 as "never worked into a conversation" reconciles them.
    Band 55-85 %: F10's 70 % +-15 points (one study of four firms; F11's survey estimate of
    80 % lies inside). Tolerance: the 95 % CI of the mean over 10 years must lie inside.
    """
    leads = validation_runs.leads_of(SILO)
    marketing = leads[leads["marketing_sourced"] & leads["handoff_at"].notna()]
    not_pursued = (~marketing["reached"]).groupby(marketing["replication"]).mean()
    _assert_interval_inside(not_pursued, 0.55, 0.85, "share of marketing leads not pursued")


# ------------------------------------------------------------ F13: lead -> customer, per setup


@pytest.mark.parametrize("setup", [BASE, SILO, TEAM])
def test_f13_lead_to_customer_rate_is_half_a_percent_to_five_percent(
    validation_runs: ValidationRuns, setup: str
) -> None:
    """F13 (end to end inquiry -> won ~0.5-5 %), each setup on its own.

    Measured on the whole cohort: won / leads created in the measured year (``conversion_rate``),
    every channel, leads still open at the drain cap counted as not won.
    Band 0.5-5 %: F13's practitioner range as published; every setup must stay inside - a silo
    below 0.5 % or a team above 5 % would mean a mechanism is too strong. Tolerance: the 95 %
    CI of the mean over 10 years must lie inside the band.
    """
    values = validation_runs.kpi(setup, "conversion_rate")
    _assert_interval_inside(values, 0.005, 0.05, f"{setup} lead -> customer rate")


@pytest.mark.parametrize("setup", [BASE, SILO, TEAM])
def test_the_cohort_finishes_open_leads_at_most_one_percent(validation_runs: ValidationRuns, setup: str) -> None:
    """The drain cap lets the measured cohort finish: at most 1 % of its leads are still open.

    KPIs count open leads as not won, so a cap that cut the cohort short would bias every
    setup's conversion downwards, most where cycles are long. Checked on every replication.
    """
    leads = validation_runs.leads_of(setup)
    open_share = (leads["outcome"] == "open").groupby(leads["replication"]).mean()
    assert (open_share <= 0.01).all(), open_share.to_dict()


# ------------------------------------------------- the article's claim: the team is better


def test_customer_happiness_team_earns_more_than_separate_departments(
    validation_runs: ValidationRuns,
) -> None:
    """The team's total revenue exceeds the silo's: paired 95 % CI of the difference above zero.

    docs/sources.md "Alignment effects": aligned firms grow faster (Aberdeen, correlational);
    the model has no bonus factor, so any gain must come from the mechanisms (response time,
    acceptance, scoring, capacity, recycling, customer care). Replication r of both setups sees
    the same leads (common random numbers), so the difference is measured pair by pair.
    """
    team = validation_runs.kpi(TEAM, "total_revenue")
    silo = validation_runs.kpi(SILO, "total_revenue")
    mean, low, high = stats.paired_difference(team.to_numpy(), silo.to_numpy(), CONFIDENCE)
    assert low > 0, f"team - silo total revenue: mean {mean:,.0f}, 95 % CI [{low:,.0f}, {high:,.0f}]"


def test_customer_happiness_team_answers_faster_and_meets_fewer_cold_leads(
    validation_runs: ValidationRuns,
) -> None:
    """The team's median response (from the inquiry and from sales-ready) and cold share are lower.

    The article's first failure mode is "leads gone cold" because sales follows up late; F1-F5
    measure response time. Both must improve in the team through the real-time hand-off, the
    SLA and marketing leads no longer waiting behind own prospects - paired over the same
    10 years of leads.
    """
    for kpi in ("median_response_hours", "cold_share"):
        team = validation_runs.kpi(TEAM, kpi)
        silo = validation_runs.kpi(SILO, kpi)
        mean, low, high = stats.paired_difference(team.to_numpy(), silo.to_numpy(), CONFIDENCE)
        assert high < 0, f"team - silo {kpi}: mean {mean:.3g}, 95 % CI [{low:.3g}, {high:.3g}]"
