"""The ``leadsim portfolio`` command: what each combination of levers costs and buys.

A board asks "what is the cheapest way to +€250 k net benefit?" or "what do we get for
€100 k a year?". The command runs every subset of the levers between FROM and TO (the same
runs as ``leadsim attribute``, so a shared cache makes the second command cheap), prices each
by its running cost per year (lead, staff and org measures, as the money table), prints the Pareto front with 95 % intervals and the
chosen combinations, and writes every combination to ``portfolio.csv``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from sim import kpis as kpi_vocabulary
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
from sim.cli.tables import titled_table, wide_console


def _money(value: float, signed: bool = False) -> str:
    return kpi_vocabulary.format_number(value, "money", signed=signed)


def _amount(value: float, measure: str, signed: bool = True) -> str:
    kind = "money" if measure == "net_benefit" else kpi_vocabulary.get(measure).kind
    return kpi_vocabulary.format_number(value, kind, signed=signed)


def _ci(low: float, high: float, measure: str) -> str:
    if math.isnan(low) or math.isnan(high):
        return "–"
    return f"{_amount(low, measure)} … {_amount(high, measure)}"


def portfolio_command(
    reference: Annotated[Path, typer.Argument(metavar="FROM", help="Current setup.")],
    target_file: Annotated[Path, typer.Argument(metavar="TO", help="Setup that extends FROM plus lever overlays.")],
    kpi: Annotated[str, typer.Option("--kpi", help="What a combination buys: net_benefit or a KPI.")] = "net_benefit",
    target: Annotated[
        str | None, typer.Option("--target", help="Goal for the gain over FROM, e.g. net_benefit>=250000.")
    ] = None,
    budget: Annotated[
        float | None, typer.Option("--budget", help="Most added running cost per year (€) the combination may have.")
    ] = None,
    max_subsets: MaxSubsetsOption = 1024,
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
    """Price every combination of the levers FROM → TO: Pareto front, cheapest to a target, best in a budget."""
    from sim.experiment.portfolio import check_measure, pareto_front, parse_target, run_portfolio

    check_interval_replications(replications, "a portfolio")
    check_measure(kpi)
    check_lever_files(reference, target_file, levers or ())
    if target is not None:
        parse_target(target, kpi)  # before the output folder is made
    settings = run_settings(
        seed=seed, replications=replications, workers=workers, scheduler=scheduler,
        cache_dir=cache_dir, no_cache=no_cache, overrides=overrides,
    )
    from sim.experiment.progress import describing

    with (
        open_output(out, "portfolio", force) as folder,  # claimed before the runs
        describing("lever combinations"),  # the up-front line counts lever combinations
    ):
        result = run_portfolio(
            reference, target_file, kpi, replications, settings.seed, levers or (), target=target,
            budget=budget, max_subsets=max_subsets, overrides=settings.overrides, **settings.executing(),
        )
        folder.write_csv("portfolio.csv", result.table)
        folder.write_csv("kpis.csv", result.runs.kpis)
    table = titled_table(
        f"{kpi} vs FROM: Pareto front of {len(result.table)} lever combinations "
        f"({replications} paired replications, seed {seed})",
        [("levers", "left"), ("running cost / year", "right"), ("added", "right"),
         (f"Δ {kpi}", "right"), ("95% CI", "right")],
    )
    for row in pareto_front(result.table).itertuples():
        table.add_row(
            str(row.levers), _money(row.org_cost_per_year), _money(row.added_org_cost_per_year, signed=True),
            _amount(row.difference_mean, kpi), _ci(row.difference_ci_low, row.difference_ci_high, kpi),
        )
    console = wide_console()
    console.print(table)
    if result.target is not None:
        console.print(_choice_line("cheapest combination reaching the target", result.cheapest, kpi, target or ""))
    if result.budget is not None:
        console.print(_choice_line(f"best within {_money(result.budget)} a year", result.best, kpi, ""))
    console.print(f"subset runs: {result.runs.kpis['scenario'].nunique()} scenarios × {replications} replications")
    console.print(f"written: {folder.shown / 'portfolio.csv'}")


def _choice_line(title: str, choice: object, measure: str, target: str) -> str:
    from sim.experiment.portfolio import Choice

    if not isinstance(choice, Choice):
        return f"{title}: none" + (f" (no combination reaches {target})" if target else "")
    row = choice.row
    text = (
        f"{title}: {choice.levers} – running cost {_money(row['org_cost_per_year'])}/year, "
        f"Δ {_amount(row['difference_mean'], measure)} "
        f"(95% CI {_ci(row['difference_ci_low'], row['difference_ci_high'], measure)})"
    )
    if target:
        text += "; meets the target with 95% confidence" if choice.confident else "; meets it on average only"
    if choice.runner_up is not None and choice.versus_runner_up is not None:
        mean, low, high = choice.versus_runner_up
        text += (
            f"; vs runner-up {choice.runner_up}: {_amount(mean, measure)} "
            f"(95% CI {_ci(low, high, measure)})"
        )
        if not target and not choice.confident:
            text += " – not clearly better: add replications"
    return text


def register(app: typer.Typer) -> None:
    """Add ``portfolio`` to the ``leadsim`` command."""
    app.command("portfolio")(portfolio_command)
