"""Benchmark (not a test): a robustness run of the bundled pair, silo vs customer-happiness team.

Run: ``.venv/bin/python benchmarks/bench_robustness.py [SAMPLES] [REPLICATIONS] [WORKERS] [DESIGN]``
(defaults 16 × 2 on 2 workers, no cache, so every replication is simulated). Prints the wall
time, the replications run and the headline results; record them in docs/performance.md.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from sim.experiment.robustness import run_robustness

ROOT = Path(__file__).resolve().parent.parent
PAIR = [ROOT / "scenarios" / "separate_departments.yaml", ROOT / "scenarios" / "customer_happiness_team.yaml"]


def main() -> None:
    """Time one robustness run and print what it found."""
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    replications = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    design = sys.argv[4] if len(sys.argv) > 4 else "lhs"
    started = time.perf_counter()
    result = run_robustness(
        PAIR, samples=samples, replications=replications, seed=1, workers=workers, cache_dir=None, design=design
    )
    seconds = time.perf_counter() - started
    runs = len(result.kpis)
    print(f"{design}: {len(result.samples)} worlds ({samples} samples) x {replications} replications x {len(PAIR)} setups = {runs} replications, "
          f"{len(result.parameters)} assumptions, {workers} workers on {os.cpu_count()} cores: {seconds:.0f} s "
          f"({seconds * workers / runs:.1f} worker-s per replication)")
    print(result.summary.to_string())
    print(result.break_even[["parameter", "importance", "importance_conf", "value", "low", "high", "at_low", "at_high", "break_even"]].to_string())


if __name__ == "__main__":
    main()
