"""Resource limits for reading scenarios, so a small hostile file cannot hang the tool.

YAML lets a few hundred bytes describe billions of values (anchors and aliases that refer to
each other, the "billion laughs"), nest lists deeper than Python can recurse, or spell an
integer with thousands of digits. Scenario files are small and flat, so these limits are far
above any real scenario and far below what hurts: every file and ``--set`` value is measured
here from the parser's event stream – without building anything – before it is loaded.
"""

from __future__ import annotations

import re

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
    ScalarEvent,
)

from sim.errors import ScenarioError

MAX_FILE_BYTES = 1024 * 1024
"""A scenario file larger than 1 MiB is not a scenario (the bundled ones are a few KB)."""
MAX_SET_CHARS = 10_000
"""Longest ``--set`` value."""
MAX_DEPTH = 32
"""Deepest nesting of lists and mappings (a scenario needs about 5)."""
MAX_NODES = 50_000
"""Most values a document may hold once every alias is expanded (a scenario has a few hundred)."""
MAX_NUMBER_DIGITS = 50
"""Longest number written in a scenario (Python refuses integers of more than 4300 digits)."""
MAX_EXTENDS_FILES = 64
"""Most distinct files in one extends graph (each is read once, however often it is named)."""
MAX_EXTENDS_DEPTH = 16
"""Longest chain of extends (base → overlay → setup is 3)."""
MAX_QUOTE_CHARS = 80
"""Longest piece of a user's file or value quoted in a message."""

_NUMBER = re.compile(r"[-+]?(0[xob])?[0-9_.]+([eE][-+]?[0-9_]+)?")


def clip(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for quoting in a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_yaml_shape(text: str, shown: str) -> None:
    """Refuse YAML whose nesting, alias expansion or numbers exceed the limits (ScenarioError)."""
    sizes: dict[str, int] = {}  # expanded size of every finished anchor
    stack: list[list[object]] = []  # [anchor, size so far] of each open collection
    total = 0
    try:
        for event in YAML(typ="rt").parse(text):
            if not isinstance(event, NodeEvent) and not isinstance(event, CollectionEndEvent):
                continue
            where = f"{shown}:{event.start_mark.line + 1}:{event.start_mark.column + 1}"
            if isinstance(event, CollectionStartEvent):
                stack.append([event.anchor, 1])
                if len(stack) > MAX_DEPTH:
                    raise ScenarioError(
                        f"{where}: lists and mappings are nested more than {MAX_DEPTH} levels deep "
                        "– a scenario file needs only a few levels"
                    )
                continue
            if isinstance(event, CollectionEndEvent):
                anchor, size = stack.pop()
                added = int(size)  # type: ignore[call-overload]
                if anchor is not None:
                    sizes[str(anchor)] = added
            elif isinstance(event, AliasEvent):
                if event.anchor not in sizes:
                    raise ScenarioError(
                        f"{where}: the YAML alias *{clip(str(event.anchor), 40)} refers to itself "
                        "or to an anchor that is not defined before it"
                    )
                added = sizes[event.anchor]
            else:
                assert isinstance(event, ScalarEvent)
                _check_scalar(event, where)
                added = 1
                if event.anchor is not None:
                    sizes[str(event.anchor)] = 1
            if stack:
                stack[-1][1] = int(stack[-1][1]) + added  # type: ignore[call-overload]
            else:
                total += added
            if total + sum(int(item[1]) for item in stack) > MAX_NODES:  # type: ignore[call-overload]
                raise ScenarioError(
                    f"{where}: the document expands to more than {MAX_NODES:,} values (through "
                    "YAML aliases or sheer size) – a scenario file holds a few hundred"
                )
    except YAMLError:
        return  # a syntax error: the loader reports it with its line
    except RecursionError:
        raise ScenarioError(f"{shown}: the YAML is nested too deeply to read") from None


def _check_scalar(event: ScalarEvent, where: str) -> None:
    value = event.value
    if event.style is None and len(value) > MAX_NUMBER_DIGITS and _NUMBER.fullmatch(value):
        raise ScenarioError(
            f"{where}: a number with {len(value):,} characters ({clip(value, 20)}) – numbers in a "
            f"scenario have at most {MAX_NUMBER_DIGITS} digits"
        )
