"""Speed and memory of one replication of the base scenario at 1x, 10x and 100x its lead volume.

A script, not a test (speed is measured by benchmarks, never by timed tests):

    .venv/bin/python benchmarks/bench_model.py              # 1x, 10x, 100x
    .venv/bin/python benchmarks/bench_model.py --scales 1 10 --json out.json

Rates use the process's CPU time (``time.process_time``), which a busy machine disturbs far
less than wall-clock time; the wall time and the load average are recorded next to it. Each
scale runs in a fresh Python process, so its peak memory (the process's maximum resident
set size) is its own. Volume is scaled by multiplying every channel's ``leads_per_week`` and the
number of reps, so the load per rep stays the same. In the same process, right before the model,
a bare SimPy loop of timeouts measures what the interpreter and SimPy alone can do; the ratio
says how much the model's own logic and resources cost per event. Results go to
``docs/performance.md`` by hand, together with the machine (printed here).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import simpy

from sim.model import lifecycle, scheduling
from sim.model.lifecycle import LeadLifecycleModel
from sim.scenario.schema import Scenario

BASE_FILE = ROOT / "scenarios" / "base.yaml"
SEED = 1


# ------------------------------------------------------------------ scenarios
def base_scenario() -> tuple[Scenario, str]:
    """The bundled base scenario, or an equivalent built in code when it cannot be loaded."""
    try:
        from sim.scenario.loader import load_scenario

        return load_scenario(BASE_FILE), str(BASE_FILE.relative_to(ROOT))
    except Exception as error:  # noqa: BLE001 - any failure falls back to the built-in copy
        print(f"note: {BASE_FILE} not loaded ({error}); using the built-in base", file=sys.stderr)
        return _builtin_base(), "built-in base (benchmarks/bench_model.py)"


def _builtin_base() -> Scenario:
    """Mid-size B2B company, ~5,000 leads a year from five channels, 10 reps (as base.yaml)."""

    def channel(name: str, per_week: float, cost: float, fit: tuple[float, float],
                mix: tuple[float, float, float], half_life: float, window: float,
                marketing: bool = True) -> dict[str, Any]:
        return {
            "name": name, "leads_per_week": per_week, "cost_per_lead": cost,
            "marketing_sourced": marketing,
            "fit": {"alpha": fit[0], "beta": fit[1]},
            "stage_mix": {"ql": mix[0], "mql": mix[1], "sql": mix[2]},
            "decay": {"hot_weight": 1.0, "hot_half_life_hours": half_life,
                      "slow_half_life_hours": half_life, "floor": 0.05, "cold_below": 0.2},
            "buying_window_days": {"distribution": "lognormal", "mean": window, "cv": 0.6},
        }

    web = channel("web_inquiry", 12, 150, (3, 3), (0.1, 0.3, 0.6), 1, 120)
    web["decay"] = {"hot_weight": 0.99, "hot_half_life_hours": 0.03697,
                    "slow_half_life_hours": 4.505, "floor": 0.001, "cold_below": 0.005}
    return Scenario.model_validate({
        "name": "base",
        "horizon": {"warmup_days": 60, "measurement_days": 365, "drain_cap_days": 180},
        "channels": [
            web,
            channel("content_download", 45, 40, (2, 4), (0.45, 0.4, 0.15), 168, 300),
            channel("webinar", 20, 80, (2.5, 3.5), (0.3, 0.5, 0.2), 120, 240),
            channel("trade_fair", 12, 200, (3, 3), (0.25, 0.45, 0.3), 240, 240),
            channel("referral", 5, 100, (5, 2), (0.1, 0.4, 0.5), 336, 180, marketing=False),
        ],
        "nurturing": {"mean_days_ql_to_mql": 150, "mean_days_mql_to_sql": 200,
                      "dropout_per_month": 0.04, "engagements_per_week": 0.25},
        "qualification": {"threshold": 0.6, "scoring_noise": 0.15},
        "handoff": {"mode": "realtime", "ignore_share": 0.1,
                    "admin_delay_hours": {"distribution": "lognormal", "mean": 4, "cv": 1.5}},
        "sales": {"reps": 10, "own_workload_hours_per_week": 270,
                  "own_workload_task_hours": {"distribution": "fixed", "mean": 2},
                  "max_attempts": 6, "retry_after_hours": 24,
                  "attempt_hours": {"distribution": "fixed", "mean": 0.1},
                  "conversation_hours": {"distribution": "lognormal", "mean": 0.75, "cv": 0.5}},
        "conversion": {"reach_probability": 0.3,
                       "qualify_probability": {"ql": 0.05, "mql": 0.25, "sql": 0.6},
                       "qualify_fit_weight": 0.6,
                       "sales_cycle_days": {"distribution": "lognormal", "mean": 120, "cv": 0.8},
                       "deal_value": {"distribution": "lognormal", "mean": 45000, "cv": 0.8}},
    })


def scaled(scenario: Scenario, factor: int) -> Scenario:
    """``scenario`` with ``factor`` times the leads of every channel and ``factor`` times the reps."""
    channels = tuple(
        channel.model_copy(update={"leads_per_week": channel.leads_per_week * factor})
        for channel in scenario.channels
    )
    sales = scenario.sales.model_copy(update={"reps": scenario.sales.reps * factor})
    return Scenario.model_validate(
        {**scenario.model_dump(), "channels": [c.model_dump() for c in channels],
         "sales": sales.model_dump()}
    )


# --------------------------------------------------------------- measurements
class ProbedModel(LeadLifecycleModel):
    """The model plus a probe that samples the number of pending events once a day."""

    def _queue_monitor(self):  # type: ignore[no-untyped-def]
        self.pending_samples: list[int] = []
        self.env.process(self._probe())
        yield from super()._queue_monitor()

    def _probe(self):  # type: ignore[no-untyped-def]
        while True:
            self.pending_samples.append(len(self.env._queue))
            yield self.env.timeout(24.0)


def bare_simpy_events_per_second(events: int = 1_000_000, processes: int = 100) -> float:
    """Events per second of ``processes`` concurrent loops of exponential timeouts.

    SimPy and the interpreter, no model. With many concurrent processes the event heap is
    large and scattered in memory, which slows SimPy itself down.
    """
    env = simpy.Environment()
    per_process = max(1, events // processes)
    rng = random.Random(1)

    def ticker(env: simpy.Environment):  # type: ignore[no-untyped-def]
        for _ in range(per_process):
            yield env.timeout(rng.expovariate(1.0))

    for _ in range(processes):
        env.process(ticker(env))
    started = time.process_time()
    env.run()
    elapsed = time.process_time() - started
    return processed_events(env) / elapsed


def processed_events(env: simpy.Environment) -> int:
    """Events the environment has processed: all scheduled minus those still queued."""
    scheduled = next(env._eid)  # SimPy numbers every scheduled event from this counter
    return scheduled - len(env._queue)


def peak_rss_mib() -> float:
    """This process's maximum resident set size so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(factor: int) -> dict[str, Any]:
    """One replication of the base scenario at ``factor`` x volume, in this process."""
    base, source = base_scenario()
    scenario = scaled(base, factor)
    bare = bare_simpy_events_per_second()
    rss_before = peak_rss_mib()
    model = ProbedModel(scenario, seed=SEED, replication=0)
    started, cpu_started = time.perf_counter(), time.process_time()
    result = model.run()
    wall = time.perf_counter() - started
    elapsed = time.process_time() - cpu_started  # CPU time: robust against a busy machine
    events = processed_events(model.env)
    # leads whose process started (arrivals after an early stop are drawn but never simulated)
    leads = int(model.leads_created_by_week().sum())
    pending = sum(model.pending_samples) / len(model.pending_samples)
    cohort, end_time = len(result.leads), result.run["end_time_hours"]
    peak = peak_rss_mib()  # before the second bare loop, which has its own memory
    del model, result
    bare_same_heap = bare_simpy_events_per_second(
        events=max(1_000_000, 3 * int(pending)), processes=max(100, int(pending))
    )
    return {
        "scale": factor,
        "scenario": source,
        "reps": scenario.sales.reps,
        "leads_per_week": sum(channel.leads_per_week for channel in scenario.channels),
        "leads_simulated": leads,
        "cohort_leads": cohort,
        "simulated_hours": end_time,
        "seconds": elapsed,
        "wall_seconds": wall,
        "load_average_1min": os.getloadavg()[0],
        "leads_per_second": leads / elapsed,
        "microseconds_per_lead": 1e6 * elapsed / leads,
        "events": events,
        "events_per_lead": events / leads,
        "events_per_second": events / elapsed,
        "bare_simpy_events_per_second": bare,
        "model_vs_bare_event_rate": (events / elapsed) / bare,
        "mean_pending_events": pending,
        "bare_simpy_same_heap_events_per_second": bare_same_heap,
        "model_vs_bare_same_heap": (events / elapsed) / bare_same_heap,
        "peak_rss_mib": peak,
        "rss_before_run_mib": rss_before,
    }


