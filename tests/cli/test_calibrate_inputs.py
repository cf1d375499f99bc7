"""`leadsim calibrate` reads only regular files of bounded size and refuses oversized runs up front.

Run as a user runs it (a subprocess with a timeout and a memory limit), because the failures
guarded against are a hang on a FIFO and a read of /dev/zero until the machine runs out of memory.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.calibrate.export import MAX_EXPORT_BYTES

HEADER = "lead_id,created_at,channel,first_contact_at,won_at,amount,owner\n"
MEMORY_LIMIT = 3 * 1024**3
"""Address space of the subprocess: a regression that reads a device whole fails, not the machine."""
TIMEOUT = 60


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def calibrate(export: Path, out: Path, *options: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``leadsim calibrate`` in a subprocess; the result and how long it took."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "sim", "calibrate", str(export), "--out", str(out), *options],
        capture_output=True, text=True, encoding="utf-8", timeout=TIMEOUT, check=False,
        preexec_fn=_limit_memory,
    )
    return done, time.monotonic() - started


def assert_refused(done: subprocess.CompletedProcess[str], out: Path, *needles: str) -> None:
    """Exit 2, one message with every needle, no traceback, no output folder."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    for needle in needles:
        assert needle in done.stderr, f"{needle!r} not in {done.stderr!r}"
    assert not out.exists()


def test_a_fifo_export_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    done, seconds = calibrate(fifo, tmp_path / "out", "--no-fit")
    assert_refused(done, tmp_path / "out", str(fifo), "FIFO", "not a regular file")
    assert seconds < TIMEOUT / 2


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_export_is_refused_without_reading_it(tmp_path: Path, device: str) -> None:
    if not Path(device).exists():
        pytest.fail(f"{device} is missing on this system")
    done, _ = calibrate(Path(device), tmp_path / "out", "--no-fit")
    assert_refused(done, tmp_path / "out", device, "character device", "not a regular file")


def test_an_export_above_the_size_limit_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    export = tmp_path / "huge.csv"
    with export.open("wb") as handle:  # sparse: no disk space, but the size of a huge export
        handle.write(HEADER.encode())
        handle.truncate(MAX_EXPORT_BYTES + 1)
    done, seconds = calibrate(export, tmp_path / "out", "--no-fit")
    assert_refused(done, tmp_path / "out", str(export), f"{MAX_EXPORT_BYTES + 1:,} bytes", "at most 50 MiB")
    assert seconds < TIMEOUT / 2


def _busy_export(path: Path) -> Path:
    """5,000 leads created over two days: ≈ 17,500 leads a week, within the schema's limit."""
    start = pd.Timestamp("2026-01-05 08:00")
    rows = [
        f"L{index},{start + pd.Timedelta(seconds=35 * index):%Y-%m-%d %H:%M:%S},web_inquiry,,,,\n"
        for index in range(5000)
    ]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def test_an_oversized_calibration_is_refused_before_anything_is_simulated(tmp_path: Path) -> None:
    export = _busy_export(tmp_path / "busy.csv")
    # Ten simulated years of ≈ 17,500 leads a week in two check replications: ≈ 18 million leads.
    done, seconds = calibrate(export, tmp_path / "out", "--no-fit", "--fit-days", "3650", "--check-replications", "2")
    assert_refused(done, tmp_path / "out", str(export), "very large run", "million leads", "--yes", "--fit-days")
    assert seconds < TIMEOUT / 2  # refused from the estimate, not after simulating


def test_the_fitting_counts_in_the_run_size(tmp_path: Path) -> None:
    export = _busy_export(tmp_path / "busy.csv")
    # Within the limits without fitting (≈ 2 x 13 weeks x 17,500 leads), far beyond with 100 evaluations.
    done, _ = calibrate(export, tmp_path / "out", "--fit-evaluations", "100", "--fit-replications", "10")
    assert_refused(done, tmp_path / "out", "very large run", "--fit-evaluations 100", "--fit-replications 10")


@pytest.mark.parametrize("command", ["portfolio", "attribute"])
def test_an_unknown_lever_is_named_with_the_allowed_ones(run_leadsim, tmp_path: Path, command: str) -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
    done = run_leadsim(
        command, str(fixtures / "weekly_list.yaml"), str(fixtures / "one_team.yaml"),
        "--lever", "nope", "-r", "2", "--no-cache", "-o", str(tmp_path / "out"),
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "--lever 'nope'" in done.stderr and "no such file" in done.stderr
    assert "crm_tasks" in done.stderr and "shared_goals" in done.stderr  # the levers FROM → TO has
    assert "leadsim-attribution" not in done.stderr  # not a temporary subset file
    assert not (tmp_path / "out").exists()
