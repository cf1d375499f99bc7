"""Capacity that binds: the company's own workload and the selling work of qualified leads.

Small offices with fixed seeds. The own workload is the company's hours, not a share of each
rep; selling tasks hold the lead's owner across the sales cycle, so a tiny team stretches
cycles and loses deals to closing buying windows, while an unlimited team (1,000 reps, always
open) gives exactly the results of a model without selling work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scenario_dicts import merged

from sim.errors import ScenarioError
from sim.model.lifecycle import LeadLifecycleModel, simulate
from sim.model.records import Lead
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

ALWAYS_OPEN = {"work_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start_hour": 0.0, "end_hour": 24.0}
SELLING = {"tasks": [
    {"name": "discovery", "hours": {"distribution": "lognormal", "mean": 3.0, "cv": 0.5}, "at_cycle_share": 0.05},
    {"name": "demo", "hours": {"distribution": "lognormal", "mean": 8.0, "cv": 0.5}, "at_cycle_share": 0.3},
    {"name": "proposal", "hours": {"distribution": "lognormal", "mean": 8.0, "cv": 0.5}, "at_cycle_share": 0.6},
]}
# SQL leads that are reached and mostly qualify; fixed 30-day cycles inside 45-90 day windows.
OFFICE: dict[str, Any] = {
    "horizon": {"warmup_days": 14, "measurement_days": 120, "drain_cap_days": 200},
    "channels": [{"name": "web_inquiry", "leads_per_week": 12, "stage_mix": {"ql": 0, "mql": 0, "sql": 1},
                  "buying_window_days": {"distribution": "lognormal", "mean": 60.0, "cv": 0.3},
                  "decay": {"floor": 1.0}}],
    "qualification": {"threshold": -1.0, "scoring_noise": 0.0},
    "sales": {"reps": 1, "attempt_hours": {"distribution": "fixed", "mean": 0.2},
              "conversation_hours": {"distribution": "fixed", "mean": 0.5}},
    "conversion": {"reach_probability": 0.8, "qualify_probability": {"ql": 0.9, "mql": 0.9, "sql": 0.9},
                   "sales_cycle_days": {"distribution": "fixed", "mean": 30.0}, "win_probability": 0.5},
}




def office(**sections: Any) -> Scenario:
    """The small office above with ``sections`` merged in."""
    return Scenario.model_validate(merged(OFFICE, sections))


def qualified(leads: pd.DataFrame) -> pd.DataFrame:
    return leads[leads["qualified"] | leads["qualified_later"]]


def test_an_old_file_with_own_pipeline_share_names_the_new_key(tmp_path: Path) -> None:
    """The replaced key is refused with a message that says what replaced it and how to convert."""
    old = tmp_path / "old.yaml"
    old.write_text("channels:\n  - name: web\n    leads_per_week: 1\nsales:\n  own_pipeline_share: 0.6\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(old)
    text = str(error.value)
    assert "old.yaml:5" in text and "sales.own_workload_hours_per_week" in text and "270" in text


def test_own_workload_is_the_companys_hours_whatever_the_team_size() -> None:
    """90 h a week of account work stay 90 h with 3 or 6 reps (the old share halved it with the team)."""
    hours = {}
    for reps in (3, 6):
        scenario = office(
            channels=[{"name": "web_inquiry", "leads_per_week": 0}],
            sales={"reps": reps, "own_workload_hours_per_week": 90.0},
            calendar={"work_days": ["mon", "tue", "wed", "thu", "fri"], "start_hour": 8.0, "end_hour": 17.0},
        )
        weekly = simulate(scenario, seed=5).weekly
        hours[reps] = float(weekly.loc[weekly["in_window"], "own_pipeline_hours"].sum())
        weeks = int(weekly["in_window"].sum())
        # A Poisson count of 2-hour tasks: 4 standard deviations of the weekly mean.
        tolerance = 4 * 90.0 / np.sqrt(90.0 / 2.0 * weeks)
        assert abs(hours[reps] / weeks - 90.0) < tolerance, (reps, hours[reps] / weeks)
    # The same stream draws the same tasks, and neither team is overloaded: identical hours.
    assert hours[3] == pytest.approx(hours[6], rel=1e-9)


def test_own_work_nobody_starts_within_its_expiry_is_left_undone() -> None:
    """An overloaded team (2 reps, 150 h a week) misses about the excess, and never works more than it has."""
    scenario = office(
        channels=[{"name": "web_inquiry", "leads_per_week": 0}],
        sales={"reps": 2, "own_workload_hours_per_week": 150.0, "own_workload_expires_business_hours": 20.0},
        calendar={"work_days": ["mon", "tue", "wed", "thu", "fri"], "start_hour": 8.0, "end_hour": 17.0},
    )
    run = simulate(scenario, seed=2).run
    assert run["own_pipeline_hours"] <= run["available_rep_hours"] + 1e-6
    assert run["own_pipeline_hours"] > 0.9 * run["available_rep_hours"]
    weeks = scenario.horizon.measurement_days / 7
    assert 0.5 * 60 * weeks < run["own_workload_missed_hours"] < 1.5 * 60 * weeks


class WorkLog(LeadLifecycleModel):
    """The model recording every piece of rep work (start, hours, kind)."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        super().__init__(scenario, seed=seed)
        self.work: list[tuple[float, float, str]] = []
        self.events: list[tuple[int, str, float]] = []
        self.seen: dict[int, Lead] = {}  # every lead that logged an event (the model keeps cohort leads only)

    def _account_work(self, start: float, duration: float, kind: str, pool: Any = None) -> None:
        self.work.append((start, duration, kind))
        super()._account_work(start, duration, kind, pool)

    def _log(self, lead: Lead, event: str, at: float | None = None) -> None:
        self.events.append((lead.lead_id, event, self.env.now if at is None else at))
        self.seen[lead.lead_id] = lead


