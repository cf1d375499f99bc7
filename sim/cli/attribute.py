"""The ``leadsim attribute`` command: which lever of an org change is worth how much.

A consultant asks "which remedy first?". The command runs the current setup, each lever
alone and the cumulative path to the target setup with common random numbers, prints a
waterfall table with paired 95 % confidence intervals and writes it to ``attribution.csv``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.experiment import (
    CacheDirOption,
    ForceOption,
    NoCacheOption,
    OutOption,
    SchedulerOption,
    SeedOption,
    WorkersOption,
    _console,
    _table,
    format_difference,
    open_output,
)
from sim.errors import ExperimentError
from sim.experiment.cache import DEFAULT_CACHE_DIR


def attribute_command(
    reference: Annotated[Path, typer.Argument(metavar="FROM", help="Current setup, e.g. scenarios/separate_departments.yaml.")],
    target: Annotated[Path, typer.Argument(metavar="TO", help="Target setup that extends FROM plus lever overlays.")],
    kpi: Annotated[str, typer.Option("--kpi", help="KPI to attribute.")] = "revenue",
    levers: Annotated[
        list[Path] | None,
        typer.Option("--lever", help="Lever overlay files (default: TO's extends list minus FROM)."),
    ] = None,
    replications: Annotated[int, typer.Option("--replications", "-r", help="Replications per scenario.")] = 10,
    seed: SeedOption = 0,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    out: OutOption = None,
    cache_dir: CacheDirOption = None,
    no_cache: NoCacheOption = False,
    force: ForceOption = False,
) -> None:
    """Split the gain from FROM to TO into lever contributions (alone and on the cumulative path)."""
    from sim.experiment.attribution import attribute, check_kpi

    if replications < 2:
        raise ExperimentError(f"--replications: attribution needs at least 2 for intervals (got {replications})")
    check_kpi(kpi)  # before the output folder is made
    with open_output(out, "attribute", force) as folder:  # claimed before the simulation
        effects, kpis = attribute(
            reference, target, kpi=kpi, replications=replications, seed=seed, levers=levers or (),
            workers=workers, scheduler=scheduler,
            cache_dir=None if no_cache else (cache_dir or DEFAULT_CACHE_DIR),
        )
        folder.write_csv("attribution.csv", effects)
        folder.write_csv("kpis.csv", kpis)
    table = _table(
        f"{kpi}: lever contributions ({replications} paired replications, seed {seed})",
        [("lever", "left"), ("alone vs FROM", "right"), ("95% CI", "right"),
         ("step on path", "right"), ("95% CI", "right")],
    )
    for row in effects.itertuples():
        table.add_row(
            str(row.lever),
            format_difference(row.alone_mean, kpi),
            _ci(row.alone_ci_low, row.alone_ci_high, kpi),
            format_difference(row.step_mean, kpi),
            _ci(row.step_ci_low, row.step_ci_high, kpi),
        )
    console = _console()
    console.print(table)
    console.print(f"written: {folder.shown / 'attribution.csv'}")


def _ci(low: float, high: float, kpi: str) -> str:
    if math.isnan(low):  # no interval: the remainder has no "alone" effect
        return "–"
    return f"{format_difference(low, kpi)} … {format_difference(high, kpi)}"


def register(app: typer.Typer) -> None:
    """Add ``attribute`` to the ``leadsim`` command."""
    app.command("attribute")(attribute_command)
