"""The hand-off reduced to textbook queues: M/M/c (Erlang C), Little's law, batch lists.

With realtime hand-off, every lead arriving as an SQL whose score always passes, a 24/7
calendar, one attempt of exponential duration (never reached, so one attempt is the whole
service), no ignoring, no admin delay and an endless buying window, sales is an M/M/c queue:
Poisson arrivals at rate lambda per hour, c reps, service rate mu per hour, FIFO. The
simulated mean wait from hand-off to first contact must then match Erlang C,

    a = lambda / mu,  rho = a / c,
    C(c, a) = [a^c / c! / (1 - rho)] / [sum_{k<c} a^k / k! + a^c / c! / (1 - rho)],
    E[Wq] = C(c, a) / (c mu - lambda),

inside the 95 % t-interval over independent replications.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.model.calendar import HOURS_PER_DAY, HOURS_PER_WEEK
from sim.model.lifecycle import simulate
from sim.scenario.schema import WEEKDAYS, Scenario

SEED = 20240611
CONFIDENCE = 0.95


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in M/M/c (Erlang's C formula)."""
    utilisation = offered_load / servers
    assert utilisation < 1, "Erlang C needs a stable queue"
    tail = offered_load**servers / math.factorial(servers) / (1 - utilisation)
    head = sum(offered_load**k / math.factorial(k) for k in range(servers))
    return tail / (head + tail)


def test_erlang_c_textbook_values() -> None:
    # M/M/1: P(wait) = rho; M/M/2 with a = 1: C = 1/3 (a^2/2/(1-1/2) = 1 over 1 + 1 + 1)
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)


@dataclass(frozen=True)
class MMc:
    """One M/M/c setting and how long to simulate it."""

    arrivals_per_hour: float
    service_per_hour: float
    reps: int
    measurement_days: float
    replications: int

    @property
    def utilisation(self) -> float:
        return self.arrivals_per_hour / (self.reps * self.service_per_hour)

    @property
    def mean_wait_hours(self) -> float:
        offered = self.arrivals_per_hour / self.service_per_hour
        waiting = erlang_c(self.reps, offered)
        return waiting / (self.reps * self.service_per_hour - self.arrivals_per_hour)


SETTINGS = {
    "heavy_c2_rho085": MMc(1.7, 1.0, 2, measurement_days=120, replications=20),
    "moderate_c3_rho050": MMc(6.0, 4.0, 3, measurement_days=40, replications=20),
    "single_rep_rho070": MMc(1.4, 2.0, 1, measurement_days=120, replications=20),
}
WARMUP_DAYS = 5.0


def mmc_scenario(setting: MMc) -> Scenario:
    return Scenario.model_validate({
        "name": "mmc",
        "horizon": {"warmup_days": WARMUP_DAYS, "measurement_days": setting.measurement_days,
                    "drain_cap_days": 3},
        "calendar": {"work_days": list(WEEKDAYS), "start_hour": 0, "end_hour": 24},
        "channels": [{
            "name": "web_inquiry",
            "leads_per_week": setting.arrivals_per_hour * HOURS_PER_WEEK,
            "stage_mix": {"ql": 0, "mql": 0, "sql": 1},
            "buying_window_days": {"distribution": "fixed", "mean": 1e6},
        }],
        "qualification": {"threshold": -1.0, "scoring_noise": 0.0},
        "handoff": {"mode": "realtime", "routing": "pooled", "ignore_share": 0.0,
                    "admin_delay_hours": {"distribution": "fixed", "mean": 0.0}},
        "sales": {"reps": setting.reps, "max_attempts": 1, "own_workload_hours_per_week": 0.0,
                  "attempt_hours": {"distribution": "exponential",
                                    "mean": 1.0 / setting.service_per_hour},
                  "conversation_hours": {"distribution": "fixed", "mean": 0.0}},
        "conversion": {"reach_probability": 0.0},
    })


def t_interval(values: list[float] | np.ndarray) -> tuple[float, float]:
    """Two-sided ``CONFIDENCE`` t-interval of the mean of independent replications."""
    sample = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, len(sample) - 1) * sample.std(ddof=1)
    half /= math.sqrt(len(sample))
    return float(sample.mean() - half), float(sample.mean() + half)


def time_average_waiting(leads: pd.DataFrame, start: float, end: float) -> float:
    """Mean number of leads waiting over [start, end], from each lead's wait interval."""
    begin = leads["handoff_at"].clip(lower=start, upper=end)
    finish = leads["first_contact_at"].clip(lower=start, upper=end)
    return float((finish - begin).sum() / (end - start))


