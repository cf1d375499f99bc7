"""Write the back-test reference tables: lead, weekly and KPI tables of the bundled org setups.

Run it only when results are meant to change (a new model version); say why in the commit.
``python tests/reference/make_reference.py`` writes ``tests/reference/data/``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.experiment.runner import run_experiment
from sim.scenario.loader import load_scenario

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCENARIOS = ("base", "separate_departments", "customer_happiness_team")
SEEDS = (1, 7)
REPLICATIONS = 2
# A shorter year keeps the committed files small; the mechanisms all still run.
OVERRIDES = ("horizon.warmup_days=30", "horizon.measurement_days=91")


def reference_tables(scenario: str, seed: int) -> dict[str, pd.DataFrame]:
    """The tables the back-test compares, for one bundled scenario and seed."""
    loaded = load_scenario(ROOT / "scenarios" / f"{scenario}.yaml", overrides=OVERRIDES)
    result = run_experiment({scenario: loaded}, replications=REPLICATIONS, seed=seed, workers=1,
                            cache_dir=None, progress=False)
    return {"leads": result.leads, "weekly": result.weekly, "kpis": result.kpis}


def main() -> None:
    out = HERE / "data"
    out.mkdir(exist_ok=True)
    for scenario in SCENARIOS:
        for seed in SEEDS:
            for table, frame in reference_tables(scenario, seed).items():
                frame.to_parquet(out / f"{scenario}_seed{seed}_{table}.parquet", compression="zstd")


if __name__ == "__main__":
    main()
