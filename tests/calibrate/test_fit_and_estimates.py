"""The statistics behind the calibration: interval functions, and fitting by simulation on a small model."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.calibrate.calibration import DRAFT_SOURCE, draft_spec
from sim.calibrate.estimate import Estimate, lognormal, poisson_rate, proportion, quantile
from sim.calibrate.fit import FitParameter, Simulator, Target, fit_parameter, won_rate
from sim.calibrate.profile import Setting, render_scenario, render_value
from sim.scenario.loader import load_scenario, resolve_scenario

SMALL = """\
name: small
horizon: {warmup_days: 7, measurement_days: 56, drain_cap_days: 60}
channels:
  - name: web_inquiry
    leads_per_week: 60
    stage_mix: {ql: 0.0, mql: 0.0, sql: 1.0}
    decay: {hot_half_life_hours: 2000, slow_half_life_hours: 2000}
sales: {reps: 3}
conversion:
  sales_cycle_days: {distribution: fixed, mean: 10}
  win_probability: 0.25
"""


def test_interval_functions_cover_the_truth() -> None:
    rng = np.random.default_rng(3)
    covered = {"poisson": 0, "proportion": 0, "median": 0, "lognormal": 0}
    trials = 200
    for _ in range(trials):
        count = rng.poisson(30 * 8)
        covered["poisson"] += poisson_rate(int(count), 8, "x").ci_low <= 30 <= poisson_rate(int(count), 8, "x").ci_high
        wins = rng.binomial(300, 0.1)
        share = proportion(int(wins), 300, "x")
        covered["proportion"] += share.ci_low <= 0.1 <= share.ci_high
        sample = rng.lognormal(math.log(5), 1.0, 200)
        median = quantile(sample, 0.5, "x")
        covered["median"] += median.ci_low <= 5 <= median.ci_high
        fitted = lognormal(sample, "x")
        assert fitted is not None
        covered["lognormal"] += fitted[0].ci_low <= 5 * math.exp(0.5) <= fitted[0].ci_high
    # 95 % intervals: between 89 % and 99.5 % of 200 trials (binomial 3-sigma band)
    for name, hits in covered.items():
        assert 0.89 <= hits / trials <= 0.995, (name, hits)


def test_lognormal_fit_recovers_mean_and_cv() -> None:
    sigma = math.sqrt(math.log1p(0.6**2))
    sample = np.random.default_rng(1).lognormal(math.log(20000) - sigma**2 / 2, sigma, 20000)
    fitted = lognormal(sample, "x")
    assert fitted is not None
    assert fitted[0].value == pytest.approx(20000, rel=0.02)
    assert fitted[1] == pytest.approx(0.6, rel=0.03)


def test_render_value_is_yaml_the_loader_reads_back(tmp_path: Path) -> None:
    assert [render_value(v) for v in (0.0, 1234567.0, 0.000123456, True, None, "mon", [1.0, 0.5])] == [
        "0", "1234567", "0.0001235", "true", "null", "mon", "[1, 0.5]",
    ]
    text = render_scenario(
        [Setting("channels.web_inquiry.leads_per_week", 12.5, "calibrated: test, n=3"),
         Setting("channels.web_inquiry.stage_mix.ql", 0.2, "calibrated: x"),
         Setting("channels.web_inquiry.stage_mix.mql", 0.3, "calibrated: x"),
         Setting("channels.web_inquiry.stage_mix.sql", 0.5, "calibrated: x"),
         Setting("calendar.work_days", ["mon", "sat"], "calibrated: y")],
        "parent.yaml", "client", ["header"], "a client",
    )
    (tmp_path / "parent.yaml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "client.yaml").write_text(text, encoding="utf-8")
    scenario = load_scenario(tmp_path / "client.yaml")
    assert scenario.channel("web_inquiry").leads_per_week == 12.5
    assert scenario.calendar.work_days == ("mon", "sat")
    assert scenario.sales.reps == 3  # inherited


def test_the_draft_in_memory_is_the_profile_file_as_written(tmp_path: Path) -> None:
    """The draft checked and fitted in memory equals the written profile: rounded values, new channels, comments."""
    settings = [
        Setting("channels.web_inquiry.leads_per_week", 12.3456789, "calibrated: test, n=3"),
        Setting("channels.webinar.leads_per_week", 1234567.0 / 1e5, "calibrated: a new channel"),
        Setting("channels.webinar.stage_mix.ql", 0.05, "calibrated: x"),
        Setting("channels.webinar.stage_mix.mql", 0.25, "calibrated: x"),
        Setting("channels.webinar.stage_mix.sql", 0.7, "calibrated: x"),
        Setting("handoff.ignore_share", 0.000123456, "calibrated: z"),
        Setting("conversion.win_probability", 0.123456, "fitted"),
        Setting("calendar.work_days", ["mon", "sat"], "calibrated: y"),
        Setting("sales.reps", 4, "calibrated: owners"),
    ]
    parent = tmp_path / "parent.yaml"
    parent.write_text(SMALL, encoding="utf-8")
    written = tmp_path / "client.yaml"
    written.write_text(render_scenario(settings, "parent.yaml", "client", ["header"], "a client"), encoding="utf-8")
    from_file = resolve_scenario(written)
    in_memory = draft_spec(parent, settings, "client", "a client").resolve()
    assert in_memory.scenario == from_file.scenario
    assert in_memory.scenario.model_dump(mode="json") == from_file.scenario.model_dump(mode="json")
    assert in_memory.scenario.channel("web_inquiry").leads_per_week == 12.35  # four significant digits
    assert in_memory.scenario.handoff.ignore_share == 0.0001235
    origin = in_memory.provenance[("channels", "webinar", "leads_per_week")]
    assert (origin.file, origin.comment) == (DRAFT_SOURCE, "calibrated: a new channel")


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_fit_recovers_a_win_probability_used_to_simulate(small: Path) -> None:
    truth = 0.55
    reference = Simulator(small, (), replications=4, seed=99)
    observed = reference.simulate(won_rate(), [f"conversion.win_probability={truth}"])
    target = Target("won_rate", Estimate(observed.mean, observed.ci_low, observed.ci_high, 4, "simulated"), won_rate())
    parameter = FitParameter("conversion.win_probability", "won_rate", 0.01, 1.0, 0.25)
    result = fit_parameter(Simulator(small, (), replications=2, seed=1), parameter, target, [], max_evaluations=10)
    assert result.identifiable and not result.at_bound
    assert result.ci_low <= truth <= result.ci_high
    assert abs(result.value - truth) < 0.15
    assert "fitted: by simulation against won_rate, n=4" in result.comment


def test_a_parameter_the_target_does_not_depend_on_is_reported_not_identifiable(small: Path) -> None:
    target = Target("won_rate", Estimate(0.1, 0.08, 0.12, 500, "export"), won_rate())
    parameter = FitParameter("after_sale.upsell_win_probability", "won_rate", 0.0, 1.0, 0.3)
    result = fit_parameter(Simulator(small, (), replications=2, seed=1), parameter, target, [])
    assert not result.identifiable
    assert result.value == 0.3
    assert result.evaluations == 2
    assert result.comment.startswith("not identifiable from the data: left at the base value")


def test_monthly_profile_only_for_a_full_year_and_per_day_of_month() -> None:
    import pandas as pd

    from sim.calibrate.estimate import monthly_profile

    days = pd.date_range("2025-01-01", "2026-12-31", freq="D", tz="Europe/Berlin")
    # one lead a day, two a day in December
    created = pd.Series(days.append(days[days.month == 12]))
    weights = monthly_profile(created, created.min(), created.max())
    assert weights is not None
    assert weights[11] == pytest.approx(2 * weights[0], rel=1e-6)
    assert weights[1] == pytest.approx(weights[0], rel=1e-6)  # February's 28 days do not make it smaller
    half_year = created[created < pd.Timestamp("2025-07-01", tz="Europe/Berlin")]
    assert monthly_profile(half_year, half_year.min(), half_year.max()) is None
