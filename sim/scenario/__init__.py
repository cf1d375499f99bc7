"""Scenarios: the schema of a company setup, loading YAML with origins, inheritance and overrides.

``load_scenario`` reads a file (and its ``extends:`` parents), applies ``--set`` overrides and
validates the result; every value remembers its file, line and comment for errors and
``leadsim explain``. A ``ScenarioSpec`` is a file plus overlays and overrides composed in memory.
"""

from typing import TYPE_CHECKING

from sim._lazy import lazy_exports

if TYPE_CHECKING:
    from sim.scenario.loader import (
        ExplainRow,
        ResolvedScenario,
        ScenarioValidationError,
        dump_resolved_yaml,
        explain_rows,
        format_value,
        load_scenario,
        resolve_scenario,
        scenario_json_schema,
    )
    from sim.scenario.overrides import Override, parse_set
    from sim.scenario.schema import Scenario
    from sim.scenario.spec import ScenarioSpec

__getattr__, __all__ = lazy_exports(
    __name__,
    {
        "ExplainRow": "loader",
        "ResolvedScenario": "loader",
        "ScenarioValidationError": "loader",
        "dump_resolved_yaml": "loader",
        "explain_rows": "loader",
        "format_value": "loader",
        "load_scenario": "loader",
        "resolve_scenario": "loader",
        "scenario_json_schema": "loader",
        "Scenario": "schema",
        "Override": "overrides",
        "parse_set": "overrides",
        "ScenarioSpec": "spec",
    },
)
