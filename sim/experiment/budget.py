"""How big a run will be, estimated before it starts, so a typo cannot tie up a machine for hours.

A scenario that passes the schema can still ask for a huge amount of work: 20,000 leads a week
over ten years in 200 replications is valid, but it would take hours and many gigabytes. The
estimate counts the leads a run creates (leads per week × simulated weeks × replications ×
scenarios) and turns them into memory and CPU time with per-lead costs measured on this code;
above a threshold the run is refused with exit 2 unless the user confirms with ``--yes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sim.errors import ExperimentError
from sim.scenario.schema import Scenario

BYTES_PER_LEAD = 300
"""Measured: a lead-table row kept in memory for the whole run (≈ 250 B)."""
BYTES_PER_LIVE_LEAD = 2_000
"""Bookkeeping of a lead while its replication runs (SimPy process, records); one replication at a time."""
CPU_SECONDS_PER_REPLICATION = 0.05
"""Fixed cost of one replication (set-up, KPIs), so many empty replications also count."""
CPU_SECONDS_PER_LEAD_DAY = 1.3e-4
"""Time estimates and the size check: CPU-seconds per simulated lead, drain days included (below);
with it a bundled setup's replication comes to ≈ 1.2 CPU-s, as measured on an idle core."""
DRAIN_COST_SHARE = 0.6
"""Time estimates: a day of the drain costs this share of a day of the window. Measured on
base.yaml with 30, 120 and 365 measured days (drain cap 400 days): 1.0, 1.25 and 2.0 CPU-s."""
MAX_LEADS = 10_000_000
MAX_MEMORY_BYTES = 4 * 1024**3
MAX_CPU_SECONDS = 3600.0


@dataclass(frozen=True)
class Estimate:
    """The expected size of a run: leads simulated, peak memory and CPU time (one core)."""

    leads: float
    replications: int
    memory_bytes: float
    cpu_seconds: float

    def text(self) -> str:
        """One line for messages: '≈ 12.3 million leads, ≈ 24.6 GB, ≈ 41 CPU-minutes'."""
        return (
            f"≈ {self.leads / 1e6:.3g} million leads in {self.replications} replications, "
            f"≈ {self.memory_bytes / 1024**3:.3g} GB of memory, "
            f"≈ {self.cpu_seconds / 60:.3g} CPU-minutes"
        )


def scenario_leads(scenario: Scenario) -> float:
    """Leads one replication creates: Σ leads per week × simulated weeks (warm-up and window)."""
    weeks = (scenario.horizon.warmup_days + scenario.horizon.measurement_days) / 7.0
    return sum(channel.leads_per_week for channel in scenario.channels) * weeks


def replication_cpu_seconds(scenario: Scenario) -> float:
    """Estimated CPU-seconds of one replication of ``scenario`` on an idle core (for time estimates).

    Unlike the size check, this counts the drain: traffic keeps arriving after the window until
    the cohort is decided or the drain cap is reached, and with a short window that is most of
    the work.
    """
    horizon = scenario.horizon
    days = horizon.warmup_days + horizon.measurement_days + DRAIN_COST_SHARE * horizon.drain_cap_days
    leads_per_day = sum(channel.leads_per_week for channel in scenario.channels) / 7.0
    return leads_per_day * days * CPU_SECONDS_PER_LEAD_DAY + CPU_SECONDS_PER_REPLICATION


def estimate(scenarios: Sequence[Scenario], replications: int) -> Estimate:
    """The size of running every scenario ``replications`` times."""
    per_replication = [scenario_leads(scenario) for scenario in scenarios]
    leads = sum(per_replication) * replications
    return Estimate(
        leads=leads,
        replications=len(scenarios) * replications,
        memory_bytes=leads * BYTES_PER_LEAD + max(per_replication, default=0.0) * BYTES_PER_LIVE_LEAD,
        cpu_seconds=sum(replication_cpu_seconds(scenario) for scenario in scenarios) * replications,
    )


def check_budget(size: Estimate, yes: bool) -> None:
    """Refuse (exit 2) a run above the thresholds unless the user confirmed with ``--yes``."""
    over = []
    if size.leads > MAX_LEADS:
        over.append(f"more than {MAX_LEADS / 1e6:g} million leads")
    if size.memory_bytes > MAX_MEMORY_BYTES:
        over.append(f"more than {MAX_MEMORY_BYTES / 1024**3:g} GB of memory")
    if size.cpu_seconds > MAX_CPU_SECONDS:
        over.append(f"more than {MAX_CPU_SECONDS / 60:g} CPU-minutes")
    if over and not yes:
        raise ExperimentError(
            f"this run is very large ({size.text()}): {', '.join(over)}. Check leads_per_week, "
            "the horizon and --replications for a typo; pass --yes to run it anyway"
        )
