"""The ``leadsim attribute`` command: which lever of an org change is worth how much.

A consultant asks "which remedy first?". The command runs the current setup with every subset
of the target's levers (common random numbers, one experiment, cached and parallel), prints
each lever's Shapley value – its average marginal effect over all orders of adding the levers –
next to its effect alone and its effect when added last, all with 95 % intervals, shows that the
values add up to the whole difference and writes the table to ``attribution.csv``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from sim.cli.levers import (
    LeverReplicationsOption,
    LeversOption,
    MaxSubsetsOption,
    check_interval_replications,
    check_lever_files,
)
from sim.cli.options import (
    CacheDirOption,
    ForceOption,
    NoCacheOption,
    OutOption,
    SchedulerOption,
    SeedOption,
    SetOption,
    WorkersOption,
)
from sim.cli.output_folder import open_output
from sim.cli.settings import run_settings
from sim.cli.tables import format_difference, interval, titled_table, wide_console
from sim.experiment.progress import describing

PermutationsOption = Annotated[
    int | None,
    typer.Option("--permutations", help="Lever orders sampled (in antithetic pairs; default 8) beyond --max-subsets."),
]


def attribute_command(
    reference: Annotated[Path, typer.Argument(metavar="FROM", help="Current setup, e.g. scenarios/separate_departments.yaml.")],
    target: Annotated[Path, typer.Argument(metavar="TO", help="Target setup that extends FROM plus lever overlays.")],
    kpi: Annotated[str, typer.Option("--kpi", help="KPI to attribute.")] = "revenue",
    max_subsets: MaxSubsetsOption = None,
    permutations: PermutationsOption = None,
    levers: LeversOption = None,
    replications: LeverReplicationsOption = 10,
    seed: SeedOption = 0,
    overrides: SetOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    out: OutOption = None,
    cache_dir: CacheDirOption = None,
    no_cache: NoCacheOption = False,
    force: ForceOption = False,
) -> None:
    """Split the difference FROM → TO into lever Shapley values (plus each lever alone and last)."""
    import pandas as pd

    from sim.experiment.attribution import check_kpi, efficiency_line, run_attribution

    check_interval_replications(replications, "attribution")
    check_kpi(kpi)  # before the output folder is made
    check_lever_files(reference, target, levers or ())
    settings = run_settings(
        seed=seed, replications=replications, workers=workers, scheduler=scheduler,
        cache_dir=cache_dir, no_cache=no_cache, overrides=overrides,
    )
    sampling: dict[str, Any] = {key: value for key, value in (("max_subsets", max_subsets), ("permutations", permutations))
                if value is not None}
    with (
        open_output(out, "attribute", force) as folder,  # claimed before the simulation
        describing("lever combinations"),  # the experiment's up-front line counts lever combinations
    ):
        result = run_attribution(
            reference, target, kpi=kpi, replications=replications, seed=settings.seed, levers=levers or (),
            overrides=settings.overrides, **settings.executing(), **sampling,
        )
        effects = result.effects
        folder.write_csv("attribution.csv", effects)
        folder.write_csv("attribution_total.csv", pd.DataFrame([effects.attrs]))  # the efficiency check
        folder.write_csv("interactions.csv", result.interactions)
        folder.write_csv("kpis.csv", result.kpis)
    method = "exact over all subsets" if result.method == "exact" else "sampled lever orders"
    table = titled_table(
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
    console = wide_console()
    console.print(table)
    console.print(efficiency_line(effects, kpi))
    if result.residual is not None:
        console.print(
            f"the target file's own settings add {format_difference(result.residual[0], kpi)} "
            f"(95% CI {_ci(result.residual[1], result.residual[2], kpi)}) beyond its levers"
        )
    if not result.interactions.empty:
        pairs = titled_table(
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


def _ci(low: float, high: float, kpi: str) -> str:
    """A 95% interval of a difference, with signs."""
    return interval(low, high, kpi, difference=True)


def register(app: typer.Typer) -> None:
    """Add ``attribute`` to the ``leadsim`` command."""
    app.command("attribute")(attribute_command)
