"""Sales reps as a SimPy priority resource: who gets the next free rep.

A team of reps is a pool of servers; leads and sales' own prospecting ask it for a rep with a
priority (rank, rule value), lower first, ties first come first served, and each rep's calendar
takes their seat off work outside their hours (ahead of any waiting work). This module holds
the pool and its shifts (on the fenced ``sim.model.engine.SeatedPool``), the own workload and
the priority vocabulary.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import numpy as np
import simpy

from sim.model.calendar import BusinessCalendar
from sim.model.engine import SeatedPool, SeatRequest, timeout_at
from sim.model.random_streams import sample_from_uniform
from sim.scenario.schema import Sales

Priority = tuple[float, float]
SHIFT_PRIORITY: Priority = (-1.0, 0.0)
# An escalated lead (its SLA deadline passed before a rep took it) goes before every other lead
# and own-pipeline task, but not before a rep going off shift (nor an off-shift hold request).
ESCALATED_RANK = -0.5


class RepPool(SeatedPool):
    """Sales reps as a pool of seats (``sim.model.engine.SeatedPool``), aware of shifts.

    Reps off shift (``follow_shift``: closing time, weekends, holidays, their absences) hold a
    seat without a request: a rep whose shift ends while idle goes off at once, a busy one as
    soon as they finish, before any waiting work - exactly where the former off-shift hold
    request (priority ``SHIFT_PRIORITY``, ahead of everything) was served. All pools of a team
    share one ``ShiftClock``, so the shift changes at one instant share one event instead of a
    close timeout, a hold request and a reopen timeout per rep and night.
    """

    def __init__(self, env: simpy.Environment, capacity: int = 1, shift_clock: ShiftClock | None = None) -> None:
        """A pool of ``capacity`` reps, all on shift until ``follow_shift`` says otherwise."""
        super().__init__(env, capacity)
        self.shift_clock = ShiftClock(env) if shift_clock is None else shift_clock
        """The clock of the pool's shift changes, shared by the pools of one team."""
        self.going_off: deque[BusinessCalendar] = deque()
        """Reps whose shift ended while busy, in order: each takes the next seat freed."""

    @property
    def off_shift(self) -> int:
        """Seats whose rep is off shift (each comes back on the shift clock)."""
        return self.seats_held

    @property
    def count(self) -> int:
        """Seats taken: by work, by reps off shift and by reps about to go off (their former holds)."""
        return len(self.users) + self.seats_held + len(self.going_off)

    def seat_freed(self) -> bool:
        """A freed seat goes first to a rep whose shift ended while busy."""
        if self.going_off:
            self._go_off(self.going_off.popleft())
            return True
        return False

    def follow_shift(self, calendar: BusinessCalendar) -> None:
        """From now on one seat of this pool works only in ``calendar``'s business hours."""
        now = self.env.now
        # Open now (also at an opening whose hour of day rounds to just before the start): the
        # shift ends at its closing time; at a closing time that rounds to just before it, now.
        if calendar.next_open(now) <= now:
            closes = calendar.next_close(now)
            if closes > now:
                self.shift_clock.at(closes, partial(self._end_shift, calendar))
                return
        self._end_shift(calendar)

    def _end_shift(self, calendar: BusinessCalendar) -> None:
        """The rep's shift is over: off at once if a seat is free, else when the next one frees."""
        if not self.going_off and self.has_free_seat():
            self._go_off(calendar)
        else:
            self.going_off.append(calendar)

    def _go_off(self, calendar: BusinessCalendar) -> None:
        self.seats_held += 1
        now = self.env.now
        reopen = calendar.next_open(now)
        if reopen <= now and calendar.next_close(now) <= now:
            # A closing instant whose hour of day rounds to just before a fractional closing
            # hour reads as open: the shift is over all the same (SimPy's holds looped here).
            reopen = calendar.next_open(math.nextafter(now, math.inf))
        if reopen > now:
            self.shift_clock.at(reopen, partial(self._come_back, calendar))
        else:  # the rep worked through to their next shift: back at once
            self._come_back(calendar)

    def _come_back(self, calendar: BusinessCalendar) -> None:
        """The rep's next shift starts: their seat takes the next waiting work, then the shift runs."""
        self.seats_held -= 1
        self.grant_next()
        self.follow_shift(calendar)


