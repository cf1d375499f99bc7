"""The options several ``leadsim`` commands share, each declared once as a typed alias.

typer reads a command's options from its signature; an alias here holds an option's flags and
help in one place, and each command names the aliases it takes next to its own options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.outputs import DEFAULT_CACHE_DIR

FileArgument = Annotated[Path, typer.Argument(metavar="FILE", help="Scenario YAML file.")]

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="PATH=VALUE",
        help="Override a parameter, e.g. --set sales.reps=8 or "
        "--set channels.web_inquiry.leads_per_week=80 (repeatable; YAML value).",
    ),
]
"""The ``--set path.to.key=value`` option; every command that reads scenarios takes this one."""

ReplicationsOption = Annotated[
    str, typer.Option("--replications", "-r", metavar="N|auto", help="Replications per scenario, or auto.")
]
SeedOption = Annotated[int, typer.Option("--seed", "-s", help="Root seed; same seed, same results.")]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", "-w", help="Local worker processes (default: all cores; 1: serial).")
]
SchedulerOption = Annotated[
    str | None, typer.Option("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://host:8786.")
]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Output folder (default: out/<command>-<timestamp>).")
]
CacheDirOption = Annotated[
    Path | None, typer.Option("--cache-dir", help=f"Result cache folder (default: {DEFAULT_CACHE_DIR}/).")
]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the result cache.")]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace an existing output folder as a whole (old files do not survive).")
]
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Run even when the estimated size is above the safety threshold.")
]
CsvOption = Annotated[bool, typer.Option("--csv", help="Also write leads.csv.")]
PrecisionOption = Annotated[
    float, typer.Option("--precision", help="auto: target CI half-width relative to the mean.")
]
PrecisionKpiOption = Annotated[str, typer.Option("--precision-kpi", help="auto: KPI the precision applies to.")]
MaxReplicationsOption = Annotated[
    int, typer.Option("--max-replications", help="auto: stop here even if the precision is not reached.")
]
