"""Roles in the sales team: account executives (AEs) and, optionally, SDRs - and who takes which work.

Each role is a set of rep queues: one pooled queue (``handoff.routing: pooled``) or one queue per
person. With ``sales.sdrs: 0`` the AEs do everything. With SDRs, a handed-over lead's contact
attempts and qualification call go to an SDR; a lead the SDR qualifies is booked into an AE's
calendar (picked by the routing rule) for its selling tasks; the company's own workload and
upsells are AE work. An SDR never sells, an AE never dials a new lead.
"""

from __future__ import annotations

import simpy

from sim.model.reps import RepPool, ShiftClock
from sim.scenario.schema import Scenario


class SalesTeam:
    """The AE queues (``aes``) and SDR queues (``sdrs``), picked by the routing rule."""

    def __init__(self, env: simpy.Environment, scenario: Scenario) -> None:
        self.routing = scenario.handoff.routing
        self.shift_clock = ShiftClock(env)
        """One clock for every pool's shift changes: one event per instant for the whole team."""
        self.aes = self._queues(env, scenario.sales.reps)
        self.sdrs = self._queues(env, scenario.sales.sdrs)
        self.turns = {False: 0, True: 0}  # round-robin position among AEs, SDRs

    def _queues(self, env: simpy.Environment, size: int) -> list[RepPool]:
        if size == 0:
            return []
        if self.routing == "pooled":
            return [RepPool(env, capacity=size, shift_clock=self.shift_clock)]
        return [RepPool(env, capacity=1, shift_clock=self.shift_clock) for _ in range(size)]

    def pick(self, sdr: bool = False) -> RepPool:
        """An AE's queue (or an SDR's) by the routing rule."""
        pools = self.sdrs if sdr else self.aes
        if self.routing == "pooled":
            return pools[0]
        if self.routing == "round_robin":
            turn = self.turns[sdr]
            self.turns[sdr] = (turn + 1) % len(pools)
            return pools[turn]
        return min(pools, key=lambda pool: len(pool.queue) + pool.count)

    def contact_queue(self) -> RepPool:
        """Who calls and qualifies a handed-over lead: an SDR if the team has them, else an AE."""
        return self.pick(sdr=bool(self.sdrs))

    def opportunity_owner(self, qualified_by: simpy.PriorityResource) -> simpy.PriorityResource:
        """Who works a qualified lead's selling tasks: the AE (or pooled AEs) that qualified it,
        or, with SDRs, the AE the SDR books it to."""
        return self.pick() if self.sdrs else qualified_by
