"""Who arrives when: each channel's Poisson arrivals and the intrinsic traits of its leads.

Leads come in through channels (web inquiries, downloads, webinars, fairs, referrals) at a rate
that varies by weekday, hour and season. Each lead brings traits that no org setup changes
after its arrival - its stage, buying window, sales-cycle length, deal value, hot window and how
qualifiable it is - and a fit to the ideal customer profile whose *distribution* marketing's
targeting may change. Every trait comes from its own stream, one uniform per lead, turned into
the trait by inversion, so the same lead keeps the same quantile in every scenario.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from sim.model.calendar import DAYS_PER_MONTH, HOURS_PER_DAY, HOURS_PER_WEEK
from sim.model.decay import hot_window_hours
from sim.model.engine import QuietProcess, start_process_ahead, start_quiet_process
from sim.model.random_streams import named_stream, sample_many
from sim.model.records import stage_index
from sim.scenario.schema import Channel, Scenario

__all__ = [
    "BLOCK_ROWS", "LeadDraft", "PlannedLeads", "QuietProcess", "arrival_times", "start_process_ahead",
    "start_quiet_process",
]

HOURS_PER_MONTH = DAYS_PER_MONTH * HOURS_PER_DAY


@dataclass(frozen=True)
class LeadDraft:
    """A planned lead before it has an id: its channel, creation time and intrinsic traits."""

    created_at: float
    channel: Channel
    index: int
    traits: dict[str, Any]


BLOCK_ROWS = 1024
"""Planned leads per block of pre-drawn rows: a block is drawn when its first lead is made."""


class _RowBlocks:
    """One mechanism's pre-drawn rows for one channel's planned leads, drawn a block at a time.

    Row ``i`` is the ``i``-th ``width`` uniforms of the stream ``names``, as if all rows had been
    drawn at once (``random((count, width))`` fills row by row, one 64-bit output per uniform):
    block ``b`` is that stream advanced past the ``b * BLOCK_ROWS`` rows before it. Only the
    block in use is kept, and a lead gets a copy of its row (``row``): a row pointing into a
    shared block would keep the whole block alive as long as its lead lives (years of buying
    window for a few), so memory follows the leads in flight, not the run's length.
    """

    __slots__ = ("_block", "_count", "_flat", "_names", "_parent", "width")

    def __init__(self, parent: np.random.SeedSequence, names: tuple[str, ...], count: int, width: int) -> None:
        self._parent = parent
        self._names = names
        self._count = count
        self.width = width
        self._block = -1
        self._flat = np.empty(0)

    def row(self, index: int) -> np.ndarray:
        """Row ``index``, a copy the lead owns."""
        block, offset = divmod(index, BLOCK_ROWS)
        if block != self._block:
            rng = named_stream(self._parent, *self._names)
            first = block * BLOCK_ROWS
            bit_generator = rng.bit_generator
            assert isinstance(bit_generator, np.random.PCG64)  # named streams are PCG64: one output per uniform
            bit_generator.advance(first * self.width)
            self._flat = rng.random(min(BLOCK_ROWS, self._count - first) * self.width)
            self._block = block
        start = offset * self.width
        return self._flat[start:start + self.width].copy()


@dataclass(frozen=True)
class _ChannelPlan:
    """One channel's planned leads as arrays (traits drawn vectorised, one row per lead)."""

    channel: Channel
    times: np.ndarray
    numeric: dict[str, np.ndarray]
    stages: np.ndarray
    rows: dict[str, _RowBlocks]


