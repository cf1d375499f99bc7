"""The result cache: reused when valid, never trusted when damaged, and safe against kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import ExperimentError
from sim.experiment import cache as cache_module
from sim.experiment.cache import ReplicationCache, replication_key, scenario_content_hash
from sim.experiment.executors import ReplicationTask, run_replication
from sim.experiment.runner import run_experiment
from sim.scenario.schema import Scenario

REPLICATIONS = 3
SEED = 4


def entries(folder: Path) -> list[Path]:
    """Finished cache entries (temporary files excluded)."""
    return sorted(folder.glob("*/*.rep"))


def assert_same_tables(left, right) -> None:
    pd.testing.assert_frame_equal(left.kpis, right.kpis)
    pd.testing.assert_frame_equal(left.leads, right.leads)
    pd.testing.assert_frame_equal(left.weekly, right.weekly)


@pytest.fixture
def reference(small_pair: list[Scenario]):
    """The uncached result every cached run must reproduce."""
    return run_experiment(small_pair, replications=REPLICATIONS, seed=SEED, workers=1, cache_dir=None)


def test_second_run_is_served_from_the_cache(small_pair, reference, tmp_path: Path) -> None:
    first = run_experiment(small_pair, replications=REPLICATIONS, seed=SEED, workers=1, cache_dir=tmp_path)
    second = run_experiment(small_pair, replications=REPLICATIONS, seed=SEED, workers=1, cache_dir=tmp_path)
    assert (first.cache.hits, first.cache.misses) == (0, 6)
    assert (second.cache.hits, second.cache.misses, second.cache.corrupt) == (6, 0, 0)
    assert len(entries(tmp_path)) == 6
    assert_same_tables(first, reference)
    assert_same_tables(second, reference)


def test_more_replications_compute_only_the_new_ones(small_pair, tmp_path: Path) -> None:
    run_experiment(small_pair, replications=2, seed=SEED, workers=1, cache_dir=tmp_path)
    more = run_experiment(small_pair, replications=REPLICATIONS, seed=SEED, workers=1, cache_dir=tmp_path)
    assert (more.cache.hits, more.cache.misses) == (4, 2)


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_byte(path: Path) -> None:
    blob = bytearray(path.read_bytes())
    blob[len(blob) * 2 // 3] ^= 0xFF
    path.write_bytes(bytes(blob))


def empty(path: Path) -> None:
    path.write_bytes(b"")


def garbage_header(path: Path) -> None:
    blob = bytearray(path.read_bytes())
    blob[:8] = b"GARBAGE!"
    path.write_bytes(bytes(blob))


@pytest.mark.parametrize("damage", [truncate, flip_byte, empty, garbage_header])
def test_a_corrupt_entry_is_detected_and_recomputed(
    small_pair, reference, tmp_path: Path, damage
) -> None:
    run_experiment(small_pair, replications=REPLICATIONS, seed=SEED, workers=1, cache_dir=tmp_path)
    victim = entries(tmp_path)[2]
    damage(victim)
    rerun = run_experiment(small_pair, replications=REPLICATIONS, seed=SEED, workers=1, cache_dir=tmp_path)
    assert (rerun.cache.hits, rerun.cache.misses, rerun.cache.corrupt) == (5, 1, 1)
    assert_same_tables(rerun, reference)
    # the entry was replaced by a good one
    third = run_experiment(small_pair, replications=REPLICATIONS, seed=SEED, workers=1, cache_dir=tmp_path)
    assert (third.cache.hits, third.cache.corrupt) == (6, 0)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_kpi_only_run_keeps_no_tables_but_caches_whole_records(
    small_pair, reference, tmp_path: Path, workers: int
) -> None:
    kpis_only = run_experiment(
        small_pair, replications=REPLICATIONS, seed=SEED, workers=workers, cache_dir=tmp_path, tables=False
    )
    pd.testing.assert_frame_equal(kpis_only.kpis, reference.kpis)
    pd.testing.assert_frame_equal(kpis_only.runs, reference.runs)
    assert kpis_only.leads.empty and kpis_only.weekly.empty
    # the cache holds the tables all the same: a full run later is served from it, table for table
    full = run_experiment(small_pair, replications=REPLICATIONS, seed=SEED, workers=1, cache_dir=tmp_path)
    assert (full.cache.hits, full.cache.misses) == (6, 0)
    assert_same_tables(full, reference)
    # and a KPI-only run served from the cache decodes no tables
    again = run_experiment(
        small_pair, replications=REPLICATIONS, seed=SEED, workers=1, cache_dir=tmp_path, tables=False
    )
    assert (again.cache.hits, again.cache.misses) == (6, 0)
    pd.testing.assert_frame_equal(again.kpis, reference.kpis)
    assert again.leads.empty
    key = replication_key(small_pair[0], SEED, 0)
    assert ReplicationCache(tmp_path).load(key, tables=False).leads.empty
    assert not ReplicationCache(tmp_path).load(key).leads.empty


@pytest.mark.parametrize("workers", [1, 2])
def test_a_kpi_only_run_without_cache_sends_no_tables_back(small_pair, reference, workers: int) -> None:
    kpis_only = run_experiment(
        small_pair, replications=REPLICATIONS, seed=SEED, workers=workers, cache_dir=None, tables=False
    )
    pd.testing.assert_frame_equal(kpis_only.kpis, reference.kpis)
    task = ReplicationTask("small", small_pair[0], SEED, 0, tables=False)
    record = run_replication(task)
    assert record.leads.empty and record.weekly.empty and record.kpis == run_replication(
        ReplicationTask("small", small_pair[0], SEED, 0)
    ).kpis


def test_a_kpi_only_load_still_checks_the_whole_entry(small_pair, tmp_path: Path) -> None:
    run_experiment(small_pair, replications=REPLICATIONS, seed=SEED, workers=1, cache_dir=tmp_path)
    victim = entries(tmp_path)[2]
    blob = bytearray(victim.read_bytes())
    blob[-10] ^= 0xFF  # inside the last section (the weekly table), which a KPI-only load does not decode
    victim.write_bytes(bytes(blob))
    rerun = run_experiment(
        small_pair, replications=REPLICATIONS, seed=SEED, workers=1, cache_dir=tmp_path, tables=False
    )
    assert (rerun.cache.hits, rerun.cache.misses, rerun.cache.corrupt) == (5, 1, 1)


def test_an_entry_under_the_wrong_name_is_not_trusted(small_pair, reference, tmp_path: Path) -> None:
    run_experiment(small_pair, replications=REPLICATIONS, seed=SEED, workers=1, cache_dir=tmp_path)
    first, second = entries(tmp_path)[:2]
    second.write_bytes(first.read_bytes())  # a valid entry, but of another replication
    rerun = run_experiment(small_pair, replications=REPLICATIONS, seed=SEED, workers=1, cache_dir=tmp_path)
    assert rerun.cache.corrupt == 1
    assert_same_tables(rerun, reference)


def test_key_depends_on_content_seed_replication_not_on_the_name(small: Scenario) -> None:
    key = replication_key(small, 1, 0)
    assert replication_key(small, 1, 0) == key
    assert replication_key(small, 2, 0) != key
    assert replication_key(small, 1, 1) != key
    more_reps = small.model_copy(update={"sales": small.sales.model_copy(update={"reps": 4})})
    assert replication_key(more_reps, 1, 0) != key
    renamed = small.model_copy(update={"name": "renamed", "description": "same mechanics"})
    assert replication_key(renamed, 1, 0) == key
    assert scenario_content_hash(renamed) == scenario_content_hash(small)


def test_key_depends_on_the_code(small: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    key = replication_key(small, 1, 0)
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "0.1.0+edited")
    assert replication_key(small, 1, 0) != key


def test_a_failed_write_leaves_no_file(small: Scenario, tmp_path: Path, monkeypatch) -> None:
    store = ReplicationCache(tmp_path)
    record = cache_module.ReplicationRecord(kpis={"leads": 1}, leads=pd.DataFrame(), weekly=pd.DataFrame())

    def crash(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_module.os, "replace", crash)
    store.store("ab" * 32, record)  # a failed write only costs a later recomputation
    assert list(tmp_path.rglob("*")) == [tmp_path / "ab"]
    monkeypatch.undo()
    store.store("ab" * 32, record)
    loaded = store.load("ab" * 32)
    assert loaded is not None and loaded.kpis == record.kpis


def test_a_cache_folder_that_is_a_file_is_a_clear_error(small: Scenario, tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    with pytest.raises(ExperimentError, match="cannot use cache folder"):
        run_experiment([small], replications=1, workers=1, cache_dir=blocker)


KILLED_RUN = """
import json, sys
from sim.experiment.runner import run_experiment
from sim.scenario.schema import Scenario
scenarios = [Scenario.model_validate(item) for item in json.loads(sys.argv[2])]
run_experiment(scenarios, replications=int(sys.argv[3]), seed=int(sys.argv[4]), workers=1,
               cache_dir=sys.argv[1], progress=False)
"""


def test_a_run_killed_midway_resumes_with_exactly_the_uninterrupted_results(
    small_pair: list[Scenario], tmp_path: Path
) -> None:
    replications, total = 12, 24
    cache_dir = tmp_path / "cache"
    payload = json.dumps([scenario.model_dump(mode="json") for scenario in small_pair])
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(cache_dir), payload, str(replications), str(SEED)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while len(entries(cache_dir)) < 3:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        assert time.monotonic() < deadline, "no cache entries appeared"
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    survivors = len(entries(cache_dir))
    assert 3 <= survivors < total, "the run must be killed half-way"

    resumed = run_experiment(small_pair, replications=replications, seed=SEED, workers=1, cache_dir=cache_dir)
    uninterrupted = run_experiment(small_pair, replications=replications, seed=SEED, workers=1, cache_dir=None)
    assert (resumed.cache.hits, resumed.cache.misses, resumed.cache.corrupt) == (
        survivors, total - survivors, 0,
    )
    assert_same_tables(resumed, uninterrupted)
    assert len(entries(cache_dir)) == total
