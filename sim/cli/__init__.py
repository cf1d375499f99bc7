"""The ``leadsim`` command line (typer): one module per command family, heavy imports deferred."""

from sim.cli.main import main

__all__ = ["main"]
