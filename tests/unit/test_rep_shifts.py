"""Shift-aware rep pools and own-task expiry: the same grants as per-rep off-shift holds, fewer events.

A ``RepPool`` keeps reps off work outside their calendar's hours itself (``follow_shift``); any
other SimPy resource gets the former off-shift hold process (a request ahead of all work from
closing to opening). The equivalence tests run one random workload on both and compare the
instant every request is granted; the small tests pin the rules one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import pytest
import simpy

from sim.model.calendar import BusinessCalendar
from sim.model.reps import RepPool, off_shift_holds, own_pipeline_tasks, request_rep
from sim.scenario.schema import Calendar, Sales

OFFICE = BusinessCalendar(Calendar())  # Monday to Friday, 08:00-17:00
MONDAY_8 = 8.0
TUESDAY_8 = 24.0 + 8.0
JOBS = 400
WEDNESDAY_8 = 48.0 + 8.0


def _pool_with_shifts(env: simpy.Environment, calendars: list[BusinessCalendar]) -> RepPool:
    pool = RepPool(env, capacity=len(calendars))
    for calendar in calendars:
        env.process(off_shift_holds(env, calendar, pool))
    return pool


def _job(
    env: simpy.Environment, pool: simpy.PriorityResource, arrive: float, hours: float,
    priority: tuple[float, float], granted: dict[str, float], name: str,
) -> Generator[simpy.Event, Any, None]:
    yield env.timeout(arrive)
    request = request_rep(pool, priority)
    yield request
    granted[name] = env.now
    yield env.timeout(hours)
    pool.release(request)


def test_no_rep_is_granted_outside_business_hours() -> None:
    env = simpy.Environment()
    pool = _pool_with_shifts(env, [OFFICE, OFFICE])
    granted: dict[str, float] = {}
    env.process(_job(env, pool, 20.0, 0.5, (0.0, 0.0), granted, "monday evening"))
    env.process(_job(env, pool, 10.0, 0.5, (0.0, 0.0), granted, "monday morning"))
    env.run(until=24 * 7)
    assert granted == {"monday morning": 10.0, "monday evening": TUESDAY_8}


def test_a_rep_busy_at_closing_goes_off_when_done_before_any_waiting_work() -> None:
    env = simpy.Environment()
    pool = _pool_with_shifts(env, [OFFICE])
    granted: dict[str, float] = {}
    env.process(_job(env, pool, 16.0, 2.0, (0.0, 0.0), granted, "overtime"))
    env.process(_job(env, pool, 17.5, 0.5, (-0.5, 0.0), granted, "escalated, waiting at 18:00"))
    env.run(until=24 * 7)
    assert granted == {"overtime": 16.0, "escalated, waiting at 18:00": TUESDAY_8}
    assert pool.off_shift == 1 and not pool.going_off


def test_at_opening_the_waiting_requests_are_granted_in_queue_order() -> None:
    env = simpy.Environment()
    pool = _pool_with_shifts(env, [OFFICE, OFFICE])
    granted: dict[str, float] = {}
    # Asked for overnight, in this order, with these priorities (lower first, ties by time).
    for name, arrive, priority in [("own task", 18.0, (2.0, 0.0)), ("lead b", 20.0, (0.0, 0.0)),
                                   ("lead a", 19.0, (0.0, 0.0)), ("escalated", 23.0, (-0.5, 0.0))]:
        env.process(_job(env, pool, arrive, 1.0, priority, granted, name))
    env.run(until=24 * 7)
    assert granted == {"escalated": TUESDAY_8, "lead a": TUESDAY_8,
                       "lead b": TUESDAY_8 + 1.0, "own task": TUESDAY_8 + 1.0}
    assert sorted(granted, key=lambda name: (granted[name], name != "escalated" and name != "lead b")) == [
        "escalated", "lead a", "lead b", "own task"]


def test_a_rep_on_vacation_stays_off_while_a_colleague_works() -> None:
    env = simpy.Environment()
    on_vacation_tuesday = BusinessCalendar(Calendar(), closed_days=frozenset({1}))
    pool = _pool_with_shifts(env, [on_vacation_tuesday, OFFICE])
    granted: dict[str, float] = {}
    env.process(_job(env, pool, 24.0 + 9.0, 3.0, (0.0, 0.0), granted, "first"))
    env.process(_job(env, pool, 24.0 + 10.0, 1.0, (0.0, 0.0), granted, "second"))
    env.run(until=24 * 7)
    # Only the colleague works on Tuesday: the second request waits for them, not for a free seat.
    assert granted == {"first": 24.0 + 9.0, "second": 24.0 + 12.0}


def test_a_rep_on_vacation_alone_leaves_work_waiting_until_they_return() -> None:
    env = simpy.Environment()
    pool = _pool_with_shifts(env, [BusinessCalendar(Calendar(), closed_days=frozenset({1}))])
    granted: dict[str, float] = {}
    env.process(_job(env, pool, 24.0 + 10.0, 1.0, (0.0, 0.0), granted, "tuesday"))
    env.run(until=24 * 7)
    assert granted == {"tuesday": WEDNESDAY_8}


def test_seats_off_shift_count_as_taken_for_least_loaded_routing() -> None:
    """``len(queue) + count`` as with hold requests: reps off or about to go off count as busy."""
    env = simpy.Environment()
    pool = _pool_with_shifts(env, [OFFICE, OFFICE, OFFICE])
    env.run(until=12.0)
    assert pool.count == 0
    env.run(until=20.0)
    assert pool.count == 3 and pool.off_shift == 3 and not pool.users


def _calendars(rng: np.random.Generator, reps: int) -> list[BusinessCalendar]:
    """Reps with their own days off and one new hire leaving early for a while."""
    calendars = []
    for rep in range(reps):
        closed = frozenset(int(day) for day in rng.choice(60, size=8, replace=False))
        day_end = {day: 12.5 for day in range(10, 30)} if rep == reps - 1 else None
        calendars.append(BusinessCalendar(Calendar(), closed, day_end))
    return calendars


def _grants(pool_factory: Callable[[simpy.Environment], simpy.PriorityResource],
            calendars: list[BusinessCalendar], seed: int) -> dict[str, float]:
    """Grant instants of a random workload (continuous times: no ties) on the pool made."""
    env = simpy.Environment()
    pool = pool_factory(env)
    for calendar in calendars:
        env.process(off_shift_holds(env, calendar, pool))
    rng = np.random.default_rng(seed)
    granted: dict[str, float] = {}
    arrive = 0.0
    for job in range(JOBS):
        arrive += float(rng.exponential(8.0 / len(calendars)))  # ~70 % of the team's hours
        priority = (float(rng.integers(-1, 3)) * 0.5 + 0.5, float(rng.random()))
        env.process(_job(env, pool, arrive, float(rng.exponential(1.5)), priority, granted, str(job)))
    env.run(until=arrive + 24 * 30)
    return granted


@pytest.mark.parametrize(("reps", "seed"), [(1, 1), (3, 2), (6, 3)])
def test_the_shift_aware_pool_grants_exactly_when_off_shift_hold_requests_did(reps: int, seed: int) -> None:
    calendars = _calendars(np.random.default_rng(seed), reps)
    with_holds = _grants(lambda env: simpy.PriorityResource(env, capacity=reps), calendars, seed)
    shift_aware = _grants(lambda env: RepPool(env, capacity=reps), calendars, seed)
    assert len(with_holds) == JOBS
    assert shift_aware == with_holds


def _own_workload(reps: int, expires: float | None) -> tuple[list[tuple[float, float]], int, int]:
    """Missed own tasks (time, hours), events scheduled and tasks that waited, for a tiny team."""
    env = simpy.Environment()
    pool = _pool_with_shifts(env, [OFFICE] * reps)
    sales = Sales(reps=reps, own_workload_hours_per_week=60.0, own_workload_expires_business_hours=expires,
                  own_workload_task_hours={"distribution": "fixed", "mean": 2.0})
    missed: list[tuple[float, float]] = []
    env.process(own_pipeline_tasks(env, OFFICE, pool, sales, 60.0, np.random.default_rng(5),
                                   lambda start, hours, kind: None, lambda hours: missed.append((env.now, hours))))
    waited = 0

    def count_waits(original: Any = pool.request) -> Any:  # every request that could not start at once
        def request(*args: Any, **kwargs: Any) -> Any:
            nonlocal waited
            made = original(*args, **kwargs)
            waited += not made.triggered
            return made
        return request

    pool.request = count_waits()  # type: ignore[method-assign]
    env.run(until=24 * 7 * 20)
    return missed, next(env._eid), waited


def test_own_tasks_nobody_starts_in_time_expire_in_order_with_fewer_events_than_tasks_waiting() -> None:
    missed, events, waited = _own_workload(1, 9.0)
    _, events_without_expiry, _ = _own_workload(1, None)
    assert waited > 100 and len(missed) > 20
    # Each missed task left at its expiry: in order of time, and never outside business hours.
    times = [time for time, _ in missed]
    assert times == sorted(times) and all(OFFICE.is_open(time) or time % 24 == 17.0 for time in times)
    # One timer for the earliest waiting task instead of one timeout per waiting task.
    assert events - events_without_expiry < waited


def test_a_fractional_closing_hour_ends_the_shift_instead_of_looping_at_the_closing_instant() -> None:
    """A ramping new hire's day ending at 8 + 0.45 x 9 = 12.05 h: the closing instant's hour of day
    rounds to just below 12.05, so it reads as open; the rep still goes off until the next morning
    (off-shift hold requests looped there for ever at one instant)."""
    ramping = BusinessCalendar(Calendar(), day_end={day: 8.0 + 0.45 * 9.0 for day in range(14)})
    assert any(ramping.is_open(ramping.next_close(day * 24.0 + 9.0)) for day in range(14))  # the trap
    env = simpy.Environment()
    pool = _pool_with_shifts(env, [ramping])
    granted: dict[str, float] = {}
    for day in range(14):
        if ramping.works_on(day):
            env.process(_job(env, pool, day * 24.0 + 12.5, 0.25, (0.0, 0.0), granted, f"{day} after closing"))
    steps = 0
    while env.peek() < 24.0 * 14 and steps < 5_000:  # a loop at one instant would use up the steps
        env.step()
        steps += 1
    assert steps < 5_000
    opening = {day: day * 24.0 + 8.0 for day in range(15) if ramping.works_on(day)}
    assert granted == {name: min(t for d, t in opening.items() if d > int(name.split()[0]))
                       for name in granted} and len(granted) == 9
