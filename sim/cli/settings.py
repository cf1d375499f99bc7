"""How a command runs its simulations, gathered once from the command line and passed down whole.

Seed, replications, workers, scheduler, cache and ``--set`` overrides mean the same in every
experiment command; :func:`run_settings` checks them before any file is read or folder claimed,
so a command builds one :class:`RunSettings` and hands it on instead of a dozen loose values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ExperimentError
from sim.outputs import DEFAULT_CACHE_DIR


@dataclass(frozen=True)
class Precision:
    """``--replications auto``: replicate until the KPI's 95% CI half-width is this share of its mean."""

    target: float
    kpi: str
    max_replications: int


@dataclass(frozen=True)
class RunSettings:
    """The run settings of one command: what to replicate, where to run it and which cache to use."""

    seed: int
    replications: int | None
    """None: ``auto``, replicate until :attr:`precision` is reached."""
    workers: int | None = None
    scheduler: str | None = None
    cache_dir: Path | None = DEFAULT_CACHE_DIR
    """None: ``--no-cache``."""
    overrides: tuple[str, ...] = ()
    precision: Precision | None = None

    @property
    def most_replications(self) -> int:
        """The replications the run may reach: the fixed number, or auto's maximum (for the budget)."""
        if self.replications is not None:
            return self.replications
        return self.precision.max_replications if self.precision is not None else 1

    def executing(self) -> dict[str, Any]:
        """Workers, scheduler and cache as keyword arguments of the experiment functions.

        The results do not depend on them; they only say where and whether to compute.
        """
        return {"workers": self.workers, "scheduler": self.scheduler, "cache_dir": self.cache_dir}


def parse_replications(text: str) -> int | None:
    """``--replications``: a whole number >= 1, or ``auto`` (returned as None)."""
    cleaned = text.strip().lower()
    if cleaned == "auto":
        return None
    try:
        value = int(cleaned)
    except ValueError:
        value = 0
    if value < 1:
        raise ExperimentError(f"--replications must be a whole number >= 1 or 'auto', got {text!r}")
    return value


def run_settings(
    *, seed: int, replications: int | None, workers: int | None, scheduler: str | None,
    cache_dir: Path | None, no_cache: bool, overrides: Sequence[str] | None, precision: Precision | None = None,
) -> RunSettings:
    """The command line's run settings, checked: a bad scheduler address fails before any work."""
    if scheduler:
        from sim.experiment.runner import check_scheduler_address  # heavy: not needed for --help

        check_scheduler_address(scheduler)
    return RunSettings(
        seed=seed,
        replications=replications,
        workers=workers,
        scheduler=scheduler,
        cache_dir=None if no_cache else (cache_dir or DEFAULT_CACHE_DIR),
        overrides=tuple(overrides or ()),
        precision=precision if replications is None else None,
    )
