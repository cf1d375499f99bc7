"""Running and comparing setups, and saying the result in words, numbers and colour."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import kpis, stats
from sim.experiment.runner import run_experiment
from sim.workshop import page as html_page
from sim.workshop import session as workshop
from sim.workshop.session import KpiChange, build_setup, compare_setup
from sim.workshop.words import change_words, figure


def test_comparison_equals_one_experiment_with_both_setups(small_dir: Path, fast_run):
    setup = build_setup(small_dir / "small.yaml", {"reps": 2, "sla": "1"}, fast_run)
    comparison = compare_setup(setup)
    together = run_experiment(
        {"baseline": setup.baseline, "edited": setup.edited_run},
        replications=fast_run.replications,
        seed=fast_run.seed,
        workers=1,
        cache_dir=None,
        progress=False,
    )
    for change in comparison.changes:
        base = together.kpis.loc[together.kpis["scenario"] == "baseline", change.kpi].to_numpy()
        edited = together.kpis.loc[together.kpis["scenario"] == "edited", change.kpi].to_numpy()
        assert change.baseline == pytest.approx(base.mean(), rel=1e-12)
        assert change.edited == pytest.approx(edited.mean(), rel=1e-12)
        diff, low, high = stats.paired_difference(edited, base)
        assert (change.difference, change.ci_low, change.ci_high) == pytest.approx(
            (diff, low, high), rel=1e-9
        )
    assert comparison.change("median_response_hours").difference != 0  # the levers matter here


def test_the_baseline_is_simulated_once_per_start_and_seed(small_dir: Path, fast_run, monkeypatch):
    from sim.experiment import runner as experiment

    calls: list[str] = []
    original = experiment.run_experiment_in_steps

    def counting(scenarios, steps, **kwargs):
        calls.extend(scenario.name for scenario in dict(scenarios).values())
        return original(scenarios, steps, **kwargs)

    monkeypatch.setattr(experiment, "run_experiment_in_steps", counting)  # looked up at call time
    first = compare_setup(build_setup(small_dir / "small.yaml", {"reps": 4}, fast_run))
    second = compare_setup(build_setup(small_dir / "small.yaml", {"reps": 5}, fast_run))
    again = compare_setup(build_setup(small_dir / "small.yaml", {"reps": 4}, fast_run))
    assert len(calls) == 3  # baseline once, reps 4, reps 5; the repeat comes from memory
    assert first.baseline.kpis.equals(second.baseline.kpis)
    assert again.edited.kpis.equals(first.edited.kpis)
    assert again.edited.computed == 0


def test_each_partial_comparison_is_the_paired_comparison_of_that_many_replications(
    small_dir: Path, fast_run
):
    """Figures shown while refining are exactly what a run of that many replications gives."""
    setup = build_setup(small_dir / "small.yaml", {"sla": "4"}, fast_run)
    partials = list(workshop.compare_setup_in_steps(setup))
    assert [p.edited.replications for p in partials] == list(fast_run.refinement_steps()) == [1, 2, 3]
    for partial in partials:
        count = partial.edited.replications
        direct = compare_setup(build_setup(
            small_dir / "small.yaml", {"sla": "4"}, dataclasses.replace(fast_run, replications=count)
        ))  # fmt: skip
        assert partial.baseline.kpis.equals(direct.baseline.kpis)
        assert partial.edited.kpis.equals(direct.edited.kpis)
        assert partial.baseline.funnel.equals(direct.baseline.funnel)
        assert partial.edited.funnel.equals(direct.edited.funnel)
        as_table = lambda changes: pd.DataFrame([dataclasses.asdict(c) for c in changes])
        assert as_table(partial.changes).equals(as_table(direct.changes))  # NaN intervals equal too


def test_refinement_steps_start_with_one_round_of_workers_and_double_to_the_count() -> None:
    def steps(replications: int, workers: int) -> tuple[int, ...]:
        return workshop.RunSettings(replications=replications, workers=workers).refinement_steps()

    assert steps(8, 2) == (2, 4, 8)
    assert steps(10, 2) == (2, 4, 8, 10)
    assert steps(3, 4) == (3,)
    assert steps(1, 1) == (1,)
    assert steps(5, 1) == (1, 2, 4, 5)


def test_funnel_is_the_mean_per_replication_and_ends_with_the_won_kpi(small_dir: Path, fast_run):
    comparison = compare_setup(build_setup(small_dir / "small.yaml", {"reps": 4}, fast_run))
    table = comparison.edited.funnel
    assert list(table["step"]) == list(workshop.FUNNEL_STEPS)
    assert table["leads"].is_monotonic_decreasing
    won = float(table.set_index("step").loc["won", "leads"])
    assert won == pytest.approx(comparison.change("won").edited)


# ------------------------------------------------------------------ words and colour


@pytest.mark.parametrize(
    ("kpi", "value", "text"),
    [
        ("revenue", 1_929_284.0, "€1.93 M"),
        ("revenue", 420_400.0, "€420,400"),
        ("won", 42.0, "42"),  # a count is a whole number, never "42.0 customers"
        ("won", 42.75, "43"),
        ("median_response_hours", 12.68, "13 h"),
        ("cold_share", 0.3892, "39 %"),
        ("revenue", math.nan, "–"),
    ],
)
def test_figures_use_the_kpi_vocabulary_with_whole_counts(kpi, value, text):
    assert figure(kpi, value) == text
    if kpi != "won":
        assert text == kpis.format_kpi(kpi, value, compact=True)


@pytest.mark.parametrize(
    ("kpi", "difference", "baseline", "words"),
    [
        ("revenue", 420_000.0, 2_000_000.0, "€420,000 more (+21 %)"),
        ("revenue", -1_500_000.0, 3_000_000.0, "€1.50 M less (−50 %)"),
        ("won", 3.5, 40.0, "3.5 more (+9 %)"),
        ("median_response_hours", -4.2, 12.0, "4.2 h faster"),
        ("cold_share", -0.051, 0.4, "5.1 pp lower"),
        ("revenue", 0.0, 1.0, "no change"),
        ("rep_utilization", -0.0001, 0.6, "about the same (0.0 pp)"),  # never "−0.0 pp"
        ("won", -0.01, 40.0, "about the same (0)"),
    ],
)
def test_changes_are_said_in_words(kpi, difference, baseline, words):
    assert change_words(kpi, difference, baseline) == words


def test_the_workshop_shows_every_headline_kpi_of_the_vocabulary():
    assert workshop.result_kpis() == kpis.headline_kpis()
    assert KpiChange("roi", 0.2, 0.3, 0.1, 0.05, 0.15).label == kpis.label("roi")


@pytest.mark.parametrize(
    ("kpi", "difference", "low", "high", "tone"),
    [
        ("revenue", 10.0, 2.0, 18.0, "better"),
        ("revenue", -10.0, -18.0, -2.0, "worse"),
        ("median_response_hours", -3.0, -4.0, -2.0, "better"),
        ("median_response_hours", 3.0, 2.0, 4.0, "worse"),
        ("cold_share", 0.01, -0.01, 0.03, "unclear"),
        ("rep_utilization", 0.02, 0.01, 0.03, "changed"),
        ("won", 0.0, 0.0, 0.0, "same"),
        ("won", 1.0, math.nan, math.nan, "unclear"),
    ],
)
def test_tone_follows_the_kpis_direction_and_the_confidence_interval(
    kpi, difference, low, high, tone
):
    change = KpiChange(kpi, 1.0, 1.0 + difference, difference, low, high)
    assert change.tone == tone


def test_results_html_exposes_exact_figures_under_stable_ids(small_dir: Path, fast_run):
    comparison = compare_setup(build_setup(small_dir / "small.yaml", {"reps": 1}, fast_run))
    page = html_page.render_results(comparison.baseline, comparison, "small <b>.yaml", run_number=7)
    assert 'id="ws-results" data-run="7"' in page
    assert "small &lt;b&gt;." in page and "<b>" not in page  # file names are text, never markup
    for change in comparison.changes:
        ident = change.kpi.replace("_", "-")
        assert (
            f'id="ws-{ident}-baseline" class="ws-value ws-baseline" '
            f'data-value="{change.baseline!r}"' in page
        )
        assert (
            f'id="ws-{ident}-edited" class="ws-value ws-edited" data-value="{change.edited!r}"'
            in page
        )
        assert f">{figure(change.kpi, change.edited)}<" in page
        assert f'class="ws-change ws-tone-{change.tone}"' in page
    funnel = html_page.render_funnel(comparison.baseline, comparison.edited)
    assert 'id="ws-funnel-won-edited"' in funnel and 'id="ws-funnel-leads-baseline"' in funnel


def test_baseline_only_page_asks_for_a_run(small_dir: Path, fast_run):
    start = workshop.load_start(small_dir / "small.yaml", fast_run)
    baseline = workshop.run_scenario(start.baseline, fast_run)
    page = html_page.render_results(baseline, None, "small.yaml")
    # every KPI and the two money rows (net benefit, payback) wait for the Run
    assert page.count("press Run") == len(workshop.result_kpis()) + len(html_page.WORKSHOP_MONEY)
    rows = re.findall(r'<tr id="ws-row-([a-z-]+)"', page)
    assert rows[:4] == [
        "total-revenue-per-year", "cost-per-year", "net-benefit-per-year", "payback-months"
    ]  # the main figures lead the table: above the fold on a projector
    revenue = float(baseline.kpis["revenue"].mean())
    assert f'data-value="{revenue!r}"' in page


def test_compare_runs_skips_replications_where_a_kpi_is_undefined():
    base = workshop.RunSummary(
        kpis=pd.DataFrame(
            {
                "replication": [0, 1, 2],
                "revenue": [1.0, 2.0, 3.0],
                "won": [1, 2, 3],
                "median_response_hours": [1.0, np.nan, 3.0],
                "cold_share": [0.1, 0.2, 0.3],
                "rep_utilization": [0.5, 0.5, 0.5],
                **{kpi: [1.0, 1.0, 1.0] for kpi in kpis.headline_kpis()
                   if kpi not in ("revenue", "won", "median_response_hours", "cold_share",
                                  "rep_utilization")},
            }
        ),
        funnel=pd.DataFrame({"step": ["leads"], "leads": [1.0]}),
        seconds=0.0,
        computed=3,
        from_cache=0,
    )
    edited = workshop.RunSummary(
        kpis=base.kpis.assign(median_response_hours=[0.5, 1.0, 2.0]),
        funnel=base.funnel,
        seconds=0.0,
        computed=3,
        from_cache=0,
    )
    change = {c.kpi: c for c in workshop.compare_runs(base, edited)}["median_response_hours"]
    assert change.difference == pytest.approx(-0.75)  # pairs 0 and 2 only
    assert {c.kpi: c for c in workshop.compare_runs(base, edited)}["revenue"].tone == "same"
