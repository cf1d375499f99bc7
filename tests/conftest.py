"""Shared test helpers: the fixture scenario folder and a way to run the CLI as a user does."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

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
