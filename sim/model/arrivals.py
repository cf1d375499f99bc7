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
from sim.model.random_streams import named_stream, sample_many
from sim.model.records import stage_index
from sim.scenario.schema import Channel, Scenario

HOURS_PER_MONTH = DAYS_PER_MONTH * HOURS_PER_DAY


@dataclass(frozen=True)
class LeadDraft:
    """A planned lead before it has an id: its channel, creation time and intrinsic traits."""

    created_at: float
    channel: Channel
    index: int
    traits: dict[str, Any]


def planned_drafts(
    scenario: Scenario,
    seed_sequence: np.random.SeedSequence,
    times_of: Callable[[Channel], np.ndarray],
    row_width: dict[str, int],
) -> list[LeadDraft]:
    """All planned leads of a run, drawn per channel and sorted by creation time.

    One stream per (trait, channel) and one uniform per lead and trait, so a lever that
    changes a trait's distribution (information exchange changes fit) moves no other trait,
    and the same lead keeps the same quantile of its fit distribution (inversion).
    """
    drafts: list[LeadDraft] = []
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
        # kept as NumPy rows: Python lists of floats would triple the memory per lead
        rows = {
            name: named_stream(seed_sequence, "rows", name, channel.name).random((count, width))
            for name, width in row_width.items()
        }
        for index in range(count):
            traits: dict[str, Any] = {name: float(values[index]) for name, values in numeric.items()}
            traits["stage"] = int(stages[index])
            traits["rows"] = {name: rows[name][index] for name in row_width}
            traits["key"] = (channel.name, str(index))
            drafts.append(LeadDraft(float(times[index]), channel, index, traits))
    drafts.sort(key=lambda draft: (draft.created_at, draft.channel.name, draft.index))
    return drafts


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
