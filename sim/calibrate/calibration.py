"""One calibration from export to files: estimate, fit by simulation, check, and summarise.

The steps run in the order a consultant would check them by hand: first what the export shows
directly (volumes, profiles, response times, cycles, deal values), written into a draft profile;
then the few parameters only a simulation can find; then the whole profile is simulated once more
and compared with the export, target by target. Nothing is written here: the caller gets the
texts and tables and writes them into a folder it has claimed. :func:`prepare` does everything
up to the first simulation - the draft profile is validated and the size of the fitting is
estimated - so a bad export or an oversized run is refused before the folder is claimed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.calibrate.estimate import ExportEstimates, estimate
from sim.calibrate.export import (
    MAX_CHANNELS,
    MAX_LEADS_PER_WEEK,
    ExportError,
    LeadExport,
    channel_slug,
    first_lines,
    lines,
)
from sim.calibrate.fit import (
    FitParameter,
    FitResult,
    Simulator,
    default_parameters,
    fit_all,
    fit_table,
    targets,
)
from sim.calibrate.profile import (
    Setting,
    direct_settings,
    extends_path,
    render_scenario,
    render_value,
    settings_layer,
)
from sim.errors import ExperimentError, ScenarioError
from sim.experiment.budget import Estimate, check_budget
from sim.experiment.budget import estimate as estimate_size
from sim.scenario.loader import load_scenario
from sim.scenario.overrides import Override
from sim.scenario.schema import Scenario
from sim.scenario.spec import ScenarioSpec

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


MAX_FIT_EVALUATIONS = 100
"""Most simulations per fitted parameter: the bounded search converges in 10-20, more only costs time."""
MAX_FIT_DAYS = 3650.0
"""Longest fitting horizon (the schema's horizon.measurement_days limit)."""
# Where each calibrated scenario field comes from in the export, for messages about a bad value.
_SOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("channels.", ("channel", "created_at")),
    ("conversion.deal_value", ("amount",)),
    ("conversion.sales_cycle_days", ("qualified_at", "first_contact_at", "won_at")),
    ("sales.max_attempts", ("contact_attempts",)),
    ("sales.reps", ("owner",)),
    ("calendar.", ("first_contact_at",)),
    ("handoff.", ("created_at", "first_contact_at")),
)


@dataclass(frozen=True)
class Draft:
    """Everything the export shows directly, validated as a scenario before anything is simulated."""

    base: Scenario
    estimates: ExportEstimates
    settings: tuple[Setting, ...]
    notes: tuple[str, ...]
    name: str
    header: tuple[str, ...]
    description: str
    scenario: Scenario
    """The draft profile with the fitting horizon: what every fitting simulation runs."""
    parameters: tuple[FitParameter, ...]


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


def _horizon(options: CalibrationOptions) -> tuple[Override, ...]:
    """The fitting horizon, in days to six significant digits (as messages show them)."""
    return tuple(
        Override.at(path, float(f"{days:g}"), origin=f"{path}={days:g}")
        for path, days in (
            ("horizon.measurement_days", options.fit_days), ("horizon.warmup_days", options.fit_warmup_days)
        )
    )


DRAFT_SOURCE = "calibrated profile"
"""Where a value of the draft profile comes from, in messages about it (the file is not written yet)."""


def draft_spec(base_file: Path, settings: Sequence[Setting], name: str, description: str) -> ScenarioSpec:
    """The calibrated profile as the written file would load: the base with the settings on top."""
    return ScenarioSpec.of(base_file.resolve(), [settings_layer(settings, description, DRAFT_SOURCE)], name)


def check_options(options: CalibrationOptions) -> None:
    """Refuse fitting options outside what is allowed (exit 2 naming the option), before any work."""
    for label, value, minimum, maximum in (
        ("--fit-replications", options.fit_replications, 2, None),
        ("--fit-evaluations", options.fit_evaluations, 3, MAX_FIT_EVALUATIONS),
        ("--check-replications", options.check_replications, 2, None),
        ("--workers", options.workers, 1, None),
    ):
        if value is None:
            continue
        if value < minimum or (maximum is not None and value > maximum):
            allowed = f"a whole number from {minimum} to {maximum}" if maximum else f"a whole number >= {minimum}"
            raise ExperimentError(f"{label} must be {allowed} (got {value})")
    if not (math.isfinite(options.fit_days) and 0 < options.fit_days <= MAX_FIT_DAYS):
        raise ExperimentError(
            f"--fit-days must be a number of days > 0 and <= {MAX_FIT_DAYS:g} (got {options.fit_days:g}); "
            "it is the measured horizon of every fitting simulation (default 60)"
        )


def prepare(export: LeadExport, base_file: Path, options: CalibrationOptions = CalibrationOptions()) -> Draft:
    """Estimate what the export shows and validate the draft profile: ExportError names column and lines."""
    base = load_scenario(base_file)
    _check_channel_total(export, base, base_file)
    estimates = estimate(export)
    _check_volumes(export, estimates)
    settings, notes = direct_settings(estimates, base)
    settings += response_settings(estimates, base.handoff.admin_delay_hours.mean)
    name = channel_slug(Path(export.source).stem)
    header = (
        (f"Company profile calibrated by `leadsim calibrate` from {Path(export.source).name} "
        f"(layout {export.mapping}),"),
        (f"{estimates.leads} leads created {estimates.first_created:%Y-%m-%d} to {estimates.last_created:%Y-%m-%d} "
        f"(time zone {export.timezone})."),
        ("calibrated: estimated directly from the export; fitted: found by simulation; "
        "assumption: copied, not from the data."),
        PRIVACY_NOTE,
    )
    description = f"{name}: calibrated from {estimates.leads} leads of a CRM export"
    try:
        scenario = draft_spec(base_file, settings, name, description).with_overrides(_horizon(options)).load()
    except ScenarioError as error:
        raise _export_error(export, error) from None
    parameters = tuple(default_parameters(scenario, estimates)) if options.fit else ()
    return Draft(base, estimates, tuple(settings), tuple(notes), name, header, description, scenario, parameters)


