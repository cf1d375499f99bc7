"""After the sale: the customer's first year - satisfaction, churn, upsells fed back to sales, referrals.

A won lead becomes a customer. A satisfied customer stays, buys more and recommends the company;
an unhappy one leaves. Upsell opportunities take rep time like any other sales work, and each
recommendation is a new lead in the referral channel, so word of mouth moves future inbound
volume. Each customer draws from its own stream keyed by its lead id (common random numbers).

``AfterSale`` is a collaborator of the lifecycle: it is handed the sales floor's queue picker,
the ledger that books rep work and the intake that admits a referred lead, and knows nothing
else of the model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any, Protocol

import numpy as np
import simpy
from scipy import stats

from sim.model.calendar import HOURS_PER_DAY
from sim.model.decay import hot_window_hours
from sim.model.engine import start_quiet_process
from sim.model.random_streams import named_stream, sample_from_uniform
from sim.model.records import ROW_WIDTH, Lead, stage_index
from sim.model.reps import request_rep
from sim.model.work_hours import BookWork
from sim.scenario.schema import Channel, Scenario

HOURS_PER_YEAR = 365.25 * HOURS_PER_DAY


class ReferralIntake(Protocol):
    """Where a referred lead enters the run: made with the next id, kept and started now."""

    def admit_referral(self, channel: Channel, **traits: Any) -> Lead:
        """Make the referred lead in ``channel`` from its ``traits``, keep it and start its journey."""
        ...


class AfterSale:
    """The customers' follow-up year: satisfaction, churn, upsells worked by reps, referrals."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        seed_sequence: np.random.SeedSequence,
        pick_pool: Callable[[], simpy.PriorityResource],
        book: BookWork,
        intake: ReferralIntake,
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.seed_sequence = seed_sequence
        self.pick_pool = pick_pool
        self.book = book
        self.intake = intake

    def follow(self, customer: Lead) -> Generator[simpy.Event, Any, None]:
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
                start_quiet_process(env, self.upsell(customer, rng))
                next_upsell += rng.exponential(HOURS_PER_YEAR / upsell_rate)
            else:
                self.refer(customer, rng)
                next_referral += rng.exponential(HOURS_PER_YEAR / referral_rate)

    def upsell(self, customer: Lead, rng: np.random.Generator) -> Generator[simpy.Event, Any, None]:
        """A cross-/upsell opportunity fed back to sales: rep time, then won or not."""
        env = self.env
        after = self.scenario.after_sale
        work_hours = sample_from_uniform(after.upsell_work_hours, rng.random())
        won = rng.random() < after.upsell_win_probability
        pool = self.pick_pool()
        with request_rep(pool, (0.0, env.now)) as request:
            yield request
            start = env.now
            if work_hours > 0:
                yield env.timeout(work_hours)
            self.book(start, work_hours, "lead", pool)
        if won:
            customer.upsells_won += 1
            customer.upsell_revenue += customer.deal_value * after.upsell_value_share

    def refer(self, customer: Lead, rng: np.random.Generator) -> Lead:
        """Word of mouth: a satisfied customer brings a new lead in the referral channel."""
        channel = self.scenario.channel(self.scenario.after_sale.referral_channel or "")
        conversion = self.scenario.conversion
        fit_uniform = float(rng.random())
        customer.referrals += 1
        return self.intake.admit_referral(
            channel,
            fit=float(stats.beta.ppf(fit_uniform, channel.fit.alpha, channel.fit.beta)),
            fit_uniform=fit_uniform,
            stage=int(stage_index(channel.stage_mix, rng.random())),
            window=sample_from_uniform(channel.buying_window_days, rng.random()) * HOURS_PER_DAY,
            cycle=sample_from_uniform(conversion.sales_cycle_days, rng.random()) * HOURS_PER_DAY,
            value=sample_from_uniform(conversion.deal_value, rng.random()),
            hot_window=float(hot_window_hours(channel.decay, np.array([rng.random()]))[0]),
            qualify_uniform=float(rng.random()),
            rows={name: rng.random(width) for name, width in ROW_WIDTH.items()},
            key=("referred", str(customer.lead_id), str(customer.referrals)),
            referred_by=customer.lead_id,
        )
