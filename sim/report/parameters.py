"""A report notebook's parameters, checked before anything runs (papermill only warns)."""

from __future__ import annotations

from typing import Any

from sim import kpis
from sim.errors import ReportError
from sim.report.scenarios import find_scenario_file

MIN_LEVER_REPLICATIONS = 2
"""Paired intervals of lever effects need at least two replications."""


def _fail(message: str) -> None:
    raise ReportError(message)


def check_whole_number(name: str, value: Any, minimum: int) -> None:
    """Raise ReportError unless ``value`` is a whole number (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        _fail(f"{name} must be a whole number >= {minimum}, got {value!r}")


def check_parameters(
    *,
    scenario_files: Any = None,
    scenario_file: Any = None,
    reference: Any = None,
    replications: Any = 3,
    seed: Any = 0,
    title: Any = "",
    kpi_focus: Any = None,
    language: Any = "en",
    output_dir: Any = None,
    workers: Any = None,
    cache_dir: Any = None,
    lever_replications: Any = None,
    **others: Any,
) -> None:
    """Check a notebook's parameters (papermill does not); raise ReportError naming the problem."""
    del others  # notebook-specific parameters are checked by the notebook itself
    if scenario_files is not None:
        if isinstance(scenario_files, str) or not isinstance(scenario_files, (list, tuple)):
            _fail(f"scenario_files must be a list of file names, got {scenario_files!r}")
        if not scenario_files:
            _fail("scenario_files is empty: give at least one scenario file")
        for file in scenario_files:
            if not isinstance(file, str) or not file:
                _fail(f"scenario_files must hold file names (text), got {file!r}")
            find_scenario_file(file)
    if scenario_file is not None:
        if not isinstance(scenario_file, str) or not scenario_file:
            _fail(f"scenario_file must be a file name (text), got {scenario_file!r}")
        find_scenario_file(scenario_file)
    if reference is not None and not isinstance(reference, str):
        _fail(f"reference must be a scenario name or None, got {reference!r}")
    check_whole_number("replications", replications, 1)
    check_whole_number("seed", seed, 0)
    if lever_replications is not None:
        check_whole_number("lever_replications", lever_replications, MIN_LEVER_REPLICATIONS)
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        _fail(f"workers must be a whole number >= 1 or None, got {workers!r}")
    if not isinstance(title, str):
        _fail(f"title must be text, got {title!r}")
    if language not in kpis.LANGUAGES:
        _fail(f"language must be one of {', '.join(kpis.LANGUAGES)}, got {language!r}")
    if kpi_focus is not None:
        if isinstance(kpi_focus, str) or not isinstance(kpi_focus, (list, tuple)) or not kpi_focus:
            _fail(f"kpi_focus must be a non-empty list of KPI names or None, got {kpi_focus!r}")
        try:
            kpis.check(list(kpi_focus), where="kpi_focus")
        except kpis.KpiError as error:
            _fail(str(error))
    for name, value in (("output_dir", output_dir), ("cache_dir", cache_dir)):
        if value is not None and (not isinstance(value, str) or not value):
            _fail(f"{name} must be a folder name (text) or None, got {value!r}")