class ShiftClock:
    """The shift changes of a team's pools, on one timeout per instant.

    Actions due at the same instant run in the order they were set, in one event; each lands on
    exactly the instant a per-rep timeout set at the same moment would have.
    """

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.due: dict[float, list[Callable[[], None]]] = {}

    def at(self, time_hours: float, action: Callable[[], None]) -> None:
        """Run ``action`` at ``time_hours`` (as ``env.timeout(time_hours - env.now)`` would)."""
        env = self.env
        when = env.now + (time_hours - env.now)
        actions = self.due.get(when)
        if actions is None:
            self.due[when] = [action]
            env.timeout(time_hours - env.now).callbacks.append(self._fire)
        else:
            actions.append(action)

    def _fire(self, _: simpy.Event) -> None:
        for action in self.due.pop(self.env.now):
            action()


def request_rep(pool: simpy.PriorityResource, priority: Priority) -> simpy.resources.resource.PriorityRequest:
    """Ask ``pool`` for a rep with a (rank, key) priority: lower first, ties first come first served.

    SimPy compares priorities with ``<`` only, so tuples work although its hints say ``int``.
    """
    return pool.request(priority=priority)  # type: ignore[arg-type]


GAVE_UP = object()
"""The value of a request that left the queue unserved (``unless_first``)."""


def unless_first(
    request: simpy.resources.resource.PriorityRequest, give_up: simpy.Event
) -> simpy.resources.resource.PriorityRequest:
    """``request``, leaving the queue with the value ``GAVE_UP`` if ``give_up`` fires first.

    The race of a waiting request against a deadline (a buying window closing) without SimPy's
    ``request | timeout`` condition: the process yields the request itself, granted (value None)
    or given up, so a grant resumes it one event sooner and the condition's own event is gone.
    """

    def leave(_: simpy.Event) -> None:
        if not request.triggered:
            request.cancel()
            request.succeed(GAVE_UP)

    if give_up.processed:  # the deadline has already passed
        leave(give_up)
    else:
        give_up.callbacks.append(leave)
    return request


def off_shift_holds(
    env: simpy.Environment, calendar: BusinessCalendar, pool: simpy.PriorityResource
) -> Generator[simpy.Event, Any, None]:
    """Keep one rep of ``pool`` off work outside business hours, so leads wait for the office to open.

    A ``RepPool`` does it itself (``RepPool.follow_shift``), this process only starts it; any
    other resource gets an off-shift hold: a request ahead of all work from closing to opening.
    """
    if isinstance(pool, RepPool):
        pool.follow_shift(calendar)
        return
    while True:
        if calendar.is_open(env.now):
            yield env.timeout(calendar.next_close(env.now) - env.now)
        with request_rep(pool, SHIFT_PRIORITY) as request:
            yield request
            reopen = calendar.next_open(env.now)
            if reopen > env.now:
                yield env.timeout(reopen - env.now)


