"""A folder of finished replications, so that a re-run - or a run killed half-way - does not redo work.

A replication is fully determined by the scenario's content, the seed, the replication index and
the code that simulates it; those make its key. Each finished replication is one file, written
to a temporary name and renamed into place, and carries a SHA-256 checksum of its contents: a
file cut short by a crash or changed on disk is detected, deleted and recomputed, never used.
A cache entry is never trusted: it holds data only (a JSON header, JSON values and Arrow IPC
tables, nothing that can run code when read), its key is checked from the header before anything
else is decoded, and anything that is not a regular file (a FIFO, a device, a symbolic link) is
skipped without being opened for reading.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import io
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

import sim
from sim.errors import ExperimentError
from sim.files import open_regular
from sim.outputs import write_atomically
from sim.scenario.schema import Scenario

logger = logging.getLogger(__name__)

CACHE_FORMAT = 2
MAGIC = b"LEADSIM-REPLICATION-DATA\n"
_MAX_HEADER_BYTES = 4096
_MAX_ENTRY_BYTES = 2 * 1024**3
_SECTIONS = ("values", "leads", "weekly")
_SUFFIX = ".rep"
_TEMP_PREFIX = ".tmp-"
_STALE_TEMP_SECONDS = 3600.0
_NUMERIC_LIBRARIES = ("numpy", "scipy", "pandas", "simpy")
# Labels, not mechanics: renaming a scenario must not force a re-run.
_LABEL_FIELDS = frozenset({"name", "title", "description"})  # labels: the simulation never reads them


@dataclass(frozen=True)
class ReplicationRecord:
    """What one finished replication contributes to an experiment (scenario label not included)."""

    kpis: dict[str, Any]
    leads: pd.DataFrame
    weekly: pd.DataFrame
    run: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def kpis_only(cls, kpis: dict[str, Any], run: dict[str, Any]) -> ReplicationRecord:
        """A record with empty lead and weekly tables: what a KPI-only experiment keeps."""
        return cls(kpis=kpis, leads=pd.DataFrame(), weekly=pd.DataFrame(), run=run)

    def without_tables(self) -> ReplicationRecord:
        """This record as a KPI-only experiment keeps it."""
        return ReplicationRecord.kpis_only(self.kpis, self.run)


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


def _package_sources() -> list[tuple[str, Path]]:
    """Every ``*.py`` file of the ``sim`` package by relative path, sorted (the order is part of the hash)."""
    package_dir = Path(sim.__file__).parent
    files = [(path.relative_to(package_dir).as_posix(), path) for path in package_dir.rglob("*.py")]
    return sorted(files)


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Package version plus a hash of every source file of the package (catches unreleased edits
    in the model, schema, loader and metrics alike) and of the numeric libraries' versions (a new
    numpy may draw different random numbers)."""
    digest = hashlib.sha256(sim.__version__.encode("utf-8"))
    for library in _NUMERIC_LIBRARIES:
        digest.update(f"{library}={importlib.metadata.version(library)};".encode())
    for name, path in _package_sources():
        content = path.read_bytes()
        digest.update(f"{name}\0{len(content)}\0".encode())
        digest.update(content)
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


def _table_bytes(table: pd.DataFrame) -> bytes:
    sink = io.BytesIO()
    arrow = pa.Table.from_pandas(table)
    with pa.ipc.new_stream(sink, arrow.schema) as writer:
        writer.write_table(arrow)
    return sink.getvalue()


def _table_from(data: bytes) -> pd.DataFrame:
    # Arrow IPC is a columnar data format: reading it decodes numbers and text, never code.
    with pa.ipc.open_stream(pa.BufferReader(data)) as reader:
        return reader.read_all().to_pandas()


