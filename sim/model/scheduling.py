"""Buying windows that close with few events, on the engine's event at an absolute time.

The buying windows of leads waiting for a rep are closed by one scheduled event at a time
instead of a timeout per lead. ``timeout_at`` (an event at an absolute time, for a process
that skipped waits in plain Python and keeps its clock as their running sum) lives in the
fence ``sim.model.engine`` and is importable from here too.
"""

from __future__ import annotations

import itertools
from heapq import heappop, heappush

import simpy

from sim.model.engine import fire_now, timeout_at
from sim.model.records import Lead

__all__ = ["BuyingWindows", "timeout_at"]


class BuyingWindows:
    """The buying windows of leads waiting for a rep: each closes at its end, by few events.

    A wait for a rep races the lead's window closing (``unless_first``). A timeout per lead at
    its window's end (the model's former way) was an event for almost every lead that ever
    queued, although its wait had mostly been served long before. Here a lead's window is a
    plain, never-scheduled event (``closes``); the waiting leads sit in a heap by closing time
    and one scheduled event at a time (``timeout_at``, the same time the lead's timeout had)
    closes the windows that are due, then re-arms for the earliest window of a lead that is
    still waiting. A window whose moment passed while nobody waited is closed when the lead
    next waits, as the old timeout would already have been. Same instants, same callbacks.
    """

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._waiting: list[tuple[float, int, Lead]] = []  # (closes at, order, lead), a heap
        self._order = itertools.count()
        self._armed: list[float] = []  # times of the scheduled closing events, a heap

    def closes(self, lead: Lead) -> simpy.Event:
        """The lead's window-closing event for a wait that starts now (made on first use)."""
        env = self.env
        event = lead.window_closes
        if event is None:
            event = lead.window_closes = simpy.Event(env)
            lead.window_closes_at = env.now + max(0.0, lead.buying_window_end - env.now)
        elif not event.processed and lead.window_closes_at < env.now:
            fire_now(event)  # its moment passed while the lead was not waiting
        if not event.processed and not lead.window_watched:
            lead.window_watched = True
            at = lead.window_closes_at
            heappush(self._waiting, (at, next(self._order), lead))
            if not self._armed or at < self._armed[0]:
                self._arm(at)
        return event

    @staticmethod
    def wait_ended(event: simpy.Event) -> None:
        """Forget the finished wait's callback (it would do nothing): the lead waits no more."""
        if event.callbacks:
            event.callbacks.clear()

    def _arm(self, at: float) -> None:
        heappush(self._armed, at)
        timeout_at(self.env, at).callbacks.append(self._fire)

    def _fire(self, _: simpy.Event) -> None:
        now = self.env.now
        heappop(self._armed)
        waiting = self._waiting
        while waiting and waiting[0][0] <= now:
            lead = heappop(waiting)[2]
            lead.window_watched = False
            fire_now(lead.window_closes)
        # Windows of leads no longer waiting need no event; they close on their next wait.
        while waiting and not waiting[0][2].window_closes.callbacks:
            heappop(waiting)[2].window_watched = False
        if waiting and (not self._armed or waiting[0][0] < self._armed[0]):
            self._arm(waiting[0][0])
