"""Business hours: when reps work and how far a number of working hours reaches.

The clock starts on Monday 00:00, so hour 130 is Saturday 10:00 and hour 176 is the second
Monday 08:00. The default calendar is Monday to Friday, 08:00-17:00 (45 hours a week).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.calendar import HOURS_PER_WEEK, BusinessCalendar, month_of
from sim.scenario.schema import WEEKDAYS, Calendar

OFFICE = BusinessCalendar(Calendar())  # mon-fri 8-17
ALWAYS = BusinessCalendar(Calendar(work_days=WEEKDAYS, start_hour=0, end_hour=24))
WEEKEND_SHIFT = BusinessCalendar(Calendar(work_days=("sat", "sun"), start_hour=10, end_hour=14))


def at(day: int, hour: float, week: int = 0) -> float:
    """Simulation time of weekday ``day`` (0 = Monday) at ``hour`` in week ``week``."""
    return week * HOURS_PER_WEEK + day * 24.0 + hour


MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


# ------------------------------------------------------------------------ is_open
@pytest.mark.parametrize(
    ("time_hours", "expected"),
    [
        (at(MON, 8), True),  # opening instant is open
        (at(MON, 7.999), False),
        (at(MON, 12.5), True),
        (at(MON, 16.999), True),
        (at(MON, 17), False),  # closing instant is closed
        (at(FRI, 16), True),
        (at(SAT, 10), False),
        (at(SUN, 12), False),
        (at(MON, 9, week=3), True),
        (at(SUN, 23.99, week=3), False),
    ],
)
def test_is_open_office_hours(time_hours: float, expected: bool) -> None:
    assert OFFICE.is_open(time_hours) is expected


def test_always_open_calendar() -> None:
    assert ALWAYS.always_open
    assert ALWAYS.hours_per_week == HOURS_PER_WEEK
    for time_hours in (0.0, at(SAT, 3.5), at(SUN, 23.999), 1e6 + 0.25):
        assert ALWAYS.is_open(time_hours)
        assert ALWAYS.next_open(time_hours) == time_hours
        assert ALWAYS.next_close(time_hours) == math.inf
    assert ALWAYS.add_business_hours(at(SAT, 3), 100.0) == at(SAT, 3) + 100.0
    assert ALWAYS.business_hours_between(10.0, 250.5) == 240.5


def test_seven_days_but_not_24h_is_not_always_open() -> None:
    calendar = BusinessCalendar(Calendar(work_days=WEEKDAYS, start_hour=0, end_hour=23))
    assert not calendar.always_open
    assert not calendar.is_open(at(WED, 23.5))
    assert calendar.next_open(at(WED, 23.5)) == at(THU, 0)


def test_weekend_only_calendar() -> None:
    assert WEEKEND_SHIFT.hours_per_week == 8
    assert not WEEKEND_SHIFT.is_open(at(MON, 11))
    assert WEEKEND_SHIFT.is_open(at(SAT, 10))
    assert WEEKEND_SHIFT.is_open(at(SUN, 13.5))
    assert WEEKEND_SHIFT.next_open(at(MON, 11)) == at(SAT, 10)
    assert WEEKEND_SHIFT.next_open(at(SUN, 14)) == at(SAT, 10, week=1)
    assert WEEKEND_SHIFT.business_hours_between(0.0, HOURS_PER_WEEK) == 8


# ---------------------------------------------------------------- next_open/close
@pytest.mark.parametrize(
    ("time_hours", "expected"),
    [
        (at(MON, 0), at(MON, 8)),
        (at(MON, 8), at(MON, 8)),
        (at(MON, 10), at(MON, 10)),
        (at(MON, 17), at(TUE, 8)),
        (at(FRI, 17), at(MON, 8, week=1)),  # Friday evening waits for Monday
        (at(SAT, 10), at(MON, 8, week=1)),
        (at(SUN, 23.5), at(MON, 8, week=1)),
    ],
)
def test_next_open(time_hours: float, expected: float) -> None:
    assert OFFICE.next_open(time_hours) == expected


@pytest.mark.parametrize(
    ("time_hours", "expected"),
    [
        (at(MON, 10), at(MON, 17)),
        (at(MON, 8), at(MON, 17)),
        (at(MON, 17), at(TUE, 17)),  # closed now: the end of the next shift
        (at(MON, 3), at(MON, 17)),
        (at(SAT, 10), at(MON, 17, week=1)),
    ],
)
def test_next_close(time_hours: float, expected: float) -> None:
    assert OFFICE.next_close(time_hours) == expected


# ------------------------------------------------------------ add_business_hours
@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (at(MON, 8), 0.0, at(MON, 8)),
        (at(MON, 8), 9.0, at(MON, 17)),
        (at(MON, 8), 9.5, at(TUE, 8.5)),
        (at(FRI, 16), 2.0, at(MON, 9, week=1)),  # over the weekend
        (at(SAT, 10), 1.0, at(MON, 9, week=1)),  # counting starts when the office opens
        (at(MON, 10), 45.0, at(MON, 10, week=1)),  # one working week
        (at(WED, 12), 24.0, at(MON, 9, week=1)),  # Wed 5 + Thu 9 + Fri 9 = 23, then Mon 1
        (at(THU, 20), 90.0, at(THU, 17, week=2)),  # Fri 9 + a week 45 + Mon-Thu 36
    ],
)
def test_add_business_hours(start: float, hours: float, expected: float) -> None:
    assert OFFICE.add_business_hours(start, hours) == pytest.approx(expected, abs=1e-9)


def test_add_whole_weeks_from_closed_instant_is_earliest() -> None:
    # 45 business hours from Saturday are used up at the next Friday's close; a result of the
    # Monday after would leave 63 idle hours and make the function jump at whole weeks.
    saturday = at(SAT, 10)
    just_below = OFFICE.add_business_hours(saturday, 45.0 - 1e-6)
    exactly = OFFICE.add_business_hours(saturday, 45.0)
    assert exactly == pytest.approx(at(FRI, 17, week=1))
    assert exactly - just_below < 1e-3


def test_add_business_hours_rejects_negative() -> None:
    with pytest.raises(ValueError, match="-1"):
        OFFICE.add_business_hours(0.0, -1.0)


# --------------------------------------------------------- business_hours_between
@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at(MON, 0), at(MON, 0, week=1), 45.0),
        (at(MON, 10), at(MON, 12), 2.0),
        (at(MON, 16), at(TUE, 9), 2.0),
        (at(FRI, 16), at(MON, 9, week=1), 2.0),
        (at(SAT, 0), at(SUN, 23), 0.0),
        (at(MON, 12), at(MON, 10), 0.0),  # reversed interval
        (at(MON, 0), at(MON, 0, week=52), 52 * 45.0),
    ],
)
def test_business_hours_between(start: float, end: float, expected: float) -> None:
    assert OFFICE.business_hours_between(start, end) == pytest.approx(expected, abs=1e-9)


def test_month_of() -> None:
    assert month_of(0.0, start_month=1) == 0
    assert month_of(24.0 * 31, start_month=1) == 1  # months of 365.25 / 12 days
    assert month_of(24.0 * 10, start_month=12) == 11
    assert month_of(24.0 * 31, start_month=12) == 0


# ------------------------------------------------------------------- properties
CALENDARS = st.builds(
    lambda days, start, length: Calendar(
        work_days=tuple(sorted(days, key=WEEKDAYS.index)),
        start_hour=start,
        end_hour=min(24.0, start + length),
    ),
    st.sets(st.sampled_from(WEEKDAYS), min_size=1),
    st.sampled_from([0.0, 6.0, 8.0, 8.5, 20.0]),
    st.sampled_from([0.5, 4.0, 9.0, 24.0]),
)
TIMES = st.floats(min_value=0.0, max_value=5000.0, allow_nan=False)
HOURS = st.one_of(
    st.floats(min_value=0.0, max_value=500.0, allow_nan=False),
    st.integers(min_value=0, max_value=6).map(float),  # whole multiples are edge cases
)


@settings(max_examples=200, deadline=None)
@given(calendar=CALENDARS, start=TIMES, hours=HOURS)
def test_add_then_between_round_trips(calendar: Calendar, start: float, hours: float) -> None:
    business = BusinessCalendar(calendar)
    end = business.add_business_hours(start, hours)
    assert end >= start
    tolerance = 1e-9 * max(1.0, end)
    assert business.business_hours_between(start, end) == pytest.approx(hours, abs=tolerance)


@settings(max_examples=200, deadline=None)
@given(calendar=CALENDARS, start=TIMES, weeks=st.integers(min_value=1, max_value=3),
       fraction=st.sampled_from([0.0, 0.5, 1.0]))
def test_add_business_hours_returns_earliest_instant(
    calendar: Calendar, start: float, weeks: int, fraction: float
) -> None:
    """Just before the returned instant, fewer than the asked hours have passed."""
    business = BusinessCalendar(calendar)
    hours = (weeks - 1 + fraction) * business.hours_per_week + 0.0
    if hours == 0:
        hours = business.hours_per_week
    end = business.add_business_hours(start, hours)
    assert business.business_hours_between(start, end - 1e-4) < hours


@settings(max_examples=200, deadline=None)
@given(calendar=CALENDARS, time_hours=TIMES)
def test_next_open_and_close_bracket_a_shift(calendar: Calendar, time_hours: float) -> None:
    business = BusinessCalendar(calendar)
    opened = business.next_open(time_hours)
    closed = business.next_close(time_hours)
    if business.always_open:
        assert (opened, closed) == (time_hours, math.inf)
        return
    assert opened >= time_hours
    assert business.is_open(opened)
    assert opened < closed
    assert not business.is_open(closed) or closed % 24 == 0  # a shift ending at midnight
    if opened > time_hours:  # closed in between
        assert business.business_hours_between(time_hours, opened) == 0
    assert business.business_hours_between(opened, closed) == pytest.approx(closed - opened)
