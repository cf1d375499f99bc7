"""Lever attribution: the lever plan, the composed scenarios and the effect arithmetic."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.experiment.attribution import compose, lever_name, plan_levers
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SILO = ROOT / "scenarios" / "separate_departments.yaml"
TEAM = ROOT / "scenarios" / "customer_happiness_team.yaml"


def test_plan_finds_every_lever_of_the_team_file() -> None:
    plan = plan_levers(SILO, TEAM)
    names = {lever_name(lever) for lever in plan.lever_files}
    expected = {path.stem for path in (ROOT / "scenarios" / "levers").glob("*.yaml")}
    assert names == expected


def test_reference_plus_all_levers_is_the_target() -> None:
    plan = plan_levers(SILO, TEAM)
    composed = compose(plan.reference_file, plan.lever_files, "all")
    target = load_scenario(TEAM)
    assert composed.model_dump(exclude={"name", "description"}) == target.model_dump(
        exclude={"name", "description"}
    )


def test_one_lever_changes_only_its_keys() -> None:
    silo = load_scenario(SILO).model_dump()
    with_sla = compose(SILO.resolve(), [ROOT / "scenarios" / "levers" / "sla.yaml"], "+sla").model_dump()
    changed = {section for section in silo if silo[section] != with_sla[section]} - {"name"}
    assert changed == {"sla", "sales"}


def test_a_target_that_does_not_extend_the_reference_is_refused() -> None:
    with pytest.raises(ScenarioError, match="extends the reference"):
        plan_levers(TEAM, SILO)
