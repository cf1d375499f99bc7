"""Sales reps as a SimPy priority resource: who gets the next free rep.

A team of reps is a pool of servers; leads, sales' own prospecting and the calendar's off-shift
holds all ask it for a rep with a priority (rank, rule value), lower first, ties first come
first served. This module holds the pool, its fast queue and the priority vocabulary.
"""

from __future__ import annotations

import bisect
from typing import Any

import simpy
from simpy.resources.resource import SortedQueue

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


class RepPool(simpy.PriorityResource):
    """Sales reps as a SimPy priority resource (with the O(log n) queue above)."""

    PutQueue = _InsortQueue


def request_rep(pool: simpy.PriorityResource, priority: Priority) -> simpy.resources.resource.PriorityRequest:
    """Ask ``pool`` for a rep with a (rank, key) priority: lower first, ties first come first served.

    SimPy compares priorities with ``<`` only, so tuples work although its hints say ``int``.
    """
    return pool.request(priority=priority)  # type: ignore[arg-type]
