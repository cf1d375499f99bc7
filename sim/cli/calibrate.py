"""The ``leadsim calibrate`` command: a company profile from the client's own CRM export.

The consultant exports the client's leads from HubSpot, Salesforce or any CRM as CSV and runs
``leadsim calibrate leads.csv --out client/``. The options, the export and the draft profile are
checked completely first and the size of the fitting is estimated, so a bad file ends with a
message naming the column and lines, and an oversized run is refused unless ``--yes`` is given -
both leave no folder behind; only then is the output folder claimed and ``scenario.yaml``,
``fit.csv`` and ``calibration.md`` written, each atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from sim.cli.options import ForceOption, YesOption
from sim.cli.output_folder import open_output
from sim.cli.tables import wide_console

ProfileOption = Annotated[
    str, typer.Option("--profile", "-p", help="Export layout: generic, hubspot or salesforce.")
]


def calibrate_command(
    export: Annotated[Path, typer.Argument(metavar="EXPORT.csv", help="CRM export, one row per lead.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (must be empty or new).")],
    profile: ProfileOption = "generic",
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML column mapping (generic column -> export column).")
    ] = None,
    extends: Annotated[
        Path | None, typer.Option("--extends", help="Base scenario to extend (default: the bundled base.yaml).")
    ] = None,
    timezone: Annotated[str, typer.Option("--timezone", help="Time zone of dates without one (IANA name).")] = "UTC",
    date_format: Annotated[
        str | None, typer.Option("--date-format", help="strftime format of all dates, e.g. '%d.%m.%Y %H:%M'.")
    ] = None,
    encoding: Annotated[str, typer.Option("--encoding", help="Text encoding of the export, e.g. cp1252.")] = "utf-8",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the fitting simulations.")] = 0,
    fit: Annotated[bool, typer.Option("--fit/--no-fit", help="Fit the parameters the data cannot show directly.")] = True,
    fit_days: Annotated[float, typer.Option("--fit-days", help="Measured days per fitting simulation.")] = 60.0,
    fit_replications: Annotated[int, typer.Option("--fit-replications", help="Replications per fitting step.")] = 3,
    fit_evaluations: Annotated[
        int, typer.Option("--fit-evaluations", help="Simulations per fitted parameter (3 to 100).")
    ] = 10,
    check_replications: Annotated[
        int, typer.Option("--check-replications", help="Replications of the final fit check.")
    ] = 4,
    workers: Annotated[int | None, typer.Option("--workers", "-w", help="Worker processes (default 1).")] = 1,
    previous: Annotated[
        Path | None,
        typer.Option("--previous", help="An earlier calibration folder: flag what drifted since (drift.csv)."),
    ] = None,
    force: ForceOption = False,
    yes: YesOption = False,
) -> None:
    """Calibrate a scenario to a CRM export: writes scenario.yaml, fit.csv and calibration.md."""
    from sim.bundled import scenarios_dir
    from sim.calibrate.calibration import (
        CalibrationOptions,
        calibrate,
        check_options,
        check_run_size,
        prepare,
    )
    from sim.calibrate.drift import drift_markdown, drift_table, read_previous
    from sim.calibrate.export import read_export
    from sim.calibrate.profiles import load_mapping
    from sim.calibrate.profiles import profile as builtin_profile
    from sim.scenario.loader import load_scenario

    options = CalibrationOptions(
        seed=seed, fit=fit, fit_days=fit_days, fit_replications=fit_replications,
        fit_evaluations=fit_evaluations, check_replications=check_replications, workers=workers,
    )
    check_options(options)
    column_mapping = load_mapping(mapping) if mapping is not None else builtin_profile(profile)
    base_file = extends if extends is not None else scenarios_dir() / "base.yaml"
    load_scenario(base_file)  # a broken base is the user's input too: fail before reading further
    leads = read_export(export, column_mapping, timezone=timezone, date_format=date_format, encoding=encoding)
    earlier = read_previous(previous) if previous is not None else None
    draft = prepare(leads, base_file, options)  # the export's values, checked against the schema
    check_run_size(draft, options, str(export), yes)
    console = wide_console()
    shown = escape(str(export))  # a file name is not rich markup
    console.print(f"read {len(leads.leads)} leads from {shown}" + ("; fitting by simulation …" if fit else ""))
    # Every input is checked above; only now is the output folder claimed (exclusively).
    with open_output(out, "calibrate", force) as folder:
        out_dir = folder.shown
        result = calibrate(leads, base_file, out_dir, options, draft)
        summary = result.summary
        drift = None
        if earlier is not None and previous is not None:
            drift = drift_table(earlier, result.fit)
            summary += "\n" + drift_markdown(drift, str(previous))
        folder.write_text("scenario.yaml", result.scenario_text)
        folder.write_csv("fit.csv", result.fit)
        if drift is not None:
            folder.write_csv("drift.csv", drift)
        folder.write_text("calibration.md", summary)
    within = int(result.fit["within_tolerance"].sum())
    console.print(f"fit: {within} of {len(result.fit)} targets within tolerance")
    for note in result.notes:
        console.print(f"[yellow]warning:[/] {escape(note)}")
    if drift is not None:
        for row in drift[drift["drift"]].itertuples(index=False):
            console.print(
                f"[yellow]drift:[/] {escape(str(row.target))}: {row.previous:.4g} -> {row.current:.4g} "
                "(beyond both 95% intervals)"
            )
    console.print(f"written: {escape(str(out_dir / 'scenario.yaml'))}, " + ", ".join(folder.written[1:]))


def register(app: typer.Typer) -> None:
    """Add ``calibrate`` to the ``leadsim`` command."""
    app.command("calibrate")(calibrate_command)
