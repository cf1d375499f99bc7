"""The assumptions register: every parameter of the bundled scenarios, its value and its source.

Consultants defend numbers in front of a board; this page lets them point at the published
figure (its id in docs/sources.md) or the stated assumption behind each value, scenario by scenario. It is
generated from the scenario files (the same provenance as ``leadsim explain``) and a test keeps
the committed ``docs/assumptions.md`` in step with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.scenario.loader import explain_rows, format_value, resolve_scenario

BUNDLED_SCENARIOS = (
    "scenarios/base.yaml",
    "scenarios/separate_departments.yaml",
    "scenarios/customer_happiness_team.yaml",
    "scenarios/sdr_team.yaml",
)
SKIPPED = ("name", "title", "description")


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def assumptions_markdown(files: Sequence[str | Path] = BUNDLED_SCENARIOS) -> str:
    """A Markdown table: parameter, its value per scenario, and the source of the last file that set it."""
    resolved = [resolve_scenario(Path(file)) for file in files]
    names = [Path(file).stem for file in files]
    table: dict[str, dict[str, str]] = {}
    sources: dict[str, tuple[str, str]] = {}
    for name, scenario in zip(names, resolved, strict=True):
        for row in explain_rows(scenario):
            if row.path in SKIPPED:
                continue
            table.setdefault(row.path, {})[name] = format_value(row.value)
            sources[row.path] = (row.source, row.comment)
    lines = [
        "# Assumptions register",
        "",
        "Generated from the scenario files by `leadsim assumptions --write docs/assumptions.md`;",
        "do not edit by hand (a test fails when it is out of date). *source* is the file and line",
        "that set the value in the last scenario, and the comment written next to it: a",
        "docs/sources.md id (`source: F7`) or `assumption:` with the reason. Values set nowhere come",
        "from the schema's defaults (`sim/scenario/schema.py`).",
        "",
        "| parameter | " + " | ".join(names) + " | differs | source | comment |",
        "|---|" + "---|" * len(names) + "---|---|---|",
    ]
    for path, values in table.items():
        cells = [values.get(name, "") for name in names]
        differs = "yes" if len(set(cells)) > 1 else ""
        source, comment = sources[path]
        lines.append(
            "| `" + path + "` | " + " | ".join(_cell(cell) for cell in cells)
            + f" | {differs} | {_cell(source)} | {_cell(comment)} |"
        )
    return "\n".join(lines) + "\n"
