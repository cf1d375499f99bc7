"""What a long run tells the person waiting: an estimate up front, time left, and what an interrupt kept.

Every experiment (``run``, ``compare``, ``attribute``, ``portfolio``, ``robustness`` and the
report notebooks) runs its replications through one session of ``sim.experiment.runner``, and
that session reports through this module, so there is one progress bar and one way of saying
how long the rest will take:

* before the first replication it states what it will do and how long that takes – an estimate
  from the leads each replication simulates (``sim.experiment.budget``), the number of workers
  and how busy the machine is;
* the bar's time left starts from that estimate and moves to the measured speed as replications
  finish (:class:`TimeLeft`), so neither a cheap first replication nor a run of cache hits makes
  it promise minutes for an hour of work;
* an interrupt ends with one line saying how many replications this command cached and where,
  so the same command resumes from them (:func:`interrupted_message`).

A report runs its experiments in a Jupyter kernel, whose ``sys.stderr`` feeds the notebook, not
the analyst's terminal. ``leadsim report`` sets ``LEADSIM_PROGRESS=1`` for the kernel; the
experiment designs then draw their progress bar (with the time left) on the kernel process's
own standard error, which the kernel inherited from ``leadsim report``.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

PROGRESS_VARIABLE = "LEADSIM_PROGRESS"

PRIOR_WEIGHT_PER_SLOT = 2.0
"""While the run looks faster than estimated, the up-front estimate counts as this many finished
replications per worker: the measured speed takes over after a few rounds, not after the first,
possibly cheap, replication."""
PRIOR_WEIGHT_PER_SLOT_WHEN_SLOWER = 0.5
"""While the run looks slower than estimated, the measured speed takes over sooner: promising too
little time is the failure people remember."""
IN_FLIGHT_SHARE_DONE = 0.5
"""How much of a running replication is counted as done: on average half, once the workers'
starts have spread out."""


@contextmanager
def terminal_progress(progress: bool | None = None) -> Iterator[bool | None]:
    """``progress`` as given; inside a report kernel, True with the bar on the real stderr."""
    if progress is not None or os.environ.get(PROGRESS_VARIABLE) != "1" or sys.__stderr__ is None:
        yield progress
        return
    notebook_stream = sys.stderr
    sys.stderr = sys.__stderr__  # the runner's bar writes to sys.stderr when it is created
    try:
        yield True
    finally:
        sys.stderr = notebook_stream


# ------------------------------------------------------------------ wording


def duration_text(seconds: float) -> str:
    """A duration as people say it, with two significant figures: '45 seconds', '4.5 minutes', '1.2 hours'."""
    if seconds < 1:
        return "less than a second"
    if seconds < 90:
        return f"{_two_figures(seconds)} seconds"
    if seconds < 90 * 60:
        return f"{_two_figures(seconds / 60)} minutes"
    return f"{_two_figures(seconds / 3600)} hours"


def _two_figures(value: float) -> str:
    return f"{float(f'{value:.2g}'):g}"


def count_text(count: int, word: str) -> str:
    """'1 replication', '1,140 replications' (``word`` in the plural; a trailing s is dropped for one)."""
    return f"{count:,} {word[:-1] if count == 1 and word.endswith('s') else word}"


_unit: ContextVar[str] = ContextVar("experiment_unit", default="scenarios")


@contextmanager
def describing(unit: str) -> Iterator[None]:
    """Within this block experiments name their scenarios ``unit`` (plural), e.g. 'lever combinations'.

    A context, not a parameter, so a command can word the up-front line of an experiment that a
    design (attribution, portfolio) opens on its behalf.
    """
    token = _unit.set(unit)
    try:
        yield
    finally:
        _unit.reset(token)


def current_unit() -> str:
    """What the experiments opened now call their scenarios (plural)."""
    return _unit.get()


# ------------------------------------------------------------------ time left


class TimeLeft:
    """Seconds left of a set of replications: the up-front estimate, corrected by the measured speed.

    Each replication carries an estimated cost in CPU-seconds. The up-front estimate of the wall
    time is that cost × a slow-down factor (how busy the machine is) / the workers. As
    replications finish, the factor moves from its prior towards the measured one – elapsed wall
    time over the estimated cost of the work done – weighted by how many have finished, so an
    early, cheap replication (or a cache hit, which is never counted here) cannot make the rest
    look short. Times are passed in, so the arithmetic is testable without a clock.
    """

    def __init__(self, slots: int, prior_factor: float = 1.0) -> None:
        self.slots = max(1, slots)
        self.prior_factor = max(prior_factor, 1e-9)
        self.remaining_cost = 0.0
        self.remaining_count = 0
        self.done_cost = 0.0
        self.done_count = 0
        self._busy = 0.0  # seconds spent computing in earlier stretches
        self._since: float | None = None

    def add(self, costs: Sequence[float]) -> None:
        """Replications still to compute, with their estimated costs (CPU-seconds)."""
        self.remaining_cost += float(sum(costs))
        self.remaining_count += len(costs)

    def start(self, now: float) -> None:
        """Computing begins (again); time between stretches (a caller reading results) is not counted."""
        if self._since is None:
            self._since = now

    def pause(self, now: float) -> None:
        """Computing stops until the next :meth:`start`."""
        if self._since is not None:
            self._busy += now - self._since
            self._since = None

    def finished(self, cost: float) -> None:
        """One replication of estimated ``cost`` finished."""
        self.remaining_cost = max(0.0, self.remaining_cost - cost)
        self.remaining_count = max(0, self.remaining_count - 1)
        self.done_cost += cost
        self.done_count += 1

    def elapsed(self, now: float) -> float:
        """Seconds spent computing so far."""
        return self._busy + (0.0 if self._since is None else now - self._since)

    def _running(self) -> int:
        return min(self.slots, self.remaining_count)

    def _in_flight_credit(self) -> float:
        """Estimated cost already done on the replications running now (counted once some finished)."""
        if self.remaining_count == 0 or self.done_count == 0:
            return 0.0
        return self._running() * (self.remaining_cost / self.remaining_count) * IN_FLIGHT_SHARE_DONE

    def factor(self, now: float) -> float:
        """Wall seconds per (CPU-second / worker): the prior, moved towards the measured value."""
        if self.done_count == 0:
            return self.prior_factor
        work = (self.done_cost + self._in_flight_credit()) / self.slots
        measured = self.elapsed(now) / work if work > 0 else self.prior_factor
        per_slot = PRIOR_WEIGHT_PER_SLOT if measured < self.prior_factor else PRIOR_WEIGHT_PER_SLOT_WHEN_SLOWER
        weight = per_slot * self.slots
        return (weight * self.prior_factor + self.done_count * measured) / (weight + self.done_count)

    def seconds_left(self, now: float) -> float:
        """Estimated wall seconds until every added replication has finished."""
        running = self._running()
        if running == 0:
            return 0.0
        work = max(0.0, self.remaining_cost - self._in_flight_credit())
        return work * self.factor(now) / running

    def estimate(self) -> float:
        """The up-front estimate of the wall seconds for what has been added (nothing measured)."""
        running = self._running()
        return 0.0 if running == 0 else self.remaining_cost * self.prior_factor / running


@functools.cache
def _bar_class() -> type[Any]:
    """tqdm with our time left in place of its own (which extrapolates from the last few updates).

    Made on first use: tqdm is not imported by commands that run no experiment.
    """
    from tqdm import tqdm

    class Bar(tqdm):  # type: ignore[type-arg]
        time_left: TimeLeft | None = None

        @property
        def format_dict(self) -> dict[str, Any]:
            """tqdm's fields plus ``left``, the time left from :class:`TimeLeft`."""
            fields = dict(super().format_dict)
            fields["left"] = "" if self.time_left is None else _left_text(self.time_left, time.monotonic())
            return fields

    return Bar


