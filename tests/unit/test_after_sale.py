"""The customer after the sale: satisfaction, churn, upsells fed back to sales, word of mouth."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sim.metrics import replication_kpis
from sim.model.lifecycle import simulate
from sim.scenario.schema import Scenario


def _scenario(**after_sale: object) -> Scenario:
    """A small 24/7 team that wins most leads quickly, so there are customers to follow."""
    return Scenario.model_validate(
        {
            "horizon": {"warmup_days": 0, "measurement_days": 60, "drain_cap_days": 400},
            "calendar": {"work_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                         "start_hour": 0, "end_hour": 24},
            "channels": [
                {"name": "web_inquiry", "leads_per_week": 20,
                 "stage_mix": {"ql": 0, "mql": 0, "sql": 1},
                 "buying_window_days": {"distribution": "fixed", "mean": 900}},
                {"name": "referral", "leads_per_week": 0, "marketing_sourced": False,
                 "stage_mix": {"ql": 0, "mql": 0, "sql": 1},
                 "buying_window_days": {"distribution": "fixed", "mean": 900}},
            ],
            "qualification": {"threshold": -1, "scoring_noise": 0},
            "sales": {"reps": 3, "max_attempts": 1},
            "conversion": {"reach_probability": 1, "qualify_probability": {"ql": 1, "mql": 1, "sql": 1},
                           "qualify_fit_weight": 0, "win_probability": 1, "win_fit_weight": 0,
                           "sales_cycle_days": {"distribution": "fixed", "mean": 1}},
            "after_sale": {"follow_up_days": 365, **after_sale},
        }
    )


def test_unhappy_customers_buy_nothing_more_and_recommend_no_one() -> None:
    result = simulate(_scenario(satisfaction_probability=0, upsell_opportunities_per_year=5,
                                referrals_per_year=5, referral_channel="referral"), seed=3)
    customers = result.leads[result.leads["outcome"] == "won"]
    assert len(customers) > 50
    assert not customers["satisfied"].any()
    assert customers["upsells_won"].sum() == 0
    assert customers["referrals"].sum() == 0
    assert result.leads["referred_by"].isna().all()


@pytest.mark.slow  # a long run: about 100 s on a busy two-core machine
def test_satisfied_customers_bring_upsells_and_referral_leads() -> None:
    scenario = _scenario(satisfaction_probability=1, satisfaction_fit_weight=0,
                         upsell_opportunities_per_year=4, upsell_win_probability=1,
                         upsell_value_share=0.5, referrals_per_year=4, referral_channel="referral")
    leads = simulate(scenario, seed=3).leads
    customers = leads[leads["outcome"] == "won"]
    assert customers["satisfied"].all()
    assert customers["upsells_won"].sum() > 0
    # Every won upsell is worth half of its customer's first deal, exactly.
    expected = (customers["upsells_won"] * customers["deal_value"] * 0.5).sum()
    assert customers["upsell_revenue"].sum() == pytest.approx(expected)
    referred = leads[leads["referred_by"].notna()]
    assert len(referred) > 0
    assert (referred["channel"] == "referral").all()
    assert set(referred["referred_by"]) <= set(customers["lead_id"])
    assert (referred["created_at"] < 60 * 24).all()  # only cohort-window leads are in the table
    kpis = replication_kpis(leads, simulate(scenario, seed=3).run, scenario)
    assert kpis["referral_leads"] == len(referred)
    assert kpis["upsell_revenue"] == pytest.approx(customers["upsell_revenue"].sum())


def test_churn_follows_the_satisfaction_rate() -> None:
    never = simulate(_scenario(satisfaction_probability=1, satisfaction_fit_weight=0, churn_per_year_satisfied=0), seed=5).leads
    assert never.loc[never["outcome"] == "won", "churned_at"].isna().all()
    often = simulate(_scenario(satisfaction_probability=1, satisfaction_fit_weight=0, churn_per_year_satisfied=50), seed=5).leads
    customers = often[often["outcome"] == "won"]
    # With 50 churns a year a customer stays ~7 days: nearly all churn within the follow-up year.
    assert customers["churned_at"].notna().mean() > 0.95
    assert (customers["churned_at"] > customers["closed_at"]).all()


def test_referrals_need_an_existing_channel() -> None:
    with pytest.raises(ValidationError, match="referral_channel"):
        _scenario(referrals_per_year=1)
    with pytest.raises(ValidationError, match="is not a channel"):
        _scenario(referrals_per_year=1, referral_channel="word_of_mouth")
