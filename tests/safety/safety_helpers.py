"""Helpers for the safety tests: run leadsim in a bounded subprocess, check a clean refusal."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SMALL_YAML = """\
horizon: {warmup_days: 7, measurement_days: 28, drain_cap_days: 30}
channels:
  - name: web_inquiry
    leads_per_week: 20
sales:
  reps: 3
"""

MEMORY_LIMIT_BYTES = 2 * 1024**3
"""Address space of a bounded subprocess: the program itself needs ~1 GB of it (numpy, pandas)."""


@dataclass
class Outcome:
    """Exit code and output of one leadsim invocation."""

    code: int
    out: str
    err: str
def _bounded(memory_bytes: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    return limit


def run_bounded(
    *args: str, cwd: Path, timeout: float = 120.0, memory_bytes: int = MEMORY_LIMIT_BYTES
) -> Outcome:
    """``python -m sim ARGS`` in a subprocess with an address-space limit and a timeout."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
        encoding="utf-8", timeout=timeout, check=False, env=env, preexec_fn=_bounded(memory_bytes),
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def assert_clean_refusal(outcome: Outcome, *fragments: str) -> None:
    """Exit 2, a message containing every fragment, and never a traceback."""
    assert outcome.code == 2, (outcome.code, outcome.out, outcome.err)
    assert "Traceback" not in outcome.err and "Traceback" not in outcome.out, outcome.err
    for fragment in fragments:
        assert fragment in outcome.err, (fragment, outcome.err)
