"""The lead-lifecycle model: exact event times, extreme values, reproducibility, invariants.

Clock: hours from Monday 00:00; hour 130 is Saturday 10:00, hour 176 the second Monday 08:00.
"""

from __future__ import annotations

import itertools
import math
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_dicts import merged

from sim.model.calendar import BusinessCalendar
from sim.model.lifecycle import LEAD_COLUMNS, OUTCOMES, LeadLifecycleModel, interest, simulate
from sim.scenario.schema import WEEKDAYS, Channel, Decay, Scenario

ALL_WEEK = {"work_days": list(WEEKDAYS), "start_hour": 0.0, "end_hour": 24.0}
SQL_ONLY = {"ql": 0.0, "mql": 0.0, "sql": 1.0}
FOREVER = {"distribution": "fixed", "mean": 1e6}  # buying window, days




# A base-like company: three channels, nurturing, office hours, five reps.
BASE_LIKE: dict[str, Any] = {
    "name": "base_like",
    "horizon": {"warmup_days": 14, "measurement_days": 56, "drain_cap_days": 120},
    "channels": [
        {
            "name": "web_inquiry", "leads_per_week": 30, "cost_per_lead": 80,
            "stage_mix": {"ql": 0.1, "mql": 0.3, "sql": 0.6},
            "fit": {"alpha": 3, "beta": 2},
            "decay": {"hot_weight": 0.99, "hot_half_life_hours": 0.04,
                      "slow_half_life_hours": 4.5, "floor": 0.05},
            "buying_window_days": {"distribution": "exponential", "mean": 90},
        },
        {"name": "webinar", "leads_per_week": 40, "cost_per_lead": 40},
        {"name": "own_prospects", "leads_per_week": 5, "marketing_sourced": False,
         "stage_mix": SQL_ONLY},
    ],
    "nurturing": {"mean_days_ql_to_mql": 30, "mean_days_mql_to_sql": 30,
                  "engagements_per_week": 0.5},
    "qualification": {"threshold": 0.55},
    "sales": {"reps": 4, "max_attempts": 4, "retry_after_hours": 24},
    "conversion": {"sales_cycle_days": {"distribution": "lognormal", "mean": 20, "cv": 0.5}},
}


def base_like(**overrides: Any) -> Scenario:
    return Scenario.model_validate(merged(BASE_LIKE, overrides))


# ------------------------------------------------------------------ exact events
class RecordingModel(LeadLifecycleModel):
    """The model logging every piece of rep work, optionally with given arrival times."""

    def __init__(
        self, scenario: Scenario, seed: int = 0, arrivals: dict[str, list[float]] | None = None
    ) -> None:
        super().__init__(scenario, seed=seed)
        self.fixed_arrivals = arrivals
        self.work_log: list[tuple[float, float, bool]] = []

    def _arrival_times(self, channel: Channel) -> np.ndarray:
        if self.fixed_arrivals is None:
            return super()._arrival_times(channel)
        return np.asarray(self.fixed_arrivals.get(channel.name, []), dtype=float)

    def _account_work(self, start: float, duration: float, kind: str, pool: Any = None) -> None:
        self.work_log.append((start, duration, kind))
        super()._account_work(start, duration, kind, pool)


# One SQL lead through office hours, every duration fixed; interest never decays (floor 1),
# so reach and qualification are certain.
ONE_LEAD_CHANNEL: dict[str, Any] = {
    "name": "web_inquiry", "leads_per_week": 1, "stage_mix": SQL_ONLY,
    "buying_window_days": FOREVER, "decay": {"floor": 1.0},
}
ONE_LEAD: dict[str, Any] = {
    "horizon": {"warmup_days": 0, "measurement_days": 14, "drain_cap_days": 30},
    "channels": [ONE_LEAD_CHANNEL],
    "qualification": {"threshold": -1.0, "scoring_noise": 0.0},
    "handoff": {"admin_delay_hours": {"distribution": "fixed", "mean": 2.0}},
    "sales": {"reps": 1, "max_attempts": 3, "retry_after_hours": 24,
              "attempt_hours": {"distribution": "fixed", "mean": 0.25},
              "conversation_hours": {"distribution": "fixed", "mean": 0.5}},
    "conversion": {
        "reach_probability": 1.0,
        "qualify_probability": {"ql": 1.0, "mql": 1.0, "sql": 1.0}, "qualify_fit_weight": 0.0,
        "sales_cycle_days": {"distribution": "fixed", "mean": 10.0},
        "win_probability": 1.0, "win_fit_weight": 0.0,
        "deal_value": {"distribution": "fixed", "mean": 5000.0},
    },
}


