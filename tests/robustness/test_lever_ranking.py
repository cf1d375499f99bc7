"""Lever ranking across sampled worlds: a lever that dominates everywhere is first in every world.

B is A plus three levers: a real-time hand-off (more revenue on the same leads) and two pure
org costs whose sampled yearly ranges do not overlap (tool 500–1,500 €, training 1,600–3,000 €).
Under common random numbers a pure cost lever changes the net benefit by exactly minus its
cost, so in every world the ranking is hand-off, tool, training – by effect alone and last.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.experiment.robustness import (
    LEVER_RANKING_COLUMNS,
    lever_ranking_subsets,
    run_lever_ranking,
)

A_YAML = """\
horizon: {warmup_days: 7, measurement_days: 56, drain_cap_days: 60}  # assumption: a short test run
channels:
  - name: web_inquiry
    leads_per_week: 30  # assumption: test volume
handoff:
  mode: batch  # assumption: weekly list
  batch_every_hours: 168  # assumption: weekly
sales:
  reps: 3  # assumption: small team
"""
TOOL_HIGH, TRAINING_LOW, TRAINING_HIGH = 1500.0, 1600.0, 3000.0


def _pair(folder: Path) -> tuple[Path, Path]:
    (folder / "ranges").mkdir(parents=True)
    (folder / "levers" / "ranges").mkdir(parents=True)
    (folder / "a.yaml").write_text(A_YAML, encoding="utf-8")
    (folder / "ranges" / "a.ranges.yaml").write_text(
        'channels.web_inquiry.leads_per_week: {range: [24, 36], reason: "volume uncertainty"}\n', encoding="utf-8"
    )
    levers = folder / "levers"
    (levers / "handoff.yaml").write_text("handoff:\n  mode: realtime  # assumption: CRM task\n", encoding="utf-8")
    (levers / "tool.yaml").write_text("costs:\n  org_costs_per_year:\n    tool: 1000  # assumption: quote\n", encoding="utf-8")
    (levers / "training.yaml").write_text(
        "costs:\n  org_costs_per_year:\n    training: 2000  # assumption: quote\n", encoding="utf-8"
    )
    (levers / "ranges" / "tool.ranges.yaml").write_text(
        f'costs.org_costs_per_year.tool: {{range: [500, {TOOL_HIGH:.0f}], reason: "quote pending"}}\n', encoding="utf-8"
    )
    (levers / "ranges" / "training.ranges.yaml").write_text(
        f'costs.org_costs_per_year.training: {{range: [{TRAINING_LOW:.0f}, {TRAINING_HIGH:.0f}], reason: "quote"}}\n',
        encoding="utf-8",
    )
    (folder / "b.yaml").write_text(
        "extends:\n  - a.yaml\n  - levers/handoff.yaml\n  - levers/tool.yaml\n  - levers/training.yaml\n",
        encoding="utf-8",
    )
    return folder / "a.yaml", folder / "b.yaml"


def test_lever_ranking_runs_two_k_plus_two_setups():
    subsets = lever_ranking_subsets(["a", "b", "c", "d"])
    assert len(subsets) == 2 * 4 + 2 and frozenset() in subsets and frozenset("abcd") in subsets
    assert len(lever_ranking_subsets(["a", "b"])) == 4  # alone and "all but the other" coincide


@pytest.fixture(scope="module")
def ranked(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path, Path, Path]:
    folder = tmp_path_factory.mktemp("ranking")
    a, b = _pair(folder)
    cache = folder / "cache"
    ranking = run_lever_ranking(a, b, samples=16, replications=2, seed=7, workers=1, cache_dir=cache, progress=False)
    return ranking, a, b, cache


def test_the_dominant_lever_is_first_in_every_world(ranked):
    ranking, _, _, _ = ranked
    assert list(ranking.columns) == list(LEVER_RANKING_COLUMNS)
    rows = ranking.set_index("lever")
    assert (rows["worlds"] == 16).all()
    assert rows.loc["handoff", "share_first_alone"] == 1.0 and rows.loc["handoff", "share_first_last"] == 1.0
    assert rows.loc["handoff", "mean_rank_alone"] == 1.0 and rows.loc["handoff", "mean_rank_last"] == 1.0
    # the two cost levers: exactly minus their sampled cost, and never first
    assert rows.loc["tool", "mean_rank_alone"] == 2.0 and rows.loc["training", "mean_rank_last"] == 3.0
    assert rows.loc["tool", "share_first_alone"] == 0.0 and rows.loc["training", "share_first_last"] == 0.0
    assert -TOOL_HIGH - 1e-6 <= rows.loc["tool", "alone_p05"] <= rows.loc["tool", "alone_p95"] <= -500 + 1e-6
    assert -TRAINING_HIGH - 1e-6 <= rows.loc["training", "last_p05"] <= -TRAINING_LOW + 1e-6
    assert rows["share_first_alone"].sum() == pytest.approx(1.0)


def test_lever_ranking_is_identical_for_one_and_two_workers(ranked):
    ranking, a, b, _ = ranked
    two = run_lever_ranking(a, b, samples=16, replications=2, seed=7, workers=2, cache_dir=None, progress=False)
    pd.testing.assert_frame_equal(ranking, two)


def test_the_cli_writes_the_ranking_and_prints_it(ranked, run_leadsim):
    ranking, a, _, cache = ranked
    folder = a.parent
    result = run_leadsim(
        "robustness", "a.yaml", "b.yaml", "--lever-ranking", "a.yaml", "b.yaml", "--samples", "16", "-r", "2",
        "-s", "7", "-w", "1", "--cache-dir", str(cache), "-o", "out", cwd=folder,
    )
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(folder / "out" / "robustness_lever_ranking.csv")
    pd.testing.assert_frame_equal(written, ranking, check_dtype=False)
    assert "first alone" in result.stdout and "handoff" in result.stdout
