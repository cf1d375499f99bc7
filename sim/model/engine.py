"""The fence around SimPy's internals: the few speed tricks that reach past its public API.

Everything else in ``sim.model`` uses SimPy through its public API only. Each trick here
reproduces a public behaviour exactly - same values, same instants, same order of events at
equal times - with fewer events or less work per event, and says which behaviour and why.
``tests/unit/test_simpy_fence.py`` pins the SimPy version these internals were read from and
checks every trick against its public equivalent on a small example: a SimPy upgrade must
re-read them before the pin moves.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Generator
from heapq import heappush
from typing import Any

import simpy
from simpy.core import NORMAL, BoundClass
from simpy.resources.resource import PriorityRequest, SortedQueue

__all__ = [
    "SIMPY_VERSION",
    "QuietProcess",
    "SeatRequest",
    "SeatedPool",
    "fire_now",
    "start_process_ahead",
    "start_quiet_process",
    "timeout_at",
]

SIMPY_VERSION = "4.1.2"
"""The SimPy release whose internals the tricks below were written against (constraints.txt)."""


class QuietProcess(simpy.events.Process):
    """SimPy's ``Process``, whose end schedules no event when nobody waits for it.

    Public behaviour reproduced: ``env.process(generator)`` - the same resumptions with the same
    values, failed events thrown in as copies, SimPy's ``Invalid yield value`` error for a yield
    that is no event, and a generator that raises still schedules its failure, so errors surface
    from ``env.run`` as in SimPy. Why: SimPy schedules a process as an event when its generator
    returns, so that whoever yields the process learns of its end. Nothing waits for a lead's or
    a customer's process, so that event only cost one more step of the event loop per lead; here
    the process ends processed (``callbacks`` None) unless something registered a callback.
    """

    def _resume(self, event: simpy.Event) -> None:
        """SimPy's ``Process._resume``, ending quietly when no one listens."""
        env = self.env
        env._active_proc = self
        generator = self._generator
        while True:
            try:
                if event._ok:
                    event = generator.send(event._value)
                else:
                    event._defused = True
                    error = type(event._value)(*event._value.args)
                    error.__cause__ = event._value
                    event = generator.throw(error)
            except StopIteration as stop:
                self._ok = True
                self._value = stop.value
                if self.callbacks:
                    env.schedule(self)
                else:
                    self.callbacks = None  # type: ignore[assignment]
                event = None  # type: ignore[assignment]
                break
            except BaseException as error:  # noqa: BLE001 - handed to SimPy, which raises it from step()
                self._ok = False
                error.__traceback__ = error.__traceback__.tb_next if error.__traceback__ else None
                self._value = error
                env.schedule(self)
                event = None  # type: ignore[assignment]
                break
            try:
                if event.callbacks is not None:
                    event.callbacks.append(self._resume)
                    break
            except AttributeError:
                if hasattr(event, "callbacks"):
                    raise
                raise RuntimeError(f"\n{_frame_line(generator)}Invalid yield value \"{event}\"") from None
        self._target = event
        env._active_proc = None


def _frame_line(generator: Any) -> str:
    """Where ``generator`` stands, worded as SimPy words it for an invalid yield value."""
    frame = generator.gi_frame
    code = frame.f_code
    lineno = frame.f_lineno
    try:
        with open(code.co_filename) as source:
            for number, line in enumerate(source, start=1):
                if number == lineno:
                    return f'  File "{code.co_filename}", line {lineno}, in {code.co_name}\n    {line.strip()}\n'
    except OSError:
        pass
    return f'  File "{code.co_filename}", line {lineno}, in {code.co_name}\n'


class _ProcessStartedAhead(QuietProcess):
    """A ``QuietProcess`` whose generator takes its first step at once, inside the caller.

    Public behaviour reproduced: ``env.process(generator)`` for a generator that keeps its own
    clock until it first yields - the same first yield, without SimPy's ``Initialize`` event.
    Why: a planned lead checks its first scores on its own creation time and yields an event
    at the moment that matters, so it needs no start event at all, not even a timeout at its
    start time. The process active now is restored afterwards.
    """

    def __init__(self, env: simpy.Environment, generator: Generator[simpy.Event, Any, Any]) -> None:
        # Event.__init__ and Process.__init__ inlined, without scheduling an Initialize event
        self.env = env
        self.callbacks = []
        self._generator = generator
        started = simpy.Event(env)
        started._ok = True
        started._value = None
        active = env._active_proc
        self._resume(started)
        env._active_proc = active


def start_process_ahead(
    env: simpy.Environment, generator: Generator[simpy.Event, Any, Any]
) -> simpy.events.Process:
    """Start ``generator`` now, as a process that runs on its own clock until its first yield."""
    return _ProcessStartedAhead(env, generator)


def start_quiet_process(
    env: simpy.Environment, generator: Generator[simpy.Event, Any, Any]
) -> simpy.events.Process:
    """Start ``generator`` now as a process whose end schedules no event (``QuietProcess``)."""
    return QuietProcess(env, generator)


def timeout_at(env: simpy.Environment, at: float) -> simpy.Event:
    """An event that fires at the absolute time ``at`` (not before now), like a timeout.

    Public behaviour reproduced: ``env.timeout(at - env.now)`` - value None, normal priority,
    SimPy's own queue key (time, priority, next event id), so events at an equal time still
    fire in the order they were scheduled. Why: ``timeout`` fires at ``env.now + delay``, and a
    process that skipped some waits in plain Python holds its clock as the running sum of
    those waits, which ``now + (at - now)`` can miss by a rounding step; SimPy has no public
    call for an absolute time.
    """
    if at < env.now:
        raise ValueError(f"cannot schedule at {at}, before now ({env.now})")
    event = simpy.Event(env)
    event._ok = True
    event._value = None
    heappush(env._queue, (at, NORMAL, next(env._eid), event))
    return event


