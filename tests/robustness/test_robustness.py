"""Decision robustness: the assumption that decides is ranked first and its break-even is found.

Setup B is setup A with a real-time hand-off (more revenue) and a yearly org cost X marked as an
assumption. In net benefit, B − A = (revenue gain in that world) − X × measurement_days / 365,
so X alone decides the winner: the analysis must rank X first and put the flip where the gain is
used up. The true break-even is computed from the simulated gain (the per-world difference plus
the org cost charged), never written down.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiment.robustness import run_robustness
from sim.experiment.runner import run_experiment
from sim.scenario.loader import load_scenario

MEASUREMENT_DAYS = 91
A_YAML = f"""\
horizon:
  warmup_days: 7  # assumption: short test run
  measurement_days: {MEASUREMENT_DAYS}  # assumption: short test run
  drain_cap_days: 60  # assumption: short test run
channels:
  - name: web_inquiry
    leads_per_week: 30  # assumption: test volume
    cost_per_lead: 100  # assumption: test cost
handoff:
  mode: batch  # assumption: weekly list
  batch_every_hours: 168  # assumption: weekly
sales:
  reps: 3  # assumption: small team
"""
A_RANGES = """\
channels.web_inquiry.cost_per_lead: {range: [50, 200], reason: "equal in A and B: must not matter"}
channels.web_inquiry.leads_per_week: {range: [28, 32], reason: "a little volume uncertainty"}
handoff.batch_every_hours: {fixed: true, reason: "the org design"}
"""


def _write(folder: Path, org_cost_high: float, a_ranges: str = A_RANGES) -> tuple[Path, Path]:
    (folder / "ranges").mkdir(exist_ok=True)
    (folder / "a.yaml").write_text(A_YAML, encoding="utf-8")
    (folder / "b.yaml").write_text(
        "extends: a.yaml\nhandoff:\n  mode: realtime  # assumption: CRM task\n"
        "costs:\n  org_costs_per_year:\n    crm: 0  # assumption: the tool's yearly cost\n",
        encoding="utf-8",
    )
    (folder / "ranges" / "a.ranges.yaml").write_text(a_ranges, encoding="utf-8")
    (folder / "ranges" / "b.ranges.yaml").write_text(
        f'handoff.mode: {{fixed: true, reason: "the org design"}}\n'
        f'costs.org_costs_per_year.crm: {{range: [0, {org_cost_high:.0f}], reason: "quote pending"}}\n',
        encoding="utf-8",
    )
    return folder / "a.yaml", folder / "b.yaml"


def _yearly_gain(a: Path, b: Path, replications: int, seed: int = 3) -> float:
    """The pilot: B's net-benefit gain over A at the file values, as a yearly amount."""
    result = run_experiment({"a": load_scenario(a), "b": load_scenario(b)}, replications, seed=seed, workers=1, cache_dir=None)
    kpis = result.kpis
    net = kpis["revenue"] + kpis["upsell_revenue"] - kpis["cost"]
    gain = net[kpis["scenario"] == "b"].mean() - net[kpis["scenario"] == "a"].mean()
    assert gain > 0, "the real-time hand-off must earn more in the test scenario"
    return float(gain) * 365 / MEASUREMENT_DAYS


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, float, float]:
    folder = tmp_path_factory.mktemp("robust")
    a, b = _write(folder, 1.0)
    high = 2.0 * _yearly_gain(a, b, 3)
    a, b = _write(folder, high)
    result = run_robustness([a, b], samples=32, replications=2, seed=3, workers=1, cache_dir=None, progress=False)
    return result, high, MEASUREMENT_DAYS / 365


def test_the_deciding_assumption_is_ranked_first(decided):
    result, _, _ = decided
    sensitivity = result.sensitivity
    assert sensitivity.iloc[0]["parameter"] == "costs.org_costs_per_year.crm"
    first, second = sensitivity["sobol_s1"].iloc[:2]
    assert first > 0.5 and first > 2 * second
    # the cost per lead changes A and B alike (same leads under common random numbers): no effect
    row = sensitivity.set_index("parameter").loc["channels.web_inquiry.cost_per_lead"]
    assert abs(row["spearman"]) < 0.6


