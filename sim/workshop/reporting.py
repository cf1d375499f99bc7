"""“Report on these options”: a real comparison report of the starting point and the tray.

Each kept option is saved as a scenario file (:func:`sim.workshop.saving.save_setup`, the same
file "Save this setup" writes), and :func:`sim.report.make_report` compares the starting file
with them – with the workshop's seed and replications. When the workshop measures a shorter
horizon than the files (``--measurement-days``), each file is wrapped in a small input file that
``extends:`` it and sets only the workshop's horizon, so that the report shows the tray's
figures; the wrapped scenario is checked to be exactly what the workshop simulated.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sim.outputs import slug, write_atomically
from sim.scenario.schema import Scenario
from sim.workshop.control_table import WorkshopError
from sim.workshop.settings import RunSettings

INPUTS_FOLDER = "report-inputs"
"""Under the saved setups' folder: the wrapped report inputs, one dated folder per report."""


@dataclass(frozen=True)
class ReportInput:
    """One setup of the report: its scenario file, its name in the report and what was run."""

    file: Path
    name: str
    simulated: Scenario
    """The scenario the workshop simulated for it (with the workshop's horizon)."""


@dataclass(frozen=True)
class OptionsReport:
    """A written report of the tray: its page, its folder and the files it compared."""

    page: Path
    folder: Path
    files: tuple[Path, ...]
    names: tuple[str, ...]


def wrap_inputs(
    inputs: Sequence[ReportInput], run: RunSettings, folder: Path, now: datetime | None = None
) -> list[Path]:
    """The files the report reads: as they are when the workshop measures their horizon, else wrapped.

    A wrapper ``extends:`` its file and sets ``horizon.measurement_days`` to the workshop's; it is
    loaded back and must give exactly the scenario the workshop simulated.
    """
    from sim.experiment.cache import scenario_content_hash
    from sim.scenario.loader import load_scenario

    files: list[Path] = []
    target: Path | None = None
    for item in inputs:
        if not _shortened(item):
            files.append(item.file)
            continue
        if target is None:
            stamp = (now or datetime.now()).strftime("%Y-%m-%d_%H%M%S")
            target = folder / INPUTS_FOLDER / stamp
            suffix = 1
            while target.exists():
                suffix += 1
                target = folder / INPUTS_FOLDER / f"{stamp}-{suffix}"
            target.mkdir(parents=True)
        wrapper = target / f"{item.name}.yaml"
        days = item.simulated.horizon.measurement_days
        text = (
            f"# Report input of the workshop: {item.file.name} measured over the workshop's horizon,\n"
            "# so the report shows the same figures as the workshop's options tray.\n"
            f"extends: {Path(os.path.relpath(item.file, target)).as_posix()}\n"
            f"name: {item.name}  # assumption: the setup's name in the workshop report\n"
            "horizon:\n"
            f"  measurement_days: {days:g}  # assumption: the workshop's shortened horizon "
            "(leadsim workshop --measurement-days), to match its figures\n"
        )
        write_atomically(wrapper, text.encode("utf-8"))
        loaded = load_scenario(wrapper)
        if scenario_content_hash(loaded) != scenario_content_hash(item.simulated):
            raise WorkshopError(f"the report input {wrapper} differs from what the workshop ran")
        files.append(wrapper)
    return files


def _shortened(item: ReportInput) -> bool:
    """Whether the workshop measured another horizon than the file states (already overridden)."""
    from sim.scenario.loader import load_scenario

    written = load_scenario(item.file).horizon.measurement_days
    return not _same_days(written, item.simulated.horizon.measurement_days)


def _same_days(first: float, second: float) -> bool:
    return abs(float(first) - float(second)) < 1e-9


def unique_name(text: str, taken: set[str]) -> str:
    """A scenario name from ``text`` that no other setup of the report has."""
    base = slug(text, fallback="setup", limit=60, separator="_", lower=True) or "setup"
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}_{number}"
    taken.add(name)
    return name


def write_report(
    inputs: Sequence[ReportInput],
    run: RunSettings,
    inputs_folder: Path,
    out_root: Path,
    title: str,
) -> OptionsReport:
    """Run the compare report on the inputs (the first is the reference) with the workshop's settings."""
    from sim.report import make_report

    if len(inputs) < 2:
        raise WorkshopError("keep at least one option in the tray before asking for a report")
    files = wrap_inputs(inputs, run, inputs_folder)
    page = make_report(
        [str(file) for file in files],
        out_root=out_root,
        notebook="compare",
        replications=run.replications,
        seed=run.seed,
        title=title,
        workers=run.workers,
        attribute_levers=False,  # attributing levers runs every combination of them; the tray compares setups
        cache_dir=run.cache_dir,
    )
    return OptionsReport(page, page.parent, tuple(files), tuple(item.name for item in inputs))
