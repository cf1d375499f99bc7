"""Roles: SDRs call and qualify leads, account executives sell and do the company's own workload.

Event-log tests: the model's ``_account_work`` hook records every piece of work with the queue
(pool) it was done in; an SDR's queue must only ever carry contact work, an account executive's
never. Without SDRs the account executives do everything, as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import simpy

from sim.metrics import staff_cost
from sim.model.lifecycle import LeadLifecycleModel, simulate
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
OFFICE: dict[str, Any] = {
    "horizon": {"warmup_days": 7, "measurement_days": 42, "drain_cap_days": 120},
    "channels": [{"name": "web_inquiry", "leads_per_week": 30, "stage_mix": {"ql": 0, "mql": 0, "sql": 1},
                  "buying_window_days": {"distribution": "fixed", "mean": 90.0}}],
    "qualification": {"threshold": -1.0, "scoring_noise": 0.0},
    "sales": {"reps": 3, "own_workload_hours_per_week": 40.0, "own_workload_expires_business_hours": 45.0},
    "conversion": {"sales_cycle_days": {"distribution": "fixed", "mean": 20.0}},
    "selling": {"tasks": [{"name": "demo", "hours": {"distribution": "fixed", "mean": 3.0}, "at_cycle_share": 0.2},
                          {"name": "proposal", "hours": {"distribution": "fixed", "mean": 3.0},
                           "at_cycle_share": 0.7}]},
}


class PoolLog(LeadLifecycleModel):
    """The model recording (kind of work, done by an SDR) for every piece of work."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__(scenario, seed=9)
        self.work: list[tuple[str, bool]] = []

    def _account_work(
        self, start: float, duration: float, kind: str, pool: simpy.PriorityResource | None = None
    ) -> None:
        assert pool is not None, f"{kind} work booked without its queue"
        assert (pool in self.sdr_pools) != (pool in self.rep_pools), "a queue is either an SDR's or an AE's"
        self.work.append((kind, pool in self.sdr_pools))
        super()._account_work(start, duration, kind, pool)


def office(routing: str, sdrs: int) -> Scenario:
    data = {**OFFICE, "sales": {**OFFICE["sales"], "sdrs": sdrs}, "handoff": {"routing": routing}}
    return Scenario.model_validate(data)


@pytest.mark.parametrize("routing", ["pooled", "round_robin"])
def test_an_sdr_never_does_account_executive_work_and_vice_versa(routing: str) -> None:
    model = PoolLog(office(routing, sdrs=2))
    model.run()
    sdr_kinds = {kind for kind, by_sdr in model.work if by_sdr}
    ae_kinds = {kind for kind, by_sdr in model.work if not by_sdr}
    assert sdr_kinds == {"lead"}, sdr_kinds  # contact attempts and qualification calls only
    assert ae_kinds == {"selling", "own"}, ae_kinds  # selling tasks and own workload, no dialling


def test_without_sdrs_account_executives_do_everything() -> None:
    model = PoolLog(office("pooled", sdrs=0))
    model.run()
    assert not model.sdr_pools
    assert {kind for kind, by_sdr in model.work if not by_sdr} == {"lead", "selling", "own"}


def test_sdr_team_file_validates_runs_and_pays_its_sdrs() -> None:
    """scenarios/sdr_team.yaml: the silo plus 3 SDRs; a short run has SDR work and deals."""
    team = load_scenario(ROOT / "scenarios" / "sdr_team.yaml")
    silo = load_scenario(ROOT / "scenarios" / "separate_departments.yaml")
    assert team.name == "sdr_team" and team.sales.sdrs == 3 and silo.sales.sdrs == 0
    assert staff_cost(team) - staff_cost(silo) == pytest.approx(3 * team.sales.sdr_cost_per_year)
    short = load_scenario(ROOT / "scenarios" / "sdr_team.yaml", [
        "horizon.warmup_days=14", "horizon.measurement_days=42", "horizon.drain_cap_days=150",
        "after_sale.follow_up_days=0",
    ])
    result = simulate(short, seed=3)
    assert (result.leads["outcome"] == "won").sum() > 0
    assert result.run["lead_work_hours"] > 0 and result.run["selling_hours"] > 0
    # Available hours count the SDRs too: (10 AEs + 3 SDRs) x the window's business hours.
    assert result.run["available_rep_hours"] == pytest.approx(13 * 6 * 45.0)


def test_the_report_compares_the_sdr_team_by_default() -> None:
    """The bundled report's default comparison and the assumptions register include sdr_team.yaml."""
    from sim.cli.report import DEFAULT_SCENARIOS as CLI_DEFAULT
    from sim.report.scenarios import DEFAULT_SCENARIOS
    from sim.scenario.assumptions import BUNDLED_SCENARIOS

    for listing in (DEFAULT_SCENARIOS, CLI_DEFAULT, BUNDLED_SCENARIOS):
        assert "scenarios/sdr_team.yaml" in listing
        assert all((ROOT / path).is_file() for path in listing)