def event_log(row: pd.Series) -> list[tuple[str, float]]:
    names = ("created_at", "sales_ready_at", "handoff_at", "first_contact_at", "closed_at")
    return [(name.removesuffix("_at"), float(row[name])) for name in names if pd.notna(row[name])]


def run_one_lead(overrides: dict[str, Any], created_at: float) -> tuple[pd.Series, list[Any]]:
    scenario = Scenario.model_validate(merged(ONE_LEAD, overrides))
    model = RecordingModel(scenario, arrivals={"web_inquiry": [created_at]})
    result = model.run()
    assert len(result.leads) == 1
    assert result.run["cohort_finished"]
    return result.leads.iloc[0], model.work_log


def test_saturday_lead_is_called_on_monday_and_won() -> None:
    # Saturday 10:00 + 2 h admin delay; the office opens Monday 08:00; 0.25 h dial + 0.5 h
    # conversation; a 10-day sales cycle; everything certain.
    row, work = run_one_lead({}, created_at=130.0)
    assert event_log(row) == [
        ("created", 130.0), ("sales_ready", 130.0), ("handoff", 132.0),
        ("first_contact", 176.0), ("closed", 176.75 + 240.0),
    ]
    assert work == [(176.0, 0.75, "lead")]
    assert (row["outcome"], row["deal_value"], row["contact_attempts"]) == ("won", 5000.0, 1)
    assert row["reached"] and row["qualified"]
    assert row["sales_hours"] == 0.75 and row["wasted_sales_hours"] == 0.0
    assert row["interest_at_first_contact"] == 1.0
    assert not row["cold_at_first_contact"]


def test_unreached_lead_is_retried_each_morning_then_lost_cold() -> None:
    # Never reached: attempts Monday 08:00, Tuesday 08:15, Wednesday 08:30 (24 h after each
    # attempt ends). With a 24 h half-life, interest 2^(-94.5/24) = 0.065 at the last attempt
    # is below cold_below 0.1.
    decaying = {**ONE_LEAD_CHANNEL, "decay": {"hot_half_life_hours": 24.0, "cold_below": 0.1}}
    overrides = {"channels": [decaying], "conversion": {"reach_probability": 0.0}}
    row, work = run_one_lead(overrides, created_at=130.0)
    assert work == [(176.0, 0.25, "lead"), (200.25, 0.25, "lead"), (224.5, 0.25, "lead")]
    assert event_log(row) == [
        ("created", 130.0), ("sales_ready", 130.0), ("handoff", 132.0),
        ("first_contact", 176.0), ("closed", 224.75),
    ]
    assert (row["outcome"], row["contact_attempts"], row["reached"]) == ("lost_cold", 3, False)
    assert row["wasted_sales_hours"] == pytest.approx(0.75)


def test_retry_that_falls_into_the_night_waits_for_the_office() -> None:
    # Friday 16:00, no admin delay: dialled at once; the retry 2 h later is Friday 18:30, so it
    # waits for Monday 08:00. Interest 2^(-64/24) = 0.16 is still warm: outcome dropped.
    decaying = {**ONE_LEAD_CHANNEL, "decay": {"hot_half_life_hours": 24.0, "cold_below": 0.1}}
    overrides = {
        "channels": [decaying],
        "handoff": {"admin_delay_hours": {"distribution": "fixed", "mean": 0.0}},
        "sales": {"max_attempts": 2, "retry_after_hours": 2.0,
                  "attempt_hours": {"distribution": "fixed", "mean": 0.5}},
        "conversion": {"reach_probability": 0.0},
    }
    row, work = run_one_lead(overrides, created_at=112.0)
    assert work == [(112.0, 0.5, "lead"), (176.0, 0.5, "lead")]
    assert event_log(row) == [
        ("created", 112.0), ("sales_ready", 112.0), ("handoff", 112.0),
        ("first_contact", 112.0), ("closed", 176.5),
    ]
    assert row["outcome"] == "dropped"


