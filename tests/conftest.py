"""Shared test helpers: the fixture scenario folder and a way to run the CLI as a user does."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.scenario.schema import Scenario

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    """Folder of small scenario files used by the tests."""
    return FIXTURES


@pytest.fixture
def run_leadsim() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m sim ARGS`` in a subprocess (optionally in ``cwd``) and capture output."""

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sim", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )

    return run


# Small scenarios for experiment and reproducibility tests: a replication takes well under a second.

SMALL: dict[str, Any] = {
    "horizon": {"warmup_days": 7, "measurement_days": 56, "drain_cap_days": 60},
    "channels": [{"name": "web_inquiry", "leads_per_week": 40}],
    "sales": {"reps": 3},
}
# Reps are busy here (long calls, short cycles), so the number of reps changes the outcome.
LOADED: dict[str, Any] = {
    "horizon": {"warmup_days": 7, "measurement_days": 56, "drain_cap_days": 60},
    "channels": [{"name": "web_inquiry", "leads_per_week": 40}],
    "sales": {"reps": 2, "attempt_hours": {"mean": 0.5}, "conversation_hours": {"mean": 2.0}},
    "conversion": {"sales_cycle_days": {"distribution": "lognormal", "mean": 20, "cv": 0.5}},
}


def scenario(base: dict[str, Any], name: str, **sales: Any) -> Scenario:
    """A validated scenario from ``base`` with a name and some sales settings replaced."""
    data = {**base, "name": name, "sales": {**base["sales"], **sales}}
    return Scenario.model_validate(data)


@pytest.fixture
def small() -> Scenario:
    """Three reps, 40 leads a week, eight measured weeks."""
    return scenario(SMALL, "small")


@pytest.fixture
def small_pair() -> list[Scenario]:
    """A sales-only lever on the small scenario: three reps versus four."""
    return [scenario(SMALL, "three_reps"), scenario(SMALL, "four_reps", reps=4)]


@pytest.fixture
def loaded_pair() -> list[Scenario]:
    """A sales-only lever where reps are the bottleneck: two reps versus three."""
    return [scenario(LOADED, "two_reps"), scenario(LOADED, "three_reps", reps=3)]
