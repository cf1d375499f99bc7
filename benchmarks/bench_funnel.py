"""The model against a minimal honest SimPy funnel of the same lifecycle, at 1x, 10x and 100x volume.

A script, not a test (speed is measured by benchmarks, never by timed tests):

    .venv/bin/python benchmarks/bench_funnel.py                     # 1x, 10x, 100x, 3 rounds
    .venv/bin/python benchmarks/bench_funnel.py --scales 1 --rounds 5 --json out.json

The *minimal funnel* is what a SimPy model of the same lifecycle needs at least: Poisson arrivals
at the scenario's total lead rate, a pool of reps (a plain ``simpy.Resource`` with the scenario's
head count) that works only in the calendar's business hours, one contact per lead whose outcome
depends on how far the lead's interest decayed while it waited (the channel's half-life), and a
win draw. It costs six SimPy events per lead (arrival timeout, process start, request, work,
release, process end) and draws plain Python floats.

The *model* is one replication of ``scenarios/base.yaml`` (``LeadLifecycleModel``, built and
run; loading the file is not timed). Both run **in the same process, interleaved**: each round
runs the funnel and the model once, alternating which goes first, so a busy machine disturbs
both alike. Rates use CPU time (``time.process_time``). Leads are the leads whose journey started
(the weekly ``leads_created`` series, including referrals); events are the events SimPy
processed (scheduled minus still pending: one per ``Environment.step``).

Volume is scaled with the scenario override mechanism (``--set channels.<name>.leads_per_week``
and ``--set sales.reps``, so the load per rep stays the same). Each scale runs in a fresh child
process, so its peak resident memory (``resource.getrusage``) is its own; the memory before the
first run (interpreter, NumPy, pandas, SciPy, the scenario) is listed next to it. 100x volume
uses a shorter horizon (``--short-horizon-at``: 28 measured days and a 28-day drain cap instead
of 365 and 400): cost per lead is what is compared, and the full horizon would take an hour.
Results go to ``docs/performance.md`` by hand, together with the machine (printed here).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import simpy
from bench_model import machine  # the same machine description as the model benchmark

from sim.model.calendar import HOURS_PER_DAY, BusinessCalendar
from sim.model.lifecycle import LeadLifecycleModel
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

BASE_FILE = ROOT / "scenarios" / "base.yaml"
SEED = 1
SHORT_HORIZON = ("horizon.measurement_days=28", "horizon.drain_cap_days=28")


# ------------------------------------------------------------------ scenario
def scenario_at(factor: int, short_horizon: bool) -> Scenario:
    """base.yaml with ``factor`` x every channel's leads and reps, via ``--set`` overrides."""
    base = load_scenario(BASE_FILE)
    overrides = [
        f"channels.{channel.name}.leads_per_week={channel.leads_per_week * factor}"
        for channel in base.channels
    ]
    overrides.append(f"sales.reps={base.sales.reps * factor}")
    if short_horizon:
        overrides.extend(SHORT_HORIZON)
    return load_scenario(BASE_FILE, overrides)


def processed_events(env: simpy.Environment) -> int:
    """Events the environment has processed (= ``step`` calls): all scheduled minus those pending."""
    scheduled = next(env._eid)  # SimPy numbers every scheduled event from this counter
    return scheduled - len(env._queue)


# ------------------------------------------------------------ minimal funnel
class MinimalFunnel:
    """Arrivals -> pooled reps in business hours -> decay-dependent qualification -> win."""

    def __init__(self, scenario: Scenario, horizon_hours: float, seed: int) -> None:
        self.env = simpy.Environment()
        self.reps = simpy.Resource(self.env, capacity=scenario.sales.reps)
        self.calendar = BusinessCalendar(scenario.calendar)
        self.rng = random.Random(seed)
        self.horizon = horizon_hours
        channels = scenario.channels
        self.rate = sum(channel.leads_per_week for channel in channels) / 168.0
        weights = [channel.leads_per_week for channel in channels]
        total = sum(weights)
        self.cumulative = [sum(weights[: i + 1]) / total for i in range(len(weights))]
        self.half_lives = [channel.decay.slow_half_life_hours for channel in channels]
        conversion = scenario.conversion
        self.reach = conversion.reach_probability
        self.qualify = conversion.qualify_probability.mql
        self.win = conversion.win_probability
        self.attempt_hours = scenario.sales.attempt_hours.mean
        talk = scenario.sales.conversation_hours
        sigma_squared = math.log1p((talk.cv or 0.0) ** 2)
        self.talk_mu = math.log(talk.mean) - sigma_squared / 2
        self.talk_sigma = math.sqrt(sigma_squared)
        self.leads = 0
        self.won = 0

    def run(self) -> None:
        self.env.process(self._arrivals())
        self.env.run(until=self.horizon)

    def _arrivals(self) -> Generator[simpy.Event, Any, None]:
        env, rng = self.env, self.rng
        while True:
            yield env.timeout(rng.expovariate(self.rate))
            draw = rng.random()
            channel = next(i for i, edge in enumerate(self.cumulative) if draw < edge)
            self.leads += 1
            env.process(self._lead(channel))

    def _lead(self, channel: int) -> Generator[simpy.Event, Any, None]:
        env, rng = self.env, self.rng
        created = env.now
        with self.reps.request() as request:
            yield request
            start = self.calendar.next_open(env.now)  # a rep works in business hours only
            duration = self.attempt_hours
            reached = rng.random() < self.reach
            if reached:
                duration += rng.lognormvariate(self.talk_mu, self.talk_sigma)
            yield env.timeout(start - env.now + duration)
        if reached:
            interest = 0.5 ** ((start - created) / self.half_lives[channel])
            if rng.random() < self.qualify * interest and rng.random() < self.win:
                self.won += 1