def test_the_break_even_is_where_the_gain_is_used_up(decided):
    result, high, _ = decided
    samples = result.samples
    difference = samples["difference:b-a"].to_numpy()  # net benefit per year (sim.money)
    org_cost = samples["costs.org_costs_per_year.crm"].to_numpy()
    gain = difference + org_cost  # B's gain per year before its org cost, world by world
    truth = float(np.mean(gain))
    row = result.break_even.set_index("parameter").loc["costs.org_costs_per_year.crm"]
    assert row["break_even_ci_low"] <= truth <= row["break_even_ci_high"], (row.to_dict(), truth)
    # sampling tolerance: the spread of the gain across worlds over the sample size, plus one LHS stratum
    tolerance = 3 * float(np.std(gain)) / np.sqrt(len(gain)) + high / len(gain)
    assert abs(row["break_even"] - truth) <= tolerance
    # the decision really flips: B better below the break-even, worse above
    below = difference[org_cost < row["break_even"]]
    above = difference[org_cost > row["break_even"]]
    assert (below > 0).mean() > 0.8 and (above < 0).mean() > 0.8
    share = result.summary.set_index("setup").loc["b", "share_better"]
    assert share == pytest.approx(float(np.mean(difference > 0)))


def test_same_results_for_one_and_two_workers(tmp_path):
    a, b = _write(tmp_path, 60000.0)
    one = run_robustness([a, b], samples=16, replications=2, seed=5, workers=1, cache_dir=None, progress=False)
    two = run_robustness([a, b], samples=16, replications=2, seed=5, workers=2, cache_dir=None, progress=False)
    pd.testing.assert_frame_equal(one.samples, two.samples)
    pd.testing.assert_frame_equal(one.kpis, two.kpis)
    pd.testing.assert_frame_equal(one.break_even, two.break_even)


def test_the_same_sample_is_used_for_every_setup(tmp_path):
    a, b = _write(tmp_path, 60000.0)
    result = run_robustness([a, b], samples=16, replications=2, seed=5, workers=1, cache_dir=None, progress=False)
    leads = result.kpis.assign(setup=result.kpis["scenario"].str.split("@").str[0])
    # leads_per_week is sampled once per world and applied to both setups: same lead counts per world
    by_world = leads.pivot_table(index=["scenario"], values="leads").reset_index()
    by_world["world"] = by_world["scenario"].str.split("@").str[1]
    by_world["setup"] = by_world["scenario"].str.split("@").str[0]
    wide = by_world.pivot(index="world", columns="setup", values="leads")
    assert (wide["a"] == wide["b"]).all()
    assert wide["a"].nunique() > 1  # and the worlds differ


def test_morris_screening_ranks_the_deciding_mechanism_first(tmp_path):
    """Morris over two mechanism groups: the lead cost (A and B alike) and B's org cost.

    The lead volume stays fixed here, so every world sees the same leads: B's gain before its
    org cost is the pilot's gain in every world, and the break-even is known exactly.
    """
    same_leads = A_RANGES.replace(
        'channels.web_inquiry.leads_per_week: {range: [28, 32], reason: "a little volume uncertainty"}\n', ""
    )
    a, b = _write(tmp_path, 1.0, same_leads)
    gain = _yearly_gain(a, b, 2, seed=4)  # the same seed and replications as the run below
    high = 2.0 * gain
    a, b = _write(tmp_path, high, same_leads)
    result = run_robustness(
        [a, b], samples=6, replications=2, seed=4, design="morris", workers=1, cache_dir=None, progress=False
    )
    groups = {"costs", "channels.web_inquiry"}
    assert len(result.samples) == 6 * (len(groups) + 1)  # a trajectory moves one group at a time
    sensitivity = result.sensitivity.set_index("parameter")
    assert set(sensitivity.index) == groups
    assert result.sensitivity.iloc[0]["parameter"] == "costs"
    # the lead cost is charged to A and B alike on the same leads: no elementary effect at all
    assert sensitivity.loc["channels.web_inquiry", "morris_mu_star"] == pytest.approx(0.0, abs=1e-6)
    top = result.break_even.iloc[0]
    assert top["parameter"] == "costs.org_costs_per_year.crm" and top["importance_measure"] == "morris_mu_star"
    assert top["break_even"] == pytest.approx(gain, rel=1e-6)


def test_a_rerun_reads_every_world_from_the_cache_and_dask_gives_the_same(tmp_path):
    import distributed

    a, b = _write(tmp_path, 60000.0)
    cache = tmp_path / "cache"
    first = run_robustness([a, b], samples=16, replications=2, seed=5, workers=1, cache_dir=cache, progress=False)
    entries = sorted(cache.glob("*/*.rep"))
    assert len(entries) == 16 * 2 * 2  # worlds × setups × replications, each stored once
    again = run_robustness([a, b], samples=16, replications=2, seed=5, workers=1, cache_dir=cache, progress=False)
    assert sorted(cache.glob("*/*.rep")) == entries  # resumed from the cache: nothing new computed
    pd.testing.assert_frame_equal(first.samples, again.samples)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_dask = run_robustness(
            [a, b], samples=16, replications=2, seed=5, scheduler=cluster.scheduler_address, cache_dir=None,
            progress=False,
        )
    pd.testing.assert_frame_equal(first.samples, on_dask.samples)
