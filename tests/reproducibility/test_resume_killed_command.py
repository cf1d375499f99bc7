"""A `leadsim run` or `compare` killed with kill -9 is resumed by the same command, without --force.

The killed run leaves its claim on the output folder behind; the claim names a process that is
gone, so the next run takes the folder over, reuses the replications the killed run had finished
(they are in the cache) and writes exactly what an uninterrupted run writes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.outputs import CLAIM_FILE

pytestmark = pytest.mark.serial  # kills a run between its first and its last replication

PROJECT = Path(__file__).resolve().parents[2]
SCENARIOS = PROJECT / "scenarios"
SHORT = ["--set", "horizon.warmup_days=14", "--set", "horizon.measurement_days=120", "--set",
         "horizon.drain_cap_days=30"]
QUIET_MATHS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def entries(folder: Path) -> list[Path]:
    """Finished cache entries (temporary files excluded)."""
    return sorted(folder.glob("*/*.rep"))


def command(kind: str, out: Path, cache: Path | None) -> list[str]:
    """The command under test: 4 replications of the base company (or base vs SDR team), shortened."""
    files = [SCENARIOS / "base.yaml"] + ([SCENARIOS / "sdr_team.yaml"] if kind == "compare" else [])
    caching = ["--cache-dir", str(cache)] if cache is not None else ["--no-cache"]
    return [sys.executable, "-m", "sim", kind, *map(str, files), "-r", "4", "--seed", "1", *SHORT,
            "--workers", "2", *caching, "--out", str(out)]


def run(arguments: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command to its end."""
    return subprocess.run(arguments, cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=300,
                          check=False, env={**os.environ, **QUIET_MATHS})


def kill_after_first_replication(arguments: list[str], cwd: Path, cache: Path) -> None:
    """Start the command in its own process group and kill -9 the whole group once a replication is cached."""
    process = subprocess.Popen(arguments, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True, env={**os.environ, **QUIET_MATHS})
    deadline = time.monotonic() + 240
    try:
        while not entries(cache):
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, "no replication was cached"
            time.sleep(0.005)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the run and its worker processes
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL, "the run must be killed half-way, not finish"


@pytest.mark.parametrize("kind", ["run", "compare"])
def test_the_same_command_resumes_a_killed_run(kind: str, tmp_path: Path) -> None:
    out, cache = tmp_path / "results", tmp_path / "cache"
    arguments = command(kind, out, cache)
    kill_after_first_replication(arguments, tmp_path, cache)
    assert (out / CLAIM_FILE).is_file(), "the killed run leaves its claim behind"
    finished = len(entries(cache))
    total = 4 * (2 if kind == "compare" else 1)
    assert 1 <= finished < total

    resumed = run(arguments, tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr
    reused = re.search(r"from cache: (\d+)", resumed.stdout)
    assert reused is not None and int(reused.group(1)) >= finished, resumed.stdout
    assert not [path.name for path in out.iterdir() if path.name.startswith(".")]

    uninterrupted = run(command(kind, tmp_path / "uninterrupted", None), tmp_path)
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    expected = pd.read_csv(tmp_path / "uninterrupted" / "kpis.csv")
    got = pd.read_csv(out / "kpis.csv")
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    assert sorted(path.name for path in out.iterdir()) == sorted(
        path.name for path in (tmp_path / "uninterrupted").iterdir()
    )
