"""What the model remembers about each lead, and the lead table it writes at the end of a run.

A lead is the unit a marketing-sales report counts: where it came from, when it was ready for
sales, when sales first tried to call it, whether anyone spoke to it, whether it qualified and
how it ended. ``Lead`` is the model's mutable bookkeeping during a run; ``lead_table`` turns the
measured cohort into the flat, one-row-per-lead table (its columns: docs/model.md, 3.5).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from sim.model.random_streams import DrawRow
from sim.scenario.schema import STAGES, Channel, StageMix

# Pre-drawn uniforms per lead and mechanism; a lead needing more continues on its own stream.
ROW_WIDTH = {"nurture": 24, "engagement": 8, "handoff": 6, "contact": 20, "outcome": 6}
# The names of each mechanism's overflow stream (followed by the lead's key), one tuple for all leads.
OVERFLOW_NAMES = {name: ("more", name) for name in ROW_WIDTH}
# The rows of a lead whose journey has ended: nothing may draw from it (it raises).
SPENT_ROW = DrawRow(())
OUTCOMES = ("won", "lost_unqualified", "lost_competitor", "lost_cold", "ignored", "dropped", "open")
LEAD_COLUMNS = (
    "replication", "lead_id", "channel", "created_at", "fit", "stage_at_creation",
    "sales_ready_at", "handoff_at", "first_contact_at", "contact_attempts", "reached",
    "qualified", "cold_at_first_contact", "outcome", "closed_at", "deal_value",
    "max_stage", "interest_at_first_contact", "handoffs", "sales_hours", "wasted_sales_hours",
    "unanswered_dial_hours", "unqualified_conversation_hours", "qualified_later",
    "capacity_held", "sla_escalated", "hot_window_hours", "fit_uniform", "buying_window_days",
    "sales_cycle_days", "deal_value_if_won",
    "cost", "marketing_sourced", "score_at_handoff", "satisfied", "churned_at", "upsells_won",
    "upsell_revenue", "referrals", "referred_by", "qualified_at", "selling_hours",
    "first_conversation_at",
)


@dataclass(slots=True)
class Lead:
    """The mutable state of one lead during a run (the model's own bookkeeping).

    Slotted: a run holds every lead until its end, so a per-instance dict would dominate memory.
    The intrinsic traits (fit, stage, buying window, cycle, deal value, hot window, qualification
    uniform) are drawn at creation from their own streams, so they are the same in every scenario.
    """

    lead_id: int
    channel: Channel
    created_at: float
    fit: float
    fit_uniform: float
    stage: int
    buying_window_end: float
    sales_cycle_hours: float
    deal_value_if_won: float
    hot_window_hours: float
    qualify_uniform: float
    in_cohort: bool
    nurture: DrawRow
    engagement: DrawRow
    handoff: DrawRow
    contact: DrawRow
    outcome_draws: DrawRow
    stage_at_creation: int = 0
    last_touch: float = 0.0
    next_engagement: float = math.inf
    sales_ready_at: float = math.nan
    ready_at: float = math.nan  # the current hand-off's sales-ready moment
    handoff_at: float = math.nan
    first_contact_at: float = math.nan
    contact_attempts: int = 0
    reached: bool = False
    qualified: bool = False
    qualified_later: bool = False
    cold_at_first_contact: bool | None = None
    interest_at_first_contact: float = math.nan
    outcome: str = "open"
    closed_at: float = math.nan
    deal_value: float = math.nan
    handoffs: int = 0
    sales_hours: float = 0.0
    unanswered_dial_hours: float = 0.0
    unqualified_conversation_hours: float = 0.0
    score_at_handoff: float = math.nan
    max_stage: int = 0
    sla_deadline: float = math.nan
    sla_escalate_at: float = math.nan
    sla_escalated: bool = False
    capacity_held: bool = False
    awaiting_stage_step: bool = False
    satisfied: bool | None = None
    churned_at: float = math.nan
    upsells_won: int = 0
    upsell_revenue: float = 0.0
    referrals: int = 0
    referred_by: int | None = None
    crn_key: tuple[str, ...] = ()  # the lead's identity for its own random streams
    qualified_at: float = math.nan
    selling_hours: float = 0.0
    first_conversation_at: float = math.nan  # start of the first attempt that reached the lead (F4's "engaged")
    # One event at the buying window's end, raced by every wait of the lead for a rep (made at
    # its first wait and fired by ``sim.model.lifecycle.BuyingWindows``; not columns).
    window_closes: Any = None
    window_closes_at: float = math.nan  # when that event is due (the window's end, or its first wait)
    window_watched: bool = False  # in ``BuyingWindows``' heap of waiting leads

    @property
    def wasted_sales_hours(self) -> float:
        """Rep hours that led nowhere: unanswered dial series plus unqualified conversations."""
        return self.unanswered_dial_hours + self.unqualified_conversation_hours


class FinishLead(Protocol):
    """Close the lead with ``outcome`` (at ``closed_at``); ``release`` lets the cohort count it done."""

    def __call__(self, lead: Lead, outcome: str, closed_at: float | None = None, release: bool = True) -> None: ...


class LogEvent(Protocol):
    """Note an event of the lead's journey at ``at`` (None: now)."""

    def __call__(self, lead: Lead, event: str, at: float | None = None) -> None: ...


class LeadFactory:
    """Makes a run's leads: intrinsic traits in, a lead with its own rows of uniforms out."""

    def __init__(self, seed_sequence: np.random.SeedSequence, window_start: float, window_end: float) -> None:
        self.seed_sequence = seed_sequence
        self.window_start = window_start
        self.window_end = window_end

    def make(
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
        rows: dict[str, np.ndarray],
        key: tuple[str, ...],
        referred_by: int | None = None,
    ) -> Lead:
        """A lead with its intrinsic traits and its own rows of uniforms per mechanism.

        A row that runs out continues on a generator keyed by the lead (``key``) and mechanism,
        made on first use, so even a lead's hundredth draw is the same in every scenario.
        """

        seed_sequence = self.seed_sequence

        def draws(name: str) -> DrawRow:
            return DrawRow.keyed(rows[name], seed_sequence, OVERFLOW_NAMES[name], key)

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
            crn_key=key,
        )