def test_weekly_list_hands_over_at_the_next_list() -> None:
    # A weekly list at hours 0, 168, ...: the Saturday lead is on Monday 00:00's list.
    overrides = {"handoff": {"mode": "batch", "batch_every_hours": 168.0,
                             "admin_delay_hours": {"distribution": "fixed", "mean": 0.0}}}
    row, _ = run_one_lead(overrides, created_at=130.0)
    assert event_log(row)[:4] == [
        ("created", 130.0), ("sales_ready", 130.0), ("handoff", 168.0), ("first_contact", 176.0)
    ]


def test_buying_window_ends_the_sales_cycle() -> None:
    # A 5-day buying window ends before the 10-day cycle: lost to a competitor at its end.
    short = {**ONE_LEAD_CHANNEL, "buying_window_days": {"distribution": "fixed", "mean": 5.0}}
    overrides = {"channels": [short]}
    row, _ = run_one_lead(overrides, created_at=130.0)
    assert (row["outcome"], row["closed_at"], row["qualified"]) == ("lost_competitor", 250.0, True)
    assert math.isnan(row["deal_value"])


def test_an_old_engagement_does_not_move_the_decay_clock_back() -> None:
    # Engagements are caught up lazily when interest is needed. One at hour 300 must not undo a
    # later touch at hour 500 (a stage change or conversation): 10 h after it, not 210 h.
    scenario = base_like(nurturing={"engagements_per_week": 0.25})
    model = LeadLifecycleModel(scenario, seed=0)
    lead = model._generate_arrivals()[0]
    lead.last_touch, lead.next_engagement = 500.0, 300.0
    value = model._interest_at(lead, 510.0)
    assert 500.0 <= lead.last_touch <= 510.0
    assert value >= interest(lead.channel.decay, 10.0)
    assert lead.next_engagement > 510.0


def test_interest_curve() -> None:
    two_phase = Decay(hot_weight=0.99, hot_half_life_hours=0.05, slow_half_life_hours=4.5,
                      floor=0.001)
    assert interest(two_phase, 0.0) == 1.0
    assert interest(two_phase, -1.0) == 1.0
    assert interest(two_phase, 0.05) == pytest.approx(0.001 + 0.999 * (0.99 / 2 + 0.01 * 0.5 ** (0.05 / 4.5)))
    assert interest(two_phase, 1e6) == pytest.approx(0.001)
    single = Decay(hot_weight=1.0, hot_half_life_hours=24.0, floor=0.0)
    assert interest(single, 48.0) == pytest.approx(0.25)


# ---------------------------------------------------------------- extreme values
def test_unlimited_reps_respond_after_exactly_the_admin_delay() -> None:
    scenario = base_like(
        calendar=ALL_WEEK,
        sales={"reps": 400},
        handoff={"mode": "realtime", "admin_delay_hours": {"distribution": "fixed", "mean": 1.5}},
    )
    leads = simulate(scenario, seed=11).leads
    contacted = leads[leads["first_contact_at"].notna()]
    assert len(contacted) > 200
    np.testing.assert_allclose(
        contacted["first_contact_at"] - contacted["sales_ready_at"], 1.5, rtol=0, atol=1e-9
    )
    np.testing.assert_array_equal(contacted["first_contact_at"], contacted["handoff_at"])


def test_win_probability_zero_means_no_wins() -> None:
    leads = simulate(base_like(conversion={"win_probability": 0.0}), seed=3).leads
    assert leads["qualified"].sum() > 20  # the sales cycle was reached, and still no win
    assert (leads["outcome"] != "won").all()
    assert leads["deal_value"].isna().all()


def test_ignore_share_one_means_no_marketing_lead_is_contacted() -> None:
    leads = simulate(base_like(handoff={"ignore_share": 1.0}), seed=5).leads
    marketing = leads[leads["marketing_sourced"]]
    handed = marketing[marketing["handoff_at"].notna()]
    assert len(handed) > 100
    assert (handed["outcome"] == "ignored").all()
    assert marketing["first_contact_at"].isna().all()
    own = leads[~leads["marketing_sourced"] & leads["handoff_at"].notna()]
    assert len(own) > 10
    assert own["first_contact_at"].notna().mean() > 0.9  # sales' own leads are still worked
    assert (own["outcome"] != "ignored").all()


def test_ignore_share_zero_means_nobody_is_ignored() -> None:
    leads = simulate(base_like(handoff={"ignore_share": 0.0}), seed=5).leads
    assert (leads["outcome"] != "ignored").all()


