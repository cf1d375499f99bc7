"""Shared fixtures of the workshop tests: scenario folders and fast run settings."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from workshop_helpers import SCENARIOS, SMALL_YAML

from sim import workshop


@pytest.fixture(autouse=True)
def _fresh_memory_cache() -> Iterator[None]:
    """Each test starts without remembered starting points or results."""
    workshop.clear_memory_cache()
    yield
    workshop.clear_memory_cache()


@pytest.fixture
def scenario_copy(tmp_path: Path) -> Path:
    """A copy of the bundled scenario folder (files, levers, schema), without saved setups."""
    target = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, target, ignore=shutil.ignore_patterns("workshop", "examples"))
    return target


@pytest.fixture
def small_dir(tmp_path: Path) -> Path:
    """A scenario folder with one small scenario (a replication takes a fraction of a second)."""
    folder = tmp_path / "small"
    folder.mkdir()
    (folder / "small.yaml").write_text(SMALL_YAML, encoding="utf-8")
    (folder / "small_batch.yaml").write_text(
        "extends: small.yaml\nname: small_batch\n"
        "handoff: {mode: batch, batch_every_hours: 24}\n"
        "sla: {agreed: true, first_contact_business_hours: 4}\n"
        "sales: {queue: sla, unqualified: recycle}\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def fast_run() -> workshop.RunSettings:
    """Serial, uncached, short: for tests that only check wiring."""
    return workshop.RunSettings(
        replications=3, seed=5, workers=1, measurement_days=28, cache_dir=None
    )
