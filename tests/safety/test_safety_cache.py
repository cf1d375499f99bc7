"""Issue 17 items 2 and 8: a cache entry is data – a crafted file runs nothing, a FIFO hangs nothing."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import threading
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment import cache as cache_module
from sim.experiment.cache import ReplicationCache, replication_key
from sim.experiment.runner import run_experiment
from sim.scenario.schema import Scenario

SEED = 3


class _Payload:
    """Unpickling this creates the marker file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "code ran"))


def _entry_path(folder: Path, scenario: Scenario, replication: int) -> Path:
    return ReplicationCache(folder).path_for(replication_key(scenario, SEED, replication))


def _malicious_pickle(marker: Path) -> bytes:
    return pickle.dumps(_Payload(marker))


def _right_key_with_pickle_payload(key: str, marker: Path) -> bytes:
    """A file that claims the right key and a correct checksum, but carries a pickle."""
    payload = _malicious_pickle(marker)
    sections = {"values": len(payload), "leads": 0, "weekly": 0}
    header = {"format": cache_module.CACHE_FORMAT, "key": key,
              "sha256": hashlib.sha256(payload).hexdigest(), "sections": sections}
    return cache_module.MAGIC + json.dumps(header).encode() + b"\n" + payload


def _old_format_entry(key: str, marker: Path) -> bytes:
    """The pre-issue-17 format: header, checksum, then a pickle that was unpickled before the key check."""
    payload = pickle.dumps({"key": key, "record": _Payload(marker)})
    return b"LEADSIM-REPLICATION\x00" + hashlib.sha256(payload).digest() + payload


@pytest.mark.parametrize("craft", ["pickle", "right_key_pickle_payload", "old_format"])
def test_a_crafted_cache_entry_runs_nothing_and_is_recomputed(
    small: Scenario, tmp_path: Path, craft: str
) -> None:
    cache_dir, marker = tmp_path / "cache", tmp_path / "pwned"
    reference = run_experiment([small], replications=1, seed=SEED, workers=1, cache_dir=None)
    run_experiment([small], replications=1, seed=SEED, workers=1, cache_dir=cache_dir)
    entry = _entry_path(cache_dir, small, 0)
    key = replication_key(small, SEED, 0)
    blob = {
        "pickle": _malicious_pickle(marker),
        "right_key_pickle_payload": _right_key_with_pickle_payload(key, marker),
        "old_format": _old_format_entry(key, marker),
    }[craft]
    entry.write_bytes(blob)

    rerun = run_experiment([small], replications=1, seed=SEED, workers=1, cache_dir=cache_dir)

    assert not marker.exists(), "reading a cache entry ran code"
    assert (rerun.cache.hits, rerun.cache.corrupt) == (0, 1)
    pd.testing.assert_frame_equal(rerun.kpis, reference.kpis)
    assert b"pwned" not in entry.read_bytes()  # replaced by a good entry


def test_cache_entries_hold_no_pickle(small: Scenario, tmp_path: Path) -> None:
    run_experiment([small], replications=1, seed=SEED, workers=1, cache_dir=tmp_path)
    blob = _entry_path(tmp_path, small, 0).read_bytes()
    assert blob.startswith(cache_module.MAGIC)
    header = json.loads(blob[len(cache_module.MAGIC):].split(b"\n", 1)[0])
    assert header["key"] == replication_key(small, SEED, 0)
    assert b"\x80\x04\x95" not in blob and b"\x80\x05\x95" not in blob  # pickle protocol 4/5 frames


def test_the_key_is_checked_before_any_data_is_decoded(small: Scenario, tmp_path: Path, monkeypatch) -> None:
    run_experiment([small], replications=1, seed=SEED, workers=1, cache_dir=tmp_path)
    store = ReplicationCache(tmp_path)
    key = replication_key(small, SEED, 0)
    other = "f" * 64
    (store.path_for(other).parent).mkdir(exist_ok=True)
    store.path_for(other).write_bytes(store.path_for(key).read_bytes())
    decoded: list[bytes] = []
    monkeypatch.setattr(cache_module, "_table_from", lambda data: decoded.append(data))
    assert store.load(other) is None
    assert decoded == [] and store.corrupt == 1


def test_a_fifo_in_the_cache_is_skipped_not_read(small: Scenario, tmp_path: Path) -> None:
    entry = _entry_path(tmp_path, small, 0)
    entry.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(entry)
    store = ReplicationCache(tmp_path)
    outcome: list[object] = []
    reader = threading.Thread(
        target=lambda: outcome.append(store.load(replication_key(small, SEED, 0))), daemon=True
    )
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "opening a FIFO in the cache blocked"
    assert outcome == [None] and store.misses == 1
    rerun = run_experiment([small], replications=1, seed=SEED, workers=1, cache_dir=tmp_path)
    assert rerun.cache.misses == 1
    assert entry.is_file()  # the FIFO was replaced by a real entry


def test_a_symlink_in_the_cache_is_not_followed(small: Scenario, tmp_path: Path) -> None:
    entry = _entry_path(tmp_path, small, 0)
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.symlink_to("/dev/zero")
    store = ReplicationCache(tmp_path)
    assert store.load(replication_key(small, SEED, 0)) is None


def test_the_code_fingerprint_covers_every_source_file_of_the_package() -> None:
    names = [name for name, _ in cache_module._package_sources()]
    package = Path(cache_module.sim.__file__).parent
    assert names == sorted(p.relative_to(package).as_posix() for p in package.rglob("*.py"))
    for needed in ("scenario/loader.py", "scenario/schema.py", "metrics.py", "model/lifecycle.py",
                   "experiment/cache.py", "experiment/runner.py"):
        assert needed in names


def test_editing_the_loader_changes_the_fingerprint(tmp_path: Path, monkeypatch) -> None:
    before = cache_module.code_fingerprint.__wrapped__()
    sources = cache_module._package_sources()
    edited = tmp_path / "loader.py"
    original = dict(sources)["scenario/loader.py"]
    edited.write_bytes(original.read_bytes() + b"\n# an edit that changes nothing but the code\n")
    monkeypatch.setattr(
        cache_module, "_package_sources",
        lambda: [(name, edited if name == "scenario/loader.py" else path) for name, path in sources],
    )
    assert cache_module.code_fingerprint.__wrapped__() != before
