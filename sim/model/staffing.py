"""The sales floor: the team's queues, each rep's calendar, their shifts and the company's own work.

The reps' side of the model as one collaborator: who takes which work (``sim.model.roles``),
when each rep works (``sim.model.availability``), the processes that keep reps off outside
their hours and feed them the company's own account work (``sim.model.reps``), and the
business hours the team had available.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import simpy

from sim.model.availability import available_hours, rep_calendars
from sim.model.calendar import HOURS_PER_WEEK, BusinessCalendar
from sim.model.random_streams import named_stream
from sim.model.reps import off_shift_holds, own_pipeline_tasks
from sim.model.roles import SalesTeam
from sim.model.work_hours import BookWork
from sim.scenario.schema import Scenario


class SalesFloor:
    """The sales team at work: its queues, the reps' calendars, shifts and own workload."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        seed_sequence: np.random.SeedSequence,
        calendar: BusinessCalendar,
        until_hours: float,
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.seed_sequence = seed_sequence
        self.calendar = calendar
        self.team = SalesTeam(env, scenario)
        self.rep_pools, self.sdr_pools = self.team.aes, self.team.sdrs
        """The account executives' queues and the SDRs' (``sim.model.roles``)."""
        self.rep_calendars = rep_calendars(scenario, seed_sequence, calendar, until_hours)
        """Each account executive's own calendar: the team's minus absences and ramp-up."""
        self.own_pipeline_stream = named_stream(seed_sequence, "own_pipeline")

    def staff_calendars(self) -> list[BusinessCalendar]:
        """Each account executive's own calendar, then the SDRs' (the team's opening hours)."""
        return self.rep_calendars + [self.calendar] * self.scenario.sales.sdrs

    def start(self, book: BookWork, own_work_missed: Callable[[float], None]) -> None:
        """Start the reps' shifts and the company's own account work, booking work with ``book``."""
        env = self.env
        # One off-shift hold per rep, on the rep's own calendar (absences, ramp-up).
        seats = [pool for pool in self.rep_pools + self.sdr_pools for _ in range(int(pool.capacity))]
        for pool, calendar in zip(seats, self.staff_calendars(), strict=True):
            if not calendar.always_open:
                env.process(off_shift_holds(env, calendar, pool))
        sales = self.scenario.sales
        if sales.own_workload_hours_per_week > 0:
            total = sum(p.capacity for p in self.rep_pools)
            for index, pool in enumerate(self.rep_pools):
                # The company's own account work, split evenly over the team. One stream per
                # pool: a pooled team keeps one, a team of own queues one per rep.
                rng = self.own_pipeline_stream if len(self.rep_pools) == 1 else named_stream(
                    self.seed_sequence, "own_pipeline", str(index)
                )
                env.process(own_pipeline_tasks(
                    env, self.calendar, pool, sales, sales.own_workload_hours_per_week * (pool.capacity / total),
                    rng, partial(book, pool=pool), own_work_missed,
                ))

    def pick_pool(self) -> simpy.PriorityResource:
        """An account executive's queue by the routing rule (upsells)."""
        return self.team.pick()

    def contact_pool(self) -> simpy.PriorityResource:
        """Who calls and qualifies a handed-over lead (``SalesTeam.contact_queue``)."""
        return self.team.contact_queue()

    def opportunity_owner(self, qualified_by: simpy.PriorityResource) -> simpy.PriorityResource:
        """Who works a qualified lead's selling tasks (``SalesTeam.opportunity_owner``)."""
        return self.team.opportunity_owner(qualified_by)

    def available_hours(self, start: float, end: float) -> float:
        """Business hours the whole team had between ``start`` and ``end``."""
        return available_hours(self.staff_calendars(), start, end)

    def available_hours_by_week(self, weeks: int) -> np.ndarray:
        """Business hours the whole team had in each of the first ``weeks`` weeks."""
        calendars = self.staff_calendars()
        return np.array(
            [available_hours(calendars, w * HOURS_PER_WEEK, (w + 1) * HOURS_PER_WEEK) for w in np.arange(weeks)]
        )
