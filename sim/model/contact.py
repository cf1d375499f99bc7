"""Sales meets the lead: contact attempts, qualification and the sales cycle of one hand-off.

After a hand-off the lead queues for a rep under the queue rule (``priority``), racing its
buying window; a rep dials it, reaches it or not, and judges a reached lead by its intent. A
qualified lead runs its sales cycle, with its selling tasks if the scenario has them, and is won
or lost; an unqualified lead that can still move a stage may go back to nurturing.

``SalesContact`` is a collaborator of the lifecycle: it is handed the sales floor, the buying
windows and the lifecycle's hooks it reports to (finish, log, interest, book, won), and keeps the
count of leads waiting for a rep that the queue monitor samples.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import numpy as np
import simpy

from sim.model.calendar import BusinessCalendar
from sim.model.records import FinishLead, Lead, LogEvent
from sim.model.reps import ESCALATED_RANK, GAVE_UP, Priority, request_rep, unless_first
from sim.model.scheduling import BuyingWindows
from sim.model.selling import selling_draws, selling_work
from sim.model.staffing import SalesFloor
from sim.model.work_hours import BookWork
from sim.scenario.schema import STAGES, Scenario


class SalesContact:
    """The sales side of a lead's journey: queue for a rep, attempts, qualification, the cycle."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        seed_sequence: np.random.SeedSequence,
        calendar: BusinessCalendar,
        floor: SalesFloor,
        buying_windows: BuyingWindows,
        *,
        finish: FinishLead,
        log: LogEvent,
        interest_at: Callable[[Lead, float], float],
        intent_at: Callable[[Lead, float], float],
        book: BookWork,
        on_won: Callable[[Lead], None],
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.seed_sequence = seed_sequence
        self.calendar = calendar
        self.floor = floor
        self.buying_windows = buying_windows
        self.finish = finish
        self.log = log
        self.interest_at = interest_at
        self.intent_at = intent_at
        self.book = book
        self.on_won = on_won
        self.leads_waiting = 0
        """Lead requests waiting for a rep now (the queue monitor samples it)."""

    def priority(self, lead: Lead, first_attempt: bool) -> Priority:
        """(rank, rule value) of a contact attempt's request for a rep; lower goes first."""
        sales = self.scenario.sales
        rank = 1.0 if sales.marketing_leads_below_own_pipeline and lead.channel.marketing_sourced else 0.0
        if sales.queue == "fifo":
            return (rank, 0.0)
        if sales.queue == "lifo":
            return (rank, -self.env.now)
        if sales.queue == "score":
            return (rank, -lead.score_at_handoff)
        # sla: earliest due first - the hand-off's deadline for a first attempt, a retry is due
        # the SLA time after it was asked for.
        if first_attempt:
            return (rank, lead.sla_deadline)
        return (rank, self.calendar.add_business_hours(self.env.now, self.scenario.sla.first_contact_business_hours))

    def wait_for_rep(
        self, pool: simpy.PriorityResource, lead: Lead, first_attempt: bool
    ) -> Generator[simpy.Event, Any, simpy.resources.resource.PriorityRequest | None]:
        """Queue for a rep; under the SLA rule a first attempt still waiting near its deadline escalates.

        None when the lead's buying window closed while it waited (it left the queue).

        Escalation is the SLA's teeth: at ``sla.escalate_before_deadline_hours`` business hours
        before its deadline (at the deadline by default) the lead leaves its place and goes to
        the head of the queue, before other leads and own-pipeline work (a rep already busy
        finishes first).
        """
        env = self.env
        escalates = self.scenario.sales.queue == "sla" and first_attempt
        if escalates and env.now >= lead.sla_escalate_at:
            lead.sla_escalated = True
            self.log(lead, "escalated")
            request = request_rep(pool, (ESCALATED_RANK, lead.sla_deadline))
            escalates = False
        else:
            request = request_rep(pool, self.priority(lead, first_attempt))
        self.leads_waiting += 1
        if escalates and not request.triggered:
            yield request | env.timeout(lead.sla_escalate_at - env.now)
            if not request.triggered:
                request.cancel()
                lead.sla_escalated = True
                self.log(lead, "escalated")
                request = request_rep(pool, (ESCALATED_RANK, lead.sla_deadline))
        if not request.triggered:
            window_closes = self.window_closes(lead)
            yield unless_first(request, window_closes)
            BuyingWindows.wait_ended(window_closes)
        self.leads_waiting -= 1
        return None if request.value is GAVE_UP else request

    def window_closes(self, lead: Lead) -> simpy.Event:
        """The event a wait for a rep starting now races: the lead's buying window closing.

        One per lead, fired by ``BuyingWindows`` only if the lead is waiting when its window
        closes (``sim.model.scheduling.BuyingWindows``).
        """
        return self.buying_windows.closes(lead)

    def series(self, lead: Lead) -> Generator[simpy.Event, Any, bool]:
        """One contact series: attempts, qualification and the sales cycle; True when recycled."""
        env = self.env
        sales = self.scenario.sales
        conversion = self.scenario.conversion
        decay = lead.channel.decay
        pool = self.floor.contact_pool()
        attempts_this_handoff = 0
        series_hours = 0.0
        curve = 1.0
        while attempts_this_handoff < sales.max_attempts:
            if env.now >= lead.buying_window_end:
                lead.unanswered_dial_hours += series_hours
                self.finish(lead, "lost_competitor", env.now)
                return False
            request = yield from self.wait_for_rep(pool, lead, attempts_this_handoff == 0)
            start = env.now
            if request is None or start >= lead.buying_window_end:
                if request is not None:
                    pool.release(request)
                lead.unanswered_dial_hours += series_hours
                self.finish(lead, "lost_competitor", start)
                return False
            attempts_this_handoff += 1
            lead.contact_attempts += 1
            curve = self.interest_at(lead, start)
            intent = self.intent_at(lead, start)
            self.log(lead, "attempt")
            if math.isnan(lead.first_contact_at):
                lead.first_contact_at = start
                lead.interest_at_first_contact = curve
                lead.cold_at_first_contact = curve < decay.cold_below
            duration = lead.contact.sample(sales.attempt_hours)
            # Whether someone picks up does not depend on buying intent (F9: a flat chance per dial).
            reached = lead.contact.uniform() < conversion.reach_probability
            if reached:
                duration += lead.contact.sample(sales.conversation_hours)
            if duration > 0:
                yield env.timeout(duration)
            self.book(start, duration, "lead", pool)
            pool.release(request)
            lead.sales_hours += duration
            series_hours += duration
            if reached:
                lead.reached = True
                if math.isnan(lead.first_conversation_at):
                    lead.first_conversation_at = start
                lead.last_touch = env.now
                return (yield from self.after_conversation(lead, pool, intent, curve, series_hours))
            if attempts_this_handoff < sales.max_attempts:
                wait = sales.retry_after_hours
                if self.scenario.handoff.automation_triggers:
                    self.interest_at(lead, env.now)
                    wait = min(wait, max(0.0, lead.next_engagement - env.now))
                if wait > 0:
                    yield env.timeout(wait)
        lead.unanswered_dial_hours += series_hours
        self.finish(lead, "lost_cold" if curve < decay.cold_below else "dropped", env.now)
        return False

    def after_conversation(
        self, lead: Lead, pool: simpy.PriorityResource, intent: float, curve: float, series_hours: float
    ) -> Generator[simpy.Event, Any, bool]:
        """Judge the reached lead by its intent; run the sales cycle of a qualified one.

        The lead's qualification uniform is drawn once at creation: qualified iff it is below
        p(stage, fit, intent), so a lead sales meets again is judged differently only if its
        stage or intent changed - no fresh coin for an unchanged lead.
        """
        env = self.env
        conversion = self.scenario.conversion
        stage_probability = getattr(conversion.qualify_probability, STAGES[lead.stage])
        fit_factor = 1 - conversion.qualify_fit_weight + conversion.qualify_fit_weight * lead.fit
        qualify = stage_probability * fit_factor * intent
        if lead.qualify_uniform >= qualify:
            lead.unqualified_conversation_hours += series_hours
            self.log(lead, "unqualified")
            # Only a lead that can still move a stage is worth recycling: an SQL sales found
            # unqualified would never come back, so it leaves now instead of idling in nurturing.
            can_move = lead.stage < len(STAGES) - 1
            if self.scenario.sales.unqualified == "recycle" and can_move and env.now < lead.buying_window_end:
                lead.awaiting_stage_step = True
                self.log(lead, "recycled")
                return True
            cold = curve < lead.channel.decay.cold_below
            self.finish(lead, "lost_cold" if cold else "lost_unqualified", env.now)
            return False
        if lead.handoffs == 1:
            lead.qualified = True
        else:
            lead.qualified_later = True
        self.log(lead, "qualified")
        lead.qualified_at = env.now
        close_at = env.now + lead.sales_cycle_hours
        if self.scenario.selling.tasks:
            # The cycle ends no earlier than its last selling task: a busy owner stretches it.
            owner = self.floor.opportunity_owner(pool)
            in_time = yield from selling_work(
                env, self.scenario.selling, lead, owner, selling_draws(self.seed_sequence, lead),
                partial(self.window_closes, lead),
                partial(self.priority, lead, False), partial(self.book, pool=owner), self.log,
            )
            if not in_time:
                self.finish(lead, "lost_competitor", env.now)
                return False
            close_at = max(close_at, env.now)
        if close_at > lead.buying_window_end:
            yield env.timeout(max(0.0, lead.buying_window_end - env.now))
            self.finish(lead, "lost_competitor", env.now)
            return False
        if close_at > env.now:
            yield env.timeout(close_at - env.now)
        fit_multiplier = 1 - conversion.win_fit_weight + conversion.win_fit_weight * 2 * lead.fit
        interest_multiplier = 1 - conversion.win_interest_weight + conversion.win_interest_weight * intent
        stage_factor = getattr(conversion.win_stage_factor, STAGES[lead.stage])
        win = min(1.0, conversion.win_probability * fit_multiplier * interest_multiplier * stage_factor)
        if lead.outcome_draws.uniform() < win:
            lead.deal_value = lead.deal_value_if_won
            # The cohort stays open through the customer's follow-up (up to the cap).
            self.finish(lead, "won", env.now, release=False)
            self.on_won(lead)
        else:
            self.finish(lead, "lost_competitor", env.now)
        return False
