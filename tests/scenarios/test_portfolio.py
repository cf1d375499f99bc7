"""Lever portfolios: on levers with known additive effects and costs, the front and picks are the true ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.errors import ExperimentError
from sim.experiment import portfolio, shapley
from sim.experiment.attribution import plan_levers, run_subsets, subset_label, subset_scenarios

ROOT = Path(__file__).resolve().parents[2]
SILO = ROOT / "scenarios" / "separate_departments.yaml"
TEAM = ROOT / "scenarios" / "customer_happiness_team.yaml"
FIXTURES = ROOT / "tests" / "fixtures" / "reports"

GAIN = {"a": 5.0, "b": 12.0, "c": 1.0, "d": 3.0, "e": -2.0}
COST = {"a": 10.0, "b": 20.0, "c": 5.0, "d": 30.0, "e": 1.0}
LEVERS = list(GAIN)
BASE_COST = 100.0
LEVEL = np.array([50.0, 80.0, 65.0, 70.0])  # common random numbers: one level per replication


def toy() -> tuple[dict[frozenset[str], np.ndarray], dict[frozenset[str], float]]:
    subsets = shapley.all_subsets(LEVERS)
    values = {subset: LEVEL + sum(GAIN[lever] for lever in subset) for subset in subsets}
    costs = {subset: BASE_COST + sum(COST[lever] for lever in subset) for subset in subsets}
    return values, costs


def true_front() -> set[str]:
    """Brute force: a combination is on the front if no other is at most as dear and strictly better, or cheaper and as good."""
    points = {
        subset_label(subset, LEVERS): (sum(COST[x] for x in subset), sum(GAIN[x] for x in subset))
        for subset in shapley.all_subsets(LEVERS)
    }
    return {
        name for name, (cost, gain) in points.items()
        if not any(
            (other_cost <= cost and other_gain > gain) or (other_cost < cost and other_gain >= gain)
            for other_cost, other_gain in points.values()
        )
    }


def test_the_front_is_the_true_pareto_front() -> None:
    values, costs = toy()
    table = portfolio.portfolio_table(values, costs, LEVERS)
    assert len(table) == 2 ** len(LEVERS)
    front = portfolio.pareto_front(table)
    assert set(front["levers"]) == true_front()
    # Written out by hand for these numbers: nothing, c, a, a+c, b, b+c, a+b, a+b+c, then d on top.
    assert list(front["levers"]) == [
        "reference", "+c", "+a", "+a+c", "+b", "+b+c", "+a+b", "+a+b+c", "+a+b+d", "+a+b+c+d",
    ]
    assert front["org_cost_per_year"].is_monotonic_increasing
    assert front["difference_mean"].is_monotonic_increasing
    row = table.set_index("levers").loc["+a+b"]
    assert row["difference_mean"] == pytest.approx(17.0)
    assert row["added_org_cost_per_year"] == pytest.approx(30.0)
    assert row["difference_ci_low"] == pytest.approx(17.0)  # the toy has no noise in its differences


def test_the_cheapest_combination_meeting_a_target_is_the_true_one() -> None:
    values, costs = toy()
    table = portfolio.portfolio_table(values, costs, LEVERS)
    by_label = {subset_label(subset, LEVERS): series for subset, series in values.items()}
    for goal in (0.5, 4.0, 13.0, 14.0, 17.5, 21.0):
        meeting = [
            (sum(COST[x] for x in subset), subset_label(subset, LEVERS))
            for subset in values if sum(GAIN[x] for x in subset) >= goal
        ]
        choice = portfolio.cheapest_reaching(table, by_label, portfolio.Target("net_benefit", True, goal))
        assert choice is not None
        assert choice.row["org_cost_per_year"] - BASE_COST == pytest.approx(min(meeting)[0])
        assert choice.confident
    choice = portfolio.cheapest_reaching(table, by_label, portfolio.Target("net_benefit", True, 13.0))
    assert choice is not None and choice.levers == "+b+c"
    assert portfolio.cheapest_reaching(table, by_label, portfolio.Target("net_benefit", True, 99.0)) is None


def test_the_best_within_a_budget_is_the_true_one() -> None:
    values, costs = toy()
    table = portfolio.portfolio_table(values, costs, LEVERS)
    by_label = {subset_label(subset, LEVERS): series for subset, series in values.items()}
    choice = portfolio.best_within_budget(table, by_label, budget=27.0)
    assert choice is not None and choice.levers == "+b+c"  # 13 for 25; a+b (17) costs 30
    assert choice.runner_up == "+b"
    assert choice.versus_runner_up == pytest.approx((1.0, 1.0, 1.0))
    assert choice.confident


def test_noise_makes_a_close_runner_up_unclear() -> None:
    values, costs = toy()
    generator = np.random.default_rng(0)
    noisy = {subset: series + generator.normal(0, 5, series.size) for subset, series in values.items()}
    table = portfolio.portfolio_table(noisy, costs, LEVERS)
    by_label = {subset_label(subset, LEVERS): series for subset, series in noisy.items()}
    choice = portfolio.best_within_budget(table, by_label, budget=27.0)
    assert choice is not None and not choice.confident


def test_lower_is_better_measures_are_turned_round() -> None:
    values, costs = toy()
    hours = {subset: -series for subset, series in values.items()}  # e.g. response hours: less is better
    table = portfolio.portfolio_table(hours, costs, LEVERS, better=-1)
    assert set(portfolio.pareto_front(table)["levers"]) == true_front()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("net_benefit>=250000", portfolio.Target("net_benefit", True, 250000.0)),
        (">=1e5", portfolio.Target("net_benefit", True, 100000.0)),
        ("250_000", portfolio.Target("net_benefit", True, 250000.0)),
        ("net_benefit<=0", portfolio.Target("net_benefit", False, 0.0)),
    ],
)
def test_targets_are_read(text: str, expected: portfolio.Target) -> None:
    assert portfolio.parse_target(text, "net_benefit") == expected


def test_a_target_for_another_measure_is_refused() -> None:
    with pytest.raises(ExperimentError, match="revenue"):
        portfolio.parse_target("revenue>=5", "net_benefit")
    with pytest.raises(ExperimentError, match="write e.g."):
        portfolio.parse_target("lots", "net_benefit")


def test_net_benefit_is_the_money_modules_net_contribution_per_year() -> None:
    """The portfolio prices combinations with sim.money's one definition (per year, every cost),
    not with a window total of its own: a half-year window counts twice."""
    from sim.experiment.runner import run_experiment
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(FIXTURES / "weekly_list.yaml")
    result = run_experiment([scenario], replications=2, seed=4, workers=1, cache_dir=None)
    rows = result.kpis
    days = scenario.horizon.measurement_days
    window_net = rows["revenue"] + rows["upsell_revenue"] - rows["cost"]
    assert portfolio.measure_values(rows, "net_benefit").tolist() == pytest.approx(
        (window_net * 365.0 / days).tolist()
    )


def test_a_subset_costs_what_its_overlays_state() -> None:
    plan = plan_levers(SILO, TEAM)
    chosen = frozenset({"crm_integration", "job_rotation", "sla"})
    scenario = subset_scenarios(plan, [chosen, frozenset()])
    added = portfolio.org_cost_per_year(scenario[chosen]) - portfolio.org_cost_per_year(scenario[frozenset()])
    assert added == pytest.approx(60000 + 20000)


def test_a_portfolio_refuses_to_sample_subsets() -> None:
    with pytest.raises(ExperimentError, match="more than --max-subsets 2"):
        run_subsets(FIXTURES / "weekly_list.yaml", FIXTURES / "one_team.yaml", 2, 0, max_subsets=2, sampling=False)
