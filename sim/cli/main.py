"""The ``leadsim`` command: the app, its global options, the scenario-file commands and the entry point.

A consultant works from the shell: edit a scenario file, check it, see where each number
comes from, run it. Every mistake in the input ends in a short message naming the file,
line and key, and exit code 2 – never a traceback (``--debug`` shows one for developers).

Adding a command: write it in its own module with a ``register(app)``, take the shared options
as the typed aliases of :mod:`sim.cli.options` (``overrides: SetOption = None``), gather the run
settings once with :func:`sim.cli.settings.run_settings`, load files with :func:`load_for_cli`,
and let any ``sim.LeadsimError`` propagate (``main`` prints it cleanly) or call :func:`fail_cleanly`.
"""

from __future__ import annotations

import csv
import enum
import json
import os
import signal
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.cli import attribute as cli_attribute
from sim.cli import calibrate as cli_calibrate
from sim.cli import experiment as cli_experiment
from sim.cli import portfolio as cli_portfolio
from sim.cli import report as cli_report
from sim.cli import robustness as cli_robustness
from sim.cli import workshop as cli_workshop
from sim.cli.options import FileArgument, SetOption
from sim.errors import LeadsimError
from sim.scenario.loader import (
    ExplainRow,
    ResolvedScenario,
    explain_rows,
    format_value,
    resolve_scenario,
    scenario_json_schema,
)

EXIT_BAD_INPUT = 2
"""Exit code for bad input of any kind (files, options, values), as for usage errors."""
EXIT_INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT), as shells report it."""
EXIT_TERMINATED = 143
"""Exit code after SIGTERM (128 + SIGTERM)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every clean-up written for Ctrl-C runs for it too."""


class _Interrupted(BaseException):
    """Ctrl-C or SIGTERM on its way out of the command to :func:`main`.

    Typer turns a KeyboardInterrupt into a silent exit 130 before ``main`` sees it; this carries
    it past Typer so that ``main`` can say what the interrupted run kept.
    """

    def __init__(self, exit_code: int) -> None:
        super().__init__(exit_code)
        self.exit_code = exit_code


class _LeadsimGroup(typer.core.TyperGroup):
    """The command group, with interrupts passed on to :func:`main` instead of swallowed."""

    def invoke(self, ctx: Any) -> Any:  # Any: Typer's Context class lives in a private module
        """Run the command; an interrupt leaves as :class:`_Interrupted`."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as interrupt:
            code = EXIT_TERMINATED if isinstance(interrupt, Terminated) else EXIT_INTERRUPTED
            raise _Interrupted(code) from None


app = typer.Typer(
    name="leadsim",
    help="Simulate the marketing-to-sales lead lifecycle to measure org changes before making them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    cls=_LeadsimGroup,
)

_state = {"debug": False}


class ExplainFormat(str, enum.Enum):
    """Output formats of ``leadsim explain``."""

    table = "table"
    csv = "csv"
    markdown = "markdown"


# --------------------------------------------------------------------------- helpers


def parse_set_options(values: Sequence[str] | None) -> tuple[str, ...]:
    """The ``--set`` values as a tuple of ``path=value`` overrides (checked when applied)."""
    return tuple(values or ())


def load_for_cli(file: Path, overrides: Sequence[str] | None = None) -> ResolvedScenario:
    """Resolve a scenario file with ``--set`` overrides; raises ScenarioError on bad input."""
    return resolve_scenario(file, parse_set_options(overrides))


def print_error(message: str) -> None:
    """Write a user-facing error message to stderr, unwrapped (one problem per line)."""
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def fail_cleanly(error: LeadsimError | str) -> NoReturn:
    """Print an error to stderr and exit with code 2; with --debug also show the traceback."""
    if _state["debug"] and isinstance(error, BaseException):
        traceback.print_exception(error, file=sys.stderr)
    print_error(str(error))
    raise typer.Exit(EXIT_BAD_INPUT)


# --------------------------------------------------------------------------- commands


