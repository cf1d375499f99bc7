"""The model: the SimPy lead lifecycle, its business calendar and its named random streams.

``simulate(scenario, seed, replication)`` runs one replication and returns the cohort's lead
table, weekly series and run totals. The model reads the scenario and never writes it.
"""

from typing import TYPE_CHECKING

from sim._lazy import lazy_exports

if TYPE_CHECKING:
    from sim.model.lifecycle import LEAD_COLUMNS, OUTCOMES, SimulationResult, simulate

__getattr__, __all__ = lazy_exports(
    __name__,
    {
        "LEAD_COLUMNS": "lifecycle",
        "OUTCOMES": "lifecycle",
        "SimulationResult": "lifecycle",
        "simulate": "lifecycle",
    },
)