class LeadRegister:
    """Every lead of a run by id; keeps the records of the measured cohort only.

    Lead ids are positions: the planned leads come first (in creation order), then the leads
    word of mouth brings during the run (``append``). Only cohort leads reach the lead table,
    so a lead outside the cohort is forgotten once its journey ends and memory holds what the
    table needs. Iterating yields the kept leads in id order.
    """

    __slots__ = ("_added", "_count", "_planned")

    def __init__(self, planned: int) -> None:
        self._count = planned
        self._planned: list[Lead] = []
        self._added: list[Lead] = []

    def __len__(self) -> int:
        """All leads of the run so far: planned plus added (the next added lead's id)."""
        return self._count

    def keep_planned(self, lead: Lead) -> None:
        """Remember a planned lead that has started, if it is in the cohort (in id order)."""
        if lead.in_cohort:
            self._planned.append(lead)

    def append(self, lead: Lead) -> None:
        """Add a lead created during the run (it takes the next id)."""
        self._count += 1
        if lead.in_cohort:
            self._added.append(lead)

    def __iter__(self) -> Iterator[Lead]:
        yield from self._planned
        yield from self._added


def lead_table(cohort: Sequence[Lead], replication: int) -> pd.DataFrame:
    """The lead table (``LEAD_COLUMNS``) of the measured cohort, with stable dtypes."""
    derived: dict[str, Callable[[Lead], Any]] = {
        "replication": lambda lead: replication,
        "channel": lambda lead: lead.channel.name,
        "stage_at_creation": lambda lead: STAGES[lead.stage_at_creation],
        "max_stage": lambda lead: STAGES[lead.max_stage],
        "cost": lambda lead: lead.channel.cost_per_lead,
        "marketing_sourced": lambda lead: lead.channel.marketing_sourced,
        "buying_window_days": lambda lead: (lead.buying_window_end - lead.created_at) / 24.0,
        "sales_cycle_days": lambda lead: lead.sales_cycle_hours / 24.0,
    }
    columns = {
        name: [derived[name](lead) if name in derived else getattr(lead, name) for lead in cohort]
        for name in LEAD_COLUMNS
    }
    leads = pd.DataFrame(columns)
    leads["cold_at_first_contact"] = leads["cold_at_first_contact"].astype("boolean")
    leads["satisfied"] = leads["satisfied"].astype("boolean")
    leads["referred_by"] = leads["referred_by"].astype("Int64")
    for name in ("churned_at", "upsell_revenue", "unanswered_dial_hours",
                 "unqualified_conversation_hours", "wasted_sales_hours", "sales_hours", "selling_hours",
                 "qualified_at", "first_conversation_at"):
        leads[name] = leads[name].astype(float)
    for name in ("upsells_won", "referrals", "contact_attempts", "handoffs", "lead_id", "replication"):
        leads[name] = leads[name].astype("int64")
    for name in ("reached", "qualified", "qualified_later", "marketing_sourced", "capacity_held",
                 "sla_escalated"):
        leads[name] = leads[name].astype(bool)
    return leads


def stage_index(mix: StageMix, uniforms: Any) -> Any:
    """Stage (0 QL, 1 MQL, 2 SQL) of each uniform under the channel's stage mix."""
    return np.searchsorted((mix.ql, mix.ql + mix.mql), uniforms, side="right")