def _left_text(clock: TimeLeft, now: float) -> str:
    if clock.remaining_count == 0:
        return "done" if clock.done_count else ""
    return f"about {duration_text(clock.seconds_left(now))} left"


BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed} elapsed, {left}]"


class ReplicationProgress:
    """The progress of one experiment: the up-front line, the bar and the clock behind its time left."""

    def __init__(self, shown: bool, announce: bool, slots: int) -> None:
        self.shown = shown
        self.announce_lines = announce
        self.clock = TimeLeft(slots, machine_slowdown(slots))
        self.announced = False
        self._bar: Any = None  # drawn once there is something to count, below the up-front line
        self._stream = sys.stderr  # as when the experiment opened (a report kernel swaps it back later)

    @property
    def bar(self) -> Any:
        """The tqdm bar (disabled when not shown), made on first use."""
        if self._bar is None:
            self._bar = _bar_class()(
                total=0, desc="replications", unit="rep", disable=not self.shown, file=self._stream,
                bar_format=BAR_FORMAT, delay=1e-9,  # drawn at the first refresh, with its total
            )
            self._bar.time_left = self.clock
        return self._bar

    def say(self, line: str) -> None:
        """One line on stderr above the bar (nothing when neither bar nor lines are wanted)."""
        if not (self.shown or self.announce_lines):
            return
        if self._bar is not None and self.shown:
            self._bar.write(line, file=self._stream)
        else:
            self._stream.write(line + "\n")
            self._stream.flush()

    def add(self, count: int) -> None:
        """``count`` more replications to make available (computed or from the cache)."""
        self.bar.total += count
        self.bar.refresh()

    def hit(self) -> None:
        """A replication came from the cache (not timed: it says nothing about the speed)."""
        self.bar.update()

    def to_compute(self, costs: Sequence[float]) -> None:
        """Replications that will be computed, with their estimated costs (CPU-seconds)."""
        self.clock.add(costs)

    def start(self) -> None:
        """The workers start on the replications added so far."""
        self.clock.start(time.monotonic())

    def pause(self) -> None:
        """The workers are idle until the next :meth:`start`."""
        self.clock.pause(time.monotonic())

    def finished(self, cost: float) -> None:
        """One computed replication of estimated ``cost`` finished."""
        self.clock.finished(cost)
        self.bar.update()

    def close(self) -> None:
        """Finish the bar's line on the terminal."""
        if self._bar is not None:
            self._bar.close()


