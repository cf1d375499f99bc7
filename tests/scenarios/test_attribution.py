"""Lever attribution: the lever plan, the composed scenarios and the effect arithmetic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ruamel.yaml import YAML

from sim import stats
from sim.errors import ScenarioError
from sim.experiment.attribution import (
    ATTRIBUTION_COLUMNS,
    Attribution,
    attribute,
    choose_subsets,
    compose,
    lever_name,
    plan_levers,
    run_attribution,
    subset_label,
    subset_scenarios,
)
from sim.experiment.runner import run_experiment
from sim.kpis import KpiError
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SILO = ROOT / "scenarios" / "separate_departments.yaml"
TEAM = ROOT / "scenarios" / "customer_happiness_team.yaml"
FIXTURES = ROOT / "tests" / "fixtures" / "reports"


def test_plan_finds_every_lever_of_the_team_file() -> None:
    plan = plan_levers(SILO, TEAM)
    names = {lever_name(lever) for lever in plan.lever_files}
    # sdr_role.yaml belongs to the third org design (sdr_team.yaml), not to the team.
    expected = {path.stem for path in (ROOT / "scenarios" / "levers").glob("*.yaml")} - {"sdr_role"}
    assert names == expected


def test_reference_plus_all_levers_is_the_target() -> None:
    plan = plan_levers(SILO, TEAM)
    composed = compose(plan.reference_file, plan.lever_files, "all")
    target = load_scenario(TEAM)
    assert composed.model_dump(exclude={"name", "title", "description"}) == target.model_dump(
        exclude={"name", "title", "description"}
    )


def test_one_lever_changes_only_its_keys() -> None:
    silo = load_scenario(SILO).model_dump()
    with_sla = compose(SILO.resolve(), [ROOT / "scenarios" / "levers" / "sla.yaml"], "+sla").model_dump()
    changed = {section for section in silo if silo[section] != with_sla[section]} - {"name", "title"}
    assert changed == {"sla", "sales", "costs"}  # costs: the lever's own one-off price


def test_a_target_that_does_not_extend_the_reference_is_refused() -> None:
    with pytest.raises(ScenarioError, match="extends the reference"):
        plan_levers(TEAM, SILO)


# ------------------------------------------------------------------ Shapley on the bundled pair

# A shortened run keeps these tests cheap; the attribution logic does not depend on the horizon.
SHORT = ("horizon.warmup_days=30", "horizon.measurement_days=120", "horizon.drain_cap_days=90")
# Three of the team's levers that set no key in common (so any extends order gives the same
# scenarios) and interact (so the path method's steps depend on the order).
THREE = ("sla", "shared_goals", "crm_integration")


def _team_copy(folder: Path, name: str, levers: list[str]) -> Path:
    """A copy of customer_happiness_team.yaml that extends the silo plus ``levers`` in this order."""
    extends = [str(SILO), *(str(ROOT / "scenarios" / "levers" / f"{lever}.yaml") for lever in levers)]
    path = folder / f"{name}.yaml"
    lines = ["extends:", *(f"  - {entry}" for entry in extends), f"name: {name}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def forward_and_reversed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Attribution, Attribution]:
    folder = tmp_path_factory.mktemp("team")
    in_team_order = [lever for lever in plan_levers(SILO, TEAM).names if lever in THREE]
    forward = _team_copy(folder, "forward", in_team_order)
    backward = _team_copy(folder, "reversed", in_team_order[::-1])
    options = {"overrides": SHORT, "workers": 2, "cache_dir": folder / "cache", "progress": False}
    first = run_attribution(SILO, forward, "revenue", replications=3, seed=7, **options)
    second = run_attribution(SILO, backward, "revenue", replications=3, seed=7, **options)
    return first, second


def test_shapley_values_add_up_to_the_measured_difference_of_the_two_setups(
    forward_and_reversed: tuple[Attribution, Attribution], tmp_path: Path
) -> None:
    result, _ = forward_and_reversed
    effects = result.effects
    assert list(effects.columns[:10]) == list(ATTRIBUTION_COLUMNS[:10])
    assert result.method == "exact" and result.runs == 8 * 3
    # The target measured on its own (a separate experiment, same seed) ...
    setups = {"silo": load_scenario(SILO, SHORT), "target": load_scenario(result.plan.target_file, SHORT)}
    measured = run_experiment(setups, 3, 7, workers=1, cache_dir=None, progress=False).kpis
    silo, target = (measured[measured["scenario"] == name]["revenue"].to_numpy() for name in ("silo", "target"))
    mean, low, high = stats.paired_difference(target, silo)
    # ... differs from the reference by what the Shapley values add up to.
    total = effects["shapley_mean"].sum()
    assert low <= total <= high
    assert total == pytest.approx(mean)
    assert effects.attrs["sum_of_shapley"] == pytest.approx(effects.attrs["total_difference"])
    assert effects.attrs["total_ci_low"] == pytest.approx(low)


def _path_steps(subset_values: dict, order: list[str]) -> dict[str, float]:
    """Each lever's mean step when added in ``order``: the order-dependent method Shapley replaced."""
    return {
        lever: float(np.mean(subset_values[frozenset(order[: i + 1])] - subset_values[frozenset(order[:i])]))
        for i, lever in enumerate(order)
    }


