"""``timeout_at``: an event at an absolute time, exactly there and in SimPy's order at equal times."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
import simpy

from sim.model.scheduling import timeout_at


def test_a_process_wakes_at_exactly_the_given_time_where_a_relative_timeout_rounds() -> None:
    now, at = 0.254, 5.668
    # The case the helper exists for: a delay computed as a difference does not land on ``at``.
    assert now + (at - now) != at
    env = simpy.Environment()
    woke: list[tuple[str, float, Any]] = []

    def sleeper(name: str, event_at: Any) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(now)
        value = yield event_at()
        woke.append((name, env.now, value))

    env.process(sleeper("absolute", lambda: timeout_at(env, at)))
    env.process(sleeper("relative", lambda: env.timeout(at - env.now)))
    env.run()
    assert sorted(woke) == [("absolute", at, None), ("relative", now + (at - now), None)]


def test_events_at_an_equal_time_fire_in_the_order_they_were_scheduled() -> None:
    env = simpy.Environment()
    fired: list[str] = []

    def note(name: str) -> Any:
        return lambda event: fired.append(f"{name}@{env.now}")

    env.timeout(2.0).callbacks.append(note("timeout-first"))
    timeout_at(env, 2.0).callbacks.append(note("absolute"))
    env.timeout(2.0).callbacks.append(note("timeout-after"))
    timeout_at(env, 1.0).callbacks.append(note("earlier"))
    env.run()
    assert fired == ["earlier@1.0", "timeout-first@2.0", "absolute@2.0", "timeout-after@2.0"]


def test_now_is_allowed_and_the_past_is_refused() -> None:
    env = simpy.Environment(initial_time=5.0)
    fired: list[float] = []
    timeout_at(env, 5.0).callbacks.append(lambda event: fired.append(env.now))
    env.run()
    assert fired == [5.0]
    with pytest.raises(ValueError, match="before now"):
        timeout_at(env, 4.999)
