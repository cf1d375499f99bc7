"""Availability: public holidays close the office, a rep on vacation does no work, new hires ramp up.

Event-log tests on small offices: the model's ``_account_work`` and ``_log`` hooks record when
work starts; no work may start on a closed day, and the same office without the closures does
work on those days (so each test can fail).
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError
from scenario_dicts import merged

from sim.model.calendar import BusinessCalendar
from sim.model.lifecycle import LeadLifecycleModel
from sim.model.records import Lead
from sim.scenario.schema import Calendar, Scenario

MONDAY = datetime.date(2027, 1, 4)
HOLIDAYS = (datetime.date(2027, 1, 6), datetime.date(2027, 1, 15), datetime.date(2027, 2, 10))
OFFICE: dict[str, Any] = {
    "horizon": {"warmup_days": 0, "measurement_days": 56, "drain_cap_days": 60},
    "calendar": {"start_date": MONDAY.isoformat()},
    "channels": [{"name": "web_inquiry", "leads_per_week": 40, "stage_mix": {"ql": 0, "mql": 0, "sql": 1},
                  "buying_window_days": {"distribution": "fixed", "mean": 30.0}}],
    "qualification": {"threshold": -1.0, "scoring_noise": 0.0},
    "sales": {"reps": 3, "own_workload_hours_per_week": 60.0, "own_workload_expires_business_hours": 45.0,
              "attempt_hours": {"distribution": "fixed", "mean": 0.3}},
    "conversion": {"sales_cycle_days": {"distribution": "fixed", "mean": 10.0}},
    "selling": {"tasks": [{"name": "demo", "hours": {"distribution": "fixed", "mean": 2.0},
                           "at_cycle_share": 0.5}]},
}




class WorkDays(LeadLifecycleModel):
    """The model recording the simulated day of every start of work and of every attempt."""

    def __init__(self, scenario: Scenario, seed: int = 1) -> None:
        super().__init__(scenario, seed=seed)
        self.work: list[tuple[float, float, str]] = []
        self.attempt_days: list[int] = []

    def _account_work(self, start: float, duration: float, kind: str, pool: Any = None) -> None:
        self.work.append((start, duration, kind))
        super()._account_work(start, duration, kind, pool)

    def _log(self, lead: Lead, event: str, at: float | None = None) -> None:
        if event == "attempt" or event.startswith("selling:"):
            self.attempt_days.append(int(self.env.now // 24))

    def work_days(self, kind: str | None = None) -> set[int]:
        return {int(start // 24) for start, _, k in self.work if kind is None or k == kind}


def run(**sections: Any) -> WorkDays:
    model = WorkDays(Scenario.model_validate(merged(OFFICE, sections)))
    model.run()
    return model


def test_holidays_need_a_monday_start_date_in_the_start_month() -> None:
    with pytest.raises(ValidationError, match="need start_date"):
        Calendar(holidays=(HOLIDAYS[0],))
    with pytest.raises(ValidationError, match="is a Tuesday"):
        Calendar(start_date=datetime.date(2027, 1, 5))
    with pytest.raises(ValidationError, match="not in horizon.start_month"):
        Scenario.model_validate(merged(OFFICE, {"horizon": {"start_month": 2}}))


def test_business_hours_skip_a_public_holiday() -> None:
    """Tuesday 16:00 + 2 business hours is Thursday 09:00 when Wednesday is a holiday."""
    calendar = BusinessCalendar(Calendar(start_date=MONDAY, holidays=(HOLIDAYS[0],)))
    tuesday_4pm = 24.0 + 16.0
    assert calendar.add_business_hours(tuesday_4pm, 2.0) == pytest.approx(3 * 24.0 + 9.0)
    assert calendar.business_hours_between(0.0, 7 * 24.0) == pytest.approx(4 * 9.0)
    assert not calendar.is_open(2 * 24.0 + 10.0) and calendar.next_open(2 * 24.0 + 10.0) == 3 * 24.0 + 8.0


def test_no_work_starts_on_a_public_holiday() -> None:
    closed = {(day - MONDAY).days for day in HOLIDAYS}
    open_office = run()
    assert closed <= open_office.work_days(), "control: without holidays reps work on these days"
    with_holidays = run(calendar={"holidays": [day.isoformat() for day in HOLIDAYS]})
    assert len(with_holidays.work) > 300
    assert not closed & with_holidays.work_days()
    assert not closed & set(with_holidays.attempt_days)
    assert {"lead", "own", "selling"} <= {kind for _, _, kind in with_holidays.work}


def test_a_rep_on_vacation_or_sick_does_no_work() -> None:
    """One rep with 40 vacation and 10 sick days a year: none of their days off carries work."""
    model = run(sales={"reps": 1, "vacation_days_per_year": 40.0, "sick_days_per_year": 10.0})
    absent = model.rep_calendars[0].closed_days
    in_run = {day for day in absent if day < 56}
    assert len(in_run) >= 3, f"too few days off in the run to test: {sorted(in_run)}"
    assert not in_run & model.work_days() and not in_run & set(model.attempt_days)
    control = run(sales={"reps": 1})
    assert in_run & control.work_days(), "control: the same days carry work when the rep is in"


def test_a_new_hire_works_less_while_ramping_up() -> None:
    """A single new hire at a quarter of the day for 4 weeks does ~a quarter of the later weekly work."""
    hire = {"count": 1, "joins_after_days": 0, "ramp_weeks": 4, "capacity_share": 0.25}
    model = run(channels=[{"name": "web_inquiry", "leads_per_week": 0}],
                sales={"reps": 1, "own_workload_hours_per_week": 80.0, "new_hires": hire})
    weekly = np.zeros(9)
    for start, hours, _ in model.work:
        weekly[int(start // 168)] += hours
    ramping, ramped = weekly[:4].mean(), weekly[5:8].mean()
    assert ramped > 40.0, weekly  # overloaded: a full rep works ~45 h a week
    assert ramping < 0.4 * ramped, weekly
    assert ramping > 0.1 * ramped, weekly  # but does work
