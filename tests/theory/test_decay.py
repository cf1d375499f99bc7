"""Speed to lead: the measured qualification rate by response time follows the decay curve.

Every lead arrives sales-ready (SQL, a score that always passes) and is reached at its first
attempt (reach probability 1, which never decays), so the only thing between response
time and qualification is the configured curve:

    P(qualified | lead) = qualify_probability[sql] * (1 - w_fit + w_fit * fit) * q(response),
    q(t) = floor + (1 - floor) * (w * 2^(-t / h1) + (1 - w) * 2^(-t / h2)),

since each lead is either inside its own hot window (intent 1) or at the floor, and the chance
of still being inside it t hours after the inquiry is the curve's decaying part.

Office hours and a small team spread response times from minutes to days. The curve below is
the "mild" fit D2 (docs/sources.md) to F4 (0.05 + 0.40 e^(-t / 2.57 h) as an absolute probability), i.e.
qualify_probability 0.45 at full interest, floor 0.05/0.45, half-life 2.57 h * ln 2.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.metrics import qualification_by_response
from sim.model.lifecycle import interest, simulate
from sim.scenario.schema import Scenario

SEED = 31
QUALIFY_AT_FULL_INTEREST = 0.45
FIT_WEIGHT = 0.5
BUCKETS = (0.0, 0.5, 2.0, 8.0, 24.0, math.inf)
FAMILY_ALPHA = 0.01  # chance that any bucket fails although the model is right

SCENARIO = Scenario.model_validate({
    "name": "speed_to_lead",
    "horizon": {"warmup_days": 7, "measurement_days": 300, "drain_cap_days": 30},
    "channels": [{
        "name": "web_inquiry",
        "leads_per_week": 120,
        "stage_mix": {"ql": 0, "mql": 0, "sql": 1},
        "fit": {"alpha": 2, "beta": 2},
        "decay": {"hot_weight": 1.0, "hot_half_life_hours": 2.57 * math.log(2),
                  "floor": 0.05 / QUALIFY_AT_FULL_INTEREST, "cold_below": 0.2},
        "buying_window_days": {"distribution": "fixed", "mean": 1e6},
    }],
    "qualification": {"threshold": -1.0, "scoring_noise": 0.0},
    "handoff": {"mode": "realtime"},
    "sales": {"reps": 2, "max_attempts": 1, "unqualified": "drop",
              "attempt_hours": {"distribution": "exponential", "mean": 0.3},
              "conversation_hours": {"distribution": "fixed", "mean": 0.2}},
    "conversion": {
        "reach_probability": 1.0,
        "qualify_probability": {"ql": 0.0, "mql": 0.0, "sql": QUALIFY_AT_FULL_INTEREST},
        "qualify_fit_weight": FIT_WEIGHT,
        "sales_cycle_days": {"distribution": "fixed", "mean": 1.0},
    },
})
DECAY = SCENARIO.channels[0].decay


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    table = simulate(SCENARIO, seed=SEED).leads
    contacted = table[table["first_contact_at"].notna()].copy()
    assert len(contacted) == len(table)  # everybody is called, and reached at once
    assert contacted["reached"].all()
    contacted["response_hours"] = contacted["first_contact_at"] - contacted["sales_ready_at"]
    contacted["expected"] = (
        QUALIFY_AT_FULL_INTEREST
        * (1 - FIT_WEIGHT + FIT_WEIGHT * contacted["fit"])
        * [interest(DECAY, hours) for hours in contacted["response_hours"]]
    )
    return contacted


def test_interest_at_first_contact_is_the_curve_at_the_response_time(leads: pd.DataFrame) -> None:
    curve = [interest(DECAY, hours) for hours in leads["response_hours"]]
    np.testing.assert_allclose(leads["interest_at_first_contact"], curve, rtol=1e-12)
    np.testing.assert_array_equal(
        leads["cold_at_first_contact"].astype(bool), leads["interest_at_first_contact"] < 0.2
    )


def test_curve_matches_figures_md_mild_fit() -> None:
    for hours in (0.0, 1.0, 2.57, 10.0, 48.0):
        absolute = QUALIFY_AT_FULL_INTEREST * interest(DECAY, hours)
        assert absolute == pytest.approx(0.05 + 0.40 * math.exp(-hours / 2.57), rel=1e-9)


def test_qualification_rate_by_response_bucket_follows_the_curve(leads: pd.DataFrame) -> None:
    """Per bucket, observed qualified count vs the sum of each lead's own probability.

    Under the model, the count in a bucket is a sum of independent Bernoulli(p_i), with mean
    sum p_i and variance sum p_i (1 - p_i); the z-score must stay inside the Bonferroni bound.
    """
    observed = qualification_by_response(leads, bucket_edges_hours=BUCKETS)
    leads = leads.assign(bucket=pd.cut(leads["response_hours"], list(BUCKETS), right=False))
    expected = leads.groupby("bucket", observed=False)["expected"].agg(
        mean="sum", variance=lambda p: float((p * (1 - p)).sum())
    )
    bound = stats.norm.ppf(1 - FAMILY_ALPHA / (2 * len(expected)))
    assert observed["leads"].min() >= 150, observed  # every bucket is well populated
    rates = observed["qualified_share"].to_numpy()
    for index, (count, (mean, variance)) in enumerate(
        zip(observed["qualified"], expected.itertuples(index=False), strict=True)
    ):
        z_score = (count - mean) / math.sqrt(variance)
        assert abs(z_score) < bound, (observed.iloc[index].to_dict(), mean, z_score)
    # and the curve is visible: the first bucket qualifies several times as often as the last
    assert rates[0] > 4 * rates[-1]


def test_interest_at_handoff_instead_of_contact_would_be_detected(leads: pd.DataFrame) -> None:
    """Guard for the test's power: ignoring decay would miss the late buckets by far."""
    late = leads[leads["response_hours"] >= 24]
    no_decay = QUALIFY_AT_FULL_INTEREST * (1 - FIT_WEIGHT + FIT_WEIGHT * late["fit"])
    spread = math.sqrt(float((no_decay * (1 - no_decay)).sum()))
    assert (no_decay.sum() - late["qualified"].sum()) / spread > 10
