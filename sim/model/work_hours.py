"""The hours reps work: booked by kind and week, and the part inside the measurement window.

Every piece of rep work - a contact attempt, an upsell, a selling task, the company's own
account work - is booked here once it is done, so the weekly series and the utilisation of the
window come from one ledger.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import simpy

from sim.model.calendar import HOURS_PER_WEEK, BusinessCalendar

WORK_KINDS = ("lead", "selling", "own")
"""What reps spend their hours on: contact and upsell work on leads, selling tasks, own workload."""


class BookWork(Protocol):
    """Where finished rep work is booked: its start, hours, kind and the queue that did it."""

    def __call__(
        self, start: float, duration: float, kind: str, pool: simpy.PriorityResource | None = None
    ) -> None: ...


class WorkHours:
    """The ledger of rep work of one run: hours by kind and week, and inside the window."""

    def __init__(
        self, env: simpy.Environment, calendar: BusinessCalendar, window_start: float, window_end: float, weeks: int
    ) -> None:
        self.env = env
        self.calendar = calendar
        self.window_start = window_start
        self.window_end = window_end
        self.weekly = {kind: np.zeros(weeks) for kind in WORK_KINDS}
        """Hours booked per kind and week (by the week the work started)."""
        self.busy_in_window = 0.0
        """Business hours inside the window that reps spent working, of any kind."""
        self.in_window = dict.fromkeys(WORK_KINDS, 0.0)
        """Business hours inside the window per kind of work."""
        self.own_missed_in_window = 0.0
        """Own account work left undone (expired) inside the window, in hours."""

    def book(self, start: float, duration: float, kind: str, pool: simpy.PriorityResource | None = None) -> None:
        """Book rep work of ``kind`` (lead: contact and upsell work, selling, own) done in ``pool``."""
        week = int(start // HOURS_PER_WEEK)
        self.weekly[kind][week] += duration
        # Utilisation compares with the business hours of the window, so only the part of the
        # work inside both counts: an attempt running past closing time (overtime) or past the
        # window's end would otherwise push utilisation above 1.
        end = start + duration
        if start < self.window_end and end > self.window_start:
            counted = self.calendar.business_hours_between(
                max(start, self.window_start), min(end, self.window_end)
            )
            self.busy_in_window += counted
            self.in_window[kind] += counted

    def own_work_missed(self, hours: float) -> None:
        """Count ``hours`` of own account work that no rep started in time (inside the window)."""
        if self.window_start <= self.env.now < self.window_end:
            self.own_missed_in_window += hours
