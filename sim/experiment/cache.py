"""A folder of finished replications, so that a re-run - or a run killed half-way - does not redo work.

A replication is fully determined by the scenario's content, the seed, the replication index and
the code that simulates it; those make its key. Each finished replication is one file, written
to a temporary name and renamed into place, and carries a SHA-256 checksum of its contents: a
file cut short by a crash or changed on disk is detected, deleted and recomputed, never used.
The cache is a local convenience for trusted files (entries are pickles), not an exchange format.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import logging
import os
import pickle
import struct
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from sim.errors import ExperimentError
from sim.scenario.schema import Scenario

logger = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = Path(".leadsim-cache")
CACHE_FORMAT = 1
MAGIC = b"LEADSIM-REPLICATION\x00"
_HEADER = struct.Struct(f">{len(MAGIC)}sH32sQ")  # magic, format, sha256 of payload, payload length
_SUFFIX = ".rep"
_TEMP_PREFIX = ".tmp-"
_STALE_TEMP_SECONDS = 3600.0
# Modules whose code decides what a replication produces; editing them invalidates the cache.
_SIMULATION_MODULES = ("model.py", "random_streams.py", "calendar.py", "schema.py", "metrics.py")
_NUMERIC_LIBRARIES = ("numpy", "scipy", "pandas", "simpy")
# Labels, not mechanics: renaming a scenario must not force a re-run.
_LABEL_FIELDS = frozenset({"name", "description"})


@dataclass(frozen=True)
class ReplicationRecord:
    """What one finished replication contributes to an experiment (scenario label not included)."""

    kpis: dict[str, Any]
    leads: pd.DataFrame
    weekly: pd.DataFrame
    run: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CacheStats:
    """How many replications a run found in the cache, computed anew, or found corrupt."""

    hits: int = 0
    misses: int = 0
    corrupt: int = 0


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: equal content, equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def scenario_content_hash(scenario: Scenario) -> str:
    """SHA-256 of everything in the scenario that the simulation reads (its name excluded)."""
    content = scenario.model_dump(mode="json", exclude=set(_LABEL_FIELDS))
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Package version plus a hash of the simulation modules' source (catches unreleased edits)
    and of the numeric libraries' versions (a new numpy may draw different random numbers)."""
    digest = hashlib.sha256(sim.__version__.encode("utf-8"))
    for library in _NUMERIC_LIBRARIES:
        digest.update(f"{library}={importlib.metadata.version(library)};".encode())
    package_dir = Path(sim.__file__).parent
    for name in _SIMULATION_MODULES:
        path = package_dir / name
        digest.update(name.encode("utf-8"))
        digest.update(path.read_bytes() if path.exists() else b"")
    return f"{sim.__version__}+{digest.hexdigest()[:16]}"


def replication_key(scenario: Scenario, seed: int, replication: int) -> str:
    """The cache key of one replication: scenario content, seed, replication index and code."""
    identity = {
        "scenario": scenario_content_hash(scenario),
        "seed": int(seed),
        "replication": int(replication),
        "code": code_fingerprint(),
        "format": CACHE_FORMAT,
    }
    return hashlib.sha256(canonical_json(identity).encode("utf-8")).hexdigest()


def encode_entry(key: str, record: ReplicationRecord) -> bytes:
    """The bytes of a cache file: header with checksum, then the pickled record."""
    payload = pickle.dumps({"key": key, "record": record}, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(MAGIC, CACHE_FORMAT, hashlib.sha256(payload).digest(), len(payload)) + payload


def decode_entry(key: str, blob: bytes) -> ReplicationRecord:
    """The record in a cache file's bytes; ValueError or TypeError if anything does not check out."""
    if len(blob) < _HEADER.size:
        raise ValueError(f"truncated header ({len(blob)} bytes)")
    magic, version, checksum, length = _HEADER.unpack_from(blob)
    if magic != MAGIC or version != CACHE_FORMAT:
        raise ValueError("not a leadsim cache entry of this format")
    payload = blob[_HEADER.size:]
    if len(payload) != length:
        raise ValueError(f"payload has {len(payload)} bytes, header says {length}")
    if hashlib.sha256(payload).digest() != checksum:
        raise ValueError("checksum mismatch")
    content = pickle.loads(payload)
    if not isinstance(content, dict) or content.get("key") != key:
        raise ValueError("entry belongs to another key")
    record = content.get("record")
    if not isinstance(record, ReplicationRecord):
        raise TypeError("entry holds no replication record")
    return record


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=_TEMP_PREFIX, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class ReplicationCache:
    """Finished replications on disk, one checksummed file per key, with hit/miss counters."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.hits = 0
        self.misses = 0
        self.corrupt = 0
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ExperimentError(
                f"cannot use cache folder {self.directory}: {error.strerror or error}"
            ) from error
        if not self.directory.is_dir():
            raise ExperimentError(f"cache folder {self.directory} is not a folder")
        self._remove_stale_temporaries()

    @property
    def stats(self) -> CacheStats:
        """The counters so far."""
        return CacheStats(hits=self.hits, misses=self.misses, corrupt=self.corrupt)

    def path_for(self, key: str) -> Path:
        """Where the entry of ``key`` lives (a two-character shard folder keeps folders small)."""
        return self.directory / key[:2] / f"{key}{_SUFFIX}"

    def load(self, key: str) -> ReplicationRecord | None:
        """The cached record of ``key``, or None (a miss); a corrupt entry is deleted and is a miss."""
        path = self.path_for(key)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            self.misses += 1
            return None
        except OSError as error:
            logger.warning("cannot read cache entry %s (%s); recomputing", path, error)
            self.misses += 1
            return None
        try:
            record = decode_entry(key, blob)
        except Exception as error:  # noqa: BLE001 - any defect in the file means: do not trust it
            logger.warning("corrupt cache entry %s (%s); deleting and recomputing", path, error)
            path.unlink(missing_ok=True)
            self.corrupt += 1
            self.misses += 1
            return None
        self.hits += 1
        return record

    def store(self, key: str, record: ReplicationRecord) -> None:
        """Save a finished replication; a failure to write only costs a later re-computation."""
        path = self.path_for(key)
        try:
            path.parent.mkdir(exist_ok=True)
            write_atomically(path, encode_entry(key, record))
        except OSError as error:
            logger.warning("cannot write cache entry %s (%s); continuing without it", path, error)

    def _remove_stale_temporaries(self) -> None:
        """Delete temporary files left by runs killed while writing (older than an hour)."""
        cutoff = time.time() - _STALE_TEMP_SECONDS
        for temporary in self.directory.glob(f"*/{_TEMP_PREFIX}*"):
            try:
                if temporary.stat().st_mtime < cutoff:
                    temporary.unlink()
            except OSError:
                continue


code_fingerprint()  # taken at import, next to the simulation code this process actually runs
