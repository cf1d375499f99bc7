"""The SimPy fence (``sim.model.engine``): pinned to one SimPy release, each trick as its public equivalent.

Every trick reaches into SimPy's internals, so the installed SimPy must be the release they were
read from (the one constraints.txt pins), and each must behave exactly like the public call it
replaces on a small example: the same values at the same instants in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import simpy

from sim.model.engine import (
    SIMPY_VERSION,
    SeatedPool,
    fire_now,
    start_process_ahead,
    start_quiet_process,
    timeout_at,
)

CONSTRAINTS = Path(__file__).resolve().parents[2] / "constraints.txt"
Starter = Callable[[simpy.Environment, Generator[simpy.Event, Any, Any]], Any]


def test_the_installed_simpy_is_the_pinned_release_the_fence_was_written_against() -> None:
    pinned = re.search(r"^simpy==(\S+)", CONSTRAINTS.read_text(), flags=re.MULTILINE | re.IGNORECASE)
    assert pinned is not None, "constraints.txt must pin simpy"
    assert version("simpy") == pinned.group(1) == SIMPY_VERSION


def _journey(env: simpy.Environment, log: list[Any], name: str) -> Generator[simpy.Event, Any, str]:
    """A small process: timeouts, a value passed back in, a failed event caught."""
    value = yield env.timeout(1.5, value=name)
    log.append((name, "woke", env.now, value))
    failing = env.event()
    failing.fail(ValueError(name))
    try:
        yield failing
    except ValueError as error:
        log.append((name, "caught", env.now, str(error), type(error.__cause__).__name__))
    yield env.timeout(0.25)
    log.append((name, "done", env.now))
    return name


def _public_process(env: simpy.Environment, generator: Generator[simpy.Event, Any, Any]) -> Any:
    return env.process(generator)


@pytest.mark.parametrize("start", [start_quiet_process, _public_process])
def test_a_quiet_process_runs_its_generator_as_a_simpy_process_does(start: Starter) -> None:
    def run(starter: Starter) -> list[Any]:
        env = simpy.Environment()
        log: list[Any] = []
        for name in ("a", "b"):
            starter(env, _journey(env, log, name))
        env.run()
        return log

    assert run(start) == run(_public_process)


def test_a_quiet_process_someone_waits_for_ends_with_its_value_as_a_simpy_process_does() -> None:
    def run(starter: Starter) -> list[Any]:
        env = simpy.Environment()
        log: list[Any] = []

        def waiter() -> Generator[simpy.Event, Any, None]:
            value = yield starter(env, _journey(env, log, "x"))
            log.append(("waiter", env.now, value))

        env.process(waiter())
        env.run()
        return log

    assert run(start_quiet_process) == run(_public_process)


def test_a_quiet_process_ends_without_an_event_when_nobody_waits() -> None:
    def events_after(starter: Starter) -> int:
        env = simpy.Environment()
        starter(env, _journey(env, [], "a"))
        env.run()
        return next(env._eid)  # SimPy numbers every scheduled event from this counter

    assert events_after(start_quiet_process) == events_after(_public_process) - 1


def _invalid_yield(env: simpy.Environment) -> Generator[Any, Any, None]:
    yield env.timeout(1.0)
    yield 42  # not an event


@pytest.mark.parametrize("start", [start_quiet_process, _public_process])
def test_an_invalid_yield_value_raises_simpys_error(start: Starter) -> None:
    env = simpy.Environment()
    start(env, _invalid_yield(env))
    with pytest.raises(RuntimeError) as raised:
        env.run()
    public_env = simpy.Environment()
    public_env.process(_invalid_yield(public_env))
    with pytest.raises(RuntimeError) as public:
        public_env.run()
    assert str(raised.value) == str(public.value)
    assert 'Invalid yield value "42"' in str(raised.value)


def test_a_failing_generator_surfaces_its_error_from_run_as_in_simpy() -> None:
    def failing(env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(1.0)
        raise KeyError("boom")

    for starter in (start_quiet_process, _public_process):
        env = simpy.Environment()
        starter(env, failing(env))
        with pytest.raises(KeyError, match="boom"):
            env.run()
        assert env.now == 1.0


def test_a_process_started_ahead_takes_its_first_step_at_once_then_runs_as_a_process() -> None:
    def run(starter: Starter) -> list[Any]:
        env = simpy.Environment()
        log: list[Any] = []
        starter(env, _journey(env, log, "ahead"))
        log.append(("started", env.now))
        env.run()
        return log

    ahead = run(start_process_ahead)
    public = run(_public_process)
    assert ahead[1:] == public[1:]
    assert sorted(ahead) == sorted(public)


def test_a_process_started_ahead_raises_simpys_error_for_an_invalid_first_yield() -> None:
    def invalid_at_once(env: simpy.Environment) -> Generator[Any, Any, None]:
        yield "not an event"

    env = simpy.Environment()
    with pytest.raises(RuntimeError, match='Invalid yield value "not an event"'):
        start_process_ahead(env, invalid_at_once(env))


def test_timeout_at_fires_as_a_timeout_set_for_the_same_instant() -> None:
    def run(make: Callable[[simpy.Environment, float], simpy.Event]) -> list[Any]:
        env = simpy.Environment()
        fired: list[Any] = []
        env.timeout(2.0).callbacks.append(lambda event: fired.append(("before", env.now, event.value)))
        make(env, 2.0).callbacks.append(lambda event: fired.append(("made", env.now, event.value)))
        env.timeout(2.0).callbacks.append(lambda event: fired.append(("after", env.now, event.value)))
        env.run()
        return fired

    assert run(timeout_at) == run(lambda env, at: env.timeout(at - env.now))
    with pytest.raises(ValueError, match="before now"):
        env = simpy.Environment(initial_time=3.0)
        timeout_at(env, 2.0)


def test_fire_now_is_succeed_and_the_loop_processing_the_event() -> None:
    def run(fire: Callable[[simpy.Environment, simpy.Event], None]) -> tuple[list[Any], bool, bool, Any]:
        env = simpy.Environment()
        seen: list[Any] = []
        event = env.event()

        def waiter(name: str) -> Generator[simpy.Event, Any, None]:
            value = yield event
            seen.append((name, env.now, value))

        for name in ("first", "second"):
            env.process(waiter(name))
        env.run(until=1.0)
        fire(env, event)
        env.run()
        return seen, event.triggered, event.processed, event.value

    def public(env: simpy.Environment, event: simpy.Event) -> None:
        event.succeed()
        env.step()

    assert run(lambda env, event: fire_now(event)) == run(public)


def _grants(pool: simpy.PriorityResource, env: simpy.Environment) -> list[Any]:
    """Who holds a seat when: six jobs of three priorities on a two-seat pool."""
    log: list[Any] = []

    def job(name: str, arrive: float, priority: int, hours: float) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(arrive)
        request = pool.request(priority=priority)
        value = yield request
        log.append((name, "granted", env.now, value))
        yield env.timeout(hours)
        pool.release(request)
        log.append((name, "released", env.now))

    for name, arrive, priority, hours in (
        ("a", 0.0, 1, 3.0), ("b", 0.0, 1, 2.0), ("c", 0.5, 2, 1.0),
        ("d", 0.5, 0, 1.0), ("e", 1.0, 1, 1.0), ("f", 1.0, 0, 0.5),
    ):
        env.process(job(name, arrive, priority, hours))
    env.run()
    return log


def test_a_seated_pool_grants_as_simpys_priority_resource() -> None:
    env = simpy.Environment()
    public_env = simpy.Environment()
    seated = _grants(SeatedPool(env, capacity=2), env)
    public = _grants(simpy.PriorityResource(public_env, capacity=2), public_env)
    assert seated == public


def test_a_seat_request_granted_at_once_is_born_processed_and_a_queued_one_waits() -> None:
    env = simpy.Environment()
    pool = SeatedPool(env, capacity=1)
    first = pool.request(priority=0)
    assert first.triggered and first.processed and first.value is None
    second = pool.request(priority=0)
    assert not second.triggered and list(pool.queue) == [second]
    pool.release(first)
    assert second.triggered and list(pool.users) == [second]
