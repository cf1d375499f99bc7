"""Fingerprints of the lead, weekly and run tables of many scenario variants, to compare two checkouts.

A check for changes meant to leave every result unchanged (speed work), wider than the back-test
(``tests/reference``, three setups): every bundled setup and example, and base.yaml and
separate_departments.yaml each with every lever overlay, two seeds, 30 warm-up and 120 measured
days. Run it with each checkout's code and compare the outputs:

    .venv/bin/python benchmarks/compare_variants.py /tmp/before > before.json
    .venv/bin/python benchmarks/compare_variants.py . > after.json && diff before.json after.json

Extra ``--set`` style overrides may follow (``horizon.measurement_days=365``); ``ONLY`` (comma-
separated variant names) and ``SEEDS`` (comma-separated) in the environment narrow the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def variants(folder: Path) -> list[Path]:
    """The bundled setups and examples, and two setups with each lever (compositions in ``folder``)."""
    files = [SCENARIOS / f"{name}.yaml" for name in ("base", "separate_departments", "customer_happiness_team",
                                                       "sdr_team")]
    files += sorted((SCENARIOS / "examples").glob("*.yaml"))
    for parent in ("base", "separate_departments"):
        for lever in sorted((SCENARIOS / "levers").glob("*.yaml")):
            composed = folder / f"{parent}+{lever.stem}.yaml"
            composed.write_text(f"extends:\n  - {SCENARIOS / (parent + '.yaml')}\n  - {lever}\nname: {composed.stem}\n")
            files.append(composed)
    only = os.environ.get("ONLY")
    return [file for file in files if not only or file.stem in only.split(",")]


def main() -> None:
    checkout = Path(sys.argv[1]).resolve()
    sys.path.insert(0, str(checkout))
    from sim.model.lifecycle import simulate
    from sim.scenario.loader import load_scenario

    overrides = ("horizon.warmup_days=30", "horizon.measurement_days=120", *sys.argv[2:])
    seeds = [int(seed) for seed in os.environ.get("SEEDS", "1,3").split(",")]
    fingerprints = {}
    with tempfile.TemporaryDirectory() as folder:
        for file in variants(Path(folder)):
            scenario = load_scenario(file, overrides=overrides)
            for seed in seeds:
                result = simulate(scenario, seed=seed, replication=0)
                digest = hashlib.sha256(result.leads.to_csv().encode())
                digest.update(result.weekly.to_csv().encode())
                digest.update(json.dumps(result.run, sort_keys=True, default=str).encode())
                fingerprints[f"{file.stem}:{seed}"] = digest.hexdigest()[:16]
    print(json.dumps(fingerprints, indent=0))


if __name__ == "__main__":
    main()