def machine_slowdown(slots: int) -> float:
    """How much slower than on idle cores ``slots`` workers run now: (load + slots) / cores, at least 1.

    The one-minute load average counts the other programs waiting for a core; a run started on a
    busy machine shares the cores with them, which the up-front estimate should say.
    """
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on every platform
        return 1.0
    return max(1.0, (load + min(slots, cores)) / cores)


def machine_load_text() -> str:
    """'machine load 3.7 on 2 cores', or '' where the load average is unknown."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return ""
    return f"machine load {_two_figures(load)} on {os.cpu_count() or 1} cores"


# ------------------------------------------------------------------ interrupts

_command_line = {"announce": False}
_cache_use: dict[str, int] = {}
"""Cache folders the experiments of this process used, with the replications they stored there.
Kept per process because the interrupt is reported at the top of the command, far from the
session that knew the counts; an empty key means an experiment ran without a cache."""
NO_CACHE = ""


def command_line_mode(on: bool = True) -> None:
    """Within the ``leadsim`` command: announce estimates on stderr even without a terminal, count for interrupts."""
    _command_line["announce"] = on
    _cache_use.clear()


def announces() -> bool:
    """Whether experiments state their plan and estimate on stderr when no bar is drawn."""
    return _command_line["announce"]


def note_cache_use(directory: str | os.PathLike[str] | None) -> None:
    """An experiment started with this cache folder (None: without a cache)."""
    _cache_use.setdefault(NO_CACHE if directory is None else str(directory), 0)


def note_cached(directory: str | os.PathLike[str], count: int = 1) -> None:
    """``count`` replications were stored in the cache folder ``directory``."""
    key = str(directory)
    _cache_use[key] = _cache_use.get(key, 0) + count


def entries_written_since(directory: str | os.PathLike[str], since_ns: int) -> int:
    """Cache entries in ``directory`` written at or after ``since_ns`` (for work another process did)."""
    from sim.experiment.cache import _SUFFIX  # the entry files' suffix; imported late (pandas)

    count = 0
    for entry in Path(directory).glob(f"*/*{_SUFFIX}"):
        try:
            if entry.lstat().st_mtime_ns >= since_ns:
                count += 1
        except OSError:
            continue
    return count


def interrupted_message() -> str:
    """The one line an interrupted command prints: what was cached where, and how to resume."""
    cached = {folder: count for folder, count in _cache_use.items() if folder != NO_CACHE}
    if not cached:
        if NO_CACHE in _cache_use:
            return "interrupted – the run used no result cache (--no-cache), so nothing can be resumed"
        return "interrupted"
    total = sum(cached.values())
    folders = ", ".join(cached)
    if total == 0:
        return (
            f"interrupted – no replication had finished, none cached in {folders}; "
            "running the same command again starts over"
        )
    return (
        f"interrupted – {count_text(total, 'replications')} cached in {folders}, "
        "run the same command again to resume"
    )
