"""Helpers of the report tests (a plain module: conftest files cannot be imported)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer

from sim.cli.report import register

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "reports"
HOSTILE = "<script>alert(1)</script>"


def report_app() -> typer.Typer:
    """A typer app with the report command (the real ``leadsim`` registers it the same way)."""
    app = typer.Typer()
    register(app)

    @app.command()
    def version() -> None:  # a second command, so typer keeps "report" as a sub-command
        """Placeholder."""

    return app


@dataclass(frozen=True)
class BuiltReport:
    """A report built by the ``leadsim report`` command."""

    root: Path
    html: Path
    output: str
