"""``add_business_hours`` walks shift by shift with ``next_open``/``next_close`` inlined: to the last bit.

The reference below is the walk written with the calendar's own ``next_open`` and ``next_close``
(as before the inlining); every instant must be identical (``==``, not approximately), because
own-task arrivals, SLA deadlines and expiries are event times and a last-bit change would move
events and change results.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model.calendar import HOURS_PER_WEEK, BusinessCalendar
from sim.scenario.schema import Calendar


def _reference(calendar: BusinessCalendar, time_hours: float, business_hours: float) -> float:
    full_weeks = math.floor(business_hours / calendar.hours_per_week) if calendar.regular else 0
    remaining = business_hours - full_weeks * calendar.hours_per_week
    if remaining == 0 and full_weeks > 0:
        full_weeks -= 1
        remaining = calendar.hours_per_week
    current = time_hours + full_weeks * HOURS_PER_WEEK
    while True:
        current = calendar.next_open(current)
        available = calendar.next_close(current) - current
        if remaining <= available:
            return current + remaining
        remaining -= available
        current += available


CALENDARS = {
    "office": BusinessCalendar(Calendar()),
    "half hours, six days": BusinessCalendar(Calendar(start_hour=7.5, end_hour=16.25,
                                                      work_days=["mon", "tue", "wed", "thu", "fri", "sat"])),
    "vacation and a ramping new hire": BusinessCalendar(
        Calendar(), frozenset({3, 4, 10, 11, 12, 40}), {day: 12.5 for day in range(14, 30)} | {31: 8.0}),
}


@pytest.mark.parametrize("name", CALENDARS)
def test_the_inlined_walk_gives_the_same_instants_to_the_last_bit(name: str) -> None:
    calendar = CALENDARS[name]
    rng = np.random.default_rng(11)
    starts = np.concatenate([rng.uniform(0, 24 * 60, 3000), np.arange(0, 24 * 60, 0.5)])
    amounts = np.concatenate([rng.exponential(6.0, 2000), [0.0, 1.0, 9.0, 24.0, 45.0, 90.0, 4.5]])
    for start in starts:
        for amount in rng.choice(amounts, size=4):
            assert calendar.add_business_hours(float(start), float(amount)) == _reference(
                calendar, float(start), float(amount)), (start, amount)
