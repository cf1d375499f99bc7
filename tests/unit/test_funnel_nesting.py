"""The funnel narrows: for every bundled setup, each step's leads are a subset of the step before."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from sim import charts
from sim.experiment import run_experiment
from sim.metrics import FUNNEL_STEPS, funnel, funnel_masks
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SETUPS = ("base.yaml", "separate_departments.yaml", "customer_happiness_team.yaml")


@pytest.fixture(scope="module", params=SETUPS)
def leads(request):
    scenario = load_scenario(
        ROOT / "scenarios" / request.param,
        overrides=["horizon.warmup_days=30", "horizon.measurement_days=60"],
    )
    result = run_experiment({request.param: scenario}, replications=2, cache_dir=None, workers=1)
    return result.leads


def test_each_step_is_a_subset_of_the_previous_one(leads):
    masks = funnel_masks(leads)
    assert tuple(masks) == FUNNEL_STEPS
    for earlier, later in itertools.pairwise(FUNNEL_STEPS):
        outside = masks[later] & ~masks[earlier]
        assert not outside.any(), f"{int(outside.sum())} leads {later} but not {earlier}"
    assert masks["won"].any() and masks["handed_over"].sum() < len(leads)


def test_funnel_counts_and_chart_are_non_increasing(leads):
    counts = list(funnel(leads)["leads"])
    assert counts == sorted(counts, reverse=True)
    data = charts.funnel_data(leads)
    for _, group in data.groupby("scenario"):
        ordered = group.sort_values("order")
        assert list(ordered["step"]) == list(FUNNEL_STEPS)
        assert ordered["leads"].is_monotonic_decreasing
        assert ordered["share_of_leads"].is_monotonic_decreasing
        # The chart's shares are the funnel's shares (the report table and the workbook use them).
        assert list(ordered["share_of_leads"]) == pytest.approx(list(funnel(leads)["share_of_leads"]))
