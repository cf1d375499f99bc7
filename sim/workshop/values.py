"""Scenario values at ``--set`` paths: read one, compare two, make one an override.

A workshop control speaks the language of ``leadsim run --set``: ``sales.reps=12``,
``channels.webinar.leads_per_week=30``. These helpers read such a path in a dumped scenario
(channels addressed by name), compare values the way the schema means them (12 equals 12.0, a
distribution equals its filled-in form) and turn a value into an override of the scenario.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.scenario.overrides import Override

MISSING: Any = object()
"""What :func:`value_at` returns for a path the scenario does not have."""


def value_at(data: Mapping[str, Any], path: str) -> Any:
    """The value at a ``--set`` path in a dumped scenario (channels addressed by name)."""
    node: Any = data
    for part in path.split("."):
        if isinstance(node, list):
            node = next(
                (item for item in node if isinstance(item, Mapping) and item.get("name") == part),
                MISSING,
            )
        elif isinstance(node, Mapping):
            node = node.get(part, MISSING)
        else:
            return MISSING
        if node is MISSING:
            return MISSING
    return node


def same(left: Any, right: Any) -> bool:
    """Equal as scenario values: numbers compare by value, mappings key by key."""
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return math.isclose(float(left), float(right), rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        keys = set(left) | set(right)
        return all(same(left.get(k), right.get(k)) for k in keys)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right))
    return bool(left == right)


def complete_distribution(value: Any) -> Any:
    """A distribution mapping filled like the schema would (cv absent means none)."""
    if isinstance(value, Mapping) and "distribution" in value:
        return {
            "distribution": value["distribution"],
            "mean": value.get("mean"),
            "cv": value.get("cv"),
        }
    return value


def override(path: str, value: Any) -> Override:
    """A control's value as an override; shown as ``path=<value as JSON>``, which ``--set`` reads back unchanged."""
    from sim.scenario.overrides import Override  # the scenario schema only when a control changes

    return Override.at(path, value)