# ----------------------------------------------------------------- one round
def run_funnel(scenario: Scenario, horizon_hours: float, seed: int) -> dict[str, float]:
    gc.collect()  # the previous run's garbage is not this run's cost
    funnel = MinimalFunnel(scenario, horizon_hours, seed)
    started = time.process_time()
    funnel.run()
    cpu = time.process_time() - started
    return {"cpu": cpu, "leads": funnel.leads, "events": processed_events(funnel.env)}


def run_model(scenario: Scenario, seed: int) -> dict[str, float]:
    gc.collect()  # the previous run's garbage is not this run's cost
    started = time.process_time()
    model = LeadLifecycleModel(scenario, seed=seed, replication=0)
    result = model.run()
    cpu = time.process_time() - started
    return {
        "cpu": cpu,
        "leads": float(model.leads_created_by_week().sum()),
        "events": processed_events(model.env),
        "end_hours": float(result.run["end_time_hours"]),
        "cohort": len(result.leads),
    }


def peak_rss_mib() -> float:
    """This process's maximum resident set size so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(factor: int, rounds: int, short_horizon: bool) -> dict[str, Any]:
    """``rounds`` interleaved rounds of funnel and model at ``factor`` x volume, in this process."""
    scenario = scenario_at(factor, short_horizon)
    gc.collect()
    rss_before = peak_rss_mib()
    funnel_rounds: list[dict[str, float]] = []
    model_rounds: list[dict[str, float]] = []
    horizon = None
    for round_index in range(rounds):
        if horizon is None:  # the first model run fixes the simulated time the funnel covers
            model_rounds.append(run_model(scenario, SEED))
            horizon = model_rounds[-1]["end_hours"]
            funnel_rounds.append(run_funnel(scenario, horizon, SEED + round_index))
        elif round_index % 2:
            funnel_rounds.append(run_funnel(scenario, horizon, SEED + round_index))
            model_rounds.append(run_model(scenario, SEED))
        else:
            model_rounds.append(run_model(scenario, SEED))
            funnel_rounds.append(run_funnel(scenario, horizon, SEED + round_index))
    peak = peak_rss_mib()

    def rate(runs: list[dict[str, float]]) -> float:
        return sum(run["leads"] for run in runs) / sum(run["cpu"] for run in runs)

    model_rate, funnel_rate = rate(model_rounds), rate(funnel_rounds)
    model_leads = model_rounds[0]["leads"]
    return {
        "scale": factor,
        "short_horizon": short_horizon,
        "reps": scenario.sales.reps,
        "simulated_days": horizon / HOURS_PER_DAY if horizon else 0.0,
        "rounds": rounds,
        "model_leads": model_leads,
        "cohort_leads": model_rounds[0]["cohort"],
        "model_cpu_seconds": [round(run["cpu"], 3) for run in model_rounds],
        "funnel_cpu_seconds": [round(run["cpu"], 3) for run in funnel_rounds],
        "model_leads_per_cpu_second": model_rate,
        "funnel_leads_per_cpu_second": funnel_rate,
        "ratio": model_rate / funnel_rate,
        "model_microseconds_per_lead": 1e6 / model_rate,
        "model_events_per_lead": model_rounds[0]["events"] / model_leads,
        "funnel_events_per_lead": funnel_rounds[0]["events"] / funnel_rounds[0]["leads"],
        "rss_before_runs_mib": rss_before,
        "peak_rss_mib": peak,
        "load_average_1min": os.getloadavg()[0],
    }


# --------------------------------------------------------------------- report
def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        (
            "| scale | simulated days | reps | leads (model) | model leads/CPU-s "
            "| funnel leads/CPU-s | ratio | µs/lead (model) | events/lead model "
            "| events/lead funnel | RSS before MiB | peak RSS MiB | load |"
        ),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        short = " (short)" if row["short_horizon"] else ""
        lines.append(
            f"| {row['scale']}× | {row['simulated_days']:.0f}{short} | {row['reps']} "
            f"| {row['model_leads']:,.0f} | {row['model_leads_per_cpu_second']:,.0f} "
            f"| {row['funnel_leads_per_cpu_second']:,.0f} | {row['ratio']:.3f} "
            f"| {row['model_microseconds_per_lead']:.0f} | {row['model_events_per_lead']:.1f} "
            f"| {row['funnel_events_per_lead']:.1f} | {row['rss_before_runs_mib']:,.0f} "
            f"| {row['peak_rss_mib']:,.0f} | {row['load_average_1min']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per scale")
    parser.add_argument("--short-horizon-at", type=int, default=100,
                        help="scales from this one on use 28 measured days and a 28-day drain cap")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:  # one scale, in a fresh process
        short = args.child >= args.short_horizon_at
        print(json.dumps(measure(args.child, args.rounds, short)))
        return
    rows = []
    for factor in args.scales:
        rounds = args.rounds if factor < args.short_horizon_at else max(1, min(args.rounds, 2))
        output = subprocess.run(
            [sys.executable, __file__, "--child", str(factor), "--rounds", str(rounds),
             "--short-horizon-at", str(args.short_horizon_at)],
            check=True, capture_output=True, text=True,
        ).stdout
        rows.append(json.loads(output.strip().splitlines()[-1]))
        print(f"scale {factor}x: ratio {rows[-1]['ratio']:.3f}", file=sys.stderr)
    info = machine()
    print(f"machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, "
          f"SimPy {info['simpy']}, {info['platform']}")
    print(f"scenario: {BASE_FILE.relative_to(ROOT)}, seed {SEED}, interleaved rounds per scale")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": rows}, indent=2))


if __name__ == "__main__":
    main()
