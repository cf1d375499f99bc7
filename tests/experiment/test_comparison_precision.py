"""A comparison by precision: replications are added until the headline difference is precise enough.

The fixture pair (a weekly hand-off list against one team) differs in net contribution per year by
a noisy amount: its 95 % interval is about ±50 % of the difference at 8 replications and ±26 % at
20. A loose target (±60 %) is therefore met early, a strict one (±30 %) only after more
replications; where each stops is a function of the seed alone (replication r always has the same
seed, batches are fixed), whatever the number of workers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import stats
from sim.errors import ExperimentError
from sim.experiment.comparison import (
    CAPPED,
    FIXED,
    NIL,
    REACHED,
    ScenarioComparison,
    compare_scenarios,
    paired_differences,
)
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "reports"
CAP = 30
LOOSE, STRICT = 0.6, 0.3


@pytest.fixture(scope="module")
def pair() -> dict[str, Scenario]:
    return {
        "weekly": load_scenario(FIXTURES / "weekly_list.yaml"),
        "team": load_scenario(FIXTURES / "one_team.yaml"),
    }


def _by_precision(pair: dict[str, Scenario], precision: float, workers: int = 1, seed: int = 0) -> ScenarioComparison:
    return compare_scenarios(pair, replications=CAP, seed=seed, workers=workers, precision=precision)


@pytest.fixture(scope="module")
def loose(pair: dict[str, Scenario]) -> ScenarioComparison:
    return _by_precision(pair, LOOSE)


@pytest.fixture(scope="module")
def strict(pair: dict[str, Scenario]) -> ScenarioComparison:
    return _by_precision(pair, STRICT)


def _relative(comparison: ScenarioComparison, count: int) -> float:
    differences = paired_differences(comparison.result.kpis, comparison.reference)["team"]
    return stats.relative_precision(differences[:count])


def test_a_stricter_target_adds_replications_and_a_looser_one_stops_earlier(
    loose: ScenarioComparison, strict: ScenarioComparison
) -> None:
    assert loose.result.replications < strict.result.replications < CAP
    for comparison, target in ((loose, LOOSE), (strict, STRICT)):
        precision = comparison.precision
        assert precision is not None and precision.reached and precision.target == target
        (setup,) = precision.setups
        assert setup.status == REACHED and setup.relative <= target
        assert precision.replications == comparison.result.replications
        # The replications algorithm's rule: the target held from the replications needed on,
        # through the look-ahead that was kept.
        needed = comparison.result.replications_needed
        assert needed is not None and needed + stats.look_ahead(needed) == comparison.result.replications
        assert all(_relative(comparison, n) <= target for n in range(needed, comparison.result.replications + 1))
        for earlier in range(5, needed):  # and at no earlier count
            window = range(earlier, earlier + stats.look_ahead(earlier) + 1)
            assert not all(_relative(comparison, n) <= target for n in window)
    # The strict run's first replications are the loose run's (same seeds): the loose one stopped
    # where the strict target did not yet hold.
    first = strict.result.kpis[strict.result.kpis["replication"] < loose.result.replications]
    pd.testing.assert_frame_equal(first.reset_index(drop=True), loose.result.kpis.reset_index(drop=True))
    assert _relative(strict, loose.result.replications) > STRICT




def test_same_seed_same_stop_and_numbers_with_one_or_two_workers(
    pair: dict[str, Scenario], strict: ScenarioComparison
) -> None:
    again = _by_precision(pair, STRICT, workers=2)
    assert again.result.replications == strict.result.replications
    pd.testing.assert_frame_equal(again.result.kpis, strict.result.kpis)
    pd.testing.assert_frame_equal(again.summary, strict.summary)
    assert again.precision == strict.precision


def test_an_unreachable_target_stops_at_the_cap_and_says_so(pair: dict[str, Scenario]) -> None:
    capped = compare_scenarios(pair, replications=8, seed=0, workers=1, precision=0.01)
    assert capped.result.replications == 8
    assert capped.precision is not None and not capped.precision.reached
    assert [s.status for s in capped.precision.setups] == [CAPPED]


def test_a_zero_difference_is_settled_inside_the_band_not_run_to_the_cap(pair: dict[str, Scenario]) -> None:
    same = {"weekly": pair["weekly"], "copy": pair["weekly"].model_copy(update={"name": "copy"})}
    settled = compare_scenarios(same, replications=CAP, seed=0, workers=1, precision=STRICT)
    assert settled.result.replications < CAP
    assert settled.precision is not None and settled.precision.reached
    assert [s.status for s in settled.precision.setups] == [NIL]
    assert np.all(paired_differences(settled.result.kpis, "weekly")["copy"] == 0)


def test_without_a_precision_exactly_the_replications_asked(pair: dict[str, Scenario]) -> None:
    fixed = compare_scenarios(pair, replications=3, seed=0, workers=1)
    assert fixed.result.replications == 3
    assert fixed.precision is not None and fixed.precision.target is None
    assert [s.status for s in fixed.precision.setups] == [FIXED]


@pytest.mark.parametrize("precision", [0, 1.5, -0.1, float("nan"), True, "0.1"])
def test_a_bad_precision_is_refused(pair: dict[str, Scenario], precision: object) -> None:
    with pytest.raises(ExperimentError, match="precision must be a number between 0 and 1"):
        compare_scenarios(pair, replications=10, workers=1, precision=precision)  # type: ignore[arg-type]
