"""How the workshop runs a setup: the file's full horizon and 8 replications, shown as they sharpen.

Kept apart from the session (no pandas or SimPy here), so ``leadsim workshop --help`` starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

DEFAULT_REPLICATIONS = 8
DEFAULT_SEED = 1
DEFAULT_WORKERS = 2
DEFAULT_MEASUREMENT_DAYS: float | None = None
"""Workshop runs measure what the file measures (a year); a number of days shortens that. The page
shows figures after the first round of replications and sharpens them (``RunSettings.refinement_steps``)."""


@dataclass(frozen=True)
class RunSettings:
    """How the workshop runs a setup: replications, seed, workers, horizon and result cache."""

    replications: int = DEFAULT_REPLICATIONS
    seed: int = DEFAULT_SEED
    workers: int = DEFAULT_WORKERS
    measurement_days: float | None = DEFAULT_MEASUREMENT_DAYS
    cache_dir: Path | None = None

    def refinement_steps(self) -> tuple[int, ...]:
        """Replication counts after which the page shows figures: one round of workers, then doubling.

        With 8 replications on 2 workers: 2, 4, 8 - first figures after a fraction of the wait,
        the full count last. One step when the workers do everything in one round.
        """
        steps = [min(self.workers, self.replications)]
        while steps[-1] < self.replications:
            steps.append(min(2 * steps[-1], self.replications))
        return tuple(steps)

    def horizon_overrides(self, scenario: Scenario) -> tuple[str, ...]:
        """``--set horizon.measurement_days=…`` when the workshop measures less than the file."""
        if self.measurement_days is None:
            return ()
        if self.measurement_days >= scenario.horizon.measurement_days:
            return ()
        return (f"horizon.measurement_days={self.measurement_days:g}",)
