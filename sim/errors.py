"""Exceptions of leadsim: one base class so the CLI can turn any of them into a clean message."""

from __future__ import annotations


class LeadsimError(Exception):
    """Base of every error leadsim reports to a user (exit code 2, no traceback)."""


class ScenarioError(LeadsimError):
    """A scenario file or override is missing, malformed or out of range."""


class ExperimentError(LeadsimError):
    """An experiment cannot run as asked (bad option, unusable cache, failed worker)."""


class ReportError(LeadsimError):
    """A report could not be produced (notebook failed, bad report configuration)."""


class OutputError(LeadsimError):
    """An output folder or file cannot be claimed or written (taken, unwritable, not a folder)."""