def events_by_mechanism(factor: int = 1) -> dict[str, int]:
    """Scheduled events per process kind at ``factor`` x volume (a separate, untimed run)."""
    base, _ = base_scenario()
    counts: collections.Counter[str] = collections.Counter()
    original = simpy.Environment.schedule

    def counting_schedule(self, event, priority=1, delay=0):  # type: ignore[no-untyped-def]
        process = self.active_process
        owner = process._generator.__name__ if process is not None else "(resource callback)"
        counts[f"{owner}: {type(event).__name__}"] += 1
        return original(self, event, priority, delay)

    # Events scheduled at an absolute time bypass ``schedule``: count them on their way in, in
    # both modules that call ``timeout_at`` (the lead's nurturing and the buying windows).
    original_at = scheduling.timeout_at

    def counting_timeout_at(env, at):  # type: ignore[no-untyped-def]
        process = env.active_process
        owner = process._generator.__name__ if process is not None else "(resource callback)"
        counts[f"{owner}: timeout_at ({sys._getframe(1).f_code.co_name})"] += 1
        return original_at(env, at)

    simpy.Environment.schedule = counting_schedule  # type: ignore[method-assign]
    lifecycle.timeout_at = scheduling.timeout_at = counting_timeout_at  # type: ignore[assignment]
    try:
        model = LeadLifecycleModel(scaled(base, factor), seed=SEED, replication=0)
        model.run()
    finally:
        simpy.Environment.schedule = original  # type: ignore[method-assign]
        lifecycle.timeout_at = scheduling.timeout_at = original_at  # type: ignore[assignment]
    counts["leads started"] = int(model.leads_created_by_week().sum())
    return dict(counts.most_common())


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "platform": platform.platform(),
    }