@cache
def replications(name: str) -> pd.DataFrame:
    """Per replication: mean wait, utilisation, time-average queue and sampled queue."""
    setting = SETTINGS[name]
    scenario = mmc_scenario(setting)
    window_start = WARMUP_DAYS * HOURS_PER_DAY
    window_end = window_start + setting.measurement_days * HOURS_PER_DAY
    margin = 2 * HOURS_PER_DAY  # leads from before the window have long left the queue
    rows: list[dict[str, Any]] = []
    for replication in range(setting.replications):
        result = simulate(scenario, seed=SEED, replication=replication)
        leads, run, weekly = result.leads, result.run, result.weekly
        assert run["cohort_finished"]
        assert (leads["contact_attempts"] == 1).all()
        waits = leads["first_contact_at"] - leads["handoff_at"]
        inner_weeks = weekly[
            (weekly["week_start_hours"] >= window_start)
            & (weekly["week_start_hours"] + HOURS_PER_WEEK <= window_end)
        ]
        rows.append({
            "mean_wait": float(waits.mean()),
            "waited_share": float((waits > 0).mean()),
            "utilisation": run["busy_rep_hours"] / run["available_rep_hours"],
            "queue_time_average": time_average_waiting(
                leads, window_start + margin, window_end - margin
            ),
            "queue_sampled": float(inner_weeks["mean_queue_length"].mean()),
            "arrivals_per_hour": len(leads) / (window_end - window_start),
        })
    return pd.DataFrame(rows)


@pytest.mark.parametrize("name", SETTINGS)
def test_mean_wait_matches_erlang_c(name: str) -> None:
    setting = SETTINGS[name]
    low, high = t_interval(replications(name)["mean_wait"])
    assert low <= setting.mean_wait_hours <= high, (setting.mean_wait_hours, low, high)


@pytest.mark.parametrize("name", SETTINGS)
def test_share_of_leads_that_wait_matches_erlang_c(name: str) -> None:
    setting = SETTINGS[name]
    expected = erlang_c(setting.reps, setting.arrivals_per_hour / setting.service_per_hour)
    low, high = t_interval(replications(name)["waited_share"])
    assert low <= expected <= high, (expected, low, high)


@pytest.mark.parametrize("name", SETTINGS)
def test_utilisation_matches_offered_load(name: str) -> None:
    setting = SETTINGS[name]
    low, high = t_interval(replications(name)["utilisation"])
    assert low <= setting.utilisation <= high, (setting.utilisation, low, high)


def test_settings_include_heavy_traffic() -> None:
    assert max(setting.utilisation for setting in SETTINGS.values()) >= 0.85


@pytest.mark.parametrize("name", SETTINGS)
def test_littles_law_for_the_queue(name: str) -> None:
    """Time-average number waiting = arrival rate x mean wait (paired per replication)."""
    setting = SETTINGS[name]
    table = replications(name)
    difference = table["queue_time_average"] - setting.arrivals_per_hour * table["mean_wait"]
    low, high = t_interval(difference)
    assert low <= 0.0 <= high, (low, high)
    # and against the formula: Lq = lambda * E[Wq]
    expected = setting.arrivals_per_hour * setting.mean_wait_hours
    low, high = t_interval(table["queue_time_average"])
    assert low <= expected <= high, (expected, low, high)


@pytest.mark.parametrize("name", SETTINGS)
def test_twice_daily_queue_sample_estimates_the_queue(name: str) -> None:
    """The weekly series' sampled queue length is an unbiased estimate of Lq (24/7 system)."""
    setting = SETTINGS[name]
    expected = setting.arrivals_per_hour * setting.mean_wait_hours
    low, high = t_interval(replications(name)["queue_sampled"])
    assert low <= expected <= high, (expected, low, high)


@pytest.mark.parametrize("name", SETTINGS)
def test_arrival_rate(name: str) -> None:
    setting = SETTINGS[name]
    low, high = t_interval(replications(name)["arrivals_per_hour"])
    assert low <= setting.arrivals_per_hour <= high


# ------------------------------------------------------------------ batch lists
@pytest.mark.parametrize("every_hours", [24.0, 168.0])
def test_batch_handoff_waits_half_the_interval_on_average(every_hours: float) -> None:
    """Poisson arrivals meet a list every T hours after T/2 on average (uniform on [0, T))."""
    scenario = mmc_scenario(MMc(0.5, 4.0, 40, measurement_days=56, replications=1))
    scenario = scenario.model_copy(update={
        "handoff": scenario.handoff.model_copy(update={"mode": "batch",
                                                       "batch_every_hours": every_hours}),
    })
    means = []
    for replication in range(20):
        leads = simulate(scenario, seed=SEED, replication=replication).leads
        delay = leads["handoff_at"] - leads["sales_ready_at"]
        assert delay.between(0.0, every_hours).all()
        lists = leads["handoff_at"] / every_hours
        np.testing.assert_allclose(lists, lists.round(), atol=1e-9)  # only at list times
        means.append(float(delay.mean()))
    low, high = t_interval(means)
    assert low <= every_hours / 2 <= high, (every_hours / 2, low, high)
    # the interval is narrow enough to tell T/2 from T/3 or 2T/3
    assert high - low < every_hours / 6
