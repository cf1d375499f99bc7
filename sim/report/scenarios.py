"""Scenario files as a report sees them: found from any folder, loaded with their inheritance chain.

A consultant names ``scenarios/base.yaml`` in a notebook that runs in a temporary folder, so a
file is looked up in the working directory and then in the project; the report shows where each
value came from and records the hash of every file it read.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.bundled import bundle_root
from sim.errors import ReportError
from sim.experiment.cache import scenario_content_hash
from sim.scenario.loader import ResolvedScenario, resolve_scenario
from sim.scenario.schema import Scenario

PROJECT_ROOT = bundle_root()
"""The repository (or source tree) that holds ``sim/``, ``notebooks/`` and ``scenarios/``."""
DEFAULT_SCENARIOS = (
    "scenarios/separate_departments.yaml",
    "scenarios/customer_happiness_team.yaml",
    "scenarios/sdr_team.yaml",
)


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario loaded from a file, with its inheritance chain and content hashes."""

    name: str
    path: Path
    resolved: ResolvedScenario

    @property
    def scenario(self) -> Scenario:
        """The validated scenario (named ``name``)."""
        scenario = self.resolved.scenario
        return (
            scenario
            if scenario.name == self.name
            else scenario.model_copy(update={"name": self.name})
        )

    @property
    def description(self) -> str:
        """The scenario's description, as written in its file (not escaped)."""
        return self.resolved.scenario.description

    @property
    def content_hash(self) -> str:
        """SHA-256 of what the simulation reads (the same hash keys the result cache)."""
        return scenario_content_hash(self.resolved.scenario)

    def file_hashes(self) -> dict[str, str]:
        """SHA-256 of every file in the extends chain, parents first."""
        return {shown_path(path): sha256_file(path) for path in self.resolved.chain}


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def shown_path(path: Path) -> str:
    """A path relative to the project root when inside it (stable across machines)."""
    absolute = Path(os.path.abspath(path))
    for root in (PROJECT_ROOT, Path.cwd()):
        try:
            return str(absolute.relative_to(root))
        except ValueError:
            continue
    return str(absolute)


def find_scenario_file(path: str | os.PathLike[str]) -> Path:
    """The scenario file ``path``: as given (absolute or from the working directory), else
    relative to the project root, so ``scenarios/base.yaml`` works from ``notebooks/`` too."""
    given = Path(path)
    candidates = [given] if given.is_absolute() else [Path.cwd() / given, PROJECT_ROOT / given]
    for candidate in candidates:
        if candidate.is_file():
            return Path(os.path.abspath(candidate))
    looked = " and ".join(dict.fromkeys(str(c.parent) for c in candidates))
    raise ReportError(f"scenario file not found: {path} (looked in {looked})")


def load_scenario_files(
    files: Sequence[str | os.PathLike[str]], overrides: Sequence[str] = ()
) -> dict[str, ScenarioFile]:
    """Load and validate scenario files, keyed by their display titles made unique (-2, -3)."""
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    loaded: dict[str, ScenarioFile] = {}
    for file in files:
        path = find_scenario_file(file)
        resolved = resolve_scenario(path, overrides)
        # Keyed by the title a reader sees (the scenario's name without one), so every table,
        # chart and sentence of a report shows it.
        shown = resolved.scenario.display_title
        base, name, suffix = shown, shown, 2
        while name in loaded:
            name, suffix = f"{base}-{suffix}", suffix + 1
        loaded[name] = ScenarioFile(name=name, path=path, resolved=resolved)
    if not loaded:
        raise ReportError("no scenario files given")
    return loaded




WORKSHOP_MARKER = "Saved in the leadsim workshop"
"""The first comment line of a setup the workshop saved (``sim.workshop`` writes it)."""


def starting_point(path: Path) -> Path | None:
    """The file a workshop setup was edited from (its ``extends:``), or None for other files.

    A workshop setup is "the starting point plus these changes", so a report of it alone
    compares it with its starting point rather than with itself.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        content = path.read_text(encoding="utf-8")
        document = YAML(typ="safe").load(content)
    except (OSError, UnicodeDecodeError, YAMLError):
        return None  # the loader reports a broken file with its line when it is run
    if WORKSHOP_MARKER not in content and path.parent.name != "workshop":
        return None
    extends = document.get("extends") if isinstance(document, dict) else None
    if isinstance(extends, list) and len(extends) == 1:
        extends = extends[0]
    if not isinstance(extends, str):
        return None
    parent = (path.parent / extends).resolve()
    return parent if parent.is_file() else None
