"""What ``run``, ``compare`` and ``warmup`` print: KPI tables, money, notes and the warm-up series."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from sim import kpis as kpi_vocabulary
from sim._lazy import lazy_module
from sim.cli.tables import format_difference, format_number, interval, kpi_cell, titled_table

if TYPE_CHECKING:
    import pandas as pd

    from sim import money, stats
    from sim.experiment.runner import ExperimentResult
else:  # imported on first use, so that --help starts fast
    stats = lazy_module("sim.stats")
    money = lazy_module("sim.money")


def shown_kpis() -> list[str]:
    """The KPIs the command line shows (the headline KPIs; the files hold all of them)."""
    return list(kpi_vocabulary.headline_kpis())


def print_run_summary(result: ExperimentResult, console: Console) -> None:
    """KPI means with 95% CI and standard deviation for one scenario."""
    described = stats.describe(result.kpis, shown_kpis())
    table = titled_table(
        f"{result.reference}: {result.replications} replications, seed {result.seed}",
        [("KPI", "left"), ("mean", "right"), ("95% CI", "right"), ("sd", "right")],
    )
    for row in described.itertuples(index=False):
        table.add_row(
            kpi_cell(row.kpi), format_number(row.mean, row.kpi), interval(row.ci_low, row.ci_high, row.kpi),
            format_number(row.sd, row.kpi),
        )
    console.print(table)


def print_comparison(summary: pd.DataFrame, result: ExperimentResult, console: Console) -> None:
    """Means, CIs and paired differences against the reference, one block per KPI."""
    table = titled_table(
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
                kpi_cell(str(kpi)) if position == 0 else "",
                row.scenario,
                format_number(row.mean, row.kpi),
                interval(row.ci_low, row.ci_high, row.kpi),
                "reference" if is_reference else format_difference(row.diff_vs_reference, row.kpi),
                "" if is_reference else interval(row.diff_ci_low, row.diff_ci_high, row.kpi, difference=True),
                "" if is_reference else better,
                end_section=position == len(rows) - 1,
            )
    console.print(table)


def print_money(money_rows: pd.DataFrame, result: ExperimentResult, console: Console) -> None:
    """Per alternative: revenue and cost differences per year, net benefit and payback.

    ``money_rows`` is :func:`sim.money.money_table` – the content of ``money.csv`` – so the
    screen and the file show the same figures, worded by :func:`sim.money.money_lines`.
    """
    if money_rows.empty:
        return
    days = round(next(iter(result.scenarios.values())).horizon.measurement_days)
    table = titled_table(
        f"money vs {result.reference}: per year (annualised from {days} measured days), one-off once",
        [("scenario", "left"), ("figure", "left"), ("value", "right")],
    )
    for row in money_rows.to_dict("records"):
        item = money.MoneyComparison(**{str(column): value for column, value in row.items()})
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
    for kpi, reason in kpi_vocabulary.reasons_for(result.kpis, shown_kpis()).items():
        console.print(f"note: {kpi} is empty (–): {reason}")
    if out_dir is not None:
        console.print(f"results written to {out_dir}")


def print_warmup(
    series: pd.DataFrame, kpi: str, truncation_week: int, warmup_days: float, console: Console
) -> None:
    """The weekly series as a table with bars, the MSER-5 point and the scenario's own warm-up."""
    peak = float(series["mean"].max()) if len(series) else 0.0
    table = titled_table(
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