def test_reordering_the_extends_list_changes_no_shapley_value_but_the_path_steps(
    forward_and_reversed: tuple[Attribution, Attribution],
) -> None:
    forward, backward = forward_and_reversed
    assert forward.plan.names == backward.plan.names[::-1]
    # The second run re-used every subset run of the first (same scenarios, same seed) ...
    assert backward.cache is not None and backward.cache.misses == 0
    shapley_forward = forward.effects.set_index("lever")
    shapley_backward = backward.effects.set_index("lever").loc[shapley_forward.index]
    # ... and the Shapley values are identical, with their intervals.
    for column in ("shapley_mean", "shapley_ci_low", "shapley_ci_high", "alone_mean", "last_mean"):
        assert shapley_backward[column].tolist() == pytest.approx(shapley_forward[column].tolist(), rel=1e-12)
    # The old path method (each lever's step when added in extends order) depends on the order.
    steps_forward = _path_steps(forward.subset_values, list(forward.plan.names))
    steps_backward = _path_steps(backward.subset_values, list(backward.plan.names))
    total = abs(forward.effects.attrs["total_difference"])
    changes = [abs(steps_forward[lever] - steps_backward[lever]) for lever in THREE]
    assert max(changes) > 0.1 * total  # here about a third of the total


def test_subsets_compose_overlays_in_the_targets_order(tmp_path: Path) -> None:
    """Two levers set qualification.scoring_noise: the target's extends order decides, in every subset."""
    both = ["job_rotation", "shared_lead_definition"]
    noises = {
        lever: YAML(typ="safe").load((ROOT / "scenarios" / "levers" / f"{lever}.yaml").read_text())[
            "qualification"]["scoring_noise"]
        for lever in both
    }
    assert noises["job_rotation"] != noises["shared_lead_definition"]
    for order in (both, both[::-1]):
        noise = noises[order[-1]]  # the lever merged last wins the shared key
        target = _team_copy(tmp_path, "_".join(order), order)
        plan = plan_levers(SILO, target)
        scenarios = subset_scenarios(plan, [frozenset(both)])
        assert scenarios[frozenset(both)].qualification.scoring_noise == pytest.approx(noise)
        assert load_scenario(target).qualification.scoring_noise == pytest.approx(noise)


def test_subsets_are_labelled_in_merge_order() -> None:
    levers = ["a", "b", "c", "d"]
    assert subset_label(frozenset({"d", "b"}), levers) == "+b+d"
    assert subset_label(frozenset(), levers) == "reference"


def test_many_levers_switch_to_sampled_orders() -> None:
    levers = [f"lever{index}" for index in range(12)]
    exact, none = choose_subsets(levers[:4], max_subsets=16, permutations=8, seed=0)
    assert none is None and len(exact) == 16
    sampled, sample = choose_subsets(levers, max_subsets=1024, permutations=8, seed=0)
    assert sample is not None and len(sample.orders) == 8
    assert len(sampled) < 2**12
    assert frozenset(levers) in sampled and frozenset() in sampled
    assert all(frozenset([lever]) in sampled for lever in levers)  # the "alone" column


def test_the_public_function_keeps_its_shape(tmp_path: Path) -> None:
    effects, kpis = attribute(
        FIXTURES / "weekly_list.yaml", FIXTURES / "one_team.yaml", kpi="won", replications=2, seed=1,
        workers=1, cache_dir=None, progress=False,
    )
    assert list(effects["lever"]) == ["crm_tasks", "shared_goals"]
    assert set(kpis["scenario"]) == {"reference", "+crm_tasks", "+shared_goals", "+crm_tasks+shared_goals"}
    assert effects.attrs["subset_runs"] == 8


def test_an_unknown_kpi_is_refused_before_anything_runs() -> None:
    with pytest.raises(KpiError, match="revenu"):
        attribute(SILO, TEAM, kpi="revenu")


def test_levers_are_found_through_a_symlinked_scenario_folder(tmp_path: Path) -> None:
    # The report's default paths are relative to the working folder, which may reach the
    # scenarios through a symbolic link (macOS's /tmp is one): the plan must not mix the
    # link's path with the real one.
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    linked = tmp_path / "scenarios"
    through_link = plan_levers(linked / SILO.name, linked / TEAM.name)
    direct = plan_levers(SILO, TEAM)
    assert through_link.names == direct.names
