"""Lever attribution: the lever plan, the composed scenarios and the effect arithmetic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from sim.errors import ScenarioError
from sim.experiment.attribution import compose, lever_effects, lever_name, plan_levers
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


def _kpis(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        {"scenario": name, "replication": index, "revenue": value}
        for name, series in values.items()
        for index, value in enumerate(series)
    ]
    return pd.DataFrame(rows)


def test_effects_are_paired_differences_with_t_intervals() -> None:
    reference = [10.0, 12.0, 11.0, 13.0]
    alone_a = [12.0, 15.0, 12.5, 16.0]
    alone_b = [10.5, 12.0, 12.0, 13.5]
    path_a = alone_a
    path_ab = [13.0, 15.5, 14.0, 17.5]
    target = [13.0, 15.5, 14.0, 17.5]
    kpis = _kpis(
        {"reference": reference, "+a": alone_a, "+b": alone_b, "path:a": path_a,
         "path:a+b": path_ab, "target": target}
    )
    effects = lever_effects(kpis, ["a", "b"], ["path:a", "path:a+b"], "revenue")
    differences = np.array(path_ab) - np.array(path_a)
    mean = differences.mean()
    half = scipy_stats.t.ppf(0.975, len(differences) - 1) * scipy_stats.sem(differences)
    row_b = effects.set_index("lever").loc["b"]
    assert row_b["step_mean"] == pytest.approx(mean)
    assert row_b["step_ci_low"] == pytest.approx(mean - half)
    assert row_b["step_ci_high"] == pytest.approx(mean + half)
    assert row_b["alone_mean"] == pytest.approx(np.mean(np.array(alone_b) - np.array(reference)))
    # The steps telescope: their sum is the whole gain from reference to target.
    assert effects["step_mean"].sum() == pytest.approx(np.mean(np.array(target) - np.array(reference)))
    assert effects.iloc[-1]["step_mean"] == pytest.approx(0.0)
