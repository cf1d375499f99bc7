"""Looking ahead while the room talks: the setups one control away, simulated in the background.

A Run of the full year with 8 replications costs about 2 CPU seconds per replication, so a room
waits 8-9 s for final figures on two cores. Most of the time between two Runs is talk, and the
next Run is usually one control away from the current setup. So once the page shows a result, a
background process at the lowest CPU priority (``nice 19``) simulates those neighbours - each
lever's other choices, one rep more and one fewer, the lead volume a step up and down, every
control's first move first - into the result cache. A Run of a neighbour then reads its
replications from the cache (the same bits a fresh run gives: the cache key is the scenario's
content, seed, replication and code).

A Run, a new starting point, a report or the cheapest-way search first stops the look-ahead (at
once: it kills and reaps its workers, its process group is killed if anything is left; finished
replications stay in the cache, which writes each entry to a temporary name and renames it), so
it never competes with what the room asked for;
when the page is idle again it looks ahead from the new setup. Without a result cache there is
nothing to keep, so nothing is looked ahead. POSIX only (process groups, ``nice``).

A full-year replication's cache entry is about 1.5 MB, so a round of two dozen neighbours writes
about 300 MB and a workshop of many clicks would fill a disk. The look-ahead keeps a ledger of the
entries it wrote (``look-ahead-ledger.txt`` in the cache folder) and deletes its oldest ones
beyond ``DISK_BUDGET_BYTES``; entries the room's own runs wrote are never touched.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import multiprocessing
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import LeadsimError
from sim.workshop.controls import FROM_FILE, LEAD_VOLUME, REPS, Controls, lead_volume_steps
from sim.workshop.settings import RunSettings

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario
    from sim.workshop.session import StartingPoint

LOWEST_PRIORITY = 19
"""``nice`` value of the look-ahead: it gets CPU time only when the room's own runs leave some."""
DISK_BUDGET_BYTES = 1 << 30
"""At most this much of the result cache holds entries the look-ahead wrote (oldest go first)."""
LEDGER_FILE = "look-ahead-ledger.txt"
_KEY_LENGTH = 64  # a SHA-256 hex digest: sim.experiment.cache.replication_key
STOP_GRACE_SECONDS = 0.5
"""How long a stop waits for the look-ahead to end its workers itself before killing its group."""


def supported() -> bool:
    """Whether this platform can run and stop a look-ahead (process groups and ``nice``)."""
    return hasattr(os, "killpg") and hasattr(os, "nice")


def neighbour_controls(start: StartingPoint, controls: Controls) -> Iterator[Controls]:
    """Every setup one control away from ``controls``: one move per control first, in page order.

    Each lever's other choices ("as in the file" is not a choice one moves to), one rep more and
    one fewer, and the lead volume one slider step up and down. Round by round - every control's
    first move, then every control's second - so a short pause already covers every control once.
    """
    table = start.table
    moves: list[list[dict[str, Any]]] = []
    for lever in table.levers:
        current = str(controls[lever.name])
        moves.append(
            [{lever.name: choice.key} for choice in lever.choices if choice.key not in (current, FROM_FILE)]
        )
    try:
        reps = int(str(controls[REPS]).strip())
    except ValueError:  # typed text: the Run says what is wrong, there is nothing to look ahead
        reps = 0
    moves.append([{REPS: other} for other in (reps + 1, reps - 1) if reps and other >= 1])
    steps = lead_volume_steps(table)
    volume = float(controls[LEAD_VOLUME])
    above = [step for step in steps if step > volume + 1e-9]
    below = [step for step in steps if step < volume - 1e-9]
    moves.append([{LEAD_VOLUME: step} for step in above[:1] + below[-1:]])
    for round_ in itertools.zip_longest(*moves):
        for move in round_:
            if move is not None:
                yield controls.replace(**move)


def neighbour_scenarios(start: StartingPoint, controls: Controls, run: RunSettings) -> Iterator[Scenario]:
    """The scenario the workshop would simulate for each neighbour: valid, distinct, not the start's."""
    from sim.experiment.cache import scenario_content_hash
    from sim.workshop.session import build_setup

    seen = {scenario_content_hash(start.baseline)}
    for neighbour in neighbour_controls(start, controls):
        try:
            scenario = build_setup(start, neighbour, run).edited_run
        except LeadsimError:  # a neighbour the schema refuses (e.g. more reps than allowed) is skipped
            continue
        key = scenario_content_hash(scenario)
        if key not in seen:
            seen.add(key)
            yield scenario


