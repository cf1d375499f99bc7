"""Sales reps as a SimPy priority resource: who gets the next free rep.

A team of reps is a pool of servers; leads, sales' own prospecting and the calendar's off-shift
holds all ask it for a rep with a priority (rank, rule value), lower first, ties first come
first served. This module holds the pool, its fast queue and the priority vocabulary.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import numpy as np
import simpy
from simpy.core import BoundClass
from simpy.resources.resource import PriorityRequest, SortedQueue

from sim.model.calendar import BusinessCalendar
from sim.model.random_streams import sample_from_uniform
from sim.scenario.schema import Sales

Priority = tuple[float, float]
SHIFT_PRIORITY: Priority = (-1.0, 0.0)
# An escalated lead (its SLA deadline passed before a rep took it) goes before every other lead
# and own-pipeline task, but not before the calendar's off-shift holds.
ESCALATED_RANK = -0.5


def _request_key(request: Any) -> Any:
    return request.key


class _InsortQueue(SortedQueue):
    """SimPy's priority queue, inserting in O(log n) instead of re-sorting on every request.

    ``SortedQueue.append`` appends and then stable-sorts the whole (already sorted) queue, so a
    new request lands after every request with an equal or smaller key: exactly where
    ``bisect.insort_right`` puts it. Same order, same results; the re-sort made the cost per
    lead grow with the queue length and thus with lead volume.
    """

    def append(self, item: Any) -> None:
        if self.maxlen is not None and len(self) >= self.maxlen:
            raise RuntimeError("Cannot append event. Queue is full.")
        bisect.insort_right(self, item, key=_request_key)


class _RepRequest(PriorityRequest):
    """SimPy's ``PriorityRequest`` with its set-up inlined: the same key, queue place and grant.

    It leaves out the callback that would look for pending releases once the request is granted:
    a ``RepPool`` never has any (releases are synchronous). A request a free rep takes at once is
    granted without an event (it is born processed); one that queues is granted by a release,
    with SimPy's event, as before.
    """

    def __init__(self, resource: RepPool, priority: Any = 0, preempt: bool = True) -> None:
        env = resource._env
        self.env = env
        self.callbacks = []
        self.resource = resource
        self.proc = env.active_process
        self.priority = priority
        self.preempt = preempt
        now = env.now
        self.time = now
        self.key = (priority, now, not preempt)
        if not resource.put_queue and len(resource.users) < resource._capacity:
            # A free rep and nobody waiting: granted at once, without an event. The request is
            # born processed (as if SimPy had already run its grant), so a process that yields it
            # goes on at once and ``triggered`` is True for code that checks it; nothing was
            # waiting on the grant event, whose only effect was one more step of the event loop.
            resource.users.append(self)
            self.usage_since = now
            self._ok = True
            self._value = None
            self.callbacks = None  # type: ignore[assignment]
            return
        resource.put_queue.append(self)
        resource._trigger_put(None)


class RepPool(simpy.PriorityResource):
    """Sales reps as a SimPy priority resource (with the O(log n) queue above).

    A release hands the freed rep to the next waiting request at once, instead of scheduling a
    ``Release`` event whose only job is to run the same hand-over one event later: the waiting
    request is granted at the same instant and in the same queue order, with one event fewer
    per release (nothing in the model waits for a release).
    """

    PutQueue = _InsortQueue
    request = BoundClass(_RepRequest)  # type: ignore[assignment]

    def _trigger_put(self, get_event: Any) -> None:
        """Grant the first waiting request if a rep is free (SimPy's loop, for one request)."""
        queue = self.put_queue
        if queue and len(self.users) < self._capacity:
            request = queue.pop(0)
            self.users.append(request)
            request.usage_since = self._env.now
            request.succeed()

    def release(self, request: simpy.resources.resource.Request) -> None:  # type: ignore[override]
        """Free the rep ``request`` holds and grant the next waiting request, if any."""
        users = self.users
        if request in users:
            users.remove(request)
            self._trigger_put(None)


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

    if give_up.callbacks is None:  # the deadline has already passed
        leave(give_up)
    else:
        give_up.callbacks.append(leave)
    return request


def off_shift_holds(
    env: simpy.Environment, calendar: BusinessCalendar, pool: simpy.PriorityResource
) -> Generator[simpy.Event, Any, None]:
    """Hold one rep of ``pool`` outside business hours, so leads wait for the office to open."""
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
    """
    mean_task = sales.own_workload_task_hours.mean
    mean_gap = mean_task * calendar.hours_per_week / hours_per_week
    # Own prospects go first in a silo; otherwise they fill the time marketing leads leave.
    priority: Priority = (0.0, 0.0) if sales.marketing_leads_below_own_pipeline else (2.0, 0.0)
    while True:
        gap = float(rng.exponential(mean_gap))
        # Tasks arise only in business hours: advance ``gap`` working hours.
        target = calendar.add_business_hours(env.now, gap)
        yield env.timeout(target - env.now)
        task_hours = sample_from_uniform(sales.own_workload_task_hours, float(rng.random()))
        request = _start_own_task(env, pool, task_hours, priority, account_work)
        if sales.own_workload_expires_business_hours is not None and not request.triggered:
            # Account work no rep started in time is left undone (a call not returned).
            expiry = calendar.add_business_hours(env.now, sales.own_workload_expires_business_hours)
            env.timeout(expiry - env.now).callbacks.append(
                partial(_expire_own_task, request, task_hours, missed)
            )


def _expire_own_task(
    request: simpy.resources.resource.PriorityRequest, task_hours: float, missed: Callable[[float], None],
    _: simpy.Event,
) -> None:
    if not request.triggered:
        request.cancel()
        missed(task_hours)


def _start_own_task(
    env: simpy.Environment,
    pool: simpy.PriorityResource,
    task_hours: float,
    priority: Priority,
    account_work: Callable[[float, float, str], None],
) -> simpy.resources.resource.PriorityRequest:
    """One own-pipeline task: wait for a rep, hold it ``task_hours``, release it.

    Chained callbacks instead of a SimPy process per task: the same request, timeout and
    release at the same instants, without a process start and end event per task.
    """
    request = request_rep(pool, priority)

    def start_task(_: simpy.Event) -> None:
        start = env.now

        def end_task(_: simpy.Event) -> None:
            account_work(start, task_hours, "own")
            pool.release(request)

        env.timeout(task_hours).callbacks.append(end_task)

    if request.callbacks is None:  # granted at once (``_RepRequest``)
        start_task(request)
    else:
        request.callbacks.append(start_task)
    return request