def table(rows: list[dict[str, Any]]) -> str:
    header = (
        "| scale | reps | leads simulated | cohort | CPU s | wall s | leads/s | µs/lead "
        "| events/lead | events/s | bare SimPy events/s (100 proc.) | model/bare "
        "| mean pending events | bare events/s, same heap | model/bare, same heap "
        "| peak RSS MiB |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [header]
    for row in rows:
        lines.append(
            f"| {row['scale']}× | {row['reps']} | {row['leads_simulated']:,} "
            f"| {row['cohort_leads']:,} | {row['seconds']:.2f} | {row['wall_seconds']:.2f} "
            f"| {row['leads_per_second']:,.0f} "
            f"| {row['microseconds_per_lead']:.0f} | {row['events_per_lead']:.1f} "
            f"| {row['events_per_second']:,.0f} | {row['bare_simpy_events_per_second']:,.0f} "
            f"| {row['model_vs_bare_event_rate']:.2f} | {row['mean_pending_events']:,.0f} "
            f"| {row['bare_simpy_same_heap_events_per_second']:,.0f} "
            f"| {row['model_vs_bare_same_heap']:.2f} | {row['peak_rss_mib']:,.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--breakdown", action="store_true",
                        help="also count events per mechanism at 1x (separate untimed run)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:  # one scale, in a fresh process
        print(json.dumps(measure(args.child)))
        return
    rows = []
    for factor in args.scales:
        output = subprocess.run(
            [sys.executable, __file__, "--child", str(factor)],
            check=True, capture_output=True, text=True,
        ).stdout
        rows.append(json.loads(output.strip().splitlines()[-1]))
        print(f"scale {factor}x done in {rows[-1]['seconds']:.1f} s", file=sys.stderr)
    info = machine()
    print(f"machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, "
          f"SimPy {info['simpy']}, {info['platform']}")
    print(f"scenario: {rows[0]['scenario']}, seed {SEED}, one replication per scale")
    print(table(rows))
    breakdown = events_by_mechanism() if args.breakdown else {}
    if breakdown:
        leads = breakdown.pop("leads started")
        print(f"\nevents per lead by mechanism at 1x ({leads:,} leads started):")
        print("| process: event | per lead |\n|---|---:|")
        for name, count in breakdown.items():
            print(f"| {name} | {count / leads:.2f} |")
    if args.json:
        args.json.write_text(json.dumps(
            {"machine": info, "results": rows, "events_by_mechanism_1x": breakdown}, indent=2
        ))


if __name__ == "__main__":
    main()
