"""The ``leadsim report`` command: a scenario comparison as a self-contained HTML report.

An analyst runs ``leadsim report`` by hand or from cron; each run writes a new dated folder
under ``reports/`` (never overwriting one), updates ``reports/index.html`` and prints the path
of the new ``report.html``. With ``--config reports.yaml`` it runs several report jobs in one
go. Any failure ends with a one-line reason and exit code 2, leaving no half-written folder.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from sim.scenario.limits import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_NUMBER_DIGITS,
    MAX_SET_CHARS,
    check_yaml_shape,
    clip,
)

__all__ = ["DEFAULT_SCENARIOS", "register"]

DEFAULT_SCENARIOS = (
    "scenarios/separate_departments.yaml",
    "scenarios/customer_happiness_team.yaml",
    "scenarios/sdr_team.yaml",
)
"""The three bundled org setups (the same as ``sim.report.DEFAULT_SCENARIOS``).

``sim.report`` is imported only when the command runs: it pulls in Altair, papermill and
nbconvert, which every other ``leadsim`` command would otherwise pay for at start-up.
"""


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_parameters(texts: list[str]) -> dict[str, Any]:
    """``-p key=value`` texts as notebook parameters; values are read as YAML (``3``, ``[a, b]``).

    A value is held to the limits of scenario files and ``--set`` values (length, nesting,
    alias expansion, digits) before it is parsed, so a few hundred bytes of YAML aliases are
    refused at once instead of expanding to hundreds of megabytes.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from sim.report.parameters import kpi_names

    parameters: dict[str, Any] = {}
    for item in texts:
        key, separator, raw = item.partition("=")
        key = key.strip()
        if not separator or not key.isidentifier():
            raise typer.BadParameter(
                f"{clip(item, 60)!r}: give a notebook parameter as key=value, e.g. -p replications=5",
                param_hint="'-p' / '--parameter'",
            )
        _check_value_shape(key, raw)
        try:
            value = YAML(typ="safe").load(raw) if raw.strip() else ""
        except YAMLError:
            value = raw  # not YAML: the text as written
        except (ValueError, RecursionError) as error:
            _refuse(key, raw, f"the value cannot be read ({clip(str(error), 120)})")
        value = raw if value is None and raw.strip() not in ("null", "~") else value
        # -p kpi_focus=revenue names a KPI; as text it would be read letter by letter.
        parameters[key] = kpi_names(value) if key == "kpi_focus" else value
    return parameters


_ALLOWED_VALUE = (
    f"A -p value is a number, a word or a short list, read as YAML within the limits of scenario "
    f"files and --set values: at most {MAX_SET_CHARS:,} characters, {MAX_DEPTH} levels of "
    f"nesting, {MAX_NODES:,} values once YAML aliases are expanded, and numbers of at most "
    f"{MAX_NUMBER_DIGITS} digits."
)


def _refuse(key: str, raw: str, problem: str) -> NoReturn:
    """Stop with one paragraph naming the parameter, its value (cut) and what is allowed."""
    from sim.errors import ReportError

    shown = clip(raw.replace("\n", "\\n"), 60)  # one paragraph, even for a multi-line value
    raise ReportError(f"-p {key}={shown}: {problem}. {_ALLOWED_VALUE}")


def _check_value_shape(key: str, raw: str) -> None:
    """Refuse a ``-p`` value beyond the scenario limits (measured from parser events, not built)."""
    from sim.errors import ScenarioError

    if len(raw) > MAX_SET_CHARS:
        _refuse(key, raw, f"the value has {len(raw):,} characters")
    try:
        check_yaml_shape(raw, "")
    except ScenarioError as error:
        # The scenario wording follows a dash ("– a scenario file holds …") and a position
        # (":1:5: ") leads; the paragraph states the -p limits itself.
        problem = re.sub(r"^(:\d+:\d+)?:\s*", "", str(error)).split(" – ")[0]
        _refuse(key, raw, problem.replace("the document", "the value"))


def _adaptive_options(
    notebook: str,
    replications: str | None,
    precision: float | None,
    max_replications: int | None,
    lever_replications: int | None,
    parameters: dict[str, Any],
) -> int | None:
    """The replications to pass on; for ``auto`` on a notebook that can, its precision parameters.

    An explicit ``-r N`` runs exactly N (and the attribution over exactly the first
    ``lever_replications``); ``auto`` – the default of a comparison – passes the precision target
    and the practical band of the attribution as notebook parameters, with the cap as
    ``replications``. ``-p precision=…`` and ``-p lever_band=…`` win over the defaults.
    """
    from sim.experiment.comparison import DEFAULT_PRECISION
    from sim.report.levers import LEVER_BAND
    from sim.report.notebooks import notebook_parameters, notebook_path

    text = (replications or "auto").strip().lower()
    if text != "auto":
        if not text.isdigit() or int(text) < 1:
            raise typer.BadParameter(f"give a whole number >= 1 or auto, got {clip(replications or '', 40)!r}",
                                     param_hint="'-r' / '--replications'")
        if precision is not None or max_replications is not None:
            raise typer.BadParameter("--precision and --max-replications go with -r auto, not a number",
                                     param_hint="'--precision' / '--max-replications'")
        return int(text)
    known = notebook_parameters(notebook_path(notebook))
    if "precision" not in known:
        if precision is not None or max_replications is not None or replications is not None:
            raise typer.BadParameter(f"the {notebook} notebook runs a fixed number of replications: give -r N",
                                     param_hint="'-r' / '--replications'")
        return None
    parameters.setdefault("precision", DEFAULT_PRECISION if precision is None else precision)
    if "lever_band" in known and lever_replications is None:
        parameters.setdefault("lever_band", LEVER_BAND)
    return max_replications


