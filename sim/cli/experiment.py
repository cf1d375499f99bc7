"""The experiment commands of ``leadsim``: ``run``, ``compare`` and ``warmup``.

An analyst runs a scenario (or compares org designs) from the shell and gets a folder that says
exactly what was run: the resolved scenarios, every lead, every replication's KPIs, the paired
comparison and a manifest with versions, seed and command line. The output folder is claimed
before the simulation starts, so two runs never mix their files; a folder that already holds
results is never written into (``--force`` replaces it as a whole), and every file is written to
a temporary name first, so a failed or killed run leaves no half-written file behind.
"""

from __future__ import annotations

import dataclasses
import io
import math
import platform
import shlex
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console, JustifyMethod
from rich.table import Table

import sim
from sim import kpis as kpi_vocabulary
from sim._lazy import lazy_module
from sim.cli.shared_options import with_options
from sim.errors import ExperimentError
from sim.experiment.budget import check_budget, estimate
from sim.kpis import WEEKLY_KPIS
from sim.outputs import (
    DEFAULT_CACHE_DIR,
    OutputError,
    claim_folder,
    git_revision,
    release_claim,
    replace_folder,
    slug,
    write_atomically,
    write_manifest,
)

if TYPE_CHECKING:
    import pandas as pd

    from sim import kpi_notes, money, stats
    from sim.experiment import cache, runner
    from sim.experiment.runner import ExperimentResult
    from sim.scenario.loader import ResolvedScenario
else:  # imported on first use, so that --help and validate start fast
    pd = lazy_module("pandas")
    stats = lazy_module("sim.stats")
    cache = lazy_module("sim.experiment.cache")
    runner = lazy_module("sim.experiment.runner")
    kpi_notes = lazy_module("sim.kpi_notes")
    money = lazy_module("sim.money")

DEFAULT_OUT_ROOT = Path("out")

# ------------------------------------------------------------------ options

SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="PATH=VALUE", help="Override a parameter (repeatable)."),
]
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


@dataclass
class ExperimentOptions:
    """The options ``run`` and ``compare`` share."""

    replications: int | None
    seed: int
    workers: int | None
    scheduler: str | None
    cache_dir: Path | None
    precision: float
    precision_kpi: str
    max_replications: int
    overrides: tuple[str, ...] = ()
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))


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


def _options(
    replications: str, seed: int, workers: int | None, scheduler: str | None, cache_dir: Path | None,
    no_cache: bool, precision: float, precision_kpi: str, max_replications: int,
    overrides: Sequence[str] | None,
) -> ExperimentOptions:
    if scheduler:
        runner.check_scheduler_address(scheduler)  # before any file is read or folder claimed
    return ExperimentOptions(
        replications=parse_replications(replications),
        seed=seed,
        workers=workers,
        scheduler=scheduler,
        cache_dir=None if no_cache else (cache_dir or DEFAULT_CACHE_DIR),
        precision=precision,
        precision_kpi=precision_kpi,
        max_replications=max_replications,
        overrides=tuple(overrides or ()),
    )


# ------------------------------------------------------------------ running


def _resolve(files: Sequence[Path], overrides: Sequence[str]) -> list[ResolvedScenario]:
    from sim.scenario.loader import resolve_scenario

    return [resolve_scenario(file, overrides) for file in files]


def _experiment(resolved: Sequence[ResolvedScenario], options: ExperimentOptions) -> ExperimentResult:
    scenarios = runner.unique_scenarios([item.scenario for item in resolved])
    common: dict[str, Any] = {
        "seed": options.seed, "workers": options.workers, "scheduler": options.scheduler,
        "cache_dir": options.cache_dir,
    }
    if options.replications is None:
        return runner.run_until_precision(
            scenarios, precision=options.precision, kpi=options.precision_kpi,
            max_replications=options.max_replications, **common,
        )
    return runner.run_experiment(scenarios, replications=options.replications, **common)


# ------------------------------------------------------------------ output folder


