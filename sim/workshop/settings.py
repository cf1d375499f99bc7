"""How the workshop runs a setup: few replications and half a year, to answer within seconds.

Kept apart from the session (no pandas or SimPy here), so ``leadsim workshop --help`` starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

DEFAULT_REPLICATIONS = 4
DEFAULT_SEED = 1
DEFAULT_WORKERS = 2
DEFAULT_MEASUREMENT_DAYS = 182.0
"""Workshop runs measure half a year of new leads (the files: a year), to answer within seconds."""


@dataclass(frozen=True)
class RunSettings:
    """How the workshop runs a setup: replications, seed, workers, horizon and result cache."""

    replications: int = DEFAULT_REPLICATIONS
    seed: int = DEFAULT_SEED
    workers: int = DEFAULT_WORKERS
    measurement_days: float | None = DEFAULT_MEASUREMENT_DAYS
    cache_dir: Path | None = None

    def horizon_overrides(self, scenario: Scenario) -> tuple[str, ...]:
        """``--set horizon.measurement_days=…`` when the workshop measures less than the file."""
        if self.measurement_days is None:
            return ()
        if self.measurement_days >= scenario.horizon.measurement_days:
            return ()
        return (f"horizon.measurement_days={self.measurement_days:g}",)
