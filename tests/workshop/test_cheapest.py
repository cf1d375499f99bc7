"""“Cheapest way to reach X” on toy levers whose effects and costs are known.

Two levers only cost money (their net benefit is exactly minus their yearly cost under common
random numbers) and one triples the deal value for €20,000 a year (a large gain). So the
cheapest way to a positive target is that lever alone, a target below zero is reached by the
starting point, and a target above everything is reached by nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.workshop import session
from sim.workshop.app import WorkshopApp
from sim.workshop.cheapest import parse_amount
from sim.workshop.config import WorkshopConfig

COST_ONLY = """\
# toy lever: a yearly cost and nothing else
costs:
  org_costs_per_year:
    {name}: {cost}  # assumption: toy cost
"""
VALUE_UP = """\
# toy lever: deals are worth three times as much, for a yearly cost
conversion:
  deal_value: {distribution: lognormal, mean: 60000, cv: 0.6}  # assumption: toy effect
costs:
  org_costs_per_year:
    value_up: 20000  # assumption: toy cost
"""


@pytest.fixture
def app(small_dir: Path, fast_run: session.RunSettings) -> WorkshopApp:
    levers = small_dir / "levers"
    levers.mkdir()
    (levers / "cost_a.yaml").write_text(COST_ONLY.format(name="cost_a", cost=10000), "utf-8")
    (levers / "cost_b.yaml").write_text(COST_ONLY.format(name="cost_b", cost=30000), "utf-8")
    (levers / "value_up.yaml").write_text(VALUE_UP, "utf-8")
    page = WorkshopApp(WorkshopConfig(scenarios_dir=small_dir, start="small.yaml", run=fast_run))
    page.load_start()
    assert page.start is not None, page.message.value
    return page


def attribute(html_text: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', html_text)
    assert found, (name, html_text)
    return found.group(1)


def test_the_cheapest_way_to_a_gain_is_the_one_lever_that_makes_it(app):
    answer = app.cheapest("100k")
    assert answer is not None, app.cheapest_html.value
    assert sorted(answer.levers) == ["cost_a", "cost_b", "value_up"]  # none switched: all levers
    table = answer.portfolio.table.set_index("levers")
    assert len(table) == 8
    assert table.loc["+cost_a", "difference_mean"] == pytest.approx(-10000, abs=1e-6)
    assert table.loc["+cost_b", "difference_mean"] == pytest.approx(-30000, abs=1e-6)
    gain = table.loc["+value_up", "difference_mean"]
    assert gain > 100_000  # the toy effect is large: the target is clearly reachable by it
    shown = app.cheapest_html.value
    assert attribute(shown, "data-levers") == "+value_up"
    assert float(attribute(shown, "data-added-cost")) == pytest.approx(20000)
    assert float(attribute(shown, "data-net-benefit")) == pytest.approx(gain, rel=1e-12)
    low, high = float(attribute(shown, "data-ci-low")), float(attribute(shown, "data-ci-high"))
    assert low <= gain <= high
    assert "value_up" in shown and "95 % CI" in shown
    # the same net benefit as the workshop's own Run of that lever (one definition of money)
    app.controls_widgets["value_up"].value = _other_choice(app, "value_up")
    comparison = app.run()
    assert comparison is not None and comparison.money is not None
    assert comparison.money.net_benefit_per_year == pytest.approx(gain, rel=1e-9)


def test_targets_below_zero_and_out_of_reach(app):
    answer = app.cheapest("-5000")
    assert answer is not None and answer.choice is not None
    assert answer.choice.levers == "reference"
    assert "starting point already reaches it" in app.cheapest_html.value
    out_of_reach = app.cheapest("€1,000M")
    assert out_of_reach is not None and out_of_reach.choice is None
    assert "No combination reaches" in app.cheapest_html.value


def test_switched_levers_limit_the_combinations(app):
    app.controls_widgets["cost_b"].value = _other_choice(app, "cost_b")
    app.controls_widgets["value_up"].value = _other_choice(app, "value_up")
    answer = app.cheapest("100000")
    assert answer is not None
    assert sorted(answer.levers) == ["cost_b", "value_up"]
    assert len(answer.portfolio.table) == 4


def test_a_bad_target_is_a_clear_message(app):
    assert app.cheapest("lots") is None
    assert "type an amount in € per year" in app.cheapest_html.value
    assert 'data-state="error"' in app.status.value
    app.reps.value = "4"
    app.run()  # the next action clears the error
    assert 'data-kind="none"' in app.cheapest_html.value


def test_amounts_as_typed_in_the_room():
    assert parse_amount("250000") == 250000
    assert parse_amount("250,000 €") == 250000
    assert parse_amount("€250k") == 250000
    assert parse_amount("-1.5M") == -1_500_000


def _other_choice(app: WorkshopApp, lever: str) -> str:
    start = str(app.start.controls[lever])
    keys = [key for _label, key in app.controls_widgets[lever].options if key != start]
    assert keys, lever
    return keys[-1]
