"""The event-saving mechanics of the rep pool and lead processes behave like SimPy's originals."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
import simpy

from sim.model.arrivals import start_quiet_process
from sim.model.reps import GAVE_UP, RepPool, request_rep, unless_first


def _scheduled(env: simpy.Environment) -> int:
    """Events scheduled so far (SimPy numbers each from this counter; peeking advances it)."""
    return next(env._eid)


def test_a_free_rep_is_granted_without_an_event_and_a_queued_request_by_a_release() -> None:
    env = simpy.Environment()
    pool = RepPool(env, capacity=1)
    before = _scheduled(env)
    first = request_rep(pool, (0.0, 0.0))
    assert first.triggered and first.processed and first.value is None
    assert list(pool.users) == [first]
    assert _scheduled(env) == before + 1  # only the peek itself: no event for the grant
    second = request_rep(pool, (0.0, 0.0))
    assert not second.triggered and list(pool.queue) == [second]
    pool.release(first)
    assert second.triggered and list(pool.users) == [second]


def test_a_process_yielding_a_granted_request_goes_on_at_the_same_instant() -> None:
    env = simpy.Environment()
    pool = RepPool(env, capacity=1)
    seen: list[float] = []

    def worker() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(2.0)
        request = request_rep(pool, (0.0, 0.0))
        yield request
        seen.append(env.now)
        pool.release(request)

    env.process(worker())
    env.run()
    assert seen == [2.0]


@pytest.mark.parametrize(("work_hours", "expected"), [(1.0, "granted"), (5.0, "gave up")])
def test_a_waiting_request_gives_up_only_if_its_deadline_comes_first(work_hours: float, expected: str) -> None:
    env = simpy.Environment()
    pool = RepPool(env, capacity=1)
    outcome: list[tuple[str, float]] = []

    def busy() -> Generator[simpy.Event, Any, None]:
        request = request_rep(pool, (0.0, 0.0))
        yield env.timeout(work_hours)
        pool.release(request)

    def waiting() -> Generator[simpy.Event, Any, None]:
        request = request_rep(pool, (0.0, 0.0))
        value = yield unless_first(request, env.timeout(3.0))
        outcome.append(("gave up" if value is GAVE_UP else "granted", env.now))
        if value is not GAVE_UP:
            pool.release(request)

    env.process(busy())
    env.process(waiting())
    env.run()
    assert outcome == [(expected, min(work_hours, 3.0))]
    assert not pool.queue and not pool.users


def test_a_quiet_process_ends_without_an_event_unless_someone_waits_for_it() -> None:
    env = simpy.Environment()

    def journey() -> Generator[simpy.Event, Any, int]:
        yield env.timeout(1.0)
        return 7

    alone = start_quiet_process(env, journey())
    env.run()
    assert alone.processed and alone.value == 7 and not env._queue

    results: list[tuple[int, float]] = []

    def waiter() -> Generator[simpy.Event, Any, None]:
        value = yield start_quiet_process(env, journey())
        results.append((value, env.now))

    env.process(waiter())
    env.run()
    assert results == [(7, 2.0)]


def test_an_error_in_a_quiet_process_surfaces_from_run() -> None:
    env = simpy.Environment()

    def broken() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(1.0)
        raise ValueError("broken lead")

    start_quiet_process(env, broken())
    with pytest.raises(ValueError, match="broken lead"):
        env.run()
