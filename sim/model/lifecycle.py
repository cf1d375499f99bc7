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
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Generator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import simpy
from scipy import stats
from simpy.resources.resource import SortedQueue

from sim.model.calendar import DAYS_PER_MONTH, HOURS_PER_DAY, HOURS_PER_WEEK, BusinessCalendar
from sim.model.random_streams import (
    DrawRow,
    named_stream,
    replication_seed_sequence,
    sample_from_uniform,
    sample_many,
)
from sim.model.records import LEAD_COLUMNS, OUTCOMES, Lead, lead_table
from sim.scenario.schema import STAGES, Channel, Decay, Scenario, StageMix

__all__ = ["LEAD_COLUMNS", "OUTCOMES", "Lead", "LeadLifecycleModel", "SimulationResult", "interest", "simulate"]

STAGE_VALUE = (0.0, 0.5, 1.0)  # QL, MQL, SQL on the scoring scale
HOURS_PER_MONTH = DAYS_PER_MONTH * HOURS_PER_DAY
HOURS_PER_YEAR = 365.25 * HOURS_PER_DAY
_ROW_WIDTH = {"nurture": 24, "engagement": 8, "handoff": 6, "contact": 20, "outcome": 6}
_SHIFT_PRIORITY = (-1.0, 0.0)
# An escalated lead (its SLA deadline passed before a rep took it) goes before every other lead
# and own-pipeline task, but not before the calendar's off-shift holds.
_ESCALATED_RANK = -0.5
Priority = tuple[float, float]


def _request_key(request: Any) -> Any:
    return request.key


class _InsortQueue(SortedQueue):
    """SimPy's priority queue, inserting in O(log n) instead of re-sorting on every request.

    ``SortedQueue.append`` appends and then stable-sorts the whole (already sorted) queue, so a
    new request lands after every request with an equal or smaller key: exactly where
    ``bisect.insort_right`` puts it. Same order, same results; the re-sort made the cost per
    lead grow with the queue length and thus with lead volume.
    """

    def append(self, item: Any) -> None:
        if self.maxlen is not None and len(self) >= self.maxlen:
            raise RuntimeError("Cannot append event. Queue is full.")
        bisect.insort_right(self, item, key=_request_key)


class _RepPool(simpy.PriorityResource):
    """Sales reps as a SimPy priority resource (with the O(log n) queue above)."""

    PutQueue = _InsortQueue


def _request(pool: simpy.PriorityResource, priority: Priority) -> simpy.resources.resource.PriorityRequest:
    """Ask ``pool`` for a rep with a (rank, key) priority: lower first, ties first come first served.

    SimPy compares priorities with ``<`` only, so tuples work although its hints say ``int``.
    """
    return pool.request(priority=priority)  # type: ignore[arg-type]


def _stage_index(mix: StageMix, uniforms: Any) -> Any:
    """Stage (0 QL, 1 MQL, 2 SQL) of each uniform under the channel's stage mix."""
    return np.searchsorted((mix.ql, mix.ql + mix.mql), uniforms, side="right")


def interest(decay: Decay, hours_since_touch: float) -> float:
    """Interest left ``hours_since_touch`` after the last touch, in [floor, 1]."""
    if hours_since_touch <= 0:
        return 1.0
    hot = decay.hot_weight * 0.5 ** (hours_since_touch / decay.hot_half_life_hours)
    slow = (1.0 - decay.hot_weight) * 0.5 ** (hours_since_touch / decay.slow_half_life_hours)
    return decay.floor + (1.0 - decay.floor) * (hot + slow)


