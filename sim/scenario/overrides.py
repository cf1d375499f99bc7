"""Changes made in code: overrides (a key path, a value and the label provenance and errors show) and layers.

Internal code (sampled worlds, sweeps, workshop controls, calibration) states its changes as
:class:`Override` values; only the command line's ``--set key=value`` text is parsed, once, by
:func:`parse_set`, so nothing renders a value as text for the loader to read back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sim.errors import ScenarioError
from sim.scenario.limits import MAX_SET_CHARS, check_yaml_shape, clip
from sim.scenario.records import SET_SOURCE, _plain

SPEC_SOURCE = "composed in memory"
"""The source :func:`sim.scenario.loader.explain_rows` shows for the name a spec gives."""


@dataclass(frozen=True)
class Layer:
    """Values made in code and merged like one more overlay file (a calibrated profile's draft).

    ``data`` is nested like a scenario file (channels as a list of mappings with a ``name``);
    every value's origin is ``source`` with the comment ``comments`` gives for its key path.
    It is only read, never changed.
    """

    data: Mapping[str, Any] = field(hash=False)
    source: str
    comments: Mapping[tuple[str, ...], str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Override:
    """One change on top of the merged files: ``path`` (dotted parts, channels by name) gets ``value``.

    ``origin`` is what provenance and error messages show after ``--set`` (the command-line text,
    or ``path=value`` written as JSON for overrides built in code).
    """

    path: tuple[str, ...]
    value: Any = field(hash=False)
    origin: str

    @classmethod
    def at(cls, path: str, value: Any, origin: str | None = None) -> Override:
        """An override of the dotted ``path``; the value as JSON reads it (plain lists, dicts, numbers)."""
        text = json.dumps(value, ensure_ascii=False)
        origin = origin or f"{path}={text}"
        parts = tuple(path.split("."))
        if any(not part for part in parts):
            raise ScenarioError(f"{SET_SOURCE} {clip(origin, 120)}: '{path}' has an empty part between dots")
        # The JSON round trip gives the plain value the same text would give through --set.
        return cls(parts, json.loads(text), origin)

    @property
    def key(self) -> str:
        """The dotted key path, as written after ``--set``."""
        return ".".join(self.path)

    @property
    def where(self) -> str:
        """``--set <origin>``: how messages name this override."""
        return f"{SET_SOURCE} {clip(self.origin, 120)}"


def parse_set(text: str) -> Override:
    """One command-line ``--set path.to.key=value`` as an override; ScenarioError on bad text."""
    where = f"{SET_SOURCE} {clip(text, 120)}"
    key_text, sep, value_text = text.partition("=")
    key_text = key_text.strip()
    if not sep or not key_text:
        raise ScenarioError(f"{where}: expected path.to.key=value, e.g. --set sales.reps=8")
    parts = key_text.split(".")
    if any(not part for part in parts):
        raise ScenarioError(f"{where}: '{key_text}' has an empty part between dots")
    if len(value_text) > MAX_SET_CHARS:
        raise ScenarioError(f"{where}: {key_text}: the value is longer than {MAX_SET_CHARS:,} characters")
    check_yaml_shape(value_text, where)
    try:
        value = _plain(YAML(typ="safe", pure=True).load(value_text))
    except YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ScenarioError(
            f"{where}: {key_text}: the value is not valid YAML ({clip(problem, 200)})"
        ) from None
    except (ValueError, RecursionError) as error:
        raise ScenarioError(
            f"{where}: {key_text}: cannot read the value ({clip(str(error), 200)})"
        ) from None
    return Override(tuple(parts), value, text)


def as_overrides(items: Iterable[str | Override]) -> tuple[Override, ...]:
    """Overrides from a mix of ``--set`` texts (parsed here) and ready overrides."""
    return tuple(parse_set(item) if isinstance(item, str) else item for item in items)
