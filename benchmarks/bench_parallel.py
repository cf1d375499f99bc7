"""Replications of the base scenario: serial, on the process pool (1 and 2 workers), on local Dask.

A script, not a test (speed is measured by benchmarks, never by timed tests):

    .venv/bin/python benchmarks/bench_parallel.py                    # 8 replications
    .venv/bin/python benchmarks/bench_parallel.py --replications 4 --json out.json

Each setting runs ``run_experiment`` on ``scenarios/base.yaml`` (seed 1, no result cache) and
records the wall time, the CPU time of this process and of the worker processes it waited for
(``getrusage``), and the load average. Dask runs on a ``LocalCluster`` of two single-threaded
worker processes, started before the clock (its start-up is listed separately). The KPI tables of
all settings must be identical (the script stops otherwise): same seed, same results, whatever
the executor. Results go to ``docs/performance.md`` by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd

from sim.experiment import run_experiment
from sim.scenario.loader import load_scenario

BASE_FILE = ROOT / "scenarios" / "base.yaml"


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def timed(label: str, replications: int, **options: Any) -> tuple[dict[str, Any], pd.DataFrame]:
    scenario = load_scenario(BASE_FILE)
    own_before, children_before = cpu_seconds()
    started = time.perf_counter()
    result = run_experiment({"base": scenario}, replications=replications, seed=1,
                            cache_dir=None, progress=False, **options)
    wall = time.perf_counter() - started
    own_after, children_after = cpu_seconds()
    row = {
        "setting": label,
        "replications": replications,
        "wall_seconds": wall,
        "cpu_seconds_this_process": own_after - own_before,
        "cpu_seconds_workers": children_after - children_before,
        "load_average_1min": os.getloadavg()[0],
    }
    print(f"{label}: {wall:.1f} s wall", file=sys.stderr)
    return row, result.kpis


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows, tables = [], []
    for label, options in (("serial (workers=1)", {"workers": 1}),
                           ("process pool, 2 workers", {"workers": 2})):
        row, kpis = timed(label, args.replications, **options)
        rows.append(row)
        tables.append(kpis)
    if not args.no_dask:
        from dask.distributed import Client, LocalCluster

        started = time.perf_counter()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        start_up = time.perf_counter() - started
        try:
            row, kpis = timed("Dask LocalCluster, 2 worker processes", args.replications,
                              scheduler=cluster.scheduler_address)
            row["cluster_start_seconds"] = start_up
            row["cpu_seconds_workers"] = float("nan")  # Dask workers are not our children
            rows.append(row)
            tables.append(kpis)
        finally:
            client.close()
            cluster.close()
    for other in tables[1:]:
        pd.testing.assert_frame_equal(tables[0], other, check_exact=True)
    print("| setting | replications | wall s | CPU s (this process) | CPU s (workers) | load |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['setting']} | {row['replications']} | {row['wall_seconds']:.1f} "
              f"| {row['cpu_seconds_this_process']:.1f} | {row['cpu_seconds_workers']:.1f} "
              f"| {row['load_average_1min']:.1f} |")
    print("KPI tables identical across settings: yes")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
