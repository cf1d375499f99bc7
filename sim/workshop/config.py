"""The workshop's settings: where the scenario files are, where to start, how to run.

``leadsim workshop`` takes them as options and hands them to the page's kernel in
``LEADSIM_WORKSHOP_*`` environment variables (a Voila kernel gets no command line); the page
reads them back here. The result cache lives in the folder the facilitator started from
(:data:`sim.outputs.DEFAULT_CACHE_DIR`), never inside the installed package.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sim.bundled import scenarios_dir
from sim.outputs import DEFAULT_CACHE_DIR
from sim.workshop.control_table import WorkshopError
from sim.workshop.settings import (
    DEFAULT_MEASUREMENT_DAYS,
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    DEFAULT_WORKERS,
    RunSettings,
)

if TYPE_CHECKING:
    from sim.workshop.session import StartingPoint

DEFAULT_START = "base.yaml"
WORKSHOP_FOLDER = "workshop"
"""Saved setups go into this sub-folder of the scenario folder."""
ENV_PREFIX = "LEADSIM_WORKSHOP_"
"""``leadsim workshop`` passes its options to the notebook's kernel in environment variables."""


def default_cache_dir() -> Path:
    """The result cache in the current folder (where the facilitator started the workshop)."""
    return Path.cwd() / DEFAULT_CACHE_DIR


def default_scenarios_dir() -> Path:
    """``scenarios/`` in the current folder if there is one, else the bundled library."""
    local = Path("scenarios")
    return local.resolve() if local.is_dir() else scenarios_dir()


@dataclass(frozen=True)
class WorkshopConfig:
    """Where the scenario files are, which one to start from, and how to run."""

    scenarios_dir: Path = field(default_factory=default_scenarios_dir)
    start: str = DEFAULT_START
    run: RunSettings = field(default_factory=lambda: RunSettings(cache_dir=default_cache_dir()))
    look_ahead: bool = True
    """Simulate the setups one control away while the page is idle (:mod:`sim.workshop.look_ahead`)."""

    @property
    def reports_dir(self) -> Path:
        """Where "Report on these options" writes: ``reports/`` beside the scenario folder.

        For the bundled library: ``reports/`` of the current folder (as ``leadsim report``),
        never inside the installed package.
        """
        bundled = Path(self.scenarios_dir).resolve() == scenarios_dir().resolve()
        return (Path.cwd() if bundled else Path(self.scenarios_dir).parent) / "reports"

    @property
    def save_dir(self) -> Path:
        """Where saved setups go."""
        return self.scenarios_dir / WORKSHOP_FOLDER

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> WorkshopConfig:
        """The configuration ``leadsim workshop`` passed in ``LEADSIM_WORKSHOP_*`` variables."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(ENV_PREFIX + name)
            return value if value not in (None, "") else None

        def whole(name: str, default: int, minimum: int) -> int:
            text = get(name)
            if text is None:
                return default
            try:
                value = int(text)
            except ValueError:
                value = minimum - 1
            if value < minimum:
                raise WorkshopError(
                    f"{ENV_PREFIX}{name} must be a whole number >= {minimum}, got {text!r}"
                )
            return value

        days_text = get("MEASUREMENT_DAYS")
        measurement_days: float | None = DEFAULT_MEASUREMENT_DAYS
        if days_text is not None:
            try:
                days = float(days_text)
            except ValueError:
                days = math.nan
            if not math.isfinite(days) or days < 0:
                raise WorkshopError(
                    f"{ENV_PREFIX}MEASUREMENT_DAYS must be a number of days >= 0, got {days_text!r}"
                )
            measurement_days = None if days == 0 else days
        cache_text = get("CACHE_DIR")
        cache_dir: Path | None = default_cache_dir()
        if cache_text is not None:
            cache_dir = None if cache_text.lower() == "none" else Path(cache_text)
        run = RunSettings(
            replications=whole("REPLICATIONS", DEFAULT_REPLICATIONS, 1),
            seed=whole("SEED", DEFAULT_SEED, 0),
            workers=whole("WORKERS", DEFAULT_WORKERS, 1),
            measurement_days=measurement_days,
            cache_dir=cache_dir,
        )
        look_ahead_text = (get("LOOK_AHEAD") or "1").lower()
        if look_ahead_text not in ("0", "1"):
            raise WorkshopError(f"{ENV_PREFIX}LOOK_AHEAD must be 0 or 1, got {look_ahead_text!r}")
        scenarios = get("SCENARIOS")
        return cls(
            scenarios_dir=Path(scenarios) if scenarios else default_scenarios_dir(),
            start=get("START") or DEFAULT_START,
            run=run,
            look_ahead=look_ahead_text == "1",
        )

    def environment(self) -> dict[str, str]:
        """The variables that give this configuration to a notebook kernel."""
        run = self.run
        return {
            ENV_PREFIX + "SCENARIOS": str(Path(os.path.abspath(self.scenarios_dir))),
            ENV_PREFIX + "START": self.start,
            ENV_PREFIX + "REPLICATIONS": str(run.replications),
            ENV_PREFIX + "SEED": str(run.seed),
            ENV_PREFIX + "WORKERS": str(run.workers),
            ENV_PREFIX + "MEASUREMENT_DAYS": "0"
            if run.measurement_days is None
            else f"{run.measurement_days:g}",
            ENV_PREFIX + "CACHE_DIR": "none"
            if run.cache_dir is None
            else str(Path(os.path.abspath(run.cache_dir))),
            ENV_PREFIX + "LOOK_AHEAD": "1" if self.look_ahead else "0",
        }


def scenario_files(folder: Path) -> list[Path]:
    """Starting points: the scenario files in ``folder`` and saved workshop setups."""
    files = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    files += sorted(p for p in (folder / WORKSHOP_FOLDER).glob("*.yaml") if p.is_file())
    return files


def settings_text(run: RunSettings, start: StartingPoint) -> str:
    """The run settings in one sentence for the page."""
    text = (
        f"Each result: {run.replications} simulated runs with the same leads for both setups "
        f"(seed {run.seed}), measuring {period_text(start)}"
    )
    steps = run.refinement_steps()
    if len(steps) > 1:
        text += f"; first figures after {steps[0]} runs, sharpened as the rest finish"
    if start.horizon_overrides:
        text += (
            f" – shortened from the file's {start.scenario.horizon.measurement_days:g} days "
            "to answer within seconds (reports use the full horizon)"
        )
    return text + "."




def period_text(start: StartingPoint) -> str:
    """What the figures cover: 'the leads created in 182 days (half a year)'."""
    days = start.baseline.horizon.measurement_days
    names = {365: "one year", 364: "one year", 182: "half a year", 183: "half a year",
             91: "a quarter", 92: "a quarter", 30: "a month", 28: "four weeks"}  # fmt: skip
    name = names.get(round(days)) if float(days).is_integer() else None
    return f"the leads created in {days:g} days" + (f" ({name})" if name else "")
