"""The experiment commands of ``leadsim``: ``run``, ``compare`` and ``warmup``.

An analyst runs a scenario (or compares org designs) from the shell and gets a folder that says
exactly what was run: the resolved scenarios, every lead, every replication's KPIs, the paired
comparison and a manifest with versions, seed and command line. The folder is claimed before the
simulation starts (:mod:`sim.cli.output_folder`); the tables printed live in
:mod:`sim.cli.experiment_tables`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim._lazy import lazy_module
from sim.cli.experiment_tables import (
    print_comparison,
    print_money,
    print_notes,
    print_run_summary,
    print_warmup,
    shown_kpis,
)
from sim.cli.manifest import write_manifest_last
from sim.cli.options import (
    CacheDirOption,
    CsvOption,
    FileArgument,
    ForceOption,
    MaxReplicationsOption,
    NoCacheOption,
    OutOption,
    PrecisionKpiOption,
    PrecisionOption,
    ReplicationsOption,
    SchedulerOption,
    SeedOption,
    SetOption,
    WorkersOption,
    YesOption,
)
from sim.cli.output_folder import OutputFolder, open_output
from sim.cli.settings import Precision, RunSettings, parse_replications, run_settings
from sim.cli.tables import wide_console
from sim.errors import ExperimentError
from sim.experiment.budget import check_budget, estimate
from sim.kpis import WEEKLY_KPIS, with_notes
from sim.outputs import slug

if TYPE_CHECKING:
    from sim import money, stats
    from sim.experiment import runner
    from sim.experiment.runner import ExperimentResult
    from sim.scenario.loader import ResolvedScenario
else:  # imported on first use, so that --help and validate start fast
    stats = lazy_module("sim.stats")
    runner = lazy_module("sim.experiment.runner")
    money = lazy_module("sim.money")


def _resolve(files: Sequence[Path], overrides: Sequence[str]) -> list[ResolvedScenario]:
    from sim.scenario.loader import resolve_scenario

    return [resolve_scenario(file, overrides) for file in files]


def _prepare(files: Sequence[Path], settings: RunSettings, yes: bool) -> list[ResolvedScenario]:
    """Everything that can refuse the run, before a folder is claimed or a lead simulated."""
    resolved = _resolve(files, settings.overrides)
    check_budget(estimate([item.scenario for item in resolved], settings.most_replications), yes)
    return resolved


def _experiment(resolved: Sequence[ResolvedScenario], settings: RunSettings) -> ExperimentResult:
    """The replications of the resolved scenarios: a fixed number, or until the precision is reached."""
    scenarios = runner.unique_scenarios([item.scenario for item in resolved])
    if settings.precision is not None:  # --replications auto
        precision = settings.precision
        return runner.run_until_precision(
            scenarios, precision=precision.target, kpi=precision.kpi,
            max_replications=precision.max_replications, seed=settings.seed, **settings.executing(),
        )
    return runner.run_experiment(
        scenarios, replications=settings.most_replications, seed=settings.seed, **settings.executing()
    )


def _run_into(
    folder: OutputFolder, resolved: Sequence[ResolvedScenario], settings: RunSettings, csv: bool,
) -> ExperimentResult:
    """Run the experiment and write the lead and KPI tables."""
    result = _experiment(resolved, settings)
    result = dataclasses.replace(result, kpis=with_notes(result.kpis))
    folder.write_parquet("leads.parquet", result.leads)
    if csv:
        folder.write_csv("leads.csv", result.leads)
    folder.write_csv("kpis.csv", result.kpis)
    return result


def run_command(
    file: FileArgument,
    replications: ReplicationsOption = "10",
    seed: SeedOption = 0,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    overrides: SetOption = None,
    out: OutOption = None,
    cache_dir: CacheDirOption = None,
    no_cache: NoCacheOption = False,
    csv: CsvOption = False,
    force: ForceOption = False,
    precision: PrecisionOption = 0.05,
    precision_kpi: PrecisionKpiOption = "revenue",
    max_replications: MaxReplicationsOption = 200,
    yes: YesOption = False,
) -> None:
    """Run replications of one scenario; write leads, KPIs, the resolved scenario and a manifest."""
    from sim.scenario.loader import dump_resolved_yaml

    started_at = datetime.now(UTC)
    settings = run_settings(
        seed=seed, replications=parse_replications(replications), workers=workers, scheduler=scheduler,
        cache_dir=cache_dir, no_cache=no_cache, overrides=overrides,
        precision=Precision(target=precision, kpi=precision_kpi, max_replications=max_replications),
    )
    resolved = _prepare([file], settings, yes)
    with open_output(out, "run", force) as folder:
        result = _run_into(folder, resolved, settings, csv)
        folder.write_text("scenario.yaml", dump_resolved_yaml(resolved[0]))
        write_manifest_last(folder, "run", result, resolved, settings, started_at, ["scenario.yaml"])
    console = wide_console()
    print_run_summary(result, console)
    print_notes(result, folder.shown, console)


def compare_command(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Scenario files; the first is the reference.")],
    replications: ReplicationsOption = "10",
    seed: SeedOption = 0,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    overrides: SetOption = None,
    out: OutOption = None,
    cache_dir: CacheDirOption = None,
    no_cache: NoCacheOption = False,
    csv: CsvOption = False,
    force: ForceOption = False,
    precision: PrecisionOption = 0.05,
    precision_kpi: PrecisionKpiOption = "revenue",
    max_replications: MaxReplicationsOption = 200,
    yes: YesOption = False,
) -> None:
    """Compare scenarios with common random numbers: mean, 95% CI and paired difference vs the first."""
    from sim.scenario.loader import dump_resolved_yaml

    started_at = datetime.now(UTC)
    settings = run_settings(
        seed=seed, replications=parse_replications(replications), workers=workers, scheduler=scheduler,
        cache_dir=cache_dir, no_cache=no_cache, overrides=overrides,
        precision=Precision(target=precision, kpi=precision_kpi, max_replications=max_replications),
    )
    resolved = _prepare(files, settings, yes)
    with open_output(out, "compare", force) as folder:
        result = _run_into(folder, resolved, settings, csv)
        summary = stats.summarize(result.kpis, reference=result.reference)
        folder.write_csv("comparison.csv", summary[list(stats.COMPARISON_COLUMNS)])
        money_rows = money.money_table(result.kpis, result.reference)
        folder.write_csv("money.csv", money_rows)
        scenario_files = _unique_files([f"scenarios/{slug(name, fallback='scenario')}.yaml" for name in result.scenarios])
        for item, name in zip(resolved, scenario_files, strict=True):
            folder.write_text(name, dump_resolved_yaml(item))
        write_manifest_last(folder, "compare", result, resolved, settings, started_at, scenario_files)
    console = wide_console()
    print_comparison(summary[summary["kpi"].isin(shown_kpis())], result, console)
    print_money(money_rows, result, console)
    print_notes(result, folder.shown, console)


def _unique_files(names: Sequence[str]) -> list[str]:
    """The names with a numbered suffix where two would be the same file."""
    seen: set[str] = set()
    unique = []
    for name in names:
        candidate, suffix = name, 2
        # casefold: two names differing only in case are one file on macOS and Windows
        while candidate.casefold() in seen:
            candidate, suffix = name.replace(".yaml", f"-{suffix}.yaml"), suffix + 1
        seen.add(candidate.casefold())
        unique.append(candidate)
    return unique


def warmup_command(
    file: FileArgument,
    kpi: Annotated[
        str, typer.Option("--kpi", help=f"Weekly series: {', '.join(WEEKLY_KPIS)}.")
    ] = "mean_queue_length",
    replications: Annotated[int, typer.Option("--replications", "-r", help="Replications to average.")] = 5,
    seed: SeedOption = 0,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    overrides: SetOption = None,
    cache_dir: CacheDirOption = None,
    no_cache: NoCacheOption = False,
    yes: YesOption = False,
) -> None:
    """Show a weekly KPI averaged over replications and its MSER-5 truncation point (warm-up)."""
    if kpi not in WEEKLY_KPIS:
        raise ExperimentError(f"unknown weekly KPI {kpi!r}; choose from: {', '.join(WEEKLY_KPIS)}")
    settings = run_settings(
        seed=seed, replications=replications, workers=workers, scheduler=scheduler,
        cache_dir=cache_dir, no_cache=no_cache, overrides=overrides,
    )
    resolved = _resolve([file], settings.overrides)
    check_budget(estimate([resolved[0].scenario], max(1, replications)), yes)
    result = runner.run_experiment(
        [resolved[0].scenario], replications=replications, seed=settings.seed, **settings.executing()
    )
    series = runner.weekly_kpi_series(result, kpi)
    truncation_week = stats.mser5(series["mean"])
    print_warmup(series, kpi, truncation_week, resolved[0].scenario.horizon.warmup_days, wide_console())


def register(app: typer.Typer) -> None:
    """Add ``run``, ``compare`` and ``warmup`` to the ``leadsim`` command."""
    app.command("run")(run_command)
    app.command("compare")(compare_command)
    app.command("warmup")(warmup_command)
