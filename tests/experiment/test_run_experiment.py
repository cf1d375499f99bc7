"""run_experiment: tables in scenario and replication order, common random numbers, clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.errors import ExperimentError, LeadsimError
from sim.experiment import executors
from sim.experiment.runner import run_experiment, show_progress, unique_scenarios
from sim.metrics import KPI_COLUMNS, replication_kpis
from sim.model.lifecycle import simulate
from sim.scenario.schema import Scenario


def test_tables_follow_scenario_then_replication_order(small_pair: list[Scenario]) -> None:
    result = run_experiment(small_pair, replications=3, seed=5, workers=1, cache_dir=None)
    assert tuple(result.kpis.columns) == KPI_COLUMNS
    assert list(result.scenarios) == ["three_reps", "four_reps"]
    assert result.reference == "three_reps"
    expected_order = [(name, r) for name in result.scenarios for r in range(3)]
    assert list(zip(result.kpis["scenario"], result.kpis["replication"], strict=True)) == expected_order
    assert result.leads.columns[0] == "scenario" and result.weekly.columns[0] == "scenario"
    assert result.leads.groupby("scenario", sort=False)["replication"].unique().map(list).to_dict() == {
        "three_reps": [0, 1, 2], "four_reps": [0, 1, 2],
    }
    assert (result.seed, result.replications, result.replications_needed) == (5, 3, None)
    assert result.cache.misses == 6 and result.cache.hits == 0


def test_replication_r_is_simulate_with_seed_and_r(small_pair: list[Scenario]) -> None:
    result = run_experiment(small_pair, replications=2, seed=9, workers=1, cache_dir=None)
    second = small_pair[1]
    direct = simulate(second, 9, 1)
    expected = replication_kpis(direct.leads, direct.run, second, "four_reps")
    row = result.kpis[(result.kpis["scenario"] == "four_reps") & (result.kpis["replication"] == 1)]
    # NaN-aware (a KPI without customers is NaN in both)
    pd.testing.assert_series_equal(pd.Series(row.iloc[0].to_dict(), dtype=object), pd.Series(expected, dtype=object))
    leads = result.leads[(result.leads["scenario"] == "four_reps") & (result.leads["replication"] == 1)]
    pd.testing.assert_frame_equal(leads.drop(columns="scenario").reset_index(drop=True), direct.leads)


def test_common_random_numbers_give_both_scenarios_the_same_leads(small_pair: list[Scenario]) -> None:
    result = run_experiment(small_pair, replications=2, seed=1, workers=1, cache_dir=None)
    traits = ["replication", "lead_id", "channel", "created_at", "fit", "stage_at_creation"]
    by_scenario = [
        result.leads[result.leads["scenario"] == name][traits].reset_index(drop=True)
        for name in result.scenarios
    ]
    pd.testing.assert_frame_equal(by_scenario[0], by_scenario[1])


def test_same_seed_same_results_other_seed_other_results(small: Scenario) -> None:
    first = run_experiment([small], replications=3, seed=21, workers=1, cache_dir=None)
    again = run_experiment([small], replications=3, seed=21, workers=1, cache_dir=None)
    other = run_experiment([small], replications=3, seed=22, workers=1, cache_dir=None)
    pd.testing.assert_frame_equal(first.kpis, again.kpis)
    pd.testing.assert_frame_equal(first.leads, again.leads)
    pd.testing.assert_frame_equal(first.weekly, again.weekly)
    assert not first.kpis["leads"].equals(other.kpis["leads"])
    assert not first.leads["created_at"].head(50).equals(other.leads["created_at"].head(50))


def test_repeated_names_are_made_unique_in_order(small: Scenario) -> None:
    renamed = small.model_copy(update={"name": "small-2"})
    named = unique_scenarios([small, small, renamed])
    assert list(named) == ["small", "small-2", "small-2-2"]
    assert [scenario.name for scenario in named.values()] == list(named)
    assert list(unique_scenarios({"today": small, "tomorrow": small})) == ["today", "tomorrow"]


def test_mapping_keys_name_the_scenarios(small: Scenario) -> None:
    result = run_experiment({"today": small}, replications=1, workers=1, cache_dir=None)
    assert result.kpis["scenario"].tolist() == ["today"]
    assert result.scenarios["today"].name == "today"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"replications": 0}, "replications must be a whole number >= 1, got 0"),
        ({"replications": 2.5}, "replications must be a whole number >= 1, got 2.5"),
        ({"workers": 0}, "workers must be a whole number >= 1, got 0"),
        ({"seed": -1}, "seed must be a whole number >= 0, got -1"),
    ],
)
def test_bad_options_raise_experiment_error(small: Scenario, options: dict, message: str) -> None:
    with pytest.raises(ExperimentError, match=message) as raised:
        run_experiment([small], **{"replications": 1, "cache_dir": None, **options})
    assert isinstance(raised.value, LeadsimError)


def test_no_scenarios_or_wrong_type_is_an_error(small: Scenario) -> None:
    with pytest.raises(ExperimentError, match="at least one scenario"):
        run_experiment([], replications=1, cache_dir=None)
    with pytest.raises(ExperimentError, match="expected a Scenario, got dict"):
        run_experiment([{"channels": []}], replications=1, cache_dir=None)  # type: ignore[list-item]


def test_unreachable_scheduler_is_a_clear_error(
    small: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(executors, "SCHEDULER_CONNECT_TIMEOUT", 1.0)
    with pytest.raises(ExperimentError, match="cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'"):
        run_experiment([small], replications=1, scheduler="tcp://127.0.0.1:9", cache_dir=None)


def test_a_failing_replication_names_scenario_and_replication(
    small: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(scenario: Scenario, seed: int, replication: int) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(executors, "simulate", broken)
    with pytest.raises(ExperimentError, match="replication 0 of scenario 'small' failed: ZeroDivisionError: boom"):
        run_experiment([small], replications=1, workers=1, cache_dir=None)


def test_progress_is_quiet_in_ci_and_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert show_progress(True) is True and show_progress(False) is False
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    monkeypatch.setenv("CI", "true")
    assert show_progress(None) is False
    monkeypatch.delenv("CI")
    assert show_progress(None) is True
