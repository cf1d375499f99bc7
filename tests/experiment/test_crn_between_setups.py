"""Common random numbers hold between the two org setups, lead by lead.

The silo and the customer happiness team differ in ten levers; none of them may change which
leads arrive or what they intrinsically are. Information exchange changes the *distribution*
of fit on purpose, so the same lead must take the same quantile of each setup's distribution
(fit by inversion of one uniform from its own stream).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.model.lifecycle import simulate
from sim.scenario.loader import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
# A quarter-year cohort is enough to count thousands of planned leads; CRN is per lead.
SHORT = ("horizon.warmup_days=30", "horizon.measurement_days=91", "horizon.drain_cap_days=120")
SHARED = ["stage_at_creation", "buying_window_days", "sales_cycle_days", "deal_value_if_won", "fit_uniform"]


@pytest.fixture(scope="module")
def pair() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, object]]:
    silo = load_scenario(SCENARIOS / "separate_departments.yaml", overrides=SHORT)
    team = load_scenario(SCENARIOS / "customer_happiness_team.yaml", overrides=SHORT)
    planned = [simulate(scenario, seed=11).leads for scenario in (silo, team)]
    planned = [leads[leads["referred_by"].isna()].set_index("lead_id") for leads in planned]
    return planned[0], planned[1], {"silo": silo, "team": team}


def test_planned_leads_share_their_intrinsic_traits_between_silo_and_team(pair) -> None:  # type: ignore[no-untyped-def]
    silo, team, _ = pair
    assert len(silo) > 1000
    common = silo.index.intersection(team.index)
    assert len(common) >= 0.999 * max(len(silo), len(team))
    np.testing.assert_array_equal(silo.loc[common, "created_at"], team.loc[common, "created_at"])
    np.testing.assert_array_equal(silo.loc[common, "channel"], team.loc[common, "channel"])
    same = pd.Series(True, index=common)
    for column in SHARED:
        same &= silo.loc[common, column].eq(team.loc[common, column])
    assert same.mean() >= 0.999, {column: float(silo.loc[common, column].eq(team.loc[common, column]).mean()) for column in SHARED}


def test_fit_is_the_same_quantile_of_each_setups_distribution(pair) -> None:  # type: ignore[no-untyped-def]
    silo, team, scenarios = pair
    common = silo.index.intersection(team.index)
    for name, leads in (("silo", silo), ("team", team)):
        scenario = scenarios[name]
        for channel in scenario.channels:  # type: ignore[attr-defined]
            rows = leads.loc[common][leads.loc[common, "channel"] == channel.name]
            expected = stats.beta.ppf(rows["fit_uniform"], channel.fit.alpha, channel.fit.beta)
            np.testing.assert_allclose(rows["fit"], expected, rtol=1e-12)
    # information exchange moves web inquiries' fit up on purpose: same uniforms, higher fit
    web = common[silo.loc[common, "channel"] == "web_inquiry"]
    assert (team.loc[web, "fit"] >= silo.loc[web, "fit"]).all()
    assert (team.loc[web, "fit"] > silo.loc[web, "fit"]).mean() > 0.99
