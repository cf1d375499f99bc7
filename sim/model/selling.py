"""Selling work: the rep time a qualified lead needs across its sales cycle.

A qualified lead becomes an opportunity of its owner (the rep, or the pooled team, that
qualified it, or the account executive an SDR booked it to). Its sales cycle carries selling
tasks (``selling.tasks``: discovery, demo, proposal, negotiation ...), each due at a share of
the cycle and queued for the owner in business hours under the queue rule like any other work.
A task starts when it is due and the previous one is done, so an overloaded owner pushes the
later tasks back, and the cycle ends no earlier than the last task: the buying window may close
first (the deal is then lost to a competitor). Task lengths come from the lead's own stream
(``selling/<lead>``), so every scenario draws the same hours for the same lead.

The tasks run inside the lead's own SimPy process (no process per task): per task one timeout
until it is due, one rep request raced against the buying window (``unless_first``), and one timeout for the work.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from sim.model.random_streams import DrawRow
from sim.model.records import Lead
from sim.model.reps import GAVE_UP, Priority, request_rep, unless_first
from sim.model.scheduling import BuyingWindows
from sim.scenario.schema import Selling

_SELLING_NAMES = ("selling",)


def selling_draws(seed_sequence: np.random.SeedSequence, lead: Lead) -> DrawRow:
    """The lead's own task-length draws: a stream keyed by the lead, made on first use."""
    return DrawRow.keyed((), seed_sequence, _SELLING_NAMES, lead.crn_key)


def selling_work(
    env: simpy.Environment,
    selling: Selling,
    lead: Lead,
    pool: simpy.PriorityResource,
    draws: DrawRow,
    window_closes: Callable[[], simpy.Event],
    priority: Callable[[], Priority],
    account_work: Callable[[float, float, str], None],
    log: Callable[[Lead, str], None],
) -> Generator[simpy.Event, Any, bool]:
    """Work the lead's selling tasks from now (its qualification); False if its window closed first.

    ``window_closes`` gives the event of the lead's buying window closing (one per lead), whose
    callbacks list holds only what waits on it now (a finished wait's callback is dropped).
    """
    qualified_at = env.now
    for task in selling.tasks:
        due = qualified_at + task.at_cycle_share * lead.sales_cycle_hours
        if max(due, env.now) >= lead.buying_window_end:
            if lead.buying_window_end > env.now:
                yield env.timeout(lead.buying_window_end - env.now)
            return False
        if due > env.now:
            yield env.timeout(due - env.now)
        hours = draws.sample(task.hours)
        request = request_rep(pool, priority())
        if not request.triggered:
            closes = window_closes()
            yield unless_first(request, closes)
            BuyingWindows.wait_ended(closes)
            if request.value is GAVE_UP:
                # The buyer decided while the task still waited for its rep.
                return False
        start = env.now
        log(lead, "selling:" + task.name)
        if hours > 0:
            yield env.timeout(hours)
        account_work(start, hours, "selling")
        pool.release(request)
        lead.selling_hours += hours
    return True
