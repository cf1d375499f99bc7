"""Leads made lazily: creation order, ids, the cohort register and processes started ahead, on their own clocks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import simpy

from sim.model.arrivals import BLOCK_ROWS, PlannedLeads, _RowBlocks, start_process_ahead
from sim.model.lifecycle import LeadLifecycleModel
from sim.model.random_streams import named_stream, replication_seed_sequence
from sim.model.records import ROW_WIDTH, SPENT_ROW, LeadRegister
from sim.scenario.schema import Scenario

SCENARIO = Scenario.model_validate({
    "name": "lazy",
    "horizon": {"warmup_days": 7, "measurement_days": 14, "drain_cap_days": 14},
    "channels": [
        {"name": "webinar", "leads_per_week": 10},
        {"name": "referral", "leads_per_week": 10, "marketing_sourced": False},
    ],
})


def test_planned_leads_come_in_creation_order_ties_by_channel_name_then_index() -> None:
    # Both channels get the same times, so every time is a tie between the two channels.
    times = {"webinar": [5.0, 5.0, 9.0], "referral": [5.0, 9.0]}
    planned = PlannedLeads(
        SCENARIO, replication_seed_sequence(1, 0),
        lambda channel: np.asarray(times[channel.name]), ROW_WIDTH, make=lambda *a, **k: None,
    )
    order = [(planned.draft(i).created_at, planned.draft(i).channel.name, planned.draft(i).index)
             for i in range(len(planned))]
    assert order == [(5.0, "referral", 0), (5.0, "webinar", 0), (5.0, "webinar", 1),
                     (9.0, "referral", 1), (9.0, "webinar", 2)]
    assert planned.created_at == [5.0, 5.0, 5.0, 9.0, 9.0]


def test_a_planned_lead_is_made_on_access_with_its_position_as_id() -> None:
    model = LeadLifecycleModel(SCENARIO, seed=3)
    planned = model._generate_arrivals()
    third = planned[2]
    assert third.lead_id == 2
    assert third.created_at == planned.created_at[2]
    # made again, the same lead: the same traits and the same first uniform of its rows
    again = planned[2]
    assert (again.fit, again.stage, again.contact.uniform()) == (third.fit, third.stage, third.contact.uniform())


def test_rows_drawn_a_block_at_a_time_equal_the_rows_drawn_all_at_once() -> None:
    parent = replication_seed_sequence(4, 2)
    count, width = 2 * BLOCK_ROWS + 37, 6  # the last block is partial
    all_at_once = named_stream(parent, "rows", "contact", "web").random((count, width))
    blocks = _RowBlocks(parent, ("rows", "contact", "web"), count, width)
    # in order, across both block boundaries, then back to an earlier block (drawn again)
    for index in [0, 1, BLOCK_ROWS - 1, BLOCK_ROWS, 2 * BLOCK_ROWS + 36, 5, BLOCK_ROWS + 3]:
        row = blocks.row(index)
        assert np.array_equal(row, all_at_once[index])
        assert row.base is None  # the lead's own copy: a view would keep the whole block alive


def test_a_lead_gives_its_rows_back_when_its_outcome_is_decided() -> None:
    model = LeadLifecycleModel(SCENARIO, seed=3)
    model.run()
    ended = [lead for lead in model.leads if lead.outcome != "open"]  # won: its customer year draws elsewhere
    still_open = [lead for lead in model.leads if lead.outcome == "open"]  # at the drain cap
    assert ended and still_open

    def rows(lead: Any) -> set[int]:
        return {id(row) for row in (lead.nurture, lead.engagement, lead.handoff, lead.contact, lead.outcome_draws)}

    assert all(rows(lead) == {id(SPENT_ROW)} for lead in ended)
    assert all(id(SPENT_ROW) not in rows(lead) for lead in still_open)
    with pytest.raises(ValueError, match="ran out"):
        ended[0].contact.uniform()  # drawing for a lead whose journey ended is an error


class _Lead:
    def __init__(self, in_cohort: bool) -> None:
        self.in_cohort = in_cohort


def test_the_register_counts_every_lead_and_keeps_cohort_leads_planned_first() -> None:
    register = LeadRegister(3)
    planned_in, planned_out, added_in = _Lead(True), _Lead(False), _Lead(True)
    register.append(added_in)  # type: ignore[arg-type]  # word of mouth during the run: id 3
    assert len(register) == 4
    register.keep_planned(planned_out)  # type: ignore[arg-type]
    register.keep_planned(planned_in)  # type: ignore[arg-type]
    assert list(register) == [planned_in, added_in]


def test_a_process_started_ahead_takes_its_first_step_at_once_and_leaves_the_active_process() -> None:
    env = simpy.Environment()
    seen: list[Any] = []

    def journey() -> Any:
        seen.append(("first step", env.now))
        yield env.timeout(2.0)
        seen.append(("second step", env.now))
        return "done"

    def starter() -> Any:
        yield env.timeout(1.0)
        process = start_process_ahead(env, journey())
        seen.append(("starter goes on", env.now, env.active_process is starter_process))
        yield process
        seen.append(("journey ended", env.now))

    starter_process = env.process(starter())
    env.run()
    assert seen == [
        ("first step", 1.0), ("starter goes on", 1.0, True), ("second step", 3.0), ("journey ended", 3.0)
    ]


def test_every_planned_lead_of_the_window_starts_and_only_cohort_leads_are_kept() -> None:
    model = LeadLifecycleModel(SCENARIO, seed=5)
    result = model.run()
    planned = model.planned_leads
    in_window = sum(model.window_start <= t < model.window_end for t in planned.created_at)
    assert len(result.leads) >= in_window > 0  # plus any referrals of won customers
    assert all(lead.in_cohort for lead in model.leads)
    started = sum(t < model.env.now for t in planned.created_at)
    referrals = len(model.leads) - len(planned)  # started the moment they were made
    assert model.leads_created_by_week().sum() == started + referrals



class _ClockLog(LeadLifecycleModel):
    """Records each logged event's own moment next to the clock when it was logged."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        super().__init__(scenario, seed=seed)
        self.logged: list[tuple[int, str, float, float]] = []

    def _log(self, lead: Any, event: str, at: float | None = None) -> None:
        self.logged.append((lead.lead_id, event, self.env.now if at is None else at, self.env.now))


def test_leads_running_ahead_record_readiness_only_once_the_clock_has_caught_up() -> None:
    """A lead ready on its own clock wakes at its hand-off: nothing is recorded from the future."""
    scenario = Scenario.model_validate({
        **SCENARIO.model_dump(),
        "horizon": {"warmup_days": 7, "measurement_days": 14, "drain_cap_days": 3},
        # A real-time hand-off with a delay: the case in which a lead does not wake when ready.
        "handoff": {"mode": "realtime", "admin_delay_hours": {"distribution": "exponential", "mean": 4}},
    })
    model = _ClockLog(scenario, seed=2)
    result = model.run()
    ready = [(at, clock) for _, event, at, clock in model.logged if event == "ready"]
    assert ready and all(at <= clock for at, clock in ready)
    assert any(at < clock for at, clock in ready)  # some leads did run ahead to their hand-off
    assert (result.leads["sales_ready_at"].dropna() <= model.env.now).all()
    handed_over = result.leads.dropna(subset=["handoff_at"])
    assert (handed_over["sales_ready_at"] <= handed_over["handoff_at"]).all()
