"""One calibration from export to files: estimate, fit by simulation, check, and summarise.

The steps run in the order a consultant would check them by hand: first what the export shows
directly (volumes, profiles, response times, cycles, deal values), written into a draft profile;
then the few parameters only a simulation can find; then the whole profile is simulated once more
and compared with the export, target by target. Nothing is written here: the caller gets the
texts and tables and writes them into a folder it has claimed.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.calibrate.estimate import ExportEstimates, estimate
from sim.calibrate.export import LeadExport, channel_slug
from sim.calibrate.fit import FitResult, Simulator, default_parameters, fit_all, fit_table, targets
from sim.calibrate.profile import (
    Setting,
    direct_settings,
    extends_path,
    render_scenario,
    render_value,
)
from sim.scenario.loader import load_scenario

PRIVACY_NOTE = (
    "Privacy: only the whitelisted columns of the export were read; lead ids and owners are salted "
    "SHA-256 prefixes, and no names, e-mail addresses or free text from the export are in these files."
)


@dataclass(frozen=True)
class CalibrationOptions:
    """How hard to fit: simulation horizon, replications and evaluations per parameter."""

    seed: int = 0
    fit: bool = True
    fit_days: float = 60.0
    fit_warmup_days: float = 30.0
    fit_replications: int = 3
    fit_evaluations: int = 10
    check_replications: int = 4
    workers: int | None = 1


@dataclass(frozen=True)
class Calibration:
    """The results of one calibration, ready to be written."""

    scenario_text: str
    fit: pd.DataFrame
    parameters: tuple[FitResult, ...]
    estimates: ExportEstimates
    notes: tuple[str, ...]
    summary: str


def response_settings(estimates: ExportEstimates, base_delay_mean: float) -> list[Setting]:
    """Today's response time as the model produces it: a real-time hand-off with a lognormal delay."""
    median = estimates.response_median_hours
    if median is None:
        return []
    cv = min(max(estimates.response_cv or 1.0, 0.1), 5.0)
    why = (
        "calibrated: response = hand-off delay + wait for a free rep in business hours; "
        f"leads are passed on as they come (realtime), the delay is lognormal, n={median.n}"
    )
    return [
        Setting("handoff.mode", "realtime", why),
        Setting("handoff.admin_delay_hours.distribution", "lognormal", why),
        Setting("handoff.admin_delay_hours.mean", float(median.value) if median.value > 0 else base_delay_mean,
                f"calibrated: start value, the median response, n={median.n}"),
        Setting("handoff.admin_delay_hours.cv", round(cv, 3),
                f"calibrated: cv of a lognormal fitted to the response times, n={median.n}"),
    ]


def _merge(settings: Sequence[Setting], updates: Sequence[Setting]) -> list[Setting]:
    by_path = {setting.path: setting for setting in updates}
    merged = [by_path.pop(setting.path, setting) for setting in settings]
    return merged + list(by_path.values())