def test_overloaded_office_is_busy_all_business_hours_and_not_more() -> None:
    # One rep, 5 h attempts, far more leads than 9 h a day can take: 08:00-13:00, 13:00-18:00
    # runs an hour past closing every day. Utilisation counts business hours: exactly 1.
    scenario = Scenario.model_validate(merged(ONE_LEAD, {
        "horizon": {"warmup_days": 7, "measurement_days": 28, "drain_cap_days": 5},
        "channels": [{**ONE_LEAD_CHANNEL, "leads_per_week": 50}],
        "sales": {"attempt_hours": {"distribution": "fixed", "mean": 5.0}, "max_attempts": 1},
        "conversion": {"reach_probability": 0.0},
    }))
    model = RecordingModel(scenario, seed=1)
    run = model.run().run
    assert run["available_rep_hours"] == 4 * 45.0
    assert run["busy_rep_hours"] == pytest.approx(run["available_rep_hours"])
    window = [start for start, _, _ in model.work_log if 7 * 24 <= start < 35 * 24]
    assert sorted(start % 24 for start in window) == sorted([8.0, 13.0] * 20)


# -------------------------------------------------------------- reproducibility
def test_same_seed_gives_identical_tables() -> None:
    scenario = base_like()
    first, second = simulate(scenario, seed=9, replication=2), simulate(scenario, seed=9, replication=2)
    pd.testing.assert_frame_equal(first.leads, second.leads)
    pd.testing.assert_frame_equal(first.weekly, second.weekly)
    assert first.run == second.run
    assert tuple(first.leads.columns) == LEAD_COLUMNS


@pytest.mark.parametrize(("seed", "replication"), [(10, 2), (9, 3)])
def test_other_seed_or_replication_differs(seed: int, replication: int) -> None:
    scenario = base_like()
    reference = simulate(scenario, seed=9, replication=2).leads
    other = simulate(scenario, seed=seed, replication=replication).leads
    assert (len(reference) != len(other)) or not reference["created_at"].equals(other["created_at"])
    assert (other["replication"] == replication).all()


def test_common_random_numbers_across_team_sizes() -> None:
    """A sales-side lever changes what happens to leads, never which leads arrive."""
    few = simulate(base_like(sales={"reps": 2}), seed=4).leads
    many = simulate(base_like(sales={"reps": 8}), seed=4).leads
    intrinsic = ["lead_id", "created_at", "channel", "fit", "stage_at_creation"]
    pd.testing.assert_frame_equal(few[intrinsic], many[intrinsic])
    # the lever did act: two reps answer later than eight
    assert (few["first_contact_at"] - few["sales_ready_at"]).mean() > (
        many["first_contact_at"] - many["sales_ready_at"]
    ).mean()


# ------------------------------------------------------------------- invariants
def _distribution(draw: st.DrawFn, low: float, high: float) -> dict[str, Any]:
    kind = draw(st.sampled_from(["fixed", "exponential", "lognormal"]))
    mean = draw(st.floats(min_value=low, max_value=high))
    return {"distribution": kind, "mean": mean, **({"cv": 0.7} if kind == "lognormal" else {})}