def hot_window_hours(decay: Decay, uniforms: np.ndarray) -> np.ndarray:
    """Each lead's hot-window length, drawn from the mixture of the two decay phases by inversion.

    P(window > t) = w * 2^(-t/h1) + (1 - w) * 2^(-t/h2): a uniform below w picks the fast phase
    and is rescaled to a fresh uniform for its exponential, one above w the slow phase. An
    attempt inside the window meets the lead's full buying intent, one after it the floor, so
    the expected intent t hours after a touch is the decay curve ``interest(decay, t)``.
    """
    weight = decay.hot_weight
    clipped = np.clip(np.asarray(uniforms, dtype=float), 1e-12, 1.0 - 1e-12)
    fast = clipped < weight
    hours = np.empty_like(clipped)
    tau_fast = decay.hot_half_life_hours / math.log(2.0)
    tau_slow = decay.slow_half_life_hours / math.log(2.0)
    hours[fast] = -tau_fast * np.log(clipped[fast] / weight)
    hours[~fast] = -tau_slow * np.log((clipped[~fast] - weight) / (1.0 - weight))
    return hours


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
        self.handoffs_per_month: dict[int, int] = {}
        self.round_robin_next = 0
        self.cohort_open = 0
        self.leads_waiting = 0
        self.cohort_arrivals_done = False
        self.cohort_done = self.env.event()
        self.leads: list[Lead] = []
        self.busy_hours_in_window = 0.0
        self.lead_hours_in_window = 0.0
        self.own_hours_in_window = 0.0
        self.weeks = math.ceil(self.hard_stop / HOURS_PER_WEEK) + 1
        self.weekly_lead_hours = np.zeros(self.weeks)
        self.weekly_own_hours = np.zeros(self.weeks)
        self.weekly_handoffs = np.zeros(self.weeks)
        self.weekly_queue_samples = np.zeros(self.weeks)
        self.weekly_queue_count = np.zeros(self.weeks)
        self.weekly_created = np.zeros(self.weeks)
        self._build_reps()
        self.own_pipeline_stream = named_stream(self.seed_sequence, "own_pipeline")

    # ----------------------------------------------------------------- set-up
    def _build_reps(self) -> None:
        sales = self.scenario.sales
        if self.scenario.handoff.routing == "pooled":
            self.rep_pools = [_RepPool(self.env, capacity=sales.reps)]
        else:
            self.rep_pools = [_RepPool(self.env, capacity=1) for _ in range(sales.reps)]

    def _generate_arrivals(self) -> list[Lead]:
        """All leads of the run, drawn up front per channel; each trait from its own stream.

        One stream per (trait, channel) and one uniform per lead and trait, so a lever that
        changes a trait's distribution (information exchange changes fit) moves no other trait,
        and the same lead keeps the same quantile of its fit distribution (inversion).
        """
        drafts: list[tuple[float, int, Channel, dict[str, Any]]] = []
        for channel in self.scenario.channels:
            times = self._arrival_times(channel)
            count = len(times)

            def uniforms(trait: str, channel_name: str = channel.name, size: int = count) -> np.ndarray:
                return named_stream(self.seed_sequence, trait, channel_name).random(size)

            traits = {
                "fit_uniform": uniforms("fit"),
                "stage": _stage_index(channel.stage_mix, uniforms("stage")),
                "window": sample_many(channel.buying_window_days, uniforms("buying_window")) * HOURS_PER_DAY,
                "cycle": sample_many(self.scenario.conversion.sales_cycle_days, uniforms("sales_cycle"))
                * HOURS_PER_DAY,
                "value": sample_many(self.scenario.conversion.deal_value, uniforms("deal_value")),
                "hot_window": hot_window_hours(channel.decay, uniforms("hot_window")),
                "qualify_uniform": uniforms("qualify"),
            }
            fits = stats.beta.ppf(traits["fit_uniform"], channel.fit.alpha, channel.fit.beta)
            # kept as NumPy rows: Python lists of floats would triple the memory per lead
            rows = {
                name: named_stream(self.seed_sequence, "rows", name, channel.name).random((count, width))
                for name, width in _ROW_WIDTH.items()
            }
            for index in range(count):
                drafts.append(
                    (
                        float(times[index]),
                        index,
                        channel,
                        {
                            "fit": float(fits[index]),
                            **{name: float(values[index]) for name, values in traits.items() if name != "stage"},
                            "stage": int(traits["stage"][index]),
                            "rows": {name: rows[name][index] for name in _ROW_WIDTH},
                            "key": (channel.name, str(index)),
                        },
                    )
                )
        drafts.sort(key=lambda draft: (draft[0], draft[2].name, draft[1]))
        return [
            self._new_lead(lead_id, channel, created_at, **traits_of_lead)
            for lead_id, (created_at, _, channel, traits_of_lead) in enumerate(drafts)
        ]

    def _new_lead(
        self,
        lead_id: int,
        channel: Channel,
        created_at: float,
        *,
        fit: float,
        fit_uniform: float,
        stage: int,
        window: float,
        cycle: float,
        value: float,
        hot_window: float,
        qualify_uniform: float,
        rows: dict[str, Any],
        key: tuple[str, ...],
        referred_by: int | None = None,
    ) -> Lead:
        """A lead with its intrinsic traits and its own rows of uniforms per mechanism.

        A row that runs out continues on a generator keyed by the lead (``key``) and mechanism,
        made on first use, so even a lead's hundredth draw is the same in every scenario.
        """

        def draws(name: str) -> DrawRow:
            return DrawRow(rows[name], partial(named_stream, self.seed_sequence, "more", name, *key))

        return Lead(
            lead_id=lead_id,
            channel=channel,
            created_at=created_at,
            fit=fit,
            fit_uniform=fit_uniform,
            stage=stage,
            stage_at_creation=stage,
            max_stage=stage,
            buying_window_end=created_at + window,
            sales_cycle_hours=cycle,
            deal_value_if_won=value,
            hot_window_hours=hot_window,
            qualify_uniform=qualify_uniform,
            in_cohort=self.window_start <= created_at < self.window_end,
            nurture=draws("nurture"),
            engagement=draws("engagement"),
            handoff=draws("handoff"),
            contact=draws("contact"),
            outcome_draws=draws("outcome"),
            last_touch=created_at,
            referred_by=referred_by,
        )

    def _arrival_times(self, channel: Channel) -> np.ndarray:
        """Non-homogeneous Poisson arrival times (hours) of one channel up to the hard stop."""
        rng = named_stream(self.seed_sequence, "arrivals", channel.name)
        hours = math.ceil(self.hard_stop)
        if channel.leads_per_week == 0 or hours == 0:
            return np.empty(0)
        hour_index = np.arange(hours)
        rate = np.full(hours, channel.leads_per_week / HOURS_PER_WEEK)
        if channel.weekday_profile is not None:
            weights = np.asarray(channel.weekday_profile, dtype=float)
            rate *= (weights / weights.mean())[(hour_index // 24) % 7]
        if channel.hour_profile is not None:
            weights = np.asarray(channel.hour_profile, dtype=float)
            rate *= (weights / weights.mean())[hour_index % 24]
        if channel.monthly_seasonality is not None:
            weights = np.asarray(channel.monthly_seasonality, dtype=float)
            months = ((hour_index // HOURS_PER_MONTH).astype(int) + self.scenario.horizon.start_month - 1) % 12
            rate *= (weights / weights.mean())[months]
        counts = rng.poisson(rate)
        starts = np.repeat(hour_index.astype(float), counts)
        times = np.sort(starts + rng.random(starts.size))
        return times[times < self.hard_stop]

    # ---------------------------------------------------------------- running
    def run(self) -> SimulationResult:
        """Simulate until the measured cohort has finished (or the drain cap), return records."""
        self.planned_leads = self._generate_arrivals()
        # Word of mouth appends leads during the run; arrivals walk the planned ones only.
        self.leads = list(self.planned_leads)
        if not self.calendar.always_open:
            for pool in self.rep_pools:
                for _ in range(int(pool.capacity)):
                    self.env.process(self._shift(pool))
        if self.scenario.sales.own_pipeline_share > 0:
            for pool in self.rep_pools:
                self.env.process(self._own_pipeline(pool))
        self.env.process(self._queue_monitor())
        self.env.process(self._arrivals())
        stop = simpy.AnyOf(self.env, [self.cohort_done, self.env.timeout(self.hard_stop)])
        self.env.run(until=stop)
        return self._result()

    def _arrivals(self) -> Generator[simpy.Event, Any, None]:
        """Start each lead's process at its creation time."""
        env = self.env
        for lead in self.planned_leads:
            if lead.created_at >= self.window_end and not self.cohort_arrivals_done:
                # Run on to the window's end so utilisation covers the whole window.
                if env.now < self.window_end:
                    yield env.timeout(self.window_end - env.now)
                self._close_cohort()
            delay = lead.created_at - env.now
            if delay > 0:
                yield env.timeout(delay)
            self._start_lead(lead)
        if not self.cohort_arrivals_done:
            if env.now < self.window_end:
                yield env.timeout(self.window_end - env.now)
            self._close_cohort()

    def _start_lead(self, lead: Lead) -> None:
        """Count the lead in, let its content engagements begin and start its journey."""
        if lead.in_cohort:
            self.cohort_open += 1
        self.weekly_created[int(lead.created_at // HOURS_PER_WEEK)] += 1
        self._schedule_engagement(lead, lead.created_at)
        self.env.process(self._lead(lead))

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
        if closed_at is not None:
            lead.closed_at = closed_at
        if release:
            self._release(lead)

    def _log(self, lead: Lead, event: str) -> None:
        """Hook for an event log of a lead's journey (a no-op; tests override it to record)."""

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
            ready = yield from self._nurture_until_ready(lead)
            if not ready:
                return
            worked = yield from self._handoff(lead)
            if not worked:
                return
            recycled = yield from self._sales(lead)
            if not recycled:
                return

    def _score(self, lead: Lead) -> float:
        qualification = self.scenario.qualification
        true_score = qualification.fit_weight * lead.fit + (1 - qualification.fit_weight) * STAGE_VALUE[lead.stage]
        return true_score + qualification.scoring_noise * lead.nurture.normal()

    def _within_capacity(self, lead: Lead, now: float) -> bool:
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

    def _nurture_until_ready(self, lead: Lead) -> Generator[simpy.Event, Any, bool]:
        """Marketing scores and nurtures the lead until it passes the threshold, drops or buys elsewhere."""
        env = self.env
        nurturing = self.scenario.nurturing
        qualification = self.scenario.qualification
        while True:
            now = env.now
            if now >= lead.buying_window_end:
                self._finish(lead, "lost_competitor", now)
                return False
            next_check = nurturing.rescore_every_days * HOURS_PER_DAY
            # A lead sales found unqualified is not scored again until it has moved a stage:
            # what sales learnt stays with the lead, so an unchanged lead is not re-sent.
            if not lead.awaiting_stage_step:
                score = self._score(lead)
                if score >= qualification.threshold:
                    if self._within_capacity(lead, now):
                        if math.isnan(lead.sales_ready_at):
                            lead.sales_ready_at = now
                        lead.ready_at = now
                        lead.score_at_handoff = score
                        self._log(lead, "ready")
                        return True
                    # Over the agreed capacity: the lead stays in nurturing and is released at
                    # the start of the next month, as the agreement says.
                    lead.capacity_held = True
                    self._log(lead, "held")
                    next_check = (int(now // HOURS_PER_MONTH) + 1) * HOURS_PER_MONTH - now
            if lead.stage < 2:
                mean_days = nurturing.mean_days_ql_to_mql if lead.stage == 0 else nurturing.mean_days_mql_to_sql
                to_next_stage = lead.nurture.exponential(mean_days * HOURS_PER_DAY / nurturing.content_relevance)
            else:
                to_next_stage = math.inf
            dropout_mean = HOURS_PER_MONTH / nurturing.dropout_per_month if nurturing.dropout_per_month > 0 else math.inf
            to_dropout = lead.nurture.exponential(dropout_mean)
            to_window_end = lead.buying_window_end - now
            wait = min(next_check, to_next_stage, to_dropout, to_window_end)
            yield env.timeout(wait)
            if wait == to_window_end:
                self._finish(lead, "lost_competitor", env.now)
                return False
            if wait == to_dropout:
                self._finish(lead, "dropped", env.now)
                return False
            if wait == to_next_stage:
                lead.stage += 1
                lead.max_stage = max(lead.max_stage, lead.stage)
                lead.last_touch = env.now  # an engagement that moved the lead re-warms it
                lead.awaiting_stage_step = False
                self._log(lead, "stage_step")

    def _handoff(self, lead: Lead) -> Generator[simpy.Event, Any, bool]:
        """Pass the lead to sales by list or CRM task; set this hand-off's SLA deadline; sales may ignore it."""
        env = self.env
        handoff = self.scenario.handoff
        delay = lead.handoff.sample(handoff.admin_delay_hours)
        if handoff.mode == "batch":
            period = handoff.batch_every_hours
            delay += math.ceil(env.now / period) * period - env.now
        if delay > 0:
            yield env.timeout(delay)
        lead.handoffs += 1
        if math.isnan(lead.handoff_at):
            lead.handoff_at = env.now
        # Every hand-off has its own deadline, counted from the moment this hand-off was ready.
        lead.sla_deadline = self.calendar.add_business_hours(
            lead.ready_at, self.scenario.sla.first_contact_business_hours
        )
        self._log(lead, "handoff")
        self.weekly_handoffs[int(env.now // HOURS_PER_WEEK)] += 1
        # Sales decides once whether it works a marketing lead; a recycled lead it already
        # worked is not ignored on its return.
        first_handoff = lead.handoffs == 1
        if first_handoff and lead.channel.marketing_sourced and lead.handoff.uniform() < handoff.ignore_share:
            self._finish(lead, "ignored")
            self._log(lead, "ignored")
            return False
        return True

    def _pick_pool(self) -> simpy.PriorityResource:
        routing = self.scenario.handoff.routing
        if routing == "pooled":
            return self.rep_pools[0]
        if routing == "round_robin":
            pool = self.rep_pools[self.round_robin_next]
            self.round_robin_next = (self.round_robin_next + 1) % len(self.rep_pools)
            return pool
        return min(self.rep_pools, key=lambda pool: len(pool.queue) + pool.count)

    def _priority(self, lead: Lead, first_attempt: bool) -> Priority:
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

    def _wait_for_rep(
        self, pool: simpy.PriorityResource, lead: Lead, first_attempt: bool
    ) -> Generator[simpy.Event, Any, simpy.resources.resource.PriorityRequest]:
        """Queue for a rep; under the SLA rule a first attempt still waiting at its deadline escalates.

        Escalation is the SLA's teeth: the lead leaves its place and goes to the head of the
        queue, before other leads and own-pipeline work (a rep already busy finishes first).
        """
        env = self.env
        escalates = self.scenario.sales.queue == "sla" and first_attempt
        if escalates and env.now >= lead.sla_deadline:
            lead.sla_escalated = True
            self._log(lead, "escalated")
            request = _request(pool, (_ESCALATED_RANK, lead.sla_deadline))
            escalates = False
        else:
            request = _request(pool, self._priority(lead, first_attempt))
        self.leads_waiting += 1
        if escalates:
            yield request | env.timeout(lead.sla_deadline - env.now)
            if not request.triggered:
                request.cancel()
                lead.sla_escalated = True
                self._log(lead, "escalated")
                request = _request(pool, (_ESCALATED_RANK, lead.sla_deadline))
        yield request
        self.leads_waiting -= 1
        return request

    def _sales(self, lead: Lead) -> Generator[simpy.Event, Any, bool]:
        """One contact series: attempts, qualification and the sales cycle; True when recycled."""
        env = self.env
        sales = self.scenario.sales
        conversion = self.scenario.conversion
        decay = lead.channel.decay
        pool = self._pick_pool()
        attempts_this_handoff = 0
        series_hours = 0.0
        curve = 1.0
        while attempts_this_handoff < sales.max_attempts:
            if env.now >= lead.buying_window_end:
                lead.unanswered_dial_hours += series_hours
                self._finish(lead, "lost_competitor", env.now)
                return False
            request = yield from self._wait_for_rep(pool, lead, attempts_this_handoff == 0)
            start = env.now
            if start >= lead.buying_window_end:
                pool.release(request)
                lead.unanswered_dial_hours += series_hours
                self._finish(lead, "lost_competitor", start)
                return False
            attempts_this_handoff += 1
            lead.contact_attempts += 1
            curve = self._interest_at(lead, start)
            intent = self._intent_at(lead, start)
            self._log(lead, "attempt")
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
            self._account_work(start, duration, own=False)
            pool.release(request)
            lead.sales_hours += duration
            series_hours += duration
            if reached:
                lead.reached = True
                lead.last_touch = env.now
                return (yield from self._after_conversation(lead, intent, curve, series_hours))
            if attempts_this_handoff < sales.max_attempts:
                wait = sales.retry_after_hours
                if self.scenario.handoff.automation_triggers:
                    self._interest_at(lead, env.now)
                    wait = min(wait, max(0.0, lead.next_engagement - env.now))
                if wait > 0:
                    yield env.timeout(wait)
        lead.unanswered_dial_hours += series_hours
        self._finish(lead, "lost_cold" if curve < decay.cold_below else "dropped", env.now)
        return False

    def _after_conversation(
        self, lead: Lead, intent: float, curve: float, series_hours: float
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
            self._log(lead, "unqualified")
            # Only a lead that can still move a stage is worth recycling: an SQL sales found
            # unqualified would never come back, so it leaves now instead of idling in nurturing.
            can_move = lead.stage < len(STAGES) - 1
            if self.scenario.sales.unqualified == "recycle" and can_move and env.now < lead.buying_window_end:
                lead.awaiting_stage_step = True
                self._log(lead, "recycled")
                return True
            cold = curve < lead.channel.decay.cold_below
            self._finish(lead, "lost_cold" if cold else "lost_unqualified", env.now)
            return False
        if lead.handoffs == 1:
            lead.qualified = True
        else:
            lead.qualified_later = True
        self._log(lead, "qualified")
        close_at = env.now + lead.sales_cycle_hours
        if close_at > lead.buying_window_end:
            yield env.timeout(max(0.0, lead.buying_window_end - env.now))
            self._finish(lead, "lost_competitor", env.now)
            return False
        yield env.timeout(lead.sales_cycle_hours)
        fit_multiplier = 1 - conversion.win_fit_weight + conversion.win_fit_weight * 2 * lead.fit
        interest_multiplier = 1 - conversion.win_interest_weight + conversion.win_interest_weight * intent
        stage_factor = getattr(conversion.win_stage_factor, STAGES[lead.stage])
        win = min(1.0, conversion.win_probability * fit_multiplier * interest_multiplier * stage_factor)
        if lead.outcome_draws.uniform() < win:
            lead.deal_value = lead.deal_value_if_won
            # The cohort stays open through the customer's follow-up (up to the cap).
            self._finish(lead, "won", env.now, release=False)
            env.process(self._customer(lead))
        else:
            self._finish(lead, "lost_competitor", env.now)
        return False

    def _customer(self, customer: Lead) -> Generator[simpy.Event, Any, None]:
        """After the sale: satisfaction, churn, and for satisfied customers upsells and referrals."""
        yield from self._follow_customer(customer)
        self._release(customer)

    def _follow_customer(self, customer: Lead) -> Generator[simpy.Event, Any, None]:
        """The customer's follow-up period, until churn or ``follow_up_days`` after the sale."""
        env = self.env
        after = self.scenario.after_sale
        # One stream per customer, keyed by its id, so scenarios share its draws (CRN).
        rng = named_stream(self.seed_sequence, "customer", str(customer.lead_id))
        fit_factor = 1 - after.satisfaction_fit_weight + after.satisfaction_fit_weight * 2 * customer.fit
        customer.satisfied = bool(rng.random() < min(1.0, after.satisfaction_probability * fit_factor))
        churn_rate = after.churn_per_year_satisfied if customer.satisfied else after.churn_per_year_unsatisfied
        churn_at = env.now + (rng.exponential(HOURS_PER_YEAR / churn_rate) if churn_rate > 0 else math.inf)
        follow_up_end = env.now + after.follow_up_days * HOURS_PER_DAY
        end = min(churn_at, follow_up_end)
        upsell_rate = after.upsell_opportunities_per_year if customer.satisfied else 0.0
        referral_rate = after.referrals_per_year if customer.satisfied else 0.0
        next_upsell = env.now + (rng.exponential(HOURS_PER_YEAR / upsell_rate) if upsell_rate > 0 else math.inf)
        next_referral = env.now + (
            rng.exponential(HOURS_PER_YEAR / referral_rate) if referral_rate > 0 else math.inf
        )
        while True:
            upcoming = min(next_upsell, next_referral, end)
            if math.isinf(upcoming):
                return
            yield env.timeout(upcoming - env.now)
            if upcoming == end:
                if churn_at <= follow_up_end:
                    customer.churned_at = env.now
                return
            if upcoming == next_upsell:
                env.process(self._upsell(customer, rng))
                next_upsell += rng.exponential(HOURS_PER_YEAR / upsell_rate)
            else:
                self._referral_lead(customer, rng)
                next_referral += rng.exponential(HOURS_PER_YEAR / referral_rate)

    def _upsell(self, customer: Lead, rng: np.random.Generator) -> Generator[simpy.Event, Any, None]:
        """A cross-/upsell opportunity fed back to sales: rep time, then won or not."""
        env = self.env
        after = self.scenario.after_sale
        work_hours = sample_from_uniform(after.upsell_work_hours, rng.random())
        won = rng.random() < after.upsell_win_probability
        pool = self._pick_pool()
        with _request(pool, (0.0, env.now)) as request:
            yield request
            start = env.now
            if work_hours > 0:
                yield env.timeout(work_hours)
            self._account_work(start, work_hours, own=False)
        if won:
            customer.upsells_won += 1
            customer.upsell_revenue += customer.deal_value * after.upsell_value_share

    def _referral_lead(self, customer: Lead, rng: np.random.Generator) -> None:
        """Word of mouth: a satisfied customer brings a new lead in the referral channel."""
        channel = self.scenario.channel(self.scenario.after_sale.referral_channel or "")
        conversion = self.scenario.conversion
        fit_uniform = float(rng.random())
        customer.referrals += 1
        lead = self._new_lead(
            len(self.leads),
            channel,
            self.env.now,
            fit=float(stats.beta.ppf(fit_uniform, channel.fit.alpha, channel.fit.beta)),
            fit_uniform=fit_uniform,
            stage=int(_stage_index(channel.stage_mix, rng.random())),
            window=sample_from_uniform(channel.buying_window_days, rng.random()) * HOURS_PER_DAY,
            cycle=sample_from_uniform(conversion.sales_cycle_days, rng.random()) * HOURS_PER_DAY,
            value=sample_from_uniform(conversion.deal_value, rng.random()),
            hot_window=float(hot_window_hours(channel.decay, np.array([rng.random()]))[0]),
            qualify_uniform=float(rng.random()),
            rows={name: rng.random(width) for name, width in _ROW_WIDTH.items()},
            key=("referred", str(customer.lead_id), str(customer.referrals)),
            referred_by=customer.lead_id,
        )
        self.leads.append(lead)
        self._start_lead(lead)

    def _account_work(self, start: float, duration: float, own: bool) -> None:
        week = int(start // HOURS_PER_WEEK)
        if own:
            self.weekly_own_hours[week] += duration
        else:
            self.weekly_lead_hours[week] += duration
        # Utilisation compares with the business hours of the window, so only the part of the
        # work inside both counts: an attempt running past closing time (overtime) or past the
        # window's end would otherwise push utilisation above 1.
        end = start + duration
        if start < self.window_end and end > self.window_start:
            counted = self.calendar.business_hours_between(
                max(start, self.window_start), min(end, self.window_end)
            )
            self.busy_hours_in_window += counted
            if own:
                self.own_hours_in_window += counted
            else:
                self.lead_hours_in_window += counted

    def _shift(self, pool: simpy.PriorityResource) -> Generator[simpy.Event, Any, None]:
        """Hold one rep of ``pool`` outside business hours, so leads wait for the office to open."""
        env = self.env
        calendar = self.calendar
        while True:
            if calendar.is_open(env.now):
                yield env.timeout(calendar.next_close(env.now) - env.now)
            with _request(pool, _SHIFT_PRIORITY) as request:
                yield request
                reopen = calendar.next_open(env.now)
                if reopen > env.now:
                    yield env.timeout(reopen - env.now)

    def _own_pipeline(self, pool: simpy.PriorityResource) -> Generator[simpy.Event, Any, None]:
        """Sales' own prospecting: tasks that take ``own_pipeline_share`` of business hours."""
        env = self.env
        sales = self.scenario.sales
        task_hours = sales.own_pipeline_task_hours
        mean_gap = task_hours / (sales.own_pipeline_share * pool.capacity)
        rng = self.own_pipeline_stream
        while True:
            gap = float(rng.exponential(mean_gap))
            # Tasks arise only in business hours: advance ``gap`` working hours.
            target = self.calendar.add_business_hours(env.now, gap)
            yield env.timeout(target - env.now)
            self._start_own_task(pool, task_hours)

    def _start_own_task(self, pool: simpy.PriorityResource, task_hours: float) -> None:
        """One own-pipeline task: wait for a rep, hold it ``task_hours``, release it.

        Chained callbacks instead of a SimPy process per task: the same request, timeout and
        release at the same instants, without a process start and end event per task.
        """
        env = self.env
        # Own prospects go first in a silo; otherwise they fill the time marketing leads leave.
        own_first = self.scenario.sales.marketing_leads_below_own_pipeline
        request = _request(pool, (0, 0.0) if own_first else (2, 0.0))

        def start_task(_: simpy.Event) -> None:
            start = env.now

            def end_task(_: simpy.Event) -> None:
                self._account_work(start, task_hours, own=True)
                pool.release(request)

            env.timeout(task_hours).callbacks.append(end_task)

        request.callbacks.append(start_task)

    def _queue_monitor(self) -> Generator[simpy.Event, Any, None]:
        """Sample the number of waiting lead requests twice a day for the weekly series."""
        env = self.env
        while True:
            waiting = self.leads_waiting
            week = int(env.now // HOURS_PER_WEEK)
            self.weekly_queue_samples[week] += waiting
            self.weekly_queue_count[week] += 1
            yield env.timeout(12.0)

    # ---------------------------------------------------------------- output
    def _result(self) -> SimulationResult:
        leads = lead_table([lead for lead in self.leads if lead.in_cohort], self.replication)
        last_week = int(self.env.now // HOURS_PER_WEEK) + 1
        weeks = np.arange(last_week)
        available = np.array(
            [
                self.calendar.business_hours_between(w * HOURS_PER_WEEK, (w + 1) * HOURS_PER_WEEK)
                for w in weeks
            ]
        ) * self.scenario.sales.reps
        samples = self.weekly_queue_count[:last_week]
        weekly = pd.DataFrame(
            {
                "replication": self.replication,
                "week": weeks,
                "week_start_hours": weeks * HOURS_PER_WEEK,
                "in_window": (weeks * HOURS_PER_WEEK >= self.window_start)
                & (weeks * HOURS_PER_WEEK < self.window_end),
                "leads_created": self.weekly_created[:last_week],
                "handoffs": self.weekly_handoffs[:last_week],
                "lead_work_hours": self.weekly_lead_hours[:last_week],
                "own_pipeline_hours": self.weekly_own_hours[:last_week],
                "available_rep_hours": available,
                "mean_queue_length": np.divide(
                    self.weekly_queue_samples[:last_week], samples,
                    out=np.zeros(last_week), where=samples > 0,
                ),
            }
        )
        available_in_window = self.scenario.sales.reps * self.calendar.business_hours_between(
            self.window_start, self.window_end
        )
        run = {
            "replication": self.replication,
            "end_time_hours": float(self.env.now),
            "cohort_finished": bool(self.cohort_done.triggered),
            "available_rep_hours": available_in_window,
            "busy_rep_hours": self.busy_hours_in_window,
            "lead_work_hours": self.lead_hours_in_window,
            "own_pipeline_hours": self.own_hours_in_window,
            "leads_simulated": len(self.leads),
        }
        return SimulationResult(leads=leads, weekly=weekly, run=run)


def simulate(scenario: Scenario, seed: int = 0, replication: int = 0) -> SimulationResult:
    """Run one replication of ``scenario`` with the streams of (seed, replication)."""
    return LeadLifecycleModel(scenario, seed=seed, replication=replication).run()