def choose_out_dir(out: Path | None, command: str, force: bool) -> Path:
    """The output folder to claim: ``out``, or a fresh timestamped one under ``out/``."""
    if out is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        candidate, suffix = DEFAULT_OUT_ROOT / f"{command}-{stamp}", 2
        while candidate.exists():
            candidate, suffix = DEFAULT_OUT_ROOT / f"{command}-{stamp}-{suffix}", suffix + 1
        return candidate
    if out.exists() and not out.is_dir():
        raise ExperimentError(f"--out {out} is a file, not a folder")
    return out


def _claim(out: Path | None, command: str) -> Path:
    """Claim ``out`` (or a fresh default folder) exclusively, before any simulation."""
    if out is not None:
        return claim_folder(out)
    for _ in range(100):  # another run may take the same timestamped name between check and claim
        try:
            return claim_folder(choose_out_dir(None, command, False))
        except OutputError:
            continue
    raise ExperimentError(f"cannot find a free output folder under {DEFAULT_OUT_ROOT}")


@contextmanager
def open_output(out: Path | None, command: str, force: bool) -> Iterator[OutputFolder]:
    """Claim the output folder at the start; on failure remove what this run wrote.

    Without ``--force`` the folder is created exclusively (a second run into it fails at once);
    with ``--force`` the run writes into a fresh sibling that replaces the old folder as a whole.
    """
    if out is not None and force:
        with replace_folder(out) as fresh:
            yield OutputFolder(fresh, shown=out)
        return
    existed = out is not None and out.is_dir()
    path = _claim(out, command)
    try:
        yield OutputFolder(path)
    except BaseException:
        # The folder holds only this run's files (it was empty when claimed): restore it.
        if existed:
            for entry in list(path.iterdir()):
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        else:
            shutil.rmtree(path, ignore_errors=True)
        raise
    release_claim(path)


class OutputFolder:
    """Writes result files into one claimed folder, each through a temporary file and a rename."""

    def __init__(self, path: Path, shown: Path | None = None) -> None:
        self.path = path
        self.shown = shown or path
        self.written: list[str] = []

    def write_bytes(self, name: str, data: bytes) -> None:
        """Write one file (``name`` may contain a sub-folder)."""
        target = self.path / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(target, data)
        except OSError as error:
            shown = self.shown / name
            raise ExperimentError(f"cannot write {shown}: {error.strerror or error}") from error
        self.written.append(name)

    def write_text(self, name: str, text: str) -> None:
        """Write a UTF-8 text file."""
        self.write_bytes(name, text.encode("utf-8"))

    def write_csv(self, name: str, table: pd.DataFrame) -> None:
        """Write a table as CSV without the index, formula-like text quoted (see sim.cell_safety)."""
        from sim.cell_safety import safe_frame

        self.write_text(name, safe_frame(table).to_csv(index=False))

    def write_parquet(self, name: str, table: pd.DataFrame) -> None:
        """Write a table as Parquet."""
        buffer = io.BytesIO()
        table.to_parquet(buffer, index=False)
        self.write_bytes(name, buffer.getvalue())


