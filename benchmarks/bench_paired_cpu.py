"""Paired CPU time of one base.yaml replication: two checkouts of the project, run by run.

A script, not a test (speed is measured by benchmarks, never by timed tests):

    git worktree add /tmp/before <commit>          # or: git archive <commit> | tar -x -C /tmp/before
    .venv/bin/python benchmarks/bench_paired_cpu.py /tmp/before . --pairs 12

Each run is a fresh Python process that imports the ``sim`` package of its checkout, loads
``scenarios/base.yaml`` and times ``LeadLifecycleModel.run()`` in CPU seconds
(``time.process_time``, which a busy machine disturbs far less than wall time). Runs alternate
A, B then B, A, seeds cycle over 1-3, and the ratio A/B is taken pair by pair, so drifting load
hits both sides alike; the median ratio and the load average are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = """
import sys, time
sys.path.insert(0, sys.argv[1])
from sim.scenario.loader import load_scenario
from sim.model.lifecycle import LeadLifecycleModel
model = LeadLifecycleModel(load_scenario(sys.argv[1] + "/scenarios/base.yaml"), seed=int(sys.argv[2]))
started = time.process_time()
model.run()
print(time.process_time() - started)
"""


def replication_cpu_seconds(checkout: Path, seed: int) -> float:
    """CPU seconds of one base replication with the code of ``checkout``, in a fresh process."""
    output = subprocess.run(
        [sys.executable, "-c", CHILD, str(checkout), str(seed)], check=True, capture_output=True, text=True
    ).stdout
    return float(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="checkout A (e.g. before a change)")
    parser.add_argument("b", type=Path, help="checkout B (e.g. after it)")
    parser.add_argument("--pairs", type=int, default=10)
    args = parser.parse_args()
    a, b = args.a.resolve(), args.b.resolve()
    ratios, seconds_a, seconds_b = [], [], []
    for pair in range(args.pairs):
        seed = 1 + pair % 3
        order = (a, b) if pair % 2 == 0 else (b, a)
        seconds = {checkout: replication_cpu_seconds(checkout, seed) for checkout in order}
        seconds_a.append(seconds[a])
        seconds_b.append(seconds[b])
        ratios.append(seconds[a] / seconds[b])
        print(f"pair {pair}: seed {seed}  A {seconds[a]:.3f} CPU-s  B {seconds[b]:.3f} CPU-s  "
              f"A/B {ratios[-1]:.3f}  load {os.getloadavg()[0]:.2f}", flush=True)
    print(f"median A {statistics.median(seconds_a):.3f} CPU-s, median B {statistics.median(seconds_b):.3f} "
          f"CPU-s; A/B pair by pair: median {statistics.median(ratios):.3f}, geometric mean "
          f"{statistics.geometric_mean(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})")


if __name__ == "__main__":
    main()
