"""``BuyingWindows``: a waiting lead leaves the queue exactly when its buying window closes, with
few scheduled events, and a window that closed while the lead was not waiting is already closed."""

from __future__ import annotations

import math
from collections.abc import Generator
from types import SimpleNamespace
from typing import Any

import simpy

from sim.model.arrivals import start_quiet_process
from sim.model.reps import GAVE_UP, RepPool, request_rep, unless_first
from sim.model.scheduling import BuyingWindows


def lead(window_end: float) -> Any:
    """The fields ``BuyingWindows`` uses of a ``Lead``."""
    return SimpleNamespace(buying_window_end=window_end, window_closes=None, window_closes_at=math.nan,
                           window_watched=False)


def wait(env: simpy.Environment, windows: BuyingWindows, pool: RepPool, who: Any, name: str,
         outcome: list[tuple[str, float, str]], hold: float = 0.0) -> Generator[simpy.Event, Any, None]:
    """Queue for a rep racing the lead's window, as ``LeadLifecycleModel._wait_for_rep`` does."""
    request = request_rep(pool, (0.0, 0.0))
    if not request.triggered:
        closes = windows.closes(who)
        yield unless_first(request, closes)
        BuyingWindows.wait_ended(closes)
    if request.value is GAVE_UP:
        outcome.append((name, env.now, "left"))
        return
    outcome.append((name, env.now, "served"))
    yield env.timeout(hold)
    pool.release(request)


def test_a_waiting_lead_leaves_when_its_window_closes_and_a_served_one_is_not_disturbed() -> None:
    env = simpy.Environment()
    pool, windows = RepPool(env, capacity=1), BuyingWindows(env)
    outcome: list[tuple[str, float, str]] = []
    early, late = lead(5.0), lead(8.0)
    env.process(wait(env, windows, pool, lead(100.0), "busy", outcome, hold=6.0))
    env.process(wait(env, windows, pool, early, "early", outcome))
    env.process(wait(env, windows, pool, late, "late", outcome, hold=1.0))
    env.run()
    assert outcome == [("busy", 0.0, "served"), ("early", 5.0, "left"), ("late", 6.0, "served")]
    assert early.window_closes.processed and late.window_closes.processed
    assert not early.window_watched and not late.window_watched


def test_only_windows_of_leads_still_waiting_get_an_event() -> None:
    env = simpy.Environment()
    pool, windows = RepPool(env, capacity=1), BuyingWindows(env)
    outcome: list[tuple[str, float, str]] = []
    start_quiet_process(env, wait(env, windows, pool, lead(1000.0), "busy", outcome, hold=1.0))
    # Twenty leads queue behind a one-hour task and are all served within the day: their windows
    # (days later) need no event each, only the one armed for the earliest while they waited.
    for index in range(20):
        start_quiet_process(env, wait(env, windows, pool, lead(200.0 + index), f"lead{index}", outcome, hold=0.5))
    before = next(env._eid)
    env.run()
    scheduled = next(env._eid) - before - 1  # minus the second peek
    served = [name for name, _, what in outcome if what == "served"]
    assert len(served) == 21
    # 21 work timeouts, 20 grants by a release, one closing event armed for the earliest window
    # (quiet processes: their ends schedule nothing)
    assert scheduled == 21 + 20 + 1
    assert env.now == 200.0  # the armed event fired, found nobody waiting and armed no other


def test_a_window_that_closed_while_the_lead_was_not_waiting_is_closed_at_its_next_wait() -> None:
    env = simpy.Environment()
    pool, windows = RepPool(env, capacity=1), BuyingWindows(env)
    outcome: list[tuple[str, float, str]] = []
    who, other = lead(3.0), lead(2.0)

    def journey() -> Generator[simpy.Event, Any, None]:
        yield from wait(env, windows, pool, who, "first", outcome, hold=1.5)  # waits 0-1, works 1-2.5
        start_quiet_process(env, wait(env, windows, pool, lead(1000.0), "busy", outcome, hold=10.0))
        yield env.timeout(1.5)
        yield from wait(env, windows, pool, who, "second", outcome)  # at 4.0, its window closed at 3.0

    start_quiet_process(env, wait(env, windows, pool, lead(1000.0), "busy", outcome, hold=1.0))
    start_quiet_process(env, journey())
    start_quiet_process(env, wait(env, windows, pool, other, "other", outcome))
    env.run(until=3.5)
    # The event armed for 2.0 closed the other lead's window; ``who`` was not waiting then, so no
    # event was armed for its window at 3.0 ...
    assert ("other", 2.0, "left") in outcome
    assert not who.window_watched and who.window_closes.callbacks == []
    before = next(env._eid)
    env.run()
    # ... and its next wait, after that moment, leaves at once without an event for the window.
    assert ("second", 4.0, "left") in outcome
    assert who.window_closes.callbacks is None
    # From 3.5 on one event is scheduled: the request's own, as it leaves the queue unserved.
    assert next(env._eid) - before - 1 == 1
