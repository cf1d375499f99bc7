"""The ``leadsim attribute`` command: which lever of an org change is worth how much.

A consultant asks "which remedy first?". The command runs the current setup with every subset
of the target's levers (common random numbers, one experiment, cached and parallel), prints
each lever's Shapley value – its average marginal effect over all orders of adding the levers –
next to its effect alone and its effect when added last, all with 95 % intervals, shows that the
values add up to the whole difference and writes the table to ``attribution.csv``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from sim.cli.experiment import (
    CacheDirOption,
    ForceOption,
    NoCacheOption,
    OutOption,
    SchedulerOption,
    WorkersOption,
    _console,
    _table,
    format_difference,
    open_output,
)
from sim.cli.shared_options import with_options
from sim.errors import ExperimentError
from sim.experiment.progress import describing
from sim.outputs import DEFAULT_CACHE_DIR

ReplicationsInt = Annotated[int, typer.Option("--replications", "-r", help="Replications per subset.")]
SeedShort = Annotated[int, typer.Option("--seed", "-s", help="Root seed; same seed, same results.")]
LeversOption = Annotated[
    list[Path] | None,
    typer.Option("--lever", help="Lever overlay files (default: TO's extends list minus FROM)."),
]
OverridesOption = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="PATH=VALUE", help="Override a parameter in every subset (repeatable)."),
]
MaxSubsetsOption = Annotated[
    int | None,
    typer.Option("--max-subsets", help="Exact over all 2^k subsets up to this many (default 64), else sampled orders."),
]
PermutationsOption = Annotated[
    int | None,
    typer.Option("--permutations", help="Lever orders sampled (in antithetic pairs; default 8) beyond --max-subsets."),
]


LEVER_RUN_OPTIONS: dict[str, tuple[Any, Any]] = {
    "levers": (LeversOption, None),
    "replications": (ReplicationsInt, 10),
    "seed": (SeedShort, 0),
    "overrides": (OverridesOption, None),
    "workers": (WorkersOption, None),
    "scheduler": (SchedulerOption, None),
    "out": (OutOption, None),
    "cache_dir": (CacheDirOption, None),
    "no_cache": (NoCacheOption, False),
    "force": (ForceOption, False),
}
"""The options of ``attribute`` and ``portfolio``, declared once."""


@with_options(LEVER_RUN_OPTIONS)
def attribute_command(
    reference: Annotated[Path, typer.Argument(metavar="FROM", help="Current setup, e.g. scenarios/separate_departments.yaml.")],
    target: Annotated[Path, typer.Argument(metavar="TO", help="Target setup that extends FROM plus lever overlays.")],
    kpi: Annotated[str, typer.Option("--kpi", help="KPI to attribute.")] = "revenue",
    max_subsets: MaxSubsetsOption = None,
    permutations: PermutationsOption = None,
    **values: Any,
) -> None:
    """Split the difference FROM → TO into lever Shapley values (plus each lever alone and last)."""
    import pandas as pd

    from sim.experiment.attribution import check_kpi, efficiency_line, run_attribution

    replications, seed = values["replications"], values["seed"]
    if replications < 2:
        raise ExperimentError(f"--replications: attribution needs at least 2 for intervals (got {replications})")
    check_kpi(kpi)  # before the output folder is made
    check_lever_files(reference, target, values["levers"] or ())
    sampling: dict[str, Any] = {key: value for key, value in (("max_subsets", max_subsets), ("permutations", permutations))
                if value is not None}
    with (
        open_output(values["out"], "attribute", values["force"]) as folder,  # claimed before the simulation
        describing("lever combinations"),  # the experiment's up-front line counts lever combinations
    ):
        result = run_attribution(
            reference, target, kpi=kpi, **run_arguments(values), **sampling,
        )
        effects = result.effects
        folder.write_csv("attribution.csv", effects)
        folder.write_csv("attribution_total.csv", pd.DataFrame([effects.attrs]))  # the efficiency check
        folder.write_csv("interactions.csv", result.interactions)
        folder.write_csv("kpis.csv", result.kpis)
    method = "exact over all subsets" if result.method == "exact" else "sampled lever orders"
    table = _table(
        f"{kpi}: Shapley value per lever ({method}; {replications} paired replications, seed {seed})",
        [("lever", "left"), ("Shapley", "right"), ("95% CI", "right"), ("alone", "right"),
         ("95% CI", "right"), ("last", "right"), ("95% CI", "right"), ("share", "right")],
    )
    for row in effects.sort_values("rank").itertuples():
        table.add_row(
            str(row.lever),
            format_difference(row.shapley_mean, kpi), _ci(row.shapley_ci_low, row.shapley_ci_high, kpi),
            format_difference(row.alone_mean, kpi), _ci(row.alone_ci_low, row.alone_ci_high, kpi),
            format_difference(row.last_mean, kpi), _ci(row.last_ci_low, row.last_ci_high, kpi),
            "–" if math.isnan(row.share_of_total) else f"{row.share_of_total:.0%}",
        )
    console = _console()
    console.print(table)
    console.print(efficiency_line(effects, kpi))
    if result.residual is not None:
        console.print(
            f"the target file's own settings add {format_difference(result.residual[0], kpi)} "
            f"(95% CI {_ci(result.residual[1], result.residual[2], kpi)}) beyond its levers"
        )
    if not result.interactions.empty:
        pairs = _table(
            "largest pairwise interactions",
            [("levers", "left"), ("interaction", "right"), ("95% CI", "right")],
        )
        for pair in result.interactions.itertuples():
            pairs.add_row(
                f"{pair.lever_a} × {pair.lever_b}", format_difference(pair.interaction_mean, kpi),
                _ci(pair.interaction_ci_low, pair.interaction_ci_high, kpi),
            )
        console.print(pairs)
    console.print(
        f"subset runs: {effects.attrs['subsets']} scenarios × {replications} replications "
        f"= {result.runs} (from the cache: {'n/a' if result.cache is None else result.cache.hits})"
    )
    console.print(f"written: {folder.shown / 'attribution.csv'}")


def run_arguments(values: dict[str, Any]) -> dict[str, Any]:
    """The shared lever-run options as keyword arguments of the experiment functions."""
    return {
        "replications": values["replications"], "seed": values["seed"], "levers": values["levers"] or (),
        "overrides": values["overrides"] or (), "workers": values["workers"],
        "scheduler": values["scheduler"],
        "cache_dir": None if values["no_cache"] else (values["cache_dir"] or DEFAULT_CACHE_DIR),
    }


def _ci(low: float, high: float, kpi: str) -> str:
    if math.isnan(low) or math.isnan(high):
        return "–"
    return f"{format_difference(low, kpi)} … {format_difference(high, kpi)}"


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


def register(app: typer.Typer) -> None:
    """Add ``attribute`` and ``portfolio`` (priced from the same subset runs) to ``leadsim``."""
    from sim.cli import portfolio

    app.command("attribute")(attribute_command)
    portfolio.register(app)