def manifest(
    command: str, result: ExperimentResult, resolved: Sequence[ResolvedScenario],
    options: ExperimentOptions, files: Sequence[str], scenario_files: Sequence[str],
) -> dict[str, Any]:
    """What produced this folder: versions, seed, replications, command line, times, scenarios."""
    finished = datetime.now(UTC)
    return {
        "command": command,
        "command_line": shlex.join(sys.argv),
        "leadsim_version": sim.__version__,
        "code_fingerprint": cache.code_fingerprint(),
        "git": git_revision(Path.cwd()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "started_at": options.started_at.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "duration_seconds": round((finished - options.started_at).total_seconds(), 3),
        "seed": result.seed,
        "replications": result.replications,
        "replications_mode": "auto" if options.replications is None else "fixed",
        "replications_needed": result.replications_needed,
        "precision": None if options.replications is not None else {
            "target": options.precision, "kpi": options.precision_kpi,
            "max_replications": options.max_replications, "reached": result.precision_reached,
        },
        "workers": options.workers,
        "scheduler": options.scheduler,
        "cache": {
            "dir": None if options.cache_dir is None else str(options.cache_dir),
            "hits": result.cache.hits, "misses": result.cache.misses, "corrupt": result.cache.corrupt,
        },
        "overrides": list(options.overrides),
        "scenarios": [
            {
                "name": name,
                "file": str(item.chain[-1]) if item.chain else None,
                "extends_chain": [str(path) for path in item.chain],
                "resolved_file": resolved_file,
                "content_sha256": cache.scenario_content_hash(scenario),
            }
            for (name, scenario), item, resolved_file in zip(
                result.scenarios.items(), resolved, scenario_files, strict=True
            )
        ],
        "files": [*files, "manifest.json"],
    }


# ------------------------------------------------------------------ printing


def format_number(value: float, kpi: str = "") -> str:
    """A KPI value as a manager reads it, formatted by the KPI vocabulary (``sim.kpis``)."""
    return kpi_vocabulary.format_kpi(kpi, value)


def format_difference(value: float, kpi: str = "") -> str:
    """A difference with its sign; differences of shares in percentage points."""
    return kpi_vocabulary.format_kpi(kpi, value, signed=True)


def _interval(low: float, high: float, kpi: str, difference: bool = False) -> str:
    if math.isnan(low) or math.isnan(high):
        return "–"
    show = format_difference if difference else format_number
    return f"{show(low, kpi)} … {show(high, kpi)}"


def _kpi_cell(kpi: str) -> str:
    """The KPI's column name, with its clock for a response KPI (the clock chosen in sim.kpis)."""
    try:
        words = kpi_vocabulary.get(kpi).clock_words()
    except kpi_vocabulary.KpiError:
        words = ""
    return f"{kpi} ({words})" if words else kpi


def _table(title: str, columns: Sequence[tuple[str, JustifyMethod]]) -> Table:
    table = Table(title=title)
    for column, justify in columns:
        table.add_column(column, justify=justify)
    return table


def _console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=max(console.width, 160))
    return console


def _shown(result: ExperimentResult) -> list[str]:
    return list(kpi_vocabulary.headline_kpis())


def print_run_summary(result: ExperimentResult, console: Console) -> None:
    """KPI means with 95% CI and standard deviation for one scenario."""
    described = stats.describe(result.kpis, _shown(result))
    table = _table(
        f"{result.reference}: {result.replications} replications, seed {result.seed}",
        [("KPI", "left"), ("mean", "right"), ("95% CI", "right"), ("sd", "right")],
    )
    for row in described.itertuples(index=False):
        table.add_row(
            _kpi_cell(row.kpi), format_number(row.mean, row.kpi), _interval(row.ci_low, row.ci_high, row.kpi),
            format_number(row.sd, row.kpi),
        )
    console.print(table)


def print_comparison(summary: pd.DataFrame, result: ExperimentResult, console: Console) -> None:
    """Means, CIs and paired differences against the reference, one block per KPI."""
    table = _table(
        f"vs {result.reference}: {result.replications} paired replications, seed {result.seed}",
        [
            ("KPI", "left"), ("scenario", "left"), ("mean", "right"), ("95% CI", "right"),
            ("Δ vs reference", "right"), ("Δ 95% CI", "right"), ("better in", "right"),
        ],
    )
    for kpi, rows in summary.groupby("kpi", sort=False):
        for position, row in enumerate(rows.itertuples(index=False)):
            is_reference = row.scenario == result.reference
            better = "–" if math.isnan(row.share_better) else f"{100 * row.share_better:.0f}%"
            table.add_row(
                _kpi_cell(str(kpi)) if position == 0 else "",
                row.scenario,
                format_number(row.mean, row.kpi),
                _interval(row.ci_low, row.ci_high, row.kpi),
                "reference" if is_reference else format_difference(row.diff_vs_reference, row.kpi),
                "" if is_reference else _interval(
                    row.diff_ci_low, row.diff_ci_high, row.kpi, difference=True
                ),
                "" if is_reference else better,
                end_section=position == len(rows) - 1,
            )
    console.print(table)


def print_money(items: Sequence[money.MoneyComparison], result: ExperimentResult, console: Console) -> None:
    """Per alternative: revenue and cost differences per year, net benefit and payback (sim.money)."""
    if not items:
        return
    days = round(next(iter(result.scenarios.values())).horizon.measurement_days)
    table = _table(
        f"money vs {result.reference}: per year (annualised from {days} measured days), one-off once",
        [("scenario", "left"), ("figure", "left"), ("value", "right")],
    )
    for item in items:
        lines = money.money_lines(item)
        for position, (figure, value) in enumerate(lines):
            table.add_row(
                item.scenario if position == 0 else "", figure, value, end_section=position == len(lines) - 1
            )
    console.print(table)