def calibrate(
    export: LeadExport, base_file: Path, out_dir: Path, options: CalibrationOptions = CalibrationOptions()
) -> Calibration:
    """Estimate, fit and check; the scenario text extends ``base_file`` as seen from ``out_dir``."""
    base = load_scenario(base_file)
    estimates = estimate(export)
    settings, notes = direct_settings(estimates, base)
    settings += response_settings(estimates, base.handoff.admin_delay_hours.mean)
    name = channel_slug(Path(export.source).stem)
    header = [
        (f"Company profile calibrated by `leadsim calibrate` from {Path(export.source).name} "
        f"(layout {export.mapping}),"),
        (f"{estimates.leads} leads created {estimates.first_created:%Y-%m-%d} to {estimates.last_created:%Y-%m-%d} "
        f"(time zone {export.timezone})."),
        ("calibrated: estimated directly from the export; fitted: found by simulation; "
        "assumption: copied, not from the data."),
        PRIVACY_NOTE,
    ]
    description = f"{name}: calibrated from {estimates.leads} leads of a CRM export"
    horizon = (
        f"horizon.measurement_days={options.fit_days:g}", f"horizon.warmup_days={options.fit_warmup_days:g}",
    )
    with tempfile.TemporaryDirectory(prefix="leadsim-calibrate-") as scratch:
        draft = Path(scratch) / "scenario.yaml"
        absolute = base_file.resolve().as_posix()
        draft.write_text(render_scenario(settings, absolute, name, header, description), encoding="utf-8")
        scenario = load_scenario(draft)
        results: list[FitResult] = []
        found = targets(estimates)
        if options.fit:
            simulator = Simulator(draft, horizon, options.fit_replications, options.seed, options.workers)
            results, _ = fit_all(simulator, default_parameters(scenario, estimates), found, options.fit_evaluations)
            settings = _merge(settings, [
                Setting(result.path, _rounded(result.value), result.comment) for result in results
            ])
            notes += [
                f"{result.path}: {result.comment}" for result in results if not result.identifiable or result.at_bound
            ]
        final = Path(scratch) / "final.yaml"
        final.write_text(render_scenario(settings, absolute, name, header, description), encoding="utf-8")
        load_scenario(final)
        checker = Simulator(final, horizon, options.check_replications, options.seed + 1, options.workers)
        table = fit_table(checker, found, ())
    text = render_scenario(settings, extends_path(base_file, out_dir), name, header, description)
    summary = summary_markdown(export, estimates, results, table, notes, options)
    return Calibration(text, table, tuple(results), estimates, tuple(notes), summary)


def _rounded(value: float) -> float:
    return float(render_value(float(value))) if math.isfinite(value) else value


def summary_markdown(
    export: LeadExport, estimates: ExportEstimates, results: Sequence[FitResult], table: pd.DataFrame,
    notes: Sequence[str], options: CalibrationOptions,
) -> str:
    """A short human-readable summary: the data, what was fitted, how well the profile fits."""
    lines = [
        f"# Calibration from {Path(export.source).name}",
        "",
        (f"- {estimates.leads} leads, created {estimates.first_created:%Y-%m-%d} to {estimates.last_created:%Y-%m-%d} "
        f"({estimates.weeks:.1f} weeks), time zone {export.timezone}, layout {export.mapping}"),
        f"- date formats found: {', '.join(f'{column}: {family}' for column, family in export.date_formats.items())}",
        f"- {PRIVACY_NOTE}",
        (f"- simulation checks: {options.check_replications} replications of {options.fit_days:g} days "
        f"(after {options.fit_warmup_days:g} days warm-up), seed {options.seed}"),
        "",
        "## Fitted by simulation",
        "",
        "| parameter | value | 95% CI | against | verdict |",
        "|---|---|---|---|---|",
    ]
    for result in results:
        verdict = "not identifiable: base value kept" if not result.identifiable else (
            "at its bound" if result.at_bound else "fitted"
        )
        interval = "–" if math.isnan(result.ci_low) else f"{render_value(result.ci_low)} … {render_value(result.ci_high)}"
        lines.append(f"| `{result.path}` | {render_value(result.value)} | {interval} | {result.target} | {verdict} |")
    if not results:
        lines.append("| – | not fitted (--no-fit) | | | |")
    lines += ["", "## Observed vs simulated", "", "| target | observed | 95% CI | simulated | 95% CI | within tolerance |",
              "|---|---|---|---|---|---|"]
    for row in table.itertuples(index=False):
        lines.append(
            f"| {row.target} | {render_value(float(row.observed))} | {_interval(row.observed_ci_low, row.observed_ci_high)} "
            f"| {render_value(float(row.simulated))} | {_interval(row.simulated_ci_low, row.simulated_ci_high)} "
            f"| {'yes' if row.within_tolerance else '**no**'} |"
        )
    if notes:
        lines += ["", "## Warnings and notes", ""] + [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


def _interval(low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return "–"
    return f"{render_value(float(low))} … {render_value(float(high))}"
