"""Looking ahead while the room talks: the neighbours of a setup, simulated in the background."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from workshop_helpers import ROOT, SCENARIOS

from sim.workshop import session as workshop
from sim.workshop.app import WorkshopApp
from sim.workshop.config import WorkshopConfig
from sim.workshop.controls import FROM_FILE, LEAD_VOLUME, REPS
from sim.workshop.look_ahead import (
    LEDGER_FILE,
    LOWEST_PRIORITY,
    LookAhead,
    ledger_keys,
    neighbour_controls,
    neighbour_scenarios,
    prune_look_ahead,
    record_in_ledger,
)

pytestmark = pytest.mark.serial  # process groups that must end within 0.3 s

def changed(before: Any, after: Any) -> dict[str, tuple[Any, Any]]:
    return {name: (before[name], after[name]) for name in before if str(before[name]) != str(after[name])}


def test_neighbours_are_one_control_away_every_other_choice_a_rep_and_a_volume_step(fast_run):
    start = workshop.load_start(SCENARIOS / "base.yaml", fast_run)
    neighbours = list(neighbour_controls(start, start.controls))
    moves = [changed(start.controls, neighbour) for neighbour in neighbours]
    assert all(len(move) == 1 for move in moves), "each neighbour changes exactly one control"
    pairs = [(name, str(after)) for move in moves for name, (_, after) in move.items()]
    assert len(set(pairs)) == len(pairs)
    table = start.table
    for lever in table.levers:
        offered = {choice.key for choice in lever.choices} - {str(start.controls[lever.name]), FROM_FILE}
        assert {after for name, after in pairs if name == lever.name} == offered
    assert {after for name, after in pairs if name == REPS} == {"9", "11"}  # base.yaml: 10 reps
    assert {after for name, after in pairs if name == LEAD_VOLUME} == {"0.9", "1.1"}
    # round by round in page order: every control's first move, then every second move, ...
    order = [name for move in moves for name in move]
    page = [*(lever.name for lever in table.levers), REPS, LEAD_VOLUME]
    counts = {name: order.count(name) for name in page}
    assert order == [name for round_ in range(max(counts.values())) for name in page if counts[name] > round_]
    assert order[: len(page)] == page  # a short pause already covers every control once


def test_at_the_ends_of_their_ranges_reps_and_volume_move_one_way_only(fast_run):
    start = workshop.load_start(SCENARIOS / "base.yaml", fast_run)
    edge = start.controls.replace(**{REPS: 1, LEAD_VOLUME: 2.0})
    moves = [changed(edge, neighbour) for neighbour in neighbour_controls(start, edge)]
    assert [move[REPS][1] for move in moves if REPS in move] == [2]
    assert [move[LEAD_VOLUME][1] for move in moves if LEAD_VOLUME in move] == [1.9]
    typed = start.controls.replace(**{REPS: "ten"})
    assert not any(REPS in changed(typed, n) for n in neighbour_controls(start, typed))


def test_neighbour_scenarios_are_distinct_valid_and_never_the_starting_point(fast_run):
    from sim.experiment.cache import scenario_content_hash

    start = workshop.load_start(SCENARIOS / "base.yaml", fast_run)
    scenarios = list(neighbour_scenarios(start, start.controls, fast_run))
    hashes = [scenario_content_hash(scenario) for scenario in scenarios]
    assert len(set(hashes)) == len(hashes)
    assert scenario_content_hash(start.baseline) not in hashes
    expected = {
        scenario_content_hash(workshop.build_setup(start, neighbour, fast_run).edited_run)
        for neighbour in neighbour_controls(start, start.controls)
    } - {scenario_content_hash(start.baseline)}
    assert set(hashes) == expected


def test_a_run_of_a_neighbour_reads_what_the_look_ahead_computed(small_dir, tmp_path):
    run = workshop.RunSettings(
        replications=2, seed=5, workers=1, measurement_days=28, cache_dir=tmp_path / "cache"
    )
    start = workshop.load_start(small_dir / "small.yaml", run)
    look_ahead = LookAhead(run)
    look_ahead.start(start.file, small_dir, start.controls)
    assert look_ahead.wait(timeout=600), "the look-ahead did not finish"
    assert look_ahead.process is not None and look_ahead.process.returncode == 0
    neighbours = list(neighbour_scenarios(start, start.controls, run))
    assert len(neighbours) > 10
    for scenario in (neighbours[0], neighbours[-1]):
        cached = workshop.run_scenario(scenario, run)
        assert (cached.computed, cached.from_cache) == (0, run.replications)
        workshop.clear_memory_cache()
        fresh = workshop.run_scenario(scenario, workshop.RunSettings(**{**run.__dict__, "cache_dir": None}))
        assert fresh.computed == run.replications
        pd.testing.assert_frame_equal(cached.kpis, fresh.kpis)  # the same bits as a run of its own


def test_the_look_ahead_keeps_its_cache_entries_within_its_disk_budget_and_never_deletes_others(
    small_dir, tmp_path
):
    from sim.experiment.cache import ReplicationCache, replication_key

    run = workshop.RunSettings(
        replications=2, seed=5, workers=1, measurement_days=28, cache_dir=tmp_path / "cache"
    )
    start = workshop.load_start(small_dir / "small.yaml", run)
    workshop.run_scenario(start.baseline, run)  # the room's own run: its entries are not the look-ahead's
    cache = ReplicationCache(run.cache_dir)
    own = [cache.path_for(replication_key(start.baseline, run.seed, r)) for r in range(run.replications)]
    unit = max(path.stat().st_size for path in own)
    budget = 5 * unit
    look_ahead = LookAhead(run, disk_budget_bytes=budget)
    look_ahead.start(start.file, small_dir, start.controls)
    assert look_ahead.wait(timeout=600) and look_ahead.process is not None
    assert look_ahead.process.returncode == 0
    kept = [cache.path_for(key) for key in ledger_keys(run.cache_dir)]
    assert kept and all(path.exists() for path in kept)
    assert sum(path.stat().st_size for path in kept) <= budget
    written = 2 * len(list(neighbour_scenarios(start, start.controls, run)))
    assert len(kept) < written  # older ones were deleted ...
    assert all(path.exists() for path in own)  # ... but never the room's own
    assert {p for p in run.cache_dir.rglob("*.rep")} == set(own) | set(kept)
    # the newest neighbour survives: the last one looked ahead is still a cache hit
    last = list(neighbour_scenarios(start, start.controls, run))[-1]
    assert workshop.run_scenario(last, run).from_cache == run.replications


def test_the_ledger_ignores_a_line_cut_short_and_counts_a_key_from_its_last_writing(tmp_path):
    first, second = "a" * 64, "b" * 64
    record_in_ledger(tmp_path, [first, second])
    record_in_ledger(tmp_path, [first])
    with (tmp_path / LEDGER_FILE).open("a") as ledger:
        ledger.write("c" * 20)  # killed while appending
    assert ledger_keys(tmp_path) == [second, first]
    assert prune_look_ahead(tmp_path, 0) == 0  # neither was written: nothing to delete
    assert ledger_keys(tmp_path) == []  # and nothing left to track


def _group_alive(group: int, zombies: bool = False) -> list[str]:
    """States of the processes in a process group (zombies – ended, not yet waited for – if asked)."""
    states = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and (zombies or fields[0] != "Z"):
            states.append(fields[0])
    return states


def test_it_runs_at_the_lowest_priority_and_stop_ends_it_and_its_workers_at_once_leaving_no_zombie(tmp_path):
    run = workshop.RunSettings(replications=4, seed=1, workers=2, cache_dir=tmp_path / "cache")
    look_ahead = LookAhead(run)
    start = workshop.load_start(SCENARIOS / "base.yaml", run)
    look_ahead.start(start.file, SCENARIOS, start.controls)
    assert look_ahead.process is not None
    group = look_ahead.process.pid
    deadline = time.monotonic() + 120
    while len(_group_alive(group)) < 3 and time.monotonic() < deadline:  # itself and 2 workers
        time.sleep(0.2)
    assert len(_group_alive(group)) >= 3, "the look-ahead's workers did not start"
    assert os.getpriority(os.PRIO_PROCESS, group) == LOWEST_PRIORITY
    look_ahead.stop()
    # At once: well before the workers' own once-a-second check for a dead parent would end them;
    # and waited for, so none is left as a zombie for an init that may never reap it.
    deadline = time.monotonic() + 0.3
    while _group_alive(group, zombies=True) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _group_alive(group, zombies=True) == []
    assert not look_ahead.running


def test_it_ends_when_the_page_kernel_is_gone(tmp_path):
    """A kernel killed without a goodbye leaves no look-ahead behind."""
    script = (
        "import sys, time; sys.path.insert(0, sys.argv[1])\n"
        "from pathlib import Path\n"
        "from sim.workshop import session\n"
        "from sim.workshop.look_ahead import LookAhead\n"
        "run = session.RunSettings(replications=4, workers=1, cache_dir=Path(sys.argv[2]))\n"
        "start = session.load_start(Path(sys.argv[1]) / 'scenarios' / 'base.yaml', run)\n"
        "look = LookAhead(run); look.start(start.file, start.file.parent, start.controls)\n"
        "print(look.process.pid, flush=True); time.sleep(600)\n"
    )
    kernel = subprocess.Popen(
        [sys.executable, "-c", script, str(ROOT), str(tmp_path / "cache")], stdout=subprocess.PIPE, text=True
    )
    assert kernel.stdout is not None
    group = int(kernel.stdout.readline())
    kernel.kill()
    kernel.wait()
    deadline = time.monotonic() + 20
    while _group_alive(group) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _group_alive(group) == []


def test_a_look_ahead_started_by_other_code_than_its_own_writes_nothing(small_dir, tmp_path, monkeypatch):
    """Sources updated mid-workshop: its entries would carry keys the page never asks for."""
    import sim.experiment.cache

    monkeypatch.setattr(sim.experiment.cache, "code_fingerprint", lambda: "the page's older code")
    run = workshop.RunSettings(replications=2, workers=1, measurement_days=28, cache_dir=tmp_path / "cache")
    start = workshop.load_start(small_dir / "small.yaml", run)
    look_ahead = LookAhead(run)
    look_ahead.start(start.file, small_dir, start.controls)
    assert look_ahead.wait(timeout=120) and look_ahead.process is not None
    assert look_ahead.process.returncode == 0
    assert not list((tmp_path / "cache").rglob("*.rep"))


def test_without_a_result_cache_nothing_is_looked_ahead(fast_run):
    start = workshop.load_start(SCENARIOS / "base.yaml", fast_run)
    look_ahead = LookAhead(fast_run)  # cache_dir None
    look_ahead.start(start.file, SCENARIOS, start.controls)
    assert look_ahead.process is None and not look_ahead.enabled


class Recorder:
    """Stands in for the look-ahead: records what the page asks of it, in order."""

    enabled = True
    running = True

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def start(self, start_file: Path, scenarios_dir: Path, controls: Any) -> None:
        self.calls.append(("start", dict(controls)))

    def stop(self) -> None:
        self.calls.append(("stop", None))


def test_the_page_stops_the_look_ahead_before_a_run_and_looks_ahead_from_the_new_setup(
    small_dir, fast_run, monkeypatch
):
    page = WorkshopApp(WorkshopConfig(scenarios_dir=small_dir, start="small.yaml", run=fast_run))
    recorder = Recorder()
    page.look_ahead = recorder  # type: ignore[assignment]
    running: list[list[tuple[str, Any]]] = []
    original = workshop.run_scenario_in_steps

    def watched(*args: Any, **kwargs: Any) -> Any:
        running.append(list(recorder.calls))  # what the look-ahead was told when a run began
        yield from original(*args, **kwargs)

    monkeypatch.setattr("sim.workshop.app.run_scenario_in_steps", watched)
    monkeypatch.setattr("sim.workshop.session.run_scenario_in_steps", watched)
    page.load_start()
    assert recorder.calls[0] == ("stop", None) and recorder.calls[-1][0] == "start"
    assert running[0] == [("stop", None)]
    recorder.calls.clear()
    page.controls_widgets[REPS].value = "4"
    page.run()
    assert running[-1][0] == ("stop", None) and all(call[0] == "stop" for call in running[-1])
    assert recorder.calls[-1] == ("start", dict(page.current_controls()))
    assert recorder.calls[-1][1][REPS] == "4"


class _Captured(Exception):
    pass


@pytest.mark.parametrize(
    ("options", "expected"),
    [({}, True), ({"lan": True}, False), ({"lan": True, "look_ahead": True}, True), ({"look_ahead": False}, False)],
)
def test_leadsim_workshop_looks_ahead_by_default_but_not_for_a_room_of_laptops(monkeypatch, options, expected):
    """With --lan every participant's page would run its own look-ahead (three processes each)."""
    from sim.cli import workshop as command

    seen: list[WorkshopConfig] = []

    def capture(config: WorkshopConfig, *_: Any) -> dict[str, str]:
        seen.append(config)
        raise _Captured

    monkeypatch.setattr(command, "check_port", lambda *_: None)
    monkeypatch.setattr(command, "voila_environment", capture)
    with pytest.raises(_Captured):
        command.workshop_command(scenarios=SCENARIOS, no_browser=True, **options)
    assert seen[0].look_ahead is expected
    assert WorkshopConfig.from_environment(seen[0].environment()).look_ahead is expected


def test_on_the_page_a_run_one_control_away_is_read_from_what_the_look_ahead_computed(small_dir, tmp_path):
    run = workshop.RunSettings(replications=2, seed=5, workers=1, measurement_days=28, cache_dir=tmp_path / "cache")
    page = WorkshopApp(WorkshopConfig(scenarios_dir=small_dir, start="small.yaml", run=run))
    try:
        page.load_start()
        assert page.look_ahead.running
        assert "simulated ahead" in page.status.value
        assert page.look_ahead.wait(timeout=600)
        page.controls_widgets[REPS].value = str(int(page.current_controls()[REPS]) + 1)
        comparison = page.run()
        assert comparison is not None
        assert (comparison.edited.computed, comparison.edited.from_cache) == (0, run.replications)
        assert page.look_ahead.running  # and it looks ahead from the new setup
    finally:
        page.look_ahead.stop()
    assert not page.look_ahead.running