def report_command(
    scenarios: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[SCENARIO...]",
            help="Scenario files; the first is the reference. Default: "
            + " ".join(DEFAULT_SCENARIOS),
            show_default=False,
        ),
    ] = None,
    notebook: Annotated[
        str,
        typer.Option(
            "--notebook", help="compare, scenario, sensitivity, or a path to an .ipynb."
        ),
    ] = "compare",
    replications: Annotated[
        str | None,
        typer.Option(
            "--replications",
            "-r",
            help="Replications per scenario: a number (exactly that many), or auto (compare: "
            "add replications until --precision is reached, at most --max-replications). "
            "Default: auto for compare, 30 for scenario, 10 for sensitivity.",
            show_default=False,
        ),
    ] = None,
    precision: Annotated[
        float | None,
        typer.Option(
            "--precision",
            help="compare, auto: target 95 % CI half-width of the net benefit per year, "
            "relative to it (default: 0.1 for ±10 %).",
            show_default=False,
        ),
    ] = None,
    max_replications: Annotated[
        int | None,
        typer.Option(
            "--max-replications",
            min=2,
            help="compare, auto: stop here even if the precision is not reached (default: 30).",
            show_default=False,
        ),
    ] = None,
    lever_replications: Annotated[
        int | None,
        typer.Option(
            "--lever-replications",
            min=2,
            help="compare: exactly this many replications per lever combination of the "
            "attribution, the comparison's first ones (default: from 2 up to 10, as many as "
            "the levers' intervals need).",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0, help="Root seed.")] = 0,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Folder of the dated report folders (default: reports; with --config: "
            "the file's 'out:', else reports next to it).",
            show_default=False,
        ),
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Report title (also names the folder).")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Run the report jobs of this YAML file (for cron)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", min=1, help="Worker processes (default: all cores)."),
    ] = None,
    language: Annotated[str, typer.Option("--language", "-l", help="en or de.")] = "en",
    reference: Annotated[
        str | None, typer.Option("--reference", help="Name of the reference scenario.")
    ] = None,
    levers: Annotated[
        bool,
        typer.Option(
            "--levers/--no-levers",
            help="Attribute the difference to the levers (Shapley values; simulates lever subsets).",
        ),
    ] = True,
    cache: Annotated[
        bool,
        typer.Option("--cache/--no-cache", help="Reuse cached replications (.leadsim-cache)."),
    ] = True,
    parameter: Annotated[
        list[str] | None,
        typer.Option(
            "--parameter",
            "-p",
            help="A notebook parameter as key=value (YAML value), e.g. -p journeys=3; repeatable.",
            show_default=False,
        ),
    ] = None,
    progress: Annotated[
        bool,
        typer.Option(
            "--progress/--no-progress",
            help="Show progress with the time left on stderr (notebook cells, replications).",
        ),
    ] = True,
) -> None:
    """Run a report notebook and write a self-contained HTML report into a dated folder."""
    parameters = parse_parameters(parameter or [])
    if lever_replications is not None:
        parameters.setdefault("lever_replications", lever_replications)
    from sim.outputs import DEFAULT_CACHE_DIR, check_can_create
    from sim.report import make_report, run_report_config

    if out is not None or config is None:
        # Before the simulation: an unwritable --out would otherwise be noticed at the very end.
        check_can_create(out if out is not None else Path("reports"), "--out folder")
    cache_dir = str(DEFAULT_CACHE_DIR) if cache else None
    if config is not None:
        if scenarios:
            raise typer.BadParameter("give either scenario files or --config, not both")
        if parameters:
            raise typer.BadParameter("with --config, give parameters in the file's jobs")
        paths = run_report_config(
            config,
            out_root=out,
            cache_dir=cache_dir,
            log=_log,
            progress=progress,
        )
        for path in paths:
            typer.echo(str(path))
        return
    count = _adaptive_options(notebook, replications, precision, max_replications, lever_replications, parameters)
    path = make_report(
        [str(s) for s in scenarios] if scenarios else list(DEFAULT_SCENARIOS),
        out_root=out if out is not None else Path("reports"),
        notebook=notebook,
        replications=count,
        seed=seed,
        title=title,
        workers=workers,
        language=language,
        reference=reference,
        attribute_levers=levers,
        parameters=parameters,
        cache_dir=cache_dir,
        log=_log,
        progress=progress,
    )
    typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to the ``leadsim`` app."""
    app.command("report")(report_command)
