"""What the lever commands share: the ``--lever`` and ``--max-subsets`` options and the lever-file check.

``attribute`` and ``portfolio`` both run the current setup with subsets of the levers between
FROM and TO (the same runs, so a shared cache makes the second command cheap).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from sim.errors import ExperimentError

LeversOption = Annotated[
    list[Path] | None,
    typer.Option("--lever", help="Lever overlay files (default: TO's extends list minus FROM)."),
]
LeverReplicationsOption = Annotated[int, typer.Option("--replications", "-r", help="Replications per subset.")]
MaxSubsetsOption = Annotated[
    int | None,
    typer.Option("--max-subsets", help="Exact over all 2^k subsets up to this many (default 64), else sampled orders."),
]


def check_interval_replications(replications: int, what: str) -> None:
    """Refuse fewer than 2 replications: a paired interval needs two (``what`` names the result)."""
    if replications < 2:
        raise ExperimentError(f"--replications: {what} needs at least 2 for intervals (got {replications})")


def check_lever_files(reference: Path, target_file: Path, levers: Sequence[Path]) -> None:
    """Refuse a --lever that is not a lever overlay file, naming the levers FROM → TO has.

    Otherwise the loader reports the missing file from inside a temporary subset scenario.
    """
    import os
    import stat

    from sim.experiment.attribution import lever_files_between, lever_name
    from sim.files import kind_of
    from sim.scenario.loader import resolve_scenario

    for lever in levers:
        try:
            mode = os.stat(lever).st_mode
        except OSError as error:
            problem = "no such file" if isinstance(error, FileNotFoundError) else (error.strerror or str(error))
        else:
            if stat.S_ISREG(mode):
                continue
            problem = f"{kind_of(mode)}, not a scenario file"
        between = lever_files_between(resolve_scenario(reference), resolve_scenario(target_file))
        known = (
            f"{', '.join(lever_name(path) for path in between)} (e.g. --lever {between[0]})" if between
            else f"none - {target_file} does not extend {reference} plus lever overlays"
        )
        raise ExperimentError(
            f"--lever {str(lever)!r}: {problem}. A lever is an overlay scenario file (YAML); the levers "
            f"between FROM and TO are {known}. Leave out --lever to use all of them"
        )