def print_notes(result: ExperimentResult, out_dir: Path | None, console: Console) -> None:
    """Replications needed, cache use, unfinished cohorts and where the files are."""
    if result.replications_needed is not None or result.precision_reached is not None:
        if result.precision_reached:
            console.print(
                f"auto: precision reached after {result.replications_needed} replications "
                f"(kept {result.replications} including the look-ahead)"
            )
        else:
            console.print(
                f"[yellow]auto: precision NOT reached within {result.replications} replications[/]"
            )
    cache = result.cache
    console.print(f"replications computed: {cache.misses}, from cache: {cache.hits}"
                  + (f", corrupt cache entries replaced: {cache.corrupt}" if cache.corrupt else ""))
    if "cohort_finished" in result.runs:
        unfinished = int((~result.runs["cohort_finished"].astype(bool)).sum())
        if unfinished:
            console.print(
                f"note: in {unfinished} of {len(result.runs)} replications the cohort was still "
                "open at the drain cap (horizon.drain_cap_days); open leads count as not won"
            )
    for kpi, reason in kpi_notes.reasons_for(result.kpis, _shown(result)).items():
        console.print(f"note: {kpi} is empty (–): {reason}")
    if out_dir is not None:
        console.print(f"results written to {out_dir}")


# ------------------------------------------------------------------ commands


def _prepare(
    files: Sequence[Path], options: ExperimentOptions, yes: bool
) -> list[ResolvedScenario]:
    """Everything that can refuse the run, before a folder is claimed or a lead simulated."""
    resolved = _resolve(files, options.overrides)
    replications = options.replications or options.max_replications
    check_budget(estimate([item.scenario for item in resolved], replications), yes)
    return resolved


def _run_into(
    folder: OutputFolder, resolved: Sequence[ResolvedScenario], options: ExperimentOptions, csv: bool,
) -> ExperimentResult:
    """Run the experiment and write the lead and KPI tables."""
    result = _experiment(resolved, options)
    result = dataclasses.replace(result, kpis=kpi_notes.with_notes(result.kpis))
    folder.write_parquet("leads.parquet", result.leads)
    if csv:
        folder.write_csv("leads.csv", result.leads)
    folder.write_csv("kpis.csv", result.kpis)
    return result


def _write_manifest(
    folder: OutputFolder, command: str, result: ExperimentResult,
    resolved: Sequence[ResolvedScenario], options: ExperimentOptions, scenario_files: Sequence[str],
) -> None:
    """The manifest last, so it lists every file this run wrote."""
    document = manifest(command, result, resolved, options, folder.written, list(scenario_files))
    try:
        write_manifest(folder.path, document)
    except OSError as error:
        raise ExperimentError(f"cannot write {folder.shown / 'manifest.json'}: {error.strerror or error}") from error
    folder.written.append("manifest.json")


EXPERIMENT_OPTIONS: dict[str, tuple[Any, Any]] = {
    "replications": (ReplicationsOption, "10"),
    "seed": (SeedOption, 0),
    "workers": (WorkersOption, None),
    "scheduler": (SchedulerOption, None),
    "overrides": (SetOption, None),
    "out": (OutOption, None),
    "cache_dir": (CacheDirOption, None),
    "no_cache": (NoCacheOption, False),
    "csv": (CsvOption, False),
    "force": (ForceOption, False),
    "precision": (PrecisionOption, 0.05),
    "precision_kpi": (PrecisionKpiOption, "revenue"),
    "max_replications": (MaxReplicationsOption, 200),
    "yes": (YesOption, False),
}
"""The options of ``run`` and ``compare``, declared once (see ``sim.cli.shared_options``)."""


def _shared(values: dict[str, Any]) -> ExperimentOptions:
    return _options(
        values["replications"], values["seed"], values["workers"], values["scheduler"],
        values["cache_dir"], values["no_cache"], values["precision"], values["precision_kpi"],
        values["max_replications"], values["overrides"],
    )