def own_pipeline_tasks(
    env: simpy.Environment,
    calendar: BusinessCalendar,
    pool: simpy.PriorityResource,
    sales: Sales,
    hours_per_week: float,
    rng: np.random.Generator,
    account_work: Callable[[float, float, str], None],
    missed: Callable[[float], None] = lambda hours: None,
) -> Generator[simpy.Event, Any, None]:
    """The company's own account work for ``pool``: ``hours_per_week`` of tasks in business hours.

    The workload is the company's, not a share of each rep: fewer reps share the same hours,
    so less of their time is left for leads. Tasks arise as a Poisson process in business hours.
    The process only starts the chain of arrivals: each arrival's timeout calls the next one
    (the same timeouts at the same instants, without resuming a process for each).
    """
    mean_task = sales.own_workload_task_hours.mean
    mean_gap = mean_task * calendar.hours_per_week / hours_per_week
    # Own prospects go first in a silo; otherwise they fill the time marketing leads leave.
    priority: Priority = (0.0, 0.0) if sales.marketing_leads_below_own_pipeline else (2.0, 0.0)
    expiries = _OwnTaskExpiries(env, missed)
    expires_after = sales.own_workload_expires_business_hours

    def next_arrival() -> None:
        gap = float(rng.exponential(mean_gap))
        # Tasks arise only in business hours: advance ``gap`` working hours.
        target = calendar.add_business_hours(env.now, gap)
        env.timeout(target - env.now).callbacks.append(arrive)

    def arrive(_: simpy.Event) -> None:
        task_hours = sample_from_uniform(sales.own_workload_task_hours, float(rng.random()))
        request = _start_own_task(env, pool, task_hours, priority, account_work)
        if expires_after is not None and not request.triggered:
            # Account work no rep started in time is left undone (a call not returned).
            expiry = calendar.add_business_hours(env.now, expires_after)
            expiries.add(env.now + (expiry - env.now), request, task_hours)
        next_arrival()

    next_arrival()
    return
    yield  # a generator: the model starts it as a process


class _OwnTaskExpiries:
    """Waiting own tasks, each left undone at its expiry: one timeout for the earliest due one.

    Instead of a timeout per waiting task (most are served long before they expire), one timer
    waits for the earliest task still waiting; when it fires, every task due by then that no
    rep took leaves the queue and counts as missed, in order of expiry and arrival (as the
    per-task timeouts ran), and the timer moves on to the next task still waiting.
    """

    def __init__(self, env: simpy.Environment, missed: Callable[[float], None]) -> None:
        self.env = env
        self.missed = missed
        self.waiting: list[tuple[float, int, simpy.resources.resource.PriorityRequest, float]] = []
        self.order = itertools.count()
        self.armed_at = math.inf

    def add(self, expires_at: float, request: simpy.resources.resource.PriorityRequest, task_hours: float) -> None:
        """Leave ``request`` (``task_hours`` of work) undone if no rep took it by ``expires_at``."""
        heapq.heappush(self.waiting, (expires_at, next(self.order), request, task_hours))
        if expires_at < self.armed_at:
            self._arm(expires_at)

    def _arm(self, expires_at: float) -> None:
        self.armed_at = expires_at
        timeout_at(self.env, expires_at).callbacks.append(self._fire)

    def _fire(self, _event: simpy.Event) -> None:
        now = self.env.now
        if now == self.armed_at:
            self.armed_at = math.inf
        waiting = self.waiting
        while waiting and waiting[0][0] <= now:
            _, _, request, task_hours = heapq.heappop(waiting)
            if not request.triggered:
                request.cancel()
                self.missed(task_hours)
        while waiting and waiting[0][2].triggered:  # taken by a rep in time: nothing to watch
            heapq.heappop(waiting)
        if waiting and waiting[0][0] < self.armed_at:
            self._arm(waiting[0][0])


def _start_own_task(
    env: simpy.Environment,
    pool: simpy.PriorityResource,
    task_hours: float,
    priority: Priority,
    account_work: Callable[[float, float, str], None],
) -> simpy.resources.resource.PriorityRequest:
    """One own-pipeline task: wait for a rep, hold it ``task_hours``, release it.

    Chained callbacks instead of a SimPy process per task: the same request, timeout and
    release at the same instants, without a process start and end event per task. The start is
    handed the granted request rather than closing over it: the request keeps the start (as a
    callback or ``start_at_grant``), so a start holding the request would be a reference cycle
    per task, which only the cyclic collector - off during a run - could free.
    """
    request = request_rep(pool, priority)

    def start_task(granted: simpy.Event) -> None:
        start = env.now

        def end_task(_: simpy.Event) -> None:
            account_work(start, task_hours, "own")
            pool.release(granted)  # type: ignore[arg-type]

        env.timeout(task_hours).callbacks.append(end_task)

    if request.processed:  # granted at once (``SeatRequest``)
        start_task(request)
    elif isinstance(request, SeatRequest):  # started by the release that frees a rep for it
        request.start_at_grant = start_task
    else:
        request.callbacks.append(start_task)
    return request
