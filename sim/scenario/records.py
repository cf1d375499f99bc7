"""What the loader knows about a value: where it came from, what is wrong with it, the merged result.

Every value of a scenario remembers its file, line and comment (an :class:`Origin`), so an
error names the line to fix and ``leadsim explain`` shows the source of every number.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.scalarbool import ScalarBoolean

from sim.errors import ScenarioError
from sim.scenario.limits import (
    clip,
)
from sim.scenario.schema import Scenario

KeyPath = tuple[Any, ...]
"""A key path in a scenario; channel entries are addressed by their name (``channels.web``)."""

DEFAULT_SOURCE = "default (sim/scenario/schema.py)"
SET_SOURCE = "--set"
_CHANNELS: KeyPath = ("channels",)
_MAX_PROBLEMS_SHOWN = 20
_KIND_KEYS = frozenset({"distribution"})
_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
)


@dataclass(frozen=True)
class Origin:
    """Where a value was written: a file position, a ``--set`` override, or the schema default."""

    file: str
    line: int | None = None
    column: int | None = None
    comment: str = ""
    override: str | None = None

    @property
    def location(self) -> str:
        """``file:line:col``, ``file``, or ``--set path=value`` for messages."""
        if self.override is not None:
            return f"{SET_SOURCE} {clip(self.override, 120)}"
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One validation problem: where it was written, which key, what is wrong."""

    location: str
    path: str
    message: str

    def __str__(self) -> str:
        """The problem as one line: ``FILE:LINE:COL: key.path: problem``."""
        if self.path:
            return f"{self.location}: {self.path}: {self.message}"
        return f"{self.location}: {self.message}"


class ScenarioValidationError(ScenarioError):
    """A scenario that parsed but does not fit the schema; ``problems`` lists every finding."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        shown = [clip(str(problem), 400) for problem in self.problems[:_MAX_PROBLEMS_SHOWN]]
        hidden = len(self.problems) - len(shown)
        if hidden:
            shown.append(f"… and {hidden} more problems")
        super().__init__("\n".join(shown))


@dataclass
class ResolvedScenario:
    """A validated scenario together with the merged data and the origin of every value."""

    scenario: Scenario
    data: dict[str, Any]
    provenance: dict[KeyPath, Origin]
    chain: list[Path]
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExplainRow:
    """One effective parameter for ``leadsim explain``: its value and where it came from."""

    path: str
    value: Any
    source_file: str
    line: int | None
    comment: str

    @property
    def source(self) -> str:
        """``file:line`` or just the source name when there is no line."""
        return self.source_file if self.line is None else f"{self.source_file}:{self.line}"



# --------------------------------------------------------------------------- helpers


def _dotted(path: KeyPath) -> str:
    return ".".join(str(part) for part in path)


def _walk(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    """Every nested key path below ``value`` (channels by name)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield (*path, key), item
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            key = _channel_key(item, index) if path == _CHANNELS else index
            yield (*path, key), item
            yield from _walk(item, (*path, key))


def _leaves(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    """Leaf parameters: scalars and lists of scalars; channels are walked by name."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list) and any(isinstance(item, Mapping) for item in value):
        for index, item in enumerate(value):
            key = _channel_key(item, index) if path == _CHANNELS else index
            yield from _leaves(item, (*path, key))
    else:
        yield path, value


def _flow_leaf_lists(value: Any) -> Any:
    """Lists of scalars in flow style ([mon, tue]) for a readable dump."""
    if isinstance(value, dict):
        return {key: _flow_leaf_lists(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_flow_leaf_lists(item) for item in value]
        sequence = CommentedSeq(items)
        if not any(isinstance(item, (dict, list)) for item in items):
            sequence.fa.set_flow_style()
        return sequence
    return value


def _channel_key(item: Any, index: int) -> Any:
    """Channels are addressed by name (so overlays can merge them); unnamed ones by index."""
    if isinstance(item, Mapping) and isinstance(item.get("name"), str):
        return item["name"]
    return index


def _plain(node: Any) -> Any:
    """ruamel's round-trip types as plain dicts, lists, str, int, float and bool."""
    if isinstance(node, Mapping):
        return {(str(k) if isinstance(k, str) else k): _plain(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_plain(item) for item in node]
    if isinstance(node, (bool, ScalarBoolean)):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def format_value(value: Any) -> str:
    """A parameter value as a user writes it in YAML (true, null, [mon, tue], 0.25)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:.12g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    return str(value)