@with_options(EXPERIMENT_OPTIONS)
def run_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario YAML file.")], **values: Any
) -> None:
    """Run replications of one scenario; write leads, KPIs, the resolved scenario and a manifest."""
    from sim.scenario.loader import dump_resolved_yaml

    options = _shared(values)
    resolved = _prepare([file], options, values["yes"])
    with open_output(values["out"], "run", values["force"]) as folder:
        result = _run_into(folder, resolved, options, values["csv"])
        folder.write_text("scenario.yaml", dump_resolved_yaml(resolved[0]))
        _write_manifest(folder, "run", result, resolved, options, ["scenario.yaml"])
    console = _console()
    print_run_summary(result, console)
    print_notes(result, folder.shown, console)


@with_options(EXPERIMENT_OPTIONS)
def compare_command(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Scenario files; the first is the reference.")],
    **values: Any,
) -> None:
    """Compare scenarios with common random numbers: mean, 95% CI and paired difference vs the first."""
    from sim.scenario.loader import dump_resolved_yaml

    options = _shared(values)
    resolved = _prepare(files, options, values["yes"])
    with open_output(values["out"], "compare", values["force"]) as folder:
        result = _run_into(folder, resolved, options, values["csv"])
        summary = stats.summarize(result.kpis, reference=result.reference)
        folder.write_csv("comparison.csv", summary[list(stats.COMPARISON_COLUMNS)])
        money_rows = money.money_comparisons(result.kpis, result.reference)
        folder.write_csv(
            "money.csv", pd.DataFrame([item.as_row() for item in money_rows], columns=list(money.MONEY_COLUMNS))
        )
        scenario_files = _unique_files([f"scenarios/{slug(name, fallback='scenario')}.yaml" for name in result.scenarios])
        for item, name in zip(resolved, scenario_files, strict=True):
            folder.write_text(name, dump_resolved_yaml(item))
        _write_manifest(folder, "compare", result, resolved, options, scenario_files)
    console = _console()
    print_comparison(summary[summary["kpi"].isin(_shown(result))], result, console)
    print_money(money_rows, result, console)
    print_notes(result, folder.shown, console)


def _unique_files(names: Sequence[str]) -> list[str]:
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
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario YAML file.")],
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
    if scheduler:
        runner.check_scheduler_address(scheduler)
    resolved = _resolve([file], tuple(overrides or ()))
    check_budget(estimate([resolved[0].scenario], max(1, replications)), yes)
    result = runner.run_experiment(
        [resolved[0].scenario], replications=replications, seed=seed, workers=workers,
        scheduler=scheduler, cache_dir=None if no_cache else (cache_dir or DEFAULT_CACHE_DIR),
    )
    series = runner.weekly_kpi_series(result, kpi)
    truncation_week = stats.mser5(series["mean"])
    print_warmup(series, kpi, truncation_week, resolved[0].scenario.horizon.warmup_days, _console())


def print_warmup(
    series: pd.DataFrame, kpi: str, truncation_week: int, warmup_days: float, console: Console
) -> None:
    """The weekly series as a table with bars, the MSER-5 point and the scenario's own warm-up."""
    peak = float(series["mean"].max()) if len(series) else 0.0
    table = _table(
        f"weekly {kpi} (mean of replications)",
        [("week", "right"), ("day", "right"), (kpi, "right"), ("", "left")],
    )
    for row in series.itertuples(index=False):
        width = 0 if peak <= 0 else round(30 * float(row.mean) / peak)
        marker = "  ◀ MSER-5 truncation" if row.week == truncation_week else ""
        table.add_row(str(row.week), str(row.week * 7), format_number(float(row.mean)), "█" * width + marker)
    console.print(table)
    days = truncation_week * 7
    console.print(f"MSER-5 truncation point: week {truncation_week} = day {days}")
    console.print(f"scenario warm-up: {warmup_days:g} days (horizon.warmup_days)")
    if warmup_days < days:
        console.print(f"[yellow]consider --set horizon.warmup_days={days}[/]")


def register(app: typer.Typer) -> None:
    """Add ``run``, ``compare`` and ``warmup`` to the ``leadsim`` command."""
    app.command("run")(run_command)
    app.command("compare")(compare_command)
    app.command("warmup")(warmup_command)
