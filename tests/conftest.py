"""Shared test helpers: the fixture scenario folder, a way to run the CLI as a user does, test lanes.

Lanes (markers in pyproject.toml): ``make test`` runs everything not marked ``serial`` on all cores
(pytest-xdist, ``--dist loadfile``: one file per worker at a time, so a notebook's nbval cells run
in order in one kernel), then the ``serial`` tests one at a time; ``make test-fast`` leaves out
``slow`` and ``serial``.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.scenario.schema import Scenario

FIXTURES = Path(__file__).parent / "fixtures"


ROOT = Path(__file__).resolve().parents[1]
# Session fixtures that take a minute or more to build (a report through its notebook, years of every
# bundled setup). pytest-xdist builds a session fixture once per worker, so the test files that use
# one are scheduled as one group on one worker: each is built once per run.
SHARED_SESSION_FIXTURES = ("built_report", "validation_runs")


@functools.cache
def _scheduling_group(path: str) -> str:
    """The file itself, or the session fixture it shares with other files."""
    file = ROOT / path
    if file.suffix == ".py" and file.is_file():
        text = file.read_text(encoding="utf-8")
        for fixture in SHARED_SESSION_FIXTURES:
            if re.search(rf"\b{fixture}\b", text):
                return f"session fixture {fixture}"
    return path


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` with the files that share an expensive session fixture kept together."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedFixtureScheduling(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return _scheduling_group(nodeid.split("::", 1)[0])

    return SharedFixtureScheduling(config, log)


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
