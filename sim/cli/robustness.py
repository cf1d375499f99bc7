"""The ``leadsim robustness`` command: does the conclusion hold if the assumptions are off?

A board asks "and if your assumptions are wrong?". The command samples the plausible range of
every assumption (the range files next to the scenario files), runs each setup in each sampled
world with common random numbers (one cached, parallel experiment), and prints how often each
setup is best, how often B beats A, which assumptions the difference depends on and the value
at which the decision flips; the tables go to CSV files.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from sim import kpis as kpi_vocabulary
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
from sim.cli.tables import titled_table, wide_console

ReplicationsPerWorldOption = Annotated[
    int, typer.Option("--replications", "-r", help="Replications per setup and sampled world.")
]


def _amount(value: float, measure: str, signed: bool = True) -> str:
    if math.isnan(value):
        return "–"
    kind = "money" if measure == "net_benefit" else kpi_vocabulary.get(measure).kind
    return kpi_vocabulary.format_number(value, kind, signed=signed)


def _number(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.4g}"


def robustness_command(
    files: Annotated[list[Path], typer.Argument(metavar="A B …", help="Setups; differences are taken against the first.")],
    metric: Annotated[str, typer.Option("--metric", help="What decides: net_benefit (revenue + upsell − cost) or a KPI.")] = "net_benefit",
    samples: Annotated[int, typer.Option("--samples", "-n", help="Sampled worlds (Sobol: a power of two; Morris: trajectories).")] = 32,
    design: Annotated[str, typer.Option(
        "--design", help="lhs (Latin hypercube) or sobol: --samples worlds, Sobol indices; morris: --samples "
        "trajectories over the mechanism groups (screening many assumptions).")] = "lhs",
    top: Annotated[int, typer.Option("--top", help="Assumptions shown with tornado bars and break-even values.")] = 5,
    lever_ranking: Annotated[tuple[Path, Path] | None, typer.Option(
        "--lever-ranking", metavar="FROM TO",
        help="Also rank the levers FROM → TO in every sampled world by their effect alone and last "
        "(2k + 2 setups per world for k levers; not full Shapley values, see docs/robustness.md).")] = None,
    replications: ReplicationsPerWorldOption = 3,
    seed: SeedOption = 0,
    overrides: SetOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    out: OutOption = None,
    cache_dir: CacheDirOption = None,
    no_cache: NoCacheOption = False,
    force: ForceOption = False,
) -> None:
    """Sample the assumption ranges, run every setup in every world, report how robust the ranking is."""
    from sim.experiment.attribution import plan_levers
    from sim.experiment.portfolio import check_measure
    from sim.experiment.progress import describing
    from sim.experiment.robustness import run_lever_ranking, run_robustness

    check_measure(metric)  # before the output folder is made
    if lever_ranking is not None:
        plan_levers(*lever_ranking)  # a pair without lever overlays fails before anything runs
    settings = run_settings(
        seed=seed, replications=replications, workers=workers, scheduler=scheduler,
        cache_dir=cache_dir, no_cache=no_cache, overrides=overrides,
    )
    ranking = None
    with open_output(out, "robustness", force) as folder:
        with describing("setup-and-world combinations"):  # the up-front line counts setups × worlds
            result = run_robustness(
                files, metric=metric, samples=samples, replications=replications, seed=settings.seed,
                design=design, top=top, overrides=settings.overrides, **settings.executing(),
            )
        if lever_ranking is not None:
            with describing("lever-and-world combinations"):
                ranking = run_lever_ranking(
                    *lever_ranking, metric=metric, samples=samples, replications=replications,
                    seed=settings.seed, design=design, overrides=settings.overrides, **settings.executing(),
                )
            folder.write_csv("robustness_lever_ranking.csv", ranking)
        folder.write_csv("robustness_summary.csv", result.summary)
        folder.write_csv("robustness_samples.csv", result.samples)
        folder.write_csv("robustness_sensitivity.csv", result.sensitivity)
        folder.write_csv("robustness_break_even.csv", result.break_even)
        folder.write_csv("robustness_parameters.csv", result.parameters)
    console = wide_console()
    worlds = len(result.samples)
    summary = titled_table(
        f"{metric} over {worlds} sampled worlds ({result.design}; {len(result.parameters)} assumptions; "
        f"{result.replications} paired replications each, seed {result.seed})",
        [("setup", "left"), ("best in", "right"), ("better than", "left"), ("share better", "right"),
         ("mean difference", "right"), ("5 % … 95 % of worlds", "right")],
    )
    for row in result.summary.itertuples():
        versus = getattr(row, "versus", None)
        has_versus = isinstance(versus, str)
        summary.add_row(
            str(row.setup), f"{row.share_best:.0%}", versus if has_versus else "",
            f"{row.share_better:.0%}" if has_versus else "",
            _amount(row.difference_mean, metric) if has_versus else "",
            f"{_amount(row.difference_p05, metric)} … {_amount(row.difference_p95, metric)}" if has_versus else "",
        )
    console.print(summary)
    flips = titled_table(
        "what the difference depends on ("
        + ("Morris mu* of the mechanism group" if result.design == "morris" else "first-order Sobol index, RBD-FAST")
        + ") and where the decision flips",
        [("comparison", "left"), ("assumption", "left"),
         ("mu* ± 95%" if result.design == "morris" else "S1 ± 95%", "right"), ("value", "right"),
         ("range", "right"), ("at low", "right"), ("at high", "right"), ("break-even", "right")],
    )
    for row in result.break_even.itertuples():
        flip = "none in range" if math.isnan(row.break_even) else (
            f"{_number(row.break_even)} ({_number(row.break_even_ci_low)} … {_number(row.break_even_ci_high)})"
        )
        flips.add_row(
            str(row.comparison), str(row.parameter),
            f"{_number(row.importance)} ± {_number(row.importance_conf)}",
            _number(row.value), f"{_number(row.low)} … {_number(row.high)}",
            _amount(row.at_low, metric), _amount(row.at_high, metric), flip,
        )
    console.print(flips)
    if ranking is not None:
        console.print(_ranking_table(ranking, metric))
    console.print(
        "intervals within a world are simulation noise; the spread across worlds is what the assumptions add."
        + ("" if ranking is not None else " Rank the levers per world with --lever-ranking FROM TO.")
    )
    also = "samples, sensitivity, break_even, parameters" + (", lever_ranking" if ranking is not None else "")
    console.print(f"written: {folder.shown / 'robustness_summary.csv'} (and {also})")


def _ranking_table(ranking: Any, metric: str) -> Any:
    """Per lever: how often it is first by its effect alone and added last, and its mean ranks."""
    worlds = int(ranking["worlds"].iloc[0]) if len(ranking) else 0
    table = titled_table(
        f"lever ranking over {worlds} sampled worlds by {metric} (effect alone on FROM, and last: removed "
        "from the full target; not Shapley values per world)",
        [("lever", "left"), ("first alone", "right"), ("first last", "right"), ("mean rank alone", "right"),
         ("mean rank last", "right"), ("alone: 5 % … 95 % of worlds", "right"), ("last: 5 % … 95 %", "right")],
    )
    for row in ranking.itertuples():
        table.add_row(
            str(row.lever), f"{row.share_first_alone:.0%}", f"{row.share_first_last:.0%}",
            f"{row.mean_rank_alone:.2f}", f"{row.mean_rank_last:.2f}",
            f"{_amount(row.alone_p05, metric)} … {_amount(row.alone_p95, metric)}",
            f"{_amount(row.last_p05, metric)} … {_amount(row.last_p95, metric)}",
        )
    return table


def register(app: typer.Typer) -> None:
    """Add ``robustness`` to ``leadsim``."""
    app.command("robustness")(robustness_command)
