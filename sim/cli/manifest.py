"""``manifest.json``: what produced an output folder – versions, seed, replications, command line, times."""

from __future__ import annotations

import platform
import shlex
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sim
from sim._lazy import lazy_module
from sim.cli.output_folder import OutputFolder
from sim.cli.settings import RunSettings
from sim.errors import ExperimentError
from sim.outputs import git_revision, write_manifest

if TYPE_CHECKING:
    from sim.experiment import cache
    from sim.experiment.runner import ExperimentResult
    from sim.scenario.loader import ResolvedScenario
else:  # imported on first use, so that --help starts fast
    cache = lazy_module("sim.experiment.cache")


def manifest(
    command: str, result: ExperimentResult, resolved: Sequence[ResolvedScenario],
    settings: RunSettings, started_at: datetime, files: Sequence[str], scenario_files: Sequence[str],
) -> dict[str, Any]:
    """What produced this folder: versions, seed, replications, command line, times, scenarios."""
    finished = datetime.now(UTC)
    precision = settings.precision
    return {
        "command": command,
        "command_line": shlex.join(sys.argv),
        "leadsim_version": sim.__version__,
        "code_fingerprint": cache.code_fingerprint(),
        "git": git_revision(Path.cwd()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "duration_seconds": round((finished - started_at).total_seconds(), 3),
        "seed": result.seed,
        "replications": result.replications,
        "replications_mode": "auto" if settings.replications is None else "fixed",
        "replications_needed": result.replications_needed,
        "precision": None if precision is None else {
            "target": precision.target, "kpi": precision.kpi,
            "max_replications": precision.max_replications, "reached": result.precision_reached,
        },
        "workers": settings.workers,
        "scheduler": settings.scheduler,
        "cache": {
            "dir": None if settings.cache_dir is None else str(settings.cache_dir),
            "hits": result.cache.hits, "misses": result.cache.misses, "corrupt": result.cache.corrupt,
        },
        "overrides": list(settings.overrides),
        "scenarios": [
            {
                "name": name,
                "file": str(item.chain[-1]) if item.chain else None,
                "extends_chain": [str(path) for path in item.chain],
                "resolved_file": resolved_file,
                "content_sha256": cache.scenario_content_hash(scenario),
            }
            for (name, scenario), item, resolved_file in zip(
                result.scenarios.items(), resolved, scenario_files, strict=True
            )
        ],
        "files": [*files, "manifest.json"],
    }


def write_manifest_last(
    folder: OutputFolder, command: str, result: ExperimentResult, resolved: Sequence[ResolvedScenario],
    settings: RunSettings, started_at: datetime, scenario_files: Sequence[str],
) -> None:
    """The manifest last, so it lists every file this run wrote."""
    document = manifest(command, result, resolved, settings, started_at, folder.written, list(scenario_files))
    try:
        write_manifest(folder.path, document)
    except OSError as error:
        raise ExperimentError(f"cannot write {folder.shown / 'manifest.json'}: {error.strerror or error}") from error
    folder.written.append("manifest.json")
