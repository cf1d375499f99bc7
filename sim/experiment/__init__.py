"""Experiments: replications with common random numbers, runners, the result cache, designs.

``run_experiment`` runs replication r of every scenario with the same random numbers, serially,
on local worker processes or on a Dask cluster, with identical results; designs such as lever
attribution are built from it.
"""

from typing import TYPE_CHECKING

from sim._lazy import lazy_exports

if TYPE_CHECKING:
    from sim.experiment.runner import (
        ExperimentResult,
        run_experiment,
        run_until_precision,
        weekly_kpi_series,
    )

__getattr__, __all__ = lazy_exports(
    __name__,
    {
        "ExperimentResult": "runner",
        "run_experiment": "runner",
        "run_until_precision": "runner",
        "weekly_kpi_series": "runner",
    },
)