def test_selling_tasks_are_due_at_their_cycle_share_and_the_cycle_waits_for_the_last() -> None:
    """With an idle, always-open team each task starts when due; hours land in ``selling_hours``."""
    scenario = office(calendar=ALWAYS_OPEN, sales={"reps": 50}, selling=SELLING)
    model = WorkLog(scenario, seed=3)
    result = model.run()
    leads = qualified(result.leads)
    assert len(leads) > 50
    cycle = 30 * 24.0
    starts = {(lead, event): time for lead, event, time in model.events if event.startswith("selling:")}
    for row in leads.itertuples():
        for task in SELLING["tasks"]:
            key = (row.lead_id, "selling:" + task["name"])
            if key in starts:
                assert starts[key] == pytest.approx(row.qualified_at + task["at_cycle_share"] * cycle)
    assert (leads["selling_hours"] > 0).all()
    selling = sum(hours for _, hours, kind in model.work if kind == "selling")
    assert selling == pytest.approx(sum(lead.selling_hours for lead in model.seen.values()))
    assert result.weekly["selling_hours"].sum() == pytest.approx(selling)


@pytest.mark.parametrize("seed", [11, 12])
def test_unlimited_reps_give_exactly_the_results_without_selling_work(seed: int) -> None:
    """1,000 reps always open: selling tasks never wait, so every lead ends as without them."""
    plain = simulate(office(calendar=ALWAYS_OPEN, sales={"reps": 1000}), seed=seed).leads
    selling = simulate(office(calendar=ALWAYS_OPEN, sales={"reps": 1000}, selling=SELLING), seed=seed).leads
    assert len(qualified(plain)) > 100
    columns = ["lead_id", "outcome", "closed_at", "deal_value", "qualified", "first_contact_at"]
    pd.testing.assert_frame_equal(plain[columns], selling[columns])
    assert selling["selling_hours"].sum() > 0 and plain["selling_hours"].sum() == 0


def test_a_tiny_team_stretches_cycles_and_loses_more_deals_to_closing_buying_windows() -> None:
    """One rep with ~19 h of selling per opportunity (~12 a week) cannot keep up: cycles stretch.

    Without selling work, a qualified lead closes exactly ``sales_cycle_days`` after qualifying
    (30 days) or is lost at its window's end; with it, the mean qualification-to-close time of
    won deals grows and the share of qualified leads lost to a competitor rises. Pooled over
    4 replications (~150 qualified leads each), paired by replication.
    """
    lost_share: dict[bool, list[float]] = {False: [], True: []}
    cycle_days: dict[bool, list[float]] = {False: [], True: []}
    for replication in range(4):
        for with_selling in (False, True):
            scenario = office(sales={"reps": 1}, selling=SELLING if with_selling else {"tasks": []})
            leads = qualified(simulate(scenario, seed=21, replication=replication).leads)
            won = leads[leads["outcome"] == "won"]
            lost_share[with_selling].append(float((leads["outcome"] == "lost_competitor").mean()))
            cycle_days[with_selling].append(float(((won["closed_at"] - won["qualified_at"]) / 24).mean()))
    assert np.allclose(cycle_days[False], 30.0)
    # Stretched by far more than the noise: at least a week on average, in every replication.
    assert min(np.subtract(cycle_days[True], cycle_days[False])) > 7.0, cycle_days
    assert min(np.subtract(lost_share[True], lost_share[False])) > 0.05, lost_share
