"""The lead's journey from first interest to closed deal, as a SimPy discrete-event model.

A lead arrives through a channel, fits the ideal customer profile more or less well, and is
somewhere between "trying to understand its problem" (QL) and "comparing vendors" (SQL).
Marketing nurtures it and, when its score passes the agreed threshold, hands it to sales -
instantly through a CRM task or on next week's list. While it waits, its interest decays; sales
reps, working business hours next to their own prospects, call it, reach it or not, qualify it
or not, and run a sales cycle that it wins, loses to a competitor, or never finishes.

One lead is one SimPy process; reps are a priority resource; every random draw comes from a
named stream (see ``sim.model.random_streams``), so scenarios share random numbers where they share
structure. The clock is in hours from Monday 00:00 of the first simulated day.

This module runs a replication - arrivals, the cohort, each lead's process, its engagements and
the result - with collaborators for the rest: ``Marketing`` (nurturing, scoring, hand-off),
``SalesContact`` (sales' part of the journey), ``AfterSale`` (customers), ``SalesFloor`` (the
reps' side), ``WorkHours`` (the ledger of rep work) and ``LeadFactory`` (making a lead).
"""

from __future__ import annotations

import bisect
import gc
import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import simpy

from sim.model.after_sale import AfterSale
from sim.model.arrivals import PlannedLeads, arrival_times
from sim.model.calendar import HOURS_PER_DAY, HOURS_PER_WEEK, BusinessCalendar
from sim.model.contact import SalesContact
from sim.model.decay import interest
from sim.model.engine import start_process_ahead, start_quiet_process
from sim.model.marketing import HOURS_PER_MONTH, STAGE_VALUE, Marketing
from sim.model.random_streams import replication_seed_sequence
from sim.model.records import (
    LEAD_COLUMNS,
    OUTCOMES,
    ROW_WIDTH,
    SPENT_ROW,
    Lead,
    LeadFactory,
    LeadRegister,
    lead_table,
)
from sim.model.scheduling import BuyingWindows
from sim.model.staffing import SalesFloor
from sim.model.work_hours import WORK_KINDS, WorkHours
from sim.scenario.schema import Channel, Scenario

__all__ = [
    "HOURS_PER_MONTH", "LEAD_COLUMNS", "OUTCOMES", "STAGE_VALUE", "WORK_KINDS", "Lead", "LeadLifecycleModel", "SimulationResult", "interest", "simulate",
]

# Leads are made and scheduled a week ahead at a time: few events for the arrivals themselves,
# and only the leads that have arrived (plus one week's) exist at any moment.
ARRIVAL_BLOCK_HOURS = 168.0


@dataclass
class SimulationResult:
    """What one replication produced: the cohort's lead table, weekly series and run totals."""

    leads: pd.DataFrame
    weekly: pd.DataFrame
    run: dict[str, Any] = field(default_factory=dict)


