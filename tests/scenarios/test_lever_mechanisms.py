"""Every lever overlay changes only the parameters of its one mechanism (docs/model.md lever table).

A lever's worth is attributed by adding its file to the silo; if a file also set another
mechanism's parameters (as the old SLA overlay did with the dialling cadence and own-pipeline
priority), the attribution would credit one lever with another's effect.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
LEVERS = ROOT / "scenarios" / "levers"
MODEL_DOC = ROOT / "docs" / "model.md"
ROW = re.compile(r"^\|\s*`levers/(?P<file>[a-z_]+\.yaml)`\s*\|\s*(?P<mechanism>[^|]+?)\s*\|\s*(?P<parameters>[^|]+)\|$")


def lever_table() -> dict[str, tuple[str, set[str]]]:
    """lever file name → (mechanism, parameter patterns), read from docs/model.md."""
    text = MODEL_DOC.read_text(encoding="utf-8")
    start, end = text.index("<!-- lever-table:start -->"), text.index("<!-- lever-table:end -->")
    table: dict[str, tuple[str, set[str]]] = {}
    for line in text[start:end].splitlines():
        match = ROW.match(line.strip())
        if match:
            parameters = set(re.findall(r"`([^`]+)`", match["parameters"]))
            table[match["file"]] = (match["mechanism"], parameters)
    return table


def parameter_paths(node: Any, prefix: str = "") -> Iterator[str]:
    """Dotted paths of every value an overlay sets; channel entries are addressed by name."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("extends", "title") and not prefix:  # labels, not parameters
                continue
            yield from parameter_paths(value, f"{prefix}{key}.")
    elif isinstance(node, list) and node and all(isinstance(item, dict) and "name" in item for item in node):
        for item in node:
            yield from parameter_paths({k: v for k, v in item.items() if k != "name"}, f"{prefix}{item['name']}.")
    else:
        yield prefix.rstrip(".")


def test_the_table_lists_every_lever_file_and_nothing_else() -> None:
    assert set(lever_table()) == {path.name for path in LEVERS.glob("*.yaml")}


@pytest.mark.parametrize("path", sorted(LEVERS.glob("*.yaml")), ids=lambda path: path.stem)
def test_each_lever_file_changes_only_its_mechanisms_parameters(path: Path) -> None:
    mechanism, allowed = lever_table()[path.name]
    overlay = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    touched = set(parameter_paths(overlay))
    assert touched, f"{path.name} sets nothing"
    outside = {name for name in touched if not any(fnmatchcase(name, pattern) for pattern in allowed)}
    assert not outside, f"{path.name} ({mechanism}) also sets {sorted(outside)}"


def test_no_parameter_belongs_to_two_mechanisms() -> None:
    owners: dict[str, set[str]] = {}
    for mechanism, parameters in lever_table().values():
        for parameter in parameters:
            owners.setdefault(parameter, set()).add(mechanism)
    shared = {parameter: sorted(names) for parameter, names in owners.items() if len(names) > 1}
    assert not shared


def test_the_old_three_in_one_sla_overlay_would_fail() -> None:
    """Guard for the test's power: the pre-v2 sla.yaml set the cadence and own-pipeline priority too."""
    _, allowed = lever_table()["sla.yaml"]
    old = {"sla.agreed", "sla.first_contact_business_hours", "sales.queue",
           "sales.marketing_leads_below_own_pipeline", "sales.max_attempts"}
    assert {name for name in old if not any(fnmatchcase(name, pattern) for pattern in allowed)} == {
        "sales.marketing_leads_below_own_pipeline", "sales.max_attempts"}
