"""Business hours: when sales reps work, and how far a number of working hours reaches.

Sales reps answer leads only while the office is open; a lead handed over on Friday evening
waits for Monday. The simulation clock counts hours from Monday 00:00 of the first simulated
day, so hour ``t`` falls on weekday ``(t // 24) % 7`` (0 = Monday). All functions are pure.
"""

from __future__ import annotations

import math

from sim.scenario.schema import WEEKDAYS, Calendar

HOURS_PER_DAY = 24.0
HOURS_PER_WEEK = 168.0
DAYS_PER_MONTH = 365.25 / 12.0


class BusinessCalendar:
    """Opening hours of the sales team, answering when it is open and how long until it is."""

    def __init__(
        self,
        calendar: Calendar,
        closed_days: frozenset[int] = frozenset(),
        day_end: dict[int, float] | None = None,
    ) -> None:
        """Opening hours of ``calendar``, closed on its public holidays and on ``closed_days``.

        ``day_end`` ends some days early (hour of day by simulated day: a ramping new hire).
        """
        self.start_hour = float(calendar.start_hour)
        self.end_hour = float(calendar.end_hour)
        self.open_days = frozenset(WEEKDAYS.index(day) for day in calendar.work_days)
        self.day_end = {day: end for day, end in (day_end or {}).items() if end > self.start_hour}
        early_closed = {day for day, end in (day_end or {}).items() if end <= self.start_hour}
        self.closed_days = frozenset(calendar.closed_days() | closed_days | early_closed)
        # Without closed or shortened days every week is alike: whole weeks can be skipped.
        self.regular = not self.closed_days and not self.day_end
        self.always_open = (
            self.regular and len(self.open_days) == 7 and self.start_hour == 0 and self.end_hour == 24
        )
        self.hours_per_week = len(self.open_days) * (self.end_hour - self.start_hour)

    def works_on(self, day: int) -> bool:
        """Whether simulated day ``day`` (0 = the start) is a working day."""
        return day % 7 in self.open_days and day not in self.closed_days

    def _end_of(self, day: int) -> float:
        return self.day_end.get(day, self.end_hour) if self.day_end else self.end_hour

    def is_open(self, time_hours: float) -> bool:
        """Whether reps work at this instant (opening inclusive, closing exclusive)."""
        if self.always_open:
            return True
        day = int(time_hours // HOURS_PER_DAY)
        hour = time_hours - day * HOURS_PER_DAY
        return self.works_on(day) and self.start_hour <= hour < self._end_of(day)

    def next_open(self, time_hours: float) -> float:
        """The earliest instant at or after ``time_hours`` when reps work."""
        if self.always_open or self.is_open(time_hours):
            return time_hours
        day = int(time_hours // HOURS_PER_DAY)
        hour = time_hours - day * HOURS_PER_DAY
        if self.works_on(day) and hour < self.start_hour:
            return day * HOURS_PER_DAY + self.start_hour
        offset = 1
        while not self.works_on(day + offset):
            offset += 1  # ends: a calendar has a work day every week and finitely many closed days
        return (day + offset) * HOURS_PER_DAY + self.start_hour

    def next_close(self, time_hours: float) -> float:
        """The end of the shift that is open at ``time_hours`` (infinite when always open)."""
        if self.always_open:
            return math.inf
        opened = self.next_open(time_hours)
        day = int(opened // HOURS_PER_DAY)
        return day * HOURS_PER_DAY + self._end_of(day)

    def add_business_hours(self, time_hours: float, business_hours: float) -> float:
        """The instant when ``business_hours`` working hours have passed after ``time_hours``."""
        if business_hours < 0:
            raise ValueError(f"business_hours must be >= 0, got {business_hours}")
        if self.always_open:
            return time_hours + business_hours
        full_weeks = math.floor(business_hours / self.hours_per_week) if self.regular else 0
        remaining = business_hours - full_weeks * self.hours_per_week
        if remaining == 0 and full_weeks > 0:
            # Whole weeks: the last one ends at a closing time, not a week later in the
            # night or weekend after it (the earliest instant, as for any other amount).
            full_weeks -= 1
            remaining = self.hours_per_week
        current = time_hours + full_weeks * HOURS_PER_WEEK
        # Shift by shift: ``next_open`` and ``next_close`` inlined (the same arithmetic, so the
        # same instants to the last bit; this runs for every own task, deadline and expiry).
        start_hour, end_hour, day_end = self.start_hour, self.end_hour, self.day_end
        open_days, closed_days = self.open_days, self.closed_days
        while True:
            day = int(current // HOURS_PER_DAY)
            closes = day_end.get(day, end_hour) if day_end else end_hour
            works = day % 7 in open_days and day not in closed_days
            hour = current - day * HOURS_PER_DAY
            if not (works and start_hour <= hour < closes):  # closed: the next opening
                if works and hour < start_hour:
                    current = day * HOURS_PER_DAY + start_hour
                else:
                    day += 1
                    while not (day % 7 in open_days and day not in closed_days):
                        day += 1
                    current = day * HOURS_PER_DAY + start_hour
                    closes = day_end.get(day, end_hour) if day_end else end_hour
            available = (day * HOURS_PER_DAY + closes) - current
            if remaining <= available:
                return current + remaining
            remaining -= available
            current += available

    def business_hours_between(self, start_hours: float, end_hours: float) -> float:
        """Working hours in the interval [start_hours, end_hours]."""
        if end_hours <= start_hours:
            return 0.0
        if self.always_open:
            return end_hours - start_hours
        first_day = int(start_hours // HOURS_PER_DAY)
        last_day = int(end_hours // HOURS_PER_DAY)
        total = 0.0
        for day in range(first_day, last_day + 1):
            if not self.works_on(day):
                continue
            shift_start = day * HOURS_PER_DAY + self.start_hour
            shift_end = day * HOURS_PER_DAY + self._end_of(day)
            total += max(0.0, min(shift_end, end_hours) - max(shift_start, start_hours))
        return total


def month_of(time_hours: float, start_month: int) -> int:
    """Calendar month (0 = January) of a simulation instant, with months of equal length."""
    elapsed_months = int(time_hours // (DAYS_PER_MONTH * HOURS_PER_DAY))
    return (start_month - 1 + elapsed_months) % 12