class LeadLifecycleModel:
    """One replication of one scenario: build with a seed, then ``run()``."""

    def __init__(self, scenario: Scenario, seed: int, replication: int = 0) -> None:
        self.scenario = scenario
        self.replication = replication
        self.seed_sequence = replication_seed_sequence(seed, replication)
        self.env = simpy.Environment()
        self.calendar = BusinessCalendar(scenario.calendar)
        horizon = scenario.horizon
        self.window_start = horizon.warmup_days * HOURS_PER_DAY
        self.window_end = self.window_start + horizon.measurement_days * HOURS_PER_DAY
        self.hard_stop = self.window_end + horizon.drain_cap_days * HOURS_PER_DAY
        self.cohort_open = 0
        self.cohort_arrivals_done = False
        self.cohort_done = self.env.event()
        self.leads = LeadRegister(0)
        self.buying_windows = BuyingWindows(self.env)
        self.weeks = math.ceil(self.hard_stop / HOURS_PER_WEEK) + 1
        self.work_hours = WorkHours(self.env, self.calendar, self.window_start, self.window_end, self.weeks)
        """The ledger of rep work (``_account_work`` books into it)."""
        self.weekly_queue_samples = np.zeros(self.weeks)
        self.weekly_queue_count = np.zeros(self.weeks)
        self.weekly_created = np.zeros(self.weeks)
        self.floor = SalesFloor(self.env, scenario, self.seed_sequence, self.calendar, self.hard_stop)
        """The reps' side: queues, calendars, shifts and the company's own work."""
        self.rep_pools, self.sdr_pools = self.floor.rep_pools, self.floor.sdr_pools
        self.rep_calendars = self.floor.rep_calendars
        self.lead_factory = LeadFactory(self.seed_sequence, self.window_start, self.window_end)
        self.after_sale = AfterSale(
            self.env, scenario, self.seed_sequence, self.floor.pick_pool, self._account_work, self
        )
        """The customers' follow-up year; referred leads come back through ``admit_referral``."""
        self.contact = SalesContact(
            self.env, scenario, self.seed_sequence, self.calendar, self.floor, self.buying_windows,
            finish=self._finish, log=self._log, interest_at=self._interest_at, intent_at=self._intent_at,
            book=self._account_work, on_won=self._start_customer,
        )
        """Sales' side of the journey: attempts, qualification and the sales cycle."""
        self.marketing = Marketing(
            self.env, scenario, self.calendar, self.hard_stop, self.weeks, finish=self._finish, log=self._log
        )
        """Marketing's side of the journey: nurturing, scoring and the hand-off."""

    # ----------------------------------------------------------------- set-up
    def _generate_arrivals(self) -> PlannedLeads:
        """All planned leads of the run (``sim.model.arrivals``), in order of creation.

        Traits are drawn up front; a lead is made (``LeadFactory.make``) only when indexed, which
        the arrivals process does a week ahead of its creation time.
        """
        return PlannedLeads(self.scenario, self.seed_sequence, self._arrival_times, ROW_WIDTH, self.lead_factory.make)

    def _arrival_times(self, channel: Channel) -> np.ndarray:
        """Arrival times (hours) of one channel up to the hard stop (a hook tests replace)."""
        return arrival_times(self.scenario, self.seed_sequence, channel, self.hard_stop)

    # ---------------------------------------------------------------- running
    def run(self) -> SimulationResult:
        """Simulate until the measured cohort has finished (or the drain cap), return records."""
        self.planned_leads = self._generate_arrivals()
        # Word of mouth appends leads during the run (ids after the planned ones); arrivals walk
        # the planned ones only.
        self.leads = LeadRegister(len(self.planned_leads))
        self.floor.start(self._account_work, self.work_hours.own_work_missed)
        self.env.process(self._queue_monitor())
        self.env.process(self._arrivals())
        stop = simpy.AnyOf(self.env, [self.cohort_done, self.env.timeout(self.hard_stop)])
        # The cyclic garbage collector is off while the clock runs. A run makes no reference
        # cycles (refcounting frees every event, request and lead; tests/unit/test_gc_free_run.py
        # holds every bundled setup to that), so the collector never found anything to free,
        # yet it walked every live object again and again: a third of a replication's CPU time
        # at its default thresholds, and at 10,000 allocations per young collection still 5 % at
        # 1x, 10 % at 10x and 35 % at 100x volume (docs/performance.md, "Garbage collection during a run").
        collector_was_on = gc.isenabled()
        gc.disable()
        try:
            self.env.run(until=stop)
        finally:
            if collector_was_on:
                gc.enable()
        return self._result()

    def _arrivals(self) -> Generator[simpy.Event, Any, None]:
        """Make the planned leads a week at a time and start their processes ahead, on their own clocks.

        A lead's process takes its first step when its week is made and wakes first when
        something happens to it (``_start_lead``); a block never reaches past the window's end,
        where the cohort closes before any later lead starts.
        """
        env = self.env
        planned = self.planned_leads
        created_at = planned.created_at
        count = len(created_at)
        position = 0
        while position < count:
            block_end = env.now + ARRIVAL_BLOCK_HOURS
            if not self.cohort_arrivals_done:
                if created_at[position] >= self.window_end:
                    # Run on to the window's end so utilisation covers the whole window.
                    if env.now < self.window_end:
                        yield env.timeout(self.window_end - env.now)
                    self._close_cohort()
                    continue
                block_end = min(block_end, self.window_end)
            block_stop = bisect.bisect_left(created_at, block_end, lo=position)
            for index in range(position, block_stop):
                self._start_lead(planned[index], at=created_at[index])
            position = block_stop
            if position < count:
                yield env.timeout(block_end - env.now)
        if not self.cohort_arrivals_done:
            if env.now < self.window_end:
                yield env.timeout(self.window_end - env.now)
            self._close_cohort()

    def _start_lead(self, lead: Lead, at: float | None = None) -> None:
        """Count the lead in, let its content engagements begin and start its journey.

        Now, or - for a planned lead whose creation time ``at`` is not before now - ahead of it.
        """

        if lead.in_cohort:
            self.cohort_open += 1
        self._schedule_engagement(lead, lead.created_at)
        if at is None:
            self.weekly_created[int(lead.created_at // HOURS_PER_WEEK)] += 1
            start_quiet_process(self.env, self._lead(lead))
            return

        # A planned lead is counted in and started when its week is made, ahead of its creation
        # time: its journey begins with marketing's scores, which need no clock but its own
        # (``Marketing.nurture_until_ready``), so it wakes first at the moment something happens - at
        # its creation when it is sales-ready at once, else at its first stage step or passing
        # score - and a lead that never gets that far needs no event. Counting in early is
        # safe: a block never reaches past the cohort window's end, so the cohort cannot be
        # found finished while one of its leads is still to come. (The weekly count of created
        # leads counts planned leads at the end, up to the run's end: ``leads_created_by_week``.)
        self.leads.keep_planned(lead)
        start_process_ahead(self.env, self._lead(lead))

    def admit_referral(self, channel: Channel, **traits: Any) -> Lead:
        """A referred lead (``AfterSale``): made now with the next id, kept and started at once."""
        lead = self.lead_factory.make(len(self.leads), channel, self.env.now, **traits)
        self.leads.append(lead)
        self._start_lead(lead)
        return lead

    def leads_created_by_week(self, weeks: int | None = None) -> np.ndarray:
        """Leads created in each of the first ``weeks`` weeks up to now (run-time and planned leads)."""
        weeks = len(self.weekly_created) if weeks is None else weeks
        created = self.weekly_created[:weeks].copy()
        planned = np.asarray(self.planned_leads.created_at, dtype=float)
        planned_weeks = (planned[planned < self.env.now] // HOURS_PER_WEEK).astype(int)
        np.add.at(created, planned_weeks[planned_weeks < weeks], 1.0)
        return created

    def _close_cohort(self) -> None:
        self.cohort_arrivals_done = True
        self._check_cohort_done()

    def _check_cohort_done(self) -> None:
        if self.cohort_open == 0 and self.cohort_arrivals_done and not self.cohort_done.triggered:
            self.cohort_done.succeed()

    def _release(self, lead: Lead) -> None:
        """A cohort lead needs no more simulation: the run may end once all are released."""
        if lead.in_cohort:
            self.cohort_open -= 1
            self._check_cohort_done()

    def _finish(
        self, lead: Lead, outcome: str, closed_at: float | None = None, release: bool = True
    ) -> None:
        lead.outcome = outcome
        # The lead's own draws are done (a customer's after-sale year draws from its own
        # stream): its rows are freed now, not when a cohort lead leaves the lead table at the
        # run's end or a customer's year of follow-up is over.
        lead.nurture = lead.engagement = lead.handoff = lead.contact = lead.outcome_draws = SPENT_ROW
        if closed_at is not None:
            lead.closed_at = closed_at
        if release:
            self._release(lead)

    def _log(self, lead: Lead, event: str, at: float | None = None) -> None:
        """Hook for an event log of a lead's journey at ``at`` (None: now); a no-op, tests override it."""

    def _schedule_engagement(self, lead: Lead, after: float) -> None:
        rate = self.scenario.nurturing.engagements_per_week * self.scenario.nurturing.content_relevance
        mean_gap = HOURS_PER_WEEK / rate if rate > 0 else math.inf
        lead.next_engagement = after + lead.engagement.exponential(mean_gap)

    def _interest_at(self, lead: Lead, time_hours: float) -> float:
        """The lead's expected interest now (the decay curve), after catching up its engagements."""
        while lead.next_engagement <= time_hours:
            # Engagements are caught up lazily: one older than a later touch (a stage change,
            # a conversation) must not move the decay clock back.
            lead.last_touch = max(lead.last_touch, lead.next_engagement)
            self._schedule_engagement(lead, lead.next_engagement)
        return interest(lead.channel.decay, time_hours - lead.last_touch)

    def _intent_at(self, lead: Lead, time_hours: float) -> float:
        """The lead's buying intent now: 1 inside its hot window since the last touch, else the floor."""
        if time_hours - lead.last_touch < lead.hot_window_hours:
            return 1.0
        return lead.channel.decay.floor

    def _lead(self, lead: Lead) -> Generator[simpy.Event, Any, None]:
        """The whole journey of one lead: nurturing, hand-off, sales, possibly recycled."""
        while True:
            ready = yield from self.marketing.nurture_until_ready(lead)
            if ready is None:
                return
            worked = yield from self.marketing.handoff(lead, *ready)
            if not worked:
                return
            recycled = yield from self.contact.series(lead)
            if not recycled:
                return

    def _start_customer(self, customer: Lead) -> None:
        """The won lead becomes a customer: its follow-up year starts now (the cohort stays open)."""
        start_quiet_process(self.env, self._customer(customer))

    def _customer(self, customer: Lead) -> Generator[simpy.Event, Any, None]:
        """After the sale: satisfaction, churn, upsells and referrals (``sim.model.after_sale``)."""
        yield from self.after_sale.follow(customer)
        self._release(customer)

    def _account_work(
        self, start: float, duration: float, kind: str, pool: simpy.PriorityResource | None = None
    ) -> None:
        """Book rep work of ``kind`` done in ``pool`` (``WorkHours.book``; a hook tests observe)."""
        self.work_hours.book(start, duration, kind, pool)

    def _queue_monitor(self) -> Generator[simpy.Event, Any, None]:
        """Sample the number of waiting lead requests twice a day for the weekly series."""
        env = self.env
        while True:
            waiting = self.contact.leads_waiting
            week = int(env.now // HOURS_PER_WEEK)
            self.weekly_queue_samples[week] += waiting
            self.weekly_queue_count[week] += 1
            yield env.timeout(12.0)

    # ---------------------------------------------------------------- output
    def _result(self) -> SimulationResult:
        leads = lead_table([lead for lead in self.leads if lead.in_cohort], self.replication)
        last_week = int(self.env.now // HOURS_PER_WEEK) + 1
        weeks = np.arange(last_week)
        available = self.floor.available_hours_by_week(last_week)
        work = self.work_hours
        samples = self.weekly_queue_count[:last_week]
        weekly = pd.DataFrame(
            {
                "replication": self.replication,
                "week": weeks,
                "week_start_hours": weeks * HOURS_PER_WEEK,
                "in_window": (weeks * HOURS_PER_WEEK >= self.window_start)
                & (weeks * HOURS_PER_WEEK < self.window_end),
                "leads_created": self.leads_created_by_week(last_week),
                "handoffs": self.marketing.weekly_handoffs[:last_week],
                "lead_work_hours": work.weekly["lead"][:last_week],
                "selling_hours": work.weekly["selling"][:last_week],
                "own_pipeline_hours": work.weekly["own"][:last_week],
                "available_rep_hours": available,
                "mean_queue_length": np.divide(
                    self.weekly_queue_samples[:last_week], samples,
                    out=np.zeros(last_week), where=samples > 0,
                ),
            }
        )
        available_in_window = self.floor.available_hours(self.window_start, self.window_end)
        run = {
            "replication": self.replication,
            "end_time_hours": float(self.env.now),
            # Finished = no cohort lead left without an outcome. Customers' follow-up (upsells,
            # referrals) keeps the run going to the drain cap by design; that is not unfinished.
            "cohort_finished": bool(self.cohort_done.triggered) or not bool((leads["outcome"] == "open").any()),
            "available_rep_hours": available_in_window,
            "busy_rep_hours": work.busy_in_window,
            "lead_work_hours": work.in_window["lead"],
            "selling_hours": work.in_window["selling"],
            "own_pipeline_hours": work.in_window["own"],
            "own_workload_missed_hours": work.own_missed_in_window,
            "leads_simulated": len(self.leads),
        }
        return SimulationResult(leads=leads, weekly=weekly, run=run)


def simulate(scenario: Scenario, seed: int = 0, replication: int = 0) -> SimulationResult:
    """Run one replication of ``scenario`` with the streams of (seed, replication)."""
    return LeadLifecycleModel(scenario, seed=seed, replication=replication).run()