@st.composite
def small_scenarios(draw: st.DrawFn) -> Scenario:
    """Small random companies: every mechanism and option may be switched on."""
    calendar = draw(st.sampled_from([
        ALL_WEEK,
        {"work_days": ["mon", "tue", "wed", "thu", "fri"], "start_hour": 8.0, "end_hour": 17.0},
        {"work_days": ["tue", "sat"], "start_hour": 9.5, "end_hour": 12.0},
        {"work_days": ["mon", "wed", "thu"], "start_hour": 0.0, "end_hour": 24.0},
    ]))
    channels = []
    for index in range(draw(st.integers(min_value=1, max_value=2))):
        ql, mql = draw(st.floats(0, 1)), draw(st.floats(0, 1))
        total = ql + mql + 1.0
        channels.append({
            "name": f"channel_{index}",
            "leads_per_week": draw(st.floats(min_value=2.0, max_value=50.0)),
            "marketing_sourced": draw(st.booleans()),
            "stage_mix": {"ql": ql / total, "mql": mql / total, "sql": 1.0 - (ql + mql) / total},
            "decay": {"hot_weight": draw(st.floats(0, 1)),
                      "hot_half_life_hours": draw(st.floats(0.01, 10)),
                      "slow_half_life_hours": draw(st.floats(1, 500)),
                      "floor": draw(st.floats(0, 0.5)), "cold_below": draw(st.floats(0, 1))},
            "buying_window_days": _distribution(draw, 1.0, 200.0),
            "hour_profile": draw(st.none() | st.just([0.0] * 8 + [1.0] * 10 + [0.0] * 6)),
        })
    sales = {
        "reps": draw(st.integers(min_value=1, max_value=4)),
        "own_workload_hours_per_week": draw(st.sampled_from([0.0, 10.0, 50.0])),
        "own_workload_task_hours": {"distribution": "fixed", "mean": draw(st.floats(0.2, 4.0))},
        "marketing_leads_below_own_pipeline": draw(st.booleans()),
        "queue": draw(st.sampled_from(["fifo", "lifo", "score", "sla"])),
        "max_attempts": draw(st.integers(min_value=1, max_value=4)),
        "retry_after_hours": draw(st.floats(0.0, 48.0)),
        "attempt_hours": _distribution(draw, 0.0, 3.0),
        "conversation_hours": _distribution(draw, 0.0, 3.0),
        "unqualified": draw(st.sampled_from(["recycle", "drop"])),
    }
    scenario = {
        "horizon": {"warmup_days": draw(st.sampled_from([0.0, 7.0])),
                    "measurement_days": draw(st.sampled_from([14.0, 28.0])),
                    "drain_cap_days": draw(st.sampled_from([10.0, 60.0]))},
        "calendar": calendar,
        "channels": channels,
        "nurturing": {"mean_days_ql_to_mql": draw(st.floats(1, 60)),
                      "mean_days_mql_to_sql": draw(st.floats(1, 60)),
                      "dropout_per_month": draw(st.floats(0, 1)),
                      "engagements_per_week": draw(st.sampled_from([0.0, 2.0])),
                      "rescore_every_days": draw(st.floats(1, 30))},
        "qualification": {"threshold": draw(st.floats(-0.2, 1.2)),
                          "scoring_noise": draw(st.floats(0, 0.5)),
                          "handoff_capacity_per_month": draw(st.none() | st.integers(1, 40))},
        "handoff": {"mode": draw(st.sampled_from(["batch", "realtime"])),
                    "batch_every_hours": draw(st.floats(1.0, 200.0)),
                    "admin_delay_hours": _distribution(draw, 0.0, 30.0),
                    "routing": draw(st.sampled_from(["pooled", "round_robin", "least_loaded"])),
                    "ignore_share": draw(st.sampled_from([0.0, 0.3, 1.0])),
                    "automation_triggers": draw(st.booleans())},
        "sales": sales,
        "conversion": {"reach_probability": draw(st.floats(0, 1)),
                       "sales_cycle_days": _distribution(draw, 0.5, 40.0),
                       "win_probability": draw(st.floats(0, 1)),
                       "win_interest_weight": draw(st.floats(0, 1))},
    }
    return Scenario.model_validate(scenario)


ROUNDING_HOURS = 1e-9


def _open_or_closing(calendar: BusinessCalendar, time_hours: float) -> bool:
    """Open at this instant, or at its closing instant (work may start as the office closes)."""
    return calendar.is_open(time_hours) or calendar.is_open(time_hours - 1e-9)


@settings(
    max_examples=40,
    deadline=timedelta(seconds=20),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=small_scenarios(), seed=st.integers(min_value=0, max_value=2**32))
