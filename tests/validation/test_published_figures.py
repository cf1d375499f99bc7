"""Validation: each bundled setup reproduces the published figures that describe it.

Each test names the figure it checks (its id in docs/sources.md), runs it on the setup the study
describes - the silo (``separate_departments``) for the audits of typical firms (F1, F5,
F10), ``base`` for the speed-to-lead ratios and source conversion (F2, F12) - measures it from
the lead table the way the study measured it (response time from the inquiry, "qualify" as
the study defined it) and explains its band. Nothing is pooled across setups. Two kinds of
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

from sim import stats
from sim.metrics import qualification_by_response

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


# ------------------------------------------------------------ F2: speed to lead (base.yaml)


@pytest.fixture(scope="module")
def web_qualification(validation_runs: ValidationRuns) -> pd.DataFrame:
    """base.yaml's web inquiries: first-series qualified share by first attempt after the inquiry."""
    web = validation_runs.leads_of(BASE)
    web = web[web["channel"] == "web_inquiry"]
    return qualification_by_response(web, start_column="created_at").set_index("bucket")


def _ratio_bound(table: pd.DataFrame, fast: str, slow: str) -> tuple[float, str]:
    a, b = table.loc[fast], table.loc[slow]
    bound = ratio_lower_bound(int(a["qualified"]), int(a["leads"]), int(b["qualified"]), int(b["leads"]))
    text = (f"{fast}: {int(a['qualified'])}/{int(a['leads'])} qualified, {slow}: "
            f"{int(b['qualified'])}/{int(b['leads'])}; ratio lower bound {bound:.2f}")
    return bound, text


def test_f2_base_web_inquiries_qualify_less_often_the_later_the_first_attempt(
    web_qualification: pd.DataFrame,
) -> None:
    """F2: the qualified share falls with the delay of the first attempt after the inquiry.

    Measured as the study did, on base.yaml (a firm answering web leads by e-mail forwarding,
    no silo): response time = first contact attempt - inquiry (``created_at``), web inquiries
    only, "qualify" = a conversation that qualified the lead in its first contact series
    (the study's "meaningful conversation with a decision maker").
    Band: no bucket qualifies significantly more often than the one before (0-1 h, 1-2 h,
    2-24 h, 24 h+; a one-sided two-proportion z-test at 95 % per adjacent pair, so a reversal
    beyond the binomial noise of the bucket sizes fails) and the first bucket above the last
    (the size of that step is the next test's band). F2 reports ~7x between
    the first two buckets; the decay form base.yaml uses is F4's mild curve (D2), which trades
    F2's steep first hour for F4's and F12's absolute rates (docs/model.md, "Speed to lead:
    which figures the decay form keeps": no curve keeps F4 and reaches F2, F4 caps this ratio
    at 4.75x - see the next tests) and gives only ~1.0-2x here (measured 0.099 vs 0.099 in this
    suite, 0.101 vs 0.055 with seed 1: the first attempt reaches a fifth of leads) -
    with ~550 leads in the 1-2 h bucket that cannot be separated from 1 at 95 %, so this band
    checks direction and rules out a reversal; F2's magnitude is traded off for F4 (the caps
    test below keeps the ratio within what F4 allows).
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


def test_f2_base_web_inquiries_called_within_an_hour_qualify_several_times_as_often_as_after_a_day(
    web_qualification: pd.DataFrame,
) -> None:
    """F2: within 1 h of the inquiry vs 24 h or more: many times the odds of qualifying.

    Same measure and setup as the 1-2 h test. Band: lower bound >= 2.5. F2 reports > 60x with
    the steep form; F4 (the mild form D2 base.yaml uses, 2.5 M leads) reports 38 % vs 5 %,
    7.6x, and the chosen form predicts ~4-8x here (intent after a day is at the floor 0.111 of
    the peak, but nurtured leads handed over days after their inquiry were re-warmed by their
    stage step, and later attempts of fast leads happen a day on). 2.5x fails a decay too weak
    to matter (a floor of a third gives < 2x). Tolerance: one-sided 95 % bound from ~750 fast
    and ~3,300 late inquiries over 10 years.
    """
    bound, text = _ratio_bound(web_qualification, "0–1 h", "≥24 h")
    assert bound >= 2.5, text


F4_FIRST_HOUR_OVER_SECOND_CAP = 0.38 / 0.08
"""F4: 38 % engaged in the first hour, 8 % averaged over hours 1-24; a curve that never rises
averages >= 8 % over hours 1-2 as well, so the first hour is at most 4.75x the second."""
F4_FIRST_HOUR_OVER_LATE_CAP = 0.38 / 0.05
"""F4: 38 % in the first hour against 5 % after a day: at most 7.6x."""


@pytest.mark.parametrize(
    ("slow", "cap"), [("1–2 h", F4_FIRST_HOUR_OVER_SECOND_CAP), ("≥24 h", F4_FIRST_HOUR_OVER_LATE_CAP)]
)
def test_f2_f4_base_web_speed_to_lead_ratios_stay_within_what_f4_allows(
    web_qualification: pd.DataFrame, slow: str, cap: float
) -> None:
    """F2 traded off for F4: the speed-to-lead ratios are not significantly above F4's caps.

    F2's 7x (first vs second hour) and > 60x (first hour vs a day) contradict F4 for every
    qualification curve that does not rise with the delay (docs/model.md, "Speed to lead: which
    figures the decay form keeps"): F4 allows at most 38/8 = 4.75x and 38/5 = 7.6x. base.yaml
    keeps F4 (and F12), so its ratios, measured as in the tests above, must not exceed these caps
    beyond the noise: the one-sided 95 % lower bound of the ratio stays at or below the cap. A
    scenario switched to F2's steep form D1 without revisiting the trade-off fails here.
    """
    bound, text = _ratio_bound(web_qualification, "0–1 h", slow)
    assert bound <= cap, f"{text}; F4 allows at most {cap:.2f}"


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