def encode_entry(key: str, record: ReplicationRecord) -> bytes:
    """The bytes of a cache file: magic line, JSON header (key, checksum, section sizes), data."""
    values = json.dumps({"kpis": record.kpis, "run": record.run}, allow_nan=True).encode("utf-8")
    sections = [values, _table_bytes(record.leads), _table_bytes(record.weekly)]
    payload = b"".join(sections)
    header = {
        "format": CACHE_FORMAT,
        "key": key,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "sections": dict(zip(_SECTIONS, (len(part) for part in sections), strict=True)),
    }
    return MAGIC + json.dumps(header, sort_keys=True).encode("ascii") + b"\n" + payload


def read_header(key: str, stream: io.BufferedIOBase) -> dict[str, Any]:
    """Read and check the magic line and JSON header; ValueError unless it is an entry of ``key``."""
    magic = stream.read(len(MAGIC))
    if magic != MAGIC:
        raise ValueError("not a leadsim cache entry of this format")
    line = stream.readline(_MAX_HEADER_BYTES)
    if not line.endswith(b"\n"):
        raise ValueError("truncated or oversized header")
    header = json.loads(line)
    if not isinstance(header, dict) or header.get("format") != CACHE_FORMAT:
        raise ValueError("not a leadsim cache entry of this format")
    if header.get("key") != key:  # checked before a single byte of data is decoded
        raise ValueError("entry belongs to another key")
    sections = header.get("sections")
    if (
        not isinstance(sections, dict)
        or sorted(sections) != sorted(_SECTIONS)
        or not all(isinstance(size, int) and 0 <= size <= _MAX_ENTRY_BYTES for size in sections.values())
        or not isinstance(header.get("sha256"), str)
    ):
        raise ValueError("malformed header")
    return header


def _decode_payload(header: dict[str, Any], payload: bytes, tables: bool = True) -> ReplicationRecord:
    sizes = [header["sections"][name] for name in _SECTIONS]
    if len(payload) != sum(sizes):
        raise ValueError(f"payload has {len(payload)} bytes, header says {sum(sizes)}")
    if hashlib.sha256(payload).hexdigest() != header["sha256"]:
        raise ValueError("checksum mismatch")
    parts, offset = [], 0
    for size in sizes:
        parts.append(payload[offset : offset + size])
        offset += size
    values = json.loads(parts[0])
    if not isinstance(values, dict) or not all(isinstance(values.get(k), dict) for k in ("kpis", "run")):
        raise TypeError("entry holds no replication record")
    if not tables:  # the checksum above still covered the tables' bytes
        return ReplicationRecord.kpis_only(values["kpis"], values["run"])
    return ReplicationRecord(
        kpis=values["kpis"], leads=_table_from(parts[1]), weekly=_table_from(parts[2]), run=values["run"]
    )


def _open_regular(path: Path) -> io.BufferedReader:
    """Open ``path`` for reading only if it is a regular file (never a FIFO, device or symlink)."""
    return open_regular(path, _MAX_ENTRY_BYTES, follow_symlinks=False)


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

    def load(self, key: str, tables: bool = True) -> ReplicationRecord | None:
        """The cached record of ``key``, or None (a miss); a corrupt entry is deleted and is a miss.

        ``tables=False`` skips decoding the lead and weekly tables (they come back empty); the
        whole entry is still read and checksummed.
        """
        path = self.path_for(key)
        try:
            stream = _open_regular(path)
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, ValueError) as error:
            # A special file is skipped, not read or deleted: storing the entry replaces it.
            logger.warning("cannot read cache entry %s (%s); recomputing", path, error)
            self.corrupt += 1
            self.misses += 1
            return None
        try:
            with stream:
                header = read_header(key, stream)
                expected = sum(header["sections"].values())
                record = _decode_payload(header, stream.read(min(expected, _MAX_ENTRY_BYTES) + 1), tables)
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
                if temporary.lstat().st_mtime < cutoff:
                    temporary.unlink()
            except OSError:
                continue


code_fingerprint()  # taken at import, next to the simulation code this process actually runs
