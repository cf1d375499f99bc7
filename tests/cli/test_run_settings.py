"""The run settings a command gathers once: cache, overrides, auto's precision and an early scheduler check."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sim.cli.settings import Precision, RunSettings, run_settings
from sim.errors import ExperimentError
from sim.outputs import DEFAULT_CACHE_DIR

AUTO = Precision(target=0.05, kpi="revenue", max_replications=200)


def settings(**changes: object) -> RunSettings:
    values: dict[str, object] = {
        "seed": 7, "replications": 3, "workers": 1, "scheduler": None, "cache_dir": None,
        "no_cache": False, "overrides": None,
    }
    values.update(changes)
    return run_settings(**values)  # type: ignore[arg-type]


def test_the_cache_is_the_default_folder_a_chosen_one_or_none() -> None:
    assert settings().cache_dir == DEFAULT_CACHE_DIR
    assert settings(cache_dir=Path("elsewhere")).cache_dir == Path("elsewhere")
    assert settings(cache_dir=Path("elsewhere"), no_cache=True).cache_dir is None


def test_overrides_are_kept_in_order_as_a_tuple() -> None:
    assert settings().overrides == ()
    assert settings(overrides=["sales.reps=4", "sales.sdrs=1"]).overrides == ("sales.reps=4", "sales.sdrs=1")


def test_the_precision_goes_with_auto_only() -> None:
    auto = settings(replications=None, precision=AUTO)
    assert auto.precision == AUTO and auto.most_replications == 200
    fixed = settings(replications=12, precision=AUTO)
    assert fixed.precision is None and fixed.most_replications == 12


def test_the_settings_are_frozen_and_name_how_to_execute() -> None:
    built = settings(workers=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.seed = 1  # type: ignore[misc]
    assert built.executing() == {"workers": 2, "scheduler": None, "cache_dir": DEFAULT_CACHE_DIR}


def test_a_bad_scheduler_address_is_refused_when_the_settings_are_built() -> None:
    with pytest.raises(ExperimentError, match="not a Dask scheduler address"):
        settings(scheduler="localhost:8786")
    assert settings(scheduler="tcp://10.0.0.5:8786").scheduler == "tcp://10.0.0.5:8786"
