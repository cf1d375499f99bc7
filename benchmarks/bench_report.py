"""`leadsim report` with its defaults on an empty cache, in units of one base.yaml replication.

A script, not a test (speed is measured by benchmarks, never by timed tests):

    .venv/bin/python benchmarks/bench_report.py

It simulates one base.yaml replication in this process (imports and loading excluded, CPU seconds
by ``time.process_time``), then runs ``leadsim report`` with its defaults from an empty temporary
working folder (so its ``.leadsim-cache/`` starts empty) and takes the CPU seconds of the whole
process tree (``RUSAGE_CHILDREN``: the command, its kernel and their worker processes). The ratio
of the two is the report's cost in replications, which a busy machine disturbs less than wall
time; the wall time and the load average are printed beside it.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_replication_cpu_seconds(seed: int = 1) -> float:
    """CPU seconds of one base.yaml replication simulated in this process."""
    from sim.model.lifecycle import LeadLifecycleModel
    from sim.scenario.loader import load_scenario

    model = LeadLifecycleModel(load_scenario(ROOT / "scenarios" / "base.yaml"), seed=seed)
    started = time.process_time()
    model.run()
    return time.process_time() - started


def report_cpu_seconds(arguments: list[str]) -> tuple[float, float]:
    """CPU seconds of the whole ``leadsim report`` process tree and its wall seconds."""
    leadsim = shutil.which("leadsim", path=str(Path(sys.executable).parent)) or "leadsim"
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    for name in ("scenarios",):  # the default scenario paths are relative to the working folder
        os.symlink(ROOT / name, folder / name)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([leadsim, "report", "--out", str(folder / "reports"), *arguments], cwd=folder, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(folder, ignore_errors=True)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    """Print one replication's CPU, the report's CPU and wall time, and their ratio."""
    load_before = os.getloadavg()
    replication = one_replication_cpu_seconds()
    report, wall = report_cpu_seconds(sys.argv[1:])
    replication_after = one_replication_cpu_seconds()
    per_replication = (replication + replication_after) / 2
    print(f"one base.yaml replication: {replication:.2f} / {replication_after:.2f} CPU-s (before / after)")
    print(f"leadsim report {' '.join(sys.argv[1:]) or '(defaults)'}: {report:,.0f} CPU-s, {wall / 60:.1f} min wall")
    print(f"ratio: {report / per_replication:,.0f} replications (aim: at most 200)")
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