def _export_error(export: LeadExport, error: ScenarioError) -> ExportError:
    """A value of the draft profile the schema refused, told as the export's problem."""
    text = re.sub(re.escape(DRAFT_SOURCE) + r":\s*", "", str(error))
    generics = next((columns for prefix, columns in _SOURCES if prefix in text), ())
    columns = [repr(export.column_names[generic]) for generic in generics if generic in export.column_names]
    where = f" (estimated from column(s) {', '.join(columns)})" if columns else ""
    return ExportError(
        f"{export.source}: the values estimated from the export do not make a valid scenario{where}: {text}; "
        "check these columns for implausible values"
    )


def _check_channel_total(export: LeadExport, base: Scenario, base_file: Path) -> None:
    """The export's channels plus the base's other channels must fit into one scenario."""
    seen = list(dict.fromkeys(export.leads["channel"]))
    base_names = [channel.name for channel in base.channels]
    new = [name for name in seen if name not in base_names]
    total = len(base_names) + len(new)
    if total <= MAX_CHANNELS:
        return
    beyond = new[len(new) - (total - MAX_CHANNELS):]
    column = repr(export.column_names.get("channel", "channel"))
    raise ExportError(
        f"{export.source}: column {column}: the export's {len(seen)} channels and the base's "
        f"{total - len(seen)} other channels ({base_file}) make {total}; a scenario has at most "
        f"{MAX_CHANNELS} - the {total - MAX_CHANNELS} beyond it (e.g. {', '.join(repr(n) for n in beyond[:3])}) "
        f"first appear on line(s) {first_lines(export.leads['channel'], beyond)}; merge small sources "
        "with channel_aliases in a --mapping file"
    )


def _check_volumes(export: LeadExport, estimates: ExportEstimates) -> None:
    """Leads per week per channel within the schema's limit (creation dates squeezed into hours are not)."""
    limit = MAX_LEADS_PER_WEEK
    for channel in estimates.channels:
        if channel.leads_per_week.value <= limit:
            continue
        rows = export.leads.index[export.leads["channel"] == channel.name]
        column = repr(export.column_names.get("created_at", "created_at"))
        raise ExportError(
            f"{export.source}: column {column}: the {channel.leads} {channel.name} leads were created within "
            f"{estimates.weeks * 7 * 24:.3g} hours, about {channel.leads_per_week.value:,.0f} leads a week; a "
            f"scenario allows at most {limit:,.0f} a week per channel - check the creation dates "
            f"(lines {lines(rows)}) and the --date-format"
        )


def run_size(draft: Draft, options: CalibrationOptions) -> Estimate:
    """The simulations a calibration runs at most: every fitting evaluation plus the final check."""
    fitted = sum(1 + (parameter.fallback is not None) for parameter in draft.parameters)
    replications = fitted * options.fit_evaluations * options.fit_replications + options.check_replications
    return estimate_size([draft.scenario], replications)


def check_run_size(draft: Draft, options: CalibrationOptions, source: str, yes: bool) -> None:
    """Refuse (exit 2) a calibration above the run-size thresholds of every command, unless ``yes``."""
    size = run_size(draft, options)
    try:
        check_budget(size, yes)
    except ExperimentError:
        leads = sum(channel.leads_per_week for channel in draft.scenario.channels)
        raise ExperimentError(
            f"{source}: calibrating this export is a very large run ({size.text()}): {leads:,.0f} leads a "
            f"week over {options.fit_warmup_days + options.fit_days:g} days per simulation, "
            f"{len(draft.parameters)} parameters x --fit-evaluations {options.fit_evaluations} x "
            f"--fit-replications {options.fit_replications} plus --check-replications "
            f"{options.check_replications}. Lower --fit-days or these options, use --no-fit, or pass --yes "
            "to run it anyway"
        ) from None


def calibrate(
    export: LeadExport, base_file: Path, out_dir: Path, options: CalibrationOptions = CalibrationOptions(),
    draft: Draft | None = None,
) -> Calibration:
    """Estimate, fit and check; the scenario text extends ``base_file`` as seen from ``out_dir``."""
    draft = draft if draft is not None else prepare(export, base_file, options)
    estimates, name, header, description = draft.estimates, draft.name, draft.header, draft.description
    settings, notes = list(draft.settings), list(draft.notes)
    horizon = _horizon(options)
    results: list[FitResult] = []
    found = targets(estimates)
    if options.fit:
        draft_profile = draft_spec(base_file, settings, name, description)
        simulator = Simulator(draft_profile, horizon, options.fit_replications, options.seed, options.workers)
        results, _ = fit_all(simulator, draft.parameters, found, options.fit_evaluations)
        settings = _merge(settings, [
            Setting(result.path, _rounded(result.value), result.comment) for result in results
        ])
        notes += [
            f"{result.path}: {result.comment}" for result in results if not result.identifiable or result.at_bound
        ]
    final = draft_spec(base_file, settings, name, description)
    final.load()
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
