"""Marketing's part of a lead's journey: nurturing and scoring until sales-ready, then the hand-off.

Marketing scores the lead against the agreed threshold and nurtures it - it moves stages, drops
out or buys elsewhere - until it passes; the agreed monthly capacity may hold it back. The
hand-off goes by CRM task or on the next batch, sets the SLA deadline, and sales may ignore it.

``Marketing`` is a collaborator of the lifecycle: it is handed the lifecycle's hooks it reports
to (finish, log) and keeps the hand-offs counted per month (the capacity agreement) and per week.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from sim.model.calendar import DAYS_PER_MONTH, HOURS_PER_DAY, HOURS_PER_WEEK, BusinessCalendar
from sim.model.records import FinishLead, Lead, LogEvent
from sim.model.scheduling import timeout_at
from sim.scenario.schema import Scenario

STAGE_VALUE = (0.0, 0.5, 1.0)  # QL, MQL, SQL on the scoring scale
HOURS_PER_MONTH = DAYS_PER_MONTH * HOURS_PER_DAY


class Marketing:
    """Marketing's side of the journey: scores, nurturing, the capacity agreement, the hand-off."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        calendar: BusinessCalendar,
        hard_stop: float,
        weeks: int,
        *,
        finish: FinishLead,
        log: LogEvent,
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.calendar = calendar
        self.hard_stop = hard_stop
        self.finish = finish
        self.log = log
        self.handoffs_per_month: dict[int, int] = {}
        """First hand-offs per month, counted against the agreed capacity."""
        self.weekly_handoffs = np.zeros(weeks)
        """Hand-offs per week (the weekly series)."""

    def score(self, lead: Lead) -> float:
        qualification = self.scenario.qualification
        true_score = qualification.fit_weight * lead.fit + (1 - qualification.fit_weight) * STAGE_VALUE[lead.stage]
        return true_score + qualification.scoring_noise * lead.nurture.normal()

    def within_capacity(self, lead: Lead, now: float) -> bool:
        """Whether the agreed monthly hand-off capacity lets this lead through (and count it).

        Only first hand-offs count: the agreement is about new leads sales must take on; a
        lead sales sent back and that has moved on is part of work already agreed.
        """
        capacity = self.scenario.qualification.handoff_capacity_per_month
        if capacity is None or lead.handoffs > 0:
            return True
        month = int(now // HOURS_PER_MONTH)
        if self.handoffs_per_month.get(month, 0) >= capacity:
            return False
        self.handoffs_per_month[month] = self.handoffs_per_month.get(month, 0) + 1
        return True

    def nurture_until_ready(self, lead: Lead) -> Generator[simpy.Event, Any, tuple[float, float] | None]:
        """Marketing scores and nurtures the lead until it passes the threshold, drops or buys elsewhere.

        A monthly re-score that fails changes nothing but the lead's own nurturing draws, so the
        process does not wake for it: it runs the failed re-scores in plain Python on its own
        clock ``now`` (the same sums of waits the timeouts would make) and wakes once, at exactly
        that time (``timeout_at``), when something happens - a passing score (the capacity
        agreement counts by the real clock), a stage step, or the lead of the measured cohort
        dropping out or its window ending (a lead outside the cohort just ends: nothing records
        it). Same draws in the same order, same times; a failed re-score was about a sixth of a
        replication's events.
        """
        env = self.env
        nurturing = self.scenario.nurturing
        qualification = self.scenario.qualification
        rescore_every = nurturing.rescore_every_days * HOURS_PER_DAY
        dropout_mean = HOURS_PER_MONTH / nurturing.dropout_per_month if nurturing.dropout_per_month > 0 else math.inf
        # A planned lead starts ahead of its creation time, on its own clock (``LeadLifecycleModel._start_lead``).
        now = max(env.now, lead.created_at)
        skipped = now > env.now  # whether ``now`` is ahead of the clock (re-scores slept through, or the lead's start)
        # A lead that becomes ready on its own clock need not wake for it when nothing shared
        # is touched before its hand-off: no capacity agreement to count against, and a
        # real-time hand-off (a batch hand-off lands on a shared instant, where the order of
        # events decides the queue). It then wakes at the hand-off itself (``handoff``).
        wakes_at_handoff = qualification.handoff_capacity_per_month is None and self.scenario.handoff.mode == "realtime"
        while True:
            if now >= lead.buying_window_end:
                if skipped and lead.in_cohort:
                    yield timeout_at(env, now)
                self.finish(lead, "lost_competitor", now)
                return None
            next_check = rescore_every
            # A lead sales found unqualified is not scored again until it has moved a stage:
            # what sales learnt stays with the lead, so an unchanged lead is not re-sent.
            if not lead.awaiting_stage_step:
                score = self.score(lead)
                if score >= qualification.threshold:
                    if skipped and not wakes_at_handoff:
                        yield timeout_at(env, now)
                        skipped = False
                    if self.within_capacity(lead, now):
                        if not skipped:
                            self.mark_ready(lead, now, score)
                        return now, score
                    # Over the agreed capacity: the lead stays in nurturing and is released at
                    # the start of the next month, as the agreement says.
                    lead.capacity_held = True
                    self.log(lead, "held")
                    next_check = (int(now // HOURS_PER_MONTH) + 1) * HOURS_PER_MONTH - now
            if lead.stage < 2:
                mean_days = nurturing.mean_days_ql_to_mql if lead.stage == 0 else nurturing.mean_days_mql_to_sql
                to_next_stage = lead.nurture.exponential(mean_days * HOURS_PER_DAY / nurturing.content_relevance)
            else:
                to_next_stage = math.inf
            to_dropout = lead.nurture.exponential(dropout_mean)
            to_window_end = lead.buying_window_end - now
            wait = min(next_check, to_next_stage, to_dropout, to_window_end)
            now = now + wait  # the time SimPy's ``timeout(wait)`` would have woken the lead at
            if wait != to_window_end and wait != to_dropout and wait != to_next_stage:
                # Only the next re-score: nothing to do before it, so no event for this wait.
                skipped = True
                continue
            if wait == to_window_end or wait == to_dropout:
                # The lead leaves nurturing here. One outside the measured cohort leaves no
                # record and frees nothing, so its process ends now without an event for it.
                if lead.in_cohort:
                    yield timeout_at(env, now)
                self.finish(lead, "lost_competitor" if wait == to_window_end else "dropped", now)
                return None
            yield timeout_at(env, now)
            skipped = False
            lead.stage += 1
            lead.max_stage = max(lead.max_stage, lead.stage)
            lead.last_touch = now  # an engagement that moved the lead re-warms it
            lead.awaiting_stage_step = False
            self.log(lead, "stage_step")

    def mark_ready(self, lead: Lead, ready_at: float, score: float) -> None:
        """Record that the lead passed marketing's threshold at ``ready_at`` with ``score``."""
        if math.isnan(lead.sales_ready_at):
            lead.sales_ready_at = ready_at
        lead.ready_at = ready_at
        lead.score_at_handoff = score
        self.log(lead, "ready", ready_at)

    def handoff(self, lead: Lead, ready_at: float, score: float) -> Generator[simpy.Event, Any, bool]:
        """Pass the lead to sales by list or CRM task; set this hand-off's SLA deadline; sales may ignore it.

        ``ready_at`` is when the lead became ready: now, or - for a lead that did not wake for
        it (``nurture_until_ready``) - a moment ahead of the clock, so the lead wakes at the
        hand-off itself, at exactly the time a wake at ``ready_at`` plus the delay would give,
        and its readiness is recorded then (a run that ends before shows no future state).
        """
        env = self.env
        handoff = self.scenario.handoff
        delay = lead.handoff.sample(handoff.admin_delay_hours)
        if handoff.mode == "batch":
            period = handoff.batch_every_hours
            delay += math.ceil(ready_at / period) * period - ready_at
        if ready_at > env.now and ready_at + delay < self.hard_stop:
            yield timeout_at(env, ready_at + delay)
            self.mark_ready(lead, ready_at, score)
        else:
            if ready_at > env.now:
                # The hand-off would come after the drain cap, where a cohort lead's run can end:
                # wake at the ready moment, so the lead table shows it sales-ready.
                yield timeout_at(env, ready_at)
                self.mark_ready(lead, ready_at, score)
            if delay > 0:
                yield env.timeout(delay)
        lead.handoffs += 1
        if math.isnan(lead.handoff_at):
            lead.handoff_at = env.now
        # Every hand-off has its own deadline, counted from the moment this hand-off was ready.
        sla = self.scenario.sla
        deadline_hours = sla.first_contact_business_hours
        lead.sla_deadline = self.calendar.add_business_hours(lead.ready_at, deadline_hours)
        # Escalation comes early enough to meet the deadline: a rep about to start a block of
        # other work takes the lead first if that block would run past the deadline.
        escalate_hours = max(0.0, deadline_hours - sla.escalate_before_deadline_hours)
        # At the deadline itself (no margin, the default) it is the same instant: computed once.
        lead.sla_escalate_at = (
            lead.sla_deadline if escalate_hours == deadline_hours
            else self.calendar.add_business_hours(lead.ready_at, escalate_hours)
        )
        self.log(lead, "handoff")
        self.weekly_handoffs[int(env.now // HOURS_PER_WEEK)] += 1
        # Sales decides once whether it works a marketing lead; a recycled lead it already
        # worked is not ignored on its return.
        first_handoff = lead.handoffs == 1
        if first_handoff and lead.channel.marketing_sourced and lead.handoff.uniform() < handoff.ignore_share:
            self.finish(lead, "ignored")
            self.log(lead, "ignored")
            return False
        return True
