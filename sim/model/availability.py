"""Who is at work: public holidays, each rep's vacation and sick days, new hires ramping up.

The team's calendar (``calendar``: opening hours, public holidays) is the same for everyone.
Each rep gets a calendar of their own on top of it: their vacation days (``sales.
vacation_days_per_year`` random work days a year) and sick days (a Poisson number with mean
``sales.sick_days_per_year`` a year) are closed, drawn from the rep's own stream
``absence/<rep>``, so every scenario with the same team sees the same absences. The last
``sales.new_hires.count`` reps join after ``joins_after_days`` and, for ``ramp_weeks``, work only
``capacity_share`` of each day (their day ends early). A rep's calendar drives the shift that keeps
that rep's seat in the pool off work while away (``sim.model.reps.RepPool.follow_shift``), so
absences take capacity exactly like closing time does. Days are simulated days (0 = the first Monday).
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.calendar import HOURS_PER_DAY, BusinessCalendar
from sim.model.random_streams import named_stream
from sim.scenario.schema import Scenario

DAYS_PER_YEAR = 365


def _absent_days(
    team: BusinessCalendar, days: int, vacation_per_year: float, sick_per_year: float, rng: np.random.Generator
) -> set[int]:
    """Random work days off for one rep, year by year (a partial last year gets its share)."""
    absent: set[int] = set()
    for year_start in range(0, days, DAYS_PER_YEAR):
        year_end = min(days, year_start + DAYS_PER_YEAR)
        work_days = [day for day in range(year_start, year_end) if team.works_on(day)]
        share = (year_end - year_start) / DAYS_PER_YEAR
        vacation = min(len(work_days), round(vacation_per_year * share))
        sick = min(len(work_days), int(rng.poisson(sick_per_year * share)))
        for count in (vacation, sick):
            if count and work_days:
                absent.update(int(day) for day in rng.choice(work_days, size=count, replace=False))
    return absent


def rep_calendars(
    scenario: Scenario, seed_sequence: np.random.SeedSequence, team: BusinessCalendar, until_hours: float
) -> list[BusinessCalendar]:
    """One calendar per rep up to ``until_hours``: the team's, minus the rep's absences and ramp-up."""
    sales = scenario.sales
    hires = sales.new_hires
    if sales.vacation_days_per_year == 0 and sales.sick_days_per_year == 0 and hires.count == 0:
        return [team] * sales.reps
    days = math.ceil(until_hours / HOURS_PER_DAY) + 1
    first_new = sales.reps - hires.count
    join_day = math.ceil(hires.joins_after_days)
    ramp_end = join_day + math.ceil(hires.ramp_weeks * 7)
    ramp_close = team.start_hour + hires.capacity_share * (team.end_hour - team.start_hour)
    calendars = []
    for rep in range(sales.reps):
        rng = named_stream(seed_sequence, "absence", str(rep))
        closed = _absent_days(team, days, sales.vacation_days_per_year, sales.sick_days_per_year, rng)
        day_end: dict[int, float] = {}
        if rep >= first_new:
            closed.update(range(join_day))
            day_end = {day: ramp_close for day in range(join_day, ramp_end)}
        calendars.append(BusinessCalendar(scenario.calendar, frozenset(closed), day_end))
    return calendars


def available_hours(calendars: list[BusinessCalendar], start_hours: float, end_hours: float) -> float:
    """Working hours of the whole team in [start, end]: each rep's own calendar summed."""
    if all(calendar is calendars[0] for calendar in calendars):
        return len(calendars) * calendars[0].business_hours_between(start_hours, end_hours)
    return sum(calendar.business_hours_between(start_hours, end_hours) for calendar in calendars)