class PlannedLeads:
    """All planned leads of a run in order of creation, each drafted only when asked for.

    The traits are drawn up front, vectorised per channel (a few floats per lead); the lead
    itself - its record, its rows of uniforms - is made by ``make`` when the run reaches it, so
    the leads of a run need not all exist at once. One stream per (trait, channel) and one
    uniform per lead and trait, so a lever that changes a trait's distribution (information
    exchange changes fit) moves no other trait, and the same lead keeps the same quantile of
    its fit distribution (inversion).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed_sequence: np.random.SeedSequence,
        times_of: Callable[[Channel], np.ndarray],
        row_width: dict[str, int],
        make: Callable[..., Any],
    ) -> None:
        self._plans: list[_ChannelPlan] = []
        for channel in scenario.channels:
            times = times_of(channel)
            count = len(times)

            def uniforms(trait: str, channel_name: str = channel.name, size: int = count) -> np.ndarray:
                return named_stream(seed_sequence, trait, channel_name).random(size)

            fit_uniforms = uniforms("fit")
            fits = stats.beta.ppf(fit_uniforms, channel.fit.alpha, channel.fit.beta)
            stages = stage_index(channel.stage_mix, uniforms("stage"))
            numeric = {
                "fit": fits,
                "fit_uniform": fit_uniforms,
                "window": sample_many(channel.buying_window_days, uniforms("buying_window")) * HOURS_PER_DAY,
                "cycle": sample_many(scenario.conversion.sales_cycle_days, uniforms("sales_cycle")) * HOURS_PER_DAY,
                "value": sample_many(scenario.conversion.deal_value, uniforms("deal_value")),
                "hot_window": hot_window_hours(channel.decay, uniforms("hot_window")),
                "qualify_uniform": uniforms("qualify"),
            }
            rows = {
                name: _RowBlocks(seed_sequence, ("rows", name, channel.name), count, width)
                for name, width in row_width.items()
            }
            self._plans.append(_ChannelPlan(channel, np.asarray(times, dtype=float), numeric, stages, rows))
        # creation order: by time, ties by channel name, then by index within the channel
        name_rank = {name: rank for rank, name in enumerate(sorted(plan.channel.name for plan in self._plans))}
        times = np.concatenate([np.empty(0)] + [plan.times for plan in self._plans])
        rank_of = np.concatenate([np.empty(0, dtype=np.int64)] + [
            np.full(len(plan.times), name_rank[plan.channel.name], dtype=np.int64) for plan in self._plans
        ])
        channel_of = np.concatenate([np.empty(0, dtype=np.int64)] + [
            np.full(len(plan.times), number, dtype=np.int64) for number, plan in enumerate(self._plans)
        ])
        index_of = np.concatenate([np.empty(0, dtype=np.int64)] + [
            np.arange(len(plan.times), dtype=np.int64) for plan in self._plans
        ])
        order = np.lexsort((index_of, rank_of, times))
        self.created_at: list[float] = times[order].tolist()
        """Creation times (hours) in creation order, plain floats."""
        self._channel_of: list[int] = channel_of[order].tolist()
        self._index_of: list[int] = index_of[order].tolist()
        self._make = make

    def __len__(self) -> int:
        return len(self.created_at)

    def draft(self, position: int) -> LeadDraft:
        """The ``position``-th planned lead (in creation order) as a draft."""
        plan = self._plans[self._channel_of[position]]
        index = self._index_of[position]
        traits: dict[str, Any] = {name: float(values[index]) for name, values in plan.numeric.items()}
        traits["stage"] = int(plan.stages[index])
        traits["rows"] = {name: blocks.row(index) for name, blocks in plan.rows.items()}
        traits["key"] = (plan.channel.name, str(index))
        return LeadDraft(self.created_at[position], plan.channel, index, traits)

    def __getitem__(self, position: int) -> Any:
        """The ``position``-th planned lead, made now (its id is its position)."""
        draft = self.draft(position)
        return self._make(position, draft.channel, draft.created_at, **draft.traits)


def arrival_times(
    scenario: Scenario, seed_sequence: np.random.SeedSequence, channel: Channel, hard_stop: float
) -> np.ndarray:
    """Non-homogeneous Poisson arrival times (hours) of one channel up to the hard stop."""
    rng = named_stream(seed_sequence, "arrivals", channel.name)
    hours = math.ceil(hard_stop)
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
        months = ((hour_index // HOURS_PER_MONTH).astype(int) + scenario.horizon.start_month - 1) % 12
        rate *= (weights / weights.mean())[months]
    counts = rng.poisson(rate)
    starts = np.repeat(hour_index.astype(float), counts)
    times = np.sort(starts + rng.random(starts.size))
    return times[times < hard_stop]
