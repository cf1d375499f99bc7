"""An attribution by precision: two replications per lever subset, more only while something is open.

The fixture target adds two levers (CRM tasks, shared goals) to the weekly-list company; both
clearly win deals, by amounts close enough that their order takes several replications to settle.
A wide practical band (30 % of the total difference) calls their order a tie sooner than a narrow
one (1 %); where each stops is a function of the seed alone, whatever the number of workers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from sim.errors import ExperimentError
from sim.experiment import attribution, shapley
from sim.experiment.attribution import SubsetRuns, run_subsets_until_resolved

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "reports"
REFERENCE, TARGET = FIXTURES / "weekly_list.yaml", FIXTURES / "one_team.yaml"
KPI = "won"
WIDE, NARROW = 0.3, 0.01


def _run(band: float, workers: int = 1, cap: int = 10, seed: int = 0) -> SubsetRuns:
    return run_subsets_until_resolved(
        REFERENCE, TARGET, KPI, cap, seed, band=band, workers=workers, cache_dir=None, progress=False
    )


@pytest.fixture(scope="module")
def wide() -> SubsetRuns:
    return _run(WIDE)


@pytest.fixture(scope="module")
def narrow() -> SubsetRuns:
    return _run(NARROW)


def _resolution(runs: SubsetRuns, count: int, band: float, kpi: str = KPI) -> shapley.Resolution:
    """The rule replayed on the first ``count`` replications of ``runs``."""
    values = {subset: array[:count] for subset, array in runs.values(attribution.kpi_measure(kpi)).items()}
    names = runs.plan.names
    total = float(np.mean(values[frozenset(names)] - values[frozenset()]))
    return shapley.resolution(values, names, runs.permutations, band * abs(total), cap=runs.cap)


def test_a_narrower_band_adds_replications_and_a_wider_one_stops_earlier(
    wide: SubsetRuns, narrow: SubsetRuns
) -> None:
    steps = attribution.replication_steps(10)
    assert steps[0] == 2
    assert wide.replications in steps and narrow.replications in steps
    assert wide.replications < narrow.replications < 10
    for runs, band in ((wide, WIDE), (narrow, NARROW)):
        assert runs.resolution is not None and runs.resolution.settled
        assert runs.kpis["replication"].max() + 1 == runs.replications and runs.cap == 10
        # It stopped at the first step where the rule held, not later.
        earlier = [step for step in steps if step < runs.replications]
        assert all(not _resolution(runs, step, band).settled for step in earlier)
        assert _resolution(runs, runs.replications, band) == runs.resolution
    # The same replications (same seeds): where the wide band stopped, the narrow one was open.
    first = narrow.kpis[narrow.kpis["replication"] < wide.replications]
    pd.testing.assert_frame_equal(first.reset_index(drop=True), wide.kpis.reset_index(drop=True))
    assert not _resolution(narrow, wide.replications, NARROW).settled


def test_same_seed_same_stop_and_numbers_with_one_or_two_workers(narrow: SubsetRuns) -> None:
    again = _run(NARROW, workers=2)
    assert again.replications == narrow.replications
    pd.testing.assert_frame_equal(again.kpis, narrow.kpis)
    assert again.resolution == narrow.resolution


def test_what_is_open_runs_to_the_cap_and_is_named() -> None:
    capped = run_subsets_until_resolved(
        REFERENCE, TARGET, "revenue", 3, 0, band=NARROW, workers=1, cache_dir=None, progress=False
    )
    assert capped.replications == 3 and capped.cap == 3
    # At the cap nothing more can be bought: what is open is unresolved, and named.
    assert capped.resolution is not None and capped.resolution.settled
    assert capped.resolution.unresolved
    assert not _resolution(capped, 2, NARROW, "revenue").settled  # at two replications it was still open


def test_two_replications_settle_little_one_degree_of_freedom() -> None:
    # A lever worth 1.0 and 1.2 in the two replications: the t-quantile with one degree of
    # freedom is 12.7, so its interval is 1.1 ± 12.7 × 0.1 and still crosses zero.
    values = {frozenset(): np.array([0.0, 0.0]), frozenset({"a"}): np.array([1.0, 1.2])}
    found = shapley.resolution(values, ["a"], None, band=0.05)
    assert found.levers == {"a": shapley.OPEN}
    width = scipy_stats.t.ppf(0.975, 1) * np.std([1.0, 1.2], ddof=1) / np.sqrt(2)
    assert shapley.sample_interval(np.array([1.0, 1.2]))[1] == pytest.approx(1.1 - width)
    # A third replication (t = 4.3) settles it.
    values = {frozenset(): np.zeros(3), frozenset({"a"}): np.array([1.0, 1.2, 1.1])}
    assert shapley.resolution(values, ["a"], None, band=0.05).levers == {"a": shapley.NONZERO}


def test_a_lever_worth_nothing_is_negligible_inside_the_band_and_does_not_force_the_cap() -> None:
    noise = np.array([0.01, -0.01, 0.02, -0.02])
    values = {
        frozenset(): np.zeros(4),
        frozenset({"big"}): np.full(4, 10.0) + noise,
        frozenset({"nil"}): noise,
        frozenset({"big", "nil"}): np.full(4, 10.0) + 2 * noise,
    }
    found = shapley.resolution(values, ["big", "nil"], None, band=0.5)
    assert found.levers == {"big": shapley.NONZERO, "nil": shapley.NEGLIGIBLE}
    assert found.settled
    # Without a band the nil lever's interval crosses zero and stays open.
    assert shapley.resolution(values, ["big", "nil"], None, band=0.0).levers["nil"] == shapley.OPEN


@pytest.mark.parametrize(("cap", "steps"), [(10, [2, 3, 4, 6, 8, 10]), (2, [2]), (5, [2, 3, 4, 5]), (20, [2, 3, 4, 6, 8, 10, 14, 18, 20])])
def test_the_steps_are_fixed(cap: int, steps: list[int]) -> None:
    assert attribution.replication_steps(cap) == steps


@pytest.mark.parametrize("band", [-0.1, 1.0, True, "0.03"])
def test_a_bad_band_is_refused(band: object) -> None:
    with pytest.raises(ExperimentError, match="band must be a share"):
        run_subsets_until_resolved(REFERENCE, TARGET, KPI, 4, band=band, workers=1, cache_dir=None)  # type: ignore[arg-type]