def fire_now(event: simpy.Event) -> None:
    """Fire the untriggered ``event`` now with value None, as SimPy's loop would process it.

    Public behaviour reproduced: ``event.succeed()`` followed by the event loop's step that
    processes it - ``triggered``, ``processed``, value None and every callback run in order -
    but at once, inside the caller. Why: a buying window closes inside the one scheduled event
    that closes all windows due then (``BuyingWindows``); a scheduled event per window was the
    cost that batching removed.
    """
    callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
    event._ok = True
    event._value = None
    for callback in callbacks:
        callback(event)


def _request_key(request: Any) -> Any:
    return request.key


class _InsortQueue(SortedQueue):
    """SimPy's priority queue, inserting in O(log n) instead of re-sorting on every request.

    ``SortedQueue.append`` appends and then stable-sorts the whole (already sorted) queue, so a
    new request lands after every request with an equal or smaller key: exactly where
    ``bisect.insort_right`` puts it. Same order, same results; the re-sort made the cost per
    request grow with the queue length and thus with lead volume.
    """

    def append(self, item: Any) -> None:
        if self.maxlen is not None and len(self) >= self.maxlen:
            raise RuntimeError("Cannot append event. Queue is full.")
        bisect.insort_right(self, item, key=_request_key)


def _born_processed(event: simpy.Event) -> None:
    """Mark ``event`` as triggered and processed with value None, no callbacks to run."""
    event._ok = True
    event._value = None
    event.callbacks = None  # type: ignore[assignment]


class SeatRequest(PriorityRequest):
    """SimPy's ``PriorityRequest`` with its set-up inlined: the same key, queue place and grant.

    Public behaviour reproduced: ``PriorityResource.request(priority)`` - the same key
    ``(priority, time, not preempt)``, the same place in the queue, granted in the same order.
    Why: a request a free seat takes at once is granted without an event - it is born
    processed, so a process that yields it goes on at once and ``triggered`` is True, while
    SimPy's grant event only cost one more step of the event loop. It leaves out the callback
    that would look for pending releases once granted: a ``SeatedPool`` never has any (its
    releases are synchronous). A request with ``start_at_grant`` (work no process waits for)
    is started by the release that frees its seat, again without an event.
    """

    start_at_grant: Callable[[simpy.Event], None] | None = None

    def __init__(self, resource: SeatedPool, priority: Any = 0, preempt: bool = True) -> None:
        env = resource.env
        self.env = env
        self.callbacks = []
        self.resource = resource
        self.proc = env.active_process
        self.priority = priority
        self.preempt = preempt
        now = env.now
        self.time = now
        self.key = (priority, now, not preempt)
        if not resource.put_queue and len(resource.users) + resource.seats_held < resource._capacity:
            resource.users[self] = None
            self.usage_since = now
            _born_processed(self)
            return
        resource.put_queue.append(self)
        resource._trigger_put(None)


class SeatedPool(simpy.PriorityResource):
    """SimPy's ``PriorityResource`` with synchronous hand-over, a fast queue and held seats.

    Public behaviour reproduced: ``PriorityResource`` - requests served by priority, ties first
    come first served, a release grants the next waiting request at the same instant. Why: a
    release hands the freed seat over at once instead of scheduling a ``Release`` event whose
    only job is to run the same hand-over one event later (nothing waits for a release); the
    queue inserts in O(log n) (``_InsortQueue``); ``users`` is a dict, so a release finds its
    request in O(1) where SimPy's list scanned the whole pool.

    ``seats_held`` seats are taken without a request, and ``seat_freed`` may claim a freed seat
    before any waiting request: the hooks a subclass uses for work that is not a request (a rep
    going off shift).
    """

    PutQueue = _InsortQueue
    request = BoundClass(SeatRequest)  # type: ignore[assignment]

    def __init__(self, env: simpy.Environment, capacity: int = 1) -> None:
        super().__init__(env, capacity)
        self.env = env
        self.users: dict[simpy.resources.resource.Request, None] = {}  # type: ignore[assignment]
        """The requests holding a seat, in grant order."""
        self.seats_held = 0
        """Seats taken without a request (``seat_freed`` claims them)."""

    def seat_freed(self) -> bool:
        """A seat is free: claim it before any waiting request (True) or leave it to them (False)."""
        return False

    def has_free_seat(self) -> bool:
        """Whether a seat is free of work and of holds."""
        return len(self.users) + self.seats_held < self._capacity

    def grant_next(self) -> None:
        """Hand a free seat, if any, to ``seat_freed`` or else to the first waiting request."""
        self._trigger_put(None)

    def _trigger_put(self, get_event: Any) -> None:
        if len(self.users) + self.seats_held < self._capacity:
            if self.seat_freed():
                return
            queue = self.put_queue
            if queue:
                request = queue.pop(0)
                self.users[request] = None
                request.usage_since = self.env.now
                start = request.start_at_grant
                if start is None:
                    request.succeed()
                else:  # born processed, as a request granted at once
                    _born_processed(request)
                    start(request)

    def release(self, request: simpy.resources.resource.Request) -> None:  # type: ignore[override]
        """Free the seat ``request`` holds and grant the next waiting request, if any."""
        if self.users.pop(request, _NOT_SEATED) is not _NOT_SEATED:
            self._trigger_put(None)


_NOT_SEATED = object()