def _print_version(value: bool) -> None:
    if value:
        from sim import __version__

        typer.echo(f"leadsim {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks for errors (for developers).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Simulate the marketing-to-sales lead lifecycle."""
    _state["debug"] = debug


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files.")],
    overrides: SetOption = None,
) -> None:
    """Check scenario files (and their assumption range files); print OK per file, or the problems with file:line and exit 2."""
    from sim.scenario.ranges import chain_ranges

    failed = False
    for file in files:
        try:
            chain_ranges(load_for_cli(file, overrides))  # the range files of every file in the chain
        except LeadsimError as error:
            failed = True
            if _state["debug"]:
                traceback.print_exception(error, file=sys.stderr)
            print_error(str(error))
        else:
            typer.echo(f"OK {file}")
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a scenario file (committed as scenarios/schema.json)."""
    typer.echo(json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False))


@app.command()
def explain(
    file: FileArgument,
    overrides: SetOption = None,
    output_format: Annotated[
        ExplainFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ExplainFormat.table,
) -> None:
    """Show every effective parameter, its value, its plausible range and the file and line that set it."""
    from sim.scenario.ranges import chain_ranges

    resolved = load_for_cli(file, overrides)
    rows = explain_rows(resolved)
    ranges = {path: entry.spec.text for path, (_, entry) in chain_ranges(resolved).items()}
    if output_format is ExplainFormat.csv:
        _explain_csv(rows, ranges)
    elif output_format is ExplainFormat.markdown:
        _explain_markdown(rows, ranges)
    else:
        _explain_table(rows, ranges, title=str(file))


@app.command()
def assumptions(
    files: Annotated[
        list[Path] | None,
        typer.Argument(metavar="[FILE...]", help="Scenario files (default: the bundled setups)."),
    ] = None,
    write: Annotated[
        Path | None, typer.Option("--write", help="Write the Markdown to this file (atomically).")
    ] = None,
) -> None:
    """Print (or write) the assumptions register: every parameter per scenario with its source."""
    from sim.outputs import check_target_file, write_file
    from sim.scenario.assumptions import BUNDLED_SCENARIOS, assumptions_markdown

    if write is not None:
        check_target_file(write, "--write file")  # before the scenarios are read
    text = assumptions_markdown([str(file) for file in files] if files else BUNDLED_SCENARIOS)
    if write is None:
        typer.echo(text, nl=False)
        return
    write_file(write, text.encode("utf-8"), "--write file")
    typer.echo(f"written: {write}")


def _explain_csv(rows: Sequence[ExplainRow], ranges: Mapping[str, str]) -> None:
    from sim.cell_safety import safe_cell

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["parameter", "value", "source", "line", "comment", "range"])
    for row in rows:
        line = "" if row.line is None else row.line
        cells = [row.path, format_value(row.value), row.source_file, line, row.comment, ranges.get(row.path, "")]
        writer.writerow([safe_cell(cell) for cell in cells])  # often redirected into a .csv for Excel


def _explain_markdown(rows: Sequence[ExplainRow], ranges: Mapping[str, str]) -> None:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    typer.echo("| parameter | value | source | comment | range |")
    typer.echo("|---|---|---|---|---|")
    for row in rows:
        cells = (row.path, format_value(row.value), row.source, row.comment, ranges.get(row.path, ""))
        typer.echo("| " + " | ".join(cell(c) for c in cells) + " |")


def _explain_table(rows: Sequence[ExplainRow], ranges: Mapping[str, str], title: str) -> None:
    table = Table(title=title, show_lines=False)
    table.add_column("parameter", overflow="fold")
    table.add_column("value", overflow="fold")
    table.add_column("range", overflow="fold")  # next to the value it bounds
    table.add_column("source", overflow="fold")
    table.add_column("comment", overflow="fold")
    for row in rows:
        style = "dim" if row.line is None and row.source_file.startswith("default") else None
        cells = (row.path, format_value(row.value), ranges.get(row.path, ""), row.source, row.comment)
        table.add_row(*(Text(cell) for cell in cells), style=style)
    console = Console(highlight=False)
    if not console.is_terminal:  # piped or redirected: do not squeeze into 80 columns
        console = Console(highlight=False, width=max(console.width, 200))
    console.print(table)


# --------------------------------------------------------------------------- more commands

cli_experiment.register(app)
cli_attribute.register(app)
cli_portfolio.register(app)  # beside attribute: it prices the same lever subset runs
cli_calibrate.register(app)
cli_report.register(app)
cli_robustness.register(app)
cli_workshop.register(app)


# --------------------------------------------------------------------------- entry point


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While the command runs, SIGTERM ends it like Ctrl-C (workers stopped, one line, no traceback)."""
    if not hasattr(signal, "SIGTERM"):
        yield
        return
    owner = os.getpid()

    def terminate(number: int, frame: FrameType | None) -> None:
        if os.getpid() != owner:  # a forked worker inherited this handler: die as SIGTERM means
            signal.signal(number, signal.SIG_DFL)
            os.kill(os.getpid(), number)
            return
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread (main() called from a thread): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted(exit_code: int) -> NoReturn:
    """Say what the interrupted run kept and how to resume, then exit 130 (or 143 for SIGTERM)."""
    from sim.experiment.progress import interrupted_message

    print_error(interrupted_message())
    sys.exit(exit_code)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``leadsim`` and ``python -m sim``: bad input exits 2, never a traceback."""
    from sim.experiment.progress import command_line_mode

    _state["debug"] = False
    args = list(sys.argv[1:] if argv is None else argv)
    command_line_mode()  # experiments announce their estimate and count what they cache
    try:
        _run(args)
    finally:
        command_line_mode(False)  # main() called in-process (tests) leaves library calls quiet


def _run(args: list[str]) -> None:
    """Run the command; every way it can fail ends in one line on stderr and an exit code."""
    try:
        with _sigterm_as_interrupt():
            app(args=args, prog_name="leadsim")
    except _Interrupted as interrupt:
        _interrupted(interrupt.exit_code)
    except KeyboardInterrupt as interrupt:  # outside a command (while parsing, between commands)
        _interrupted(EXIT_TERMINATED if isinstance(interrupt, Terminated) else EXIT_INTERRUPTED)
    except LeadsimError as error:
        if _state["debug"] or "--debug" in args:
            traceback.print_exception(error, file=sys.stderr)
        print_error(str(error))
        sys.exit(EXIT_BAD_INPUT)
    except (RecursionError, MemoryError) as error:
        # Last line of defence: the loader bounds nesting and size, so this means a limit was missed.
        if "--debug" in args:
            traceback.print_exception(error, file=sys.stderr)
        print_error(f"the input is too large or too deeply nested to process ({type(error).__name__})")
        sys.exit(EXIT_BAD_INPUT)
    except OSError as error:
        # A file-system problem the commands did not foresee (full disk, permissions, special files).
        if "--debug" in args:
            traceback.print_exception(error, file=sys.stderr)
        where = f" {error.filename}" if error.filename else ""
        print_error(f"file system error{where}: {error.strerror or error}")
        sys.exit(EXIT_BAD_INPUT)


if __name__ == "__main__":
    main()
