"""The time left starts from the up-front estimate and moves to the measured speed as replications
finish; a cheap first replication cannot make an hour of work look like minutes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sim.experiment import progress
from sim.experiment.progress import TimeLeft, duration_text, interrupted_message


def clock(count: int = 100, slots: int = 2, prior_factor: float = 1.0) -> TimeLeft:
    """``count`` replications estimated at 1 CPU-second each on ``slots`` workers."""
    left = TimeLeft(slots, prior_factor)
    left.add([1.0] * count)
    left.start(0.0)
    return left


def test_before_anything_finishes_the_time_left_is_the_estimate() -> None:
    left = clock(prior_factor=1.5)
    assert left.estimate() == pytest.approx(100 * 1.5 / 2)
    assert left.seconds_left(5.0) == pytest.approx(left.estimate())


def test_a_cheap_first_replication_does_not_shrink_the_time_left() -> None:
    left = clock()
    left.finished(1.0)  # estimated at 1 CPU-s, done in 0.1 s
    naive = 99 * 0.1 / 2  # what extrapolating from the first replication would promise
    assert left.seconds_left(0.1) > 0.7 * (99 / 2)
    assert left.seconds_left(0.1) > 5 * naive


def test_the_measured_speed_takes_over_as_replications_finish() -> None:
    left = clock()
    # Twice as slow as estimated: two workers finish a pair every 2 s.
    now = 0.0
    for _ in range(20):
        now += 2.0
        left.finished(1.0)
        left.finished(1.0)
    truth = 60 * 2.0 / 2  # 60 left, 2 s each, two at a time
    assert left.seconds_left(now) == pytest.approx(truth, rel=0.15)


def test_time_between_stretches_of_work_is_not_counted() -> None:
    left = clock(count=10, slots=1)
    left.finished(1.0)
    left.pause(1.0)
    left.start(100.0)  # the caller read results for 99 s
    assert left.elapsed(101.0) == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.4, "less than a second"), (45, "45 seconds"), (270, "4.5 minutes"), (4321, "72 minutes"),
     (4.5 * 3600, "4.5 hours")],
)
def test_durations_read_with_two_figures(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_the_interrupt_line_counts_what_was_cached_where() -> None:
    progress.command_line_mode()
    try:
        assert interrupted_message() == "interrupted"  # no experiment had started
        progress.note_cache_use(None)
        assert "nothing can be resumed" in interrupted_message()
        progress.command_line_mode()
        progress.note_cache_use("/c")
        progress.note_cached("/c")
        progress.note_cached("/c")
        assert interrupted_message() == (
            "interrupted – 2 replications cached in /c, run the same command again to resume"
        )
    finally:
        progress.command_line_mode(False)


def test_a_report_counts_the_cache_entries_its_kernel_wrote(tmp_path: Path) -> None:
    old = tmp_path / "ab" / "ab01.rep"
    old.parent.mkdir()
    old.write_bytes(b"earlier run")
    os.utime(old, ns=(1_000_000_000, 1_000_000_000))
    started = time.time_ns() - 1_000_000  # the notebook started just before the kernel wrote these
    for name in ("cd/cd01.rep", "cd/cd02.rep"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"this run")
    (tmp_path / "cd" / ".tmp-cd03").write_bytes(b"half written")
    assert progress.entries_written_since(tmp_path, started) == 2