class LookAhead:
    """One background process simulating the neighbours of a setup into the result cache; restartable."""

    def __init__(self, run: RunSettings, disk_budget_bytes: int = DISK_BUDGET_BYTES) -> None:
        self.run = run
        self.disk_budget_bytes = disk_budget_bytes
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def enabled(self) -> bool:
        """Looking ahead needs a result cache to keep what it computes, and a POSIX system."""
        return self.run.cache_dir is not None and supported()

    @property
    def running(self) -> bool:
        """Whether the background process is still working through its list."""
        return self.process is not None and self.process.poll() is None

    def start(self, start_file: Path, scenarios_dir: Path, controls: Controls) -> None:
        """Stop any look-ahead, then simulate the setups one control away from ``controls``.

        The background process finds them itself (:func:`neighbour_scenarios`, about 0.1 s each),
        so the page is free at once.
        """
        self.stop()
        if not self.enabled:
            return
        assert self.run.cache_dir is not None
        from sim.experiment.cache import code_fingerprint

        payload = {
            "parent": os.getpid(),
            "code": code_fingerprint(),
            "start_file": str(Path(os.path.abspath(start_file))),
            "scenarios_dir": str(Path(os.path.abspath(scenarios_dir))),
            "controls": dict(controls),
            "disk_budget_bytes": self.disk_budget_bytes,
            # every run setting, so one added later cannot be dropped on the way
            "run": {**dataclasses.asdict(self.run), "cache_dir": str(Path(os.path.abspath(self.run.cache_dir)))},
        }
        # This very ``sim`` first on the path, however the page's kernel found it.
        package_parent = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sim.workshop.look_ahead"],
            env={**os.environ, "PYTHONPATH": path},
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,  # a failure's traceback goes to the server's terminal (stderr)
            start_new_session=True,  # its own process group, so stop() ends its workers too
        )
        assert self.process.stdin is not None
        with self.process.stdin:
            self.process.stdin.write(json.dumps(payload).encode("utf-8"))

    def stop(self) -> None:
        """End the background process and its workers at once (finished replications stay cached).

        SIGTERM first: it kills its workers and waits for them itself, so no ended worker lingers
        as a zombie (orphans go to an init that may not reap them, e.g. in a container); whatever
        of its process group is still there after ``STOP_GRACE_SECONDS`` is killed.
        """
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:  # the usual case: the group ended with its leader
                pass
        process.wait()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the list is done (for tests and benchmarks); False on timeout."""
        if self.process is None:
            return True
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True


def _end_now(*_: object) -> None:
    """End the look-ahead: kill its workers, wait for them (no zombies), exit without cleanup."""
    workers = multiprocessing.active_children()
    for worker in workers:
        worker.kill()
    for worker in workers:
        worker.join(STOP_GRACE_SECONDS)
    os._exit(0)


def ledger_keys(cache_dir: Path) -> list[str]:
    """The cache keys the look-ahead wrote, oldest first (a line cut short by a kill is ignored)."""
    try:
        lines = (cache_dir / LEDGER_FILE).read_text(encoding="ascii", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    keys = [line for line in lines if len(line) == _KEY_LENGTH and all(c in "0123456789abcdef" for c in line)]
    return list(dict.fromkeys(reversed(keys)))[::-1]  # a key written again counts from its last time


def record_in_ledger(cache_dir: Path, keys: Sequence[str]) -> None:
    """Note keys the look-ahead is about to write (before writing, so a kill cannot lose them)."""
    if keys:
        with (cache_dir / LEDGER_FILE).open("a", encoding="ascii") as ledger:
            ledger.write("".join(f"{key}\n" for key in keys))


def prune_look_ahead(cache_dir: Path, budget_bytes: int) -> int:
    """Delete the look-ahead's oldest cache entries until its entries fit ``budget_bytes``; how many went."""
    from sim.experiment.cache import ReplicationCache
    from sim.outputs import write_atomically

    cache = ReplicationCache(cache_dir)
    sizes: dict[str, int] = {}
    for key in ledger_keys(cache_dir):
        try:
            sizes[key] = cache.path_for(key).stat().st_size
        except FileNotFoundError:  # never written (a kill) or deleted since: nothing to keep track of
            continue
    total = sum(sizes.values())
    deleted = 0
    for key, size in list(sizes.items()):
        if total <= budget_bytes:
            break
        cache.path_for(key).unlink(missing_ok=True)
        del sizes[key]
        total -= size
        deleted += 1
    write_atomically(cache_dir / LEDGER_FILE, "".join(f"{key}\n" for key in sizes).encode("ascii"))
    return deleted


def main(payload: dict[str, Any]) -> None:
    """The background process: lowest priority, then each neighbour's replications into the cache."""
    from sim.experiment.cache import ReplicationCache, code_fingerprint, replication_key
    from sim.experiment.executors import watch_parent
    from sim.experiment.runner import run_experiment
    from sim.workshop.control_table import load_control_table
    from sim.workshop.session import load_start

    os.nice(LOWEST_PRIORITY)  # inherited by its worker processes
    signal.signal(signal.SIGTERM, _end_now)  # LookAhead.stop()
    watch_parent(int(payload["parent"]), _end_now)  # the page's kernel gone: end too
    if code_fingerprint() != payload["code"]:
        # The simulation code changed since the page loaded it (an update mid-workshop): entries
        # written now would carry keys the page never asks for.
        return
    options = dict(payload["run"])
    run = RunSettings(**{**options, "cache_dir": Path(options["cache_dir"])})
    assert run.cache_dir is not None
    budget = int(payload["disk_budget_bytes"])
    cache = ReplicationCache(run.cache_dir)
    table = load_control_table(Path(payload["scenarios_dir"]))
    start = load_start(payload["start_file"], run, table)
    for scenario in neighbour_scenarios(start, Controls.of(payload["controls"]), run):
        keys = [replication_key(scenario, run.seed, replication) for replication in range(run.replications)]
        record_in_ledger(run.cache_dir, [key for key in keys if not cache.path_for(key).exists()])
        run_experiment(
            {"look-ahead": scenario}, run.replications, seed=run.seed, workers=run.workers,
            cache_dir=run.cache_dir, progress=False, tables=False,
        )  # fmt: skip
        prune_look_ahead(run.cache_dir, budget)


if __name__ == "__main__":
    main(json.loads(sys.stdin.buffer.read()))