def test_invariants(scenario: Scenario, seed: int) -> None:
    model = RecordingModel(scenario, seed=seed)
    result = model.run()
    leads, run = result.leads, result.run
    calendar = BusinessCalendar(scenario.calendar)

    # one row per lead, exactly one outcome from the allowed set; "open" only at the cap
    assert leads["lead_id"].is_unique
    assert set(leads["outcome"]) <= set(OUTCOMES)
    if run["cohort_finished"]:
        assert (leads["outcome"] != "open").all()
    window_start = scenario.horizon.warmup_days * 24
    window_end = window_start + scenario.horizon.measurement_days * 24
    assert leads["created_at"].between(window_start, window_end, inclusive="left").all()

    # the times of a lead's journey are in order, where present (SimPy reaches created_at as
    # now + (created_at - now), which may round one ulp below it: allow 1e-9 h)
    chain = ["created_at", "sales_ready_at", "handoff_at", "first_contact_at", "closed_at"]
    for earlier, later in itertools.pairwise(chain):
        both = leads[earlier].notna() & leads[later].notna()
        in_order = leads.loc[both, earlier] <= leads.loc[both, later] + ROUNDING_HOURS
        assert in_order.all(), (earlier, later)
    closed = leads["closed_at"].notna()
    assert (leads.loc[closed, "closed_at"] + ROUNDING_HOURS >= leads.loc[closed, "created_at"]).all()
    assert leads["handoff_at"].notna().le(leads["sales_ready_at"].notna()).all()
    assert leads["first_contact_at"].notna().le(leads["handoff_at"].notna()).all()

    # reps work only in business hours (an attempt may start at the closing instant)
    for start, _, _ in model.work_log:
        assert _open_or_closing(calendar, start), start
    for first in leads["first_contact_at"].dropna():
        assert _open_or_closing(calendar, first), first

    # utilisation is a share of available time
    assert 0.0 <= run["busy_rep_hours"] <= run["available_rep_hours"] + 1e-9

    # funnel: won => qualified => reached => attempted; a deal value only for won leads
    won = leads["outcome"] == "won"
    ever_qualified = leads["qualified"] | leads["qualified_later"]
    assert (~won | ever_qualified).all()
    assert not (leads["qualified"] & leads["qualified_later"]).any()
    assert (~ever_qualified | leads["reached"]).all()
    assert (~leads["reached"] | (leads["contact_attempts"] >= 1)).all()
    assert won.sum() <= ever_qualified.sum() <= leads["reached"].sum()
    # the first conversation (F4's engagement): set iff reached, an attempt in business hours,
    # not before the first attempt, and no later than the first-series qualification
    conversed = leads["first_conversation_at"].notna()
    assert conversed.eq(leads["reached"].astype(bool)).all()
    assert (leads.loc[conversed, "first_conversation_at"] >= leads.loc[conversed, "first_contact_at"]).all()
    for moment in leads.loc[conversed, "first_conversation_at"]:
        assert _open_or_closing(calendar, moment), moment
    first_series = leads["qualified"].astype(bool)
    assert (leads.loc[first_series, "first_conversation_at"] <= leads.loc[first_series, "qualified_at"]).all()
    # wasted hours are the sum of their two causes, and never more than the hours spent
    np.testing.assert_allclose(
        leads["wasted_sales_hours"], leads["unanswered_dial_hours"] + leads["unqualified_conversation_hours"]
    )
    assert (leads["wasted_sales_hours"] <= leads["sales_hours"] + 1e-9).all()
    assert leads["deal_value"].notna().eq(won).all()
    assert (leads.loc[won, "deal_value"] > 0).all()
    contacted = leads["first_contact_at"].notna()
    assert contacted.eq(leads["contact_attempts"] >= 1).all()
    assert leads["cold_at_first_contact"].notna().eq(contacted).all()
    assert leads.loc[contacted, "interest_at_first_contact"].between(0.0, 1.0).all()
    ignored = leads["outcome"] == "ignored"
    assert leads.loc[ignored, "marketing_sourced"].all()
    if scenario.handoff.ignore_share == 0:
        assert not ignored.any()
    assert (leads.loc[leads["outcome"] == "lost_unqualified", "reached"]).all()


@pytest.mark.parametrize("drain_cap_days", [2, 400])
def test_cohort_finished_means_no_lead_left_open_even_while_customers_are_followed(drain_cap_days: int) -> None:
    """Customers are followed up to the drain cap (upsells, referrals), so the run always reaches
    the cap with after-sale care; "finished" must still say whether any lead is left open."""
    from sim.bundled import scenarios_dir
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(
        scenarios_dir() / "customer_happiness_team.yaml",
        ["horizon.warmup_days=7", "horizon.measurement_days=14", f"horizon.drain_cap_days={drain_cap_days}"],
    )
    assert scenario.after_sale.upsell_opportunities_per_year > 0
    result = simulate(scenario, seed=2)
    left_open = bool((result.leads["outcome"] == "open").any())
    assert result.run["cohort_finished"] is (not left_open)
    assert left_open is (drain_cap_days == 2)
