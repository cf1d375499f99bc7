"""Validation messages a consultant can act on: file:line, key, the bad value and what is allowed.

Pydantic's errors are mapped back to the line of the YAML file (or the ``--set`` option) that
set the value, and worded from the schema's own ranges, lengths and choices.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from sim.scenario.limits import (
    clip,
)
from sim.scenario.records import (
    _CHANNELS,
    _KIND_KEYS,
    KeyPath,
    Origin,
    Problem,
    ScenarioValidationError,
    _channel_key,
    _dotted,
    format_value,
)
from sim.scenario.schema import REPLACED_KEYS, Plausible, Scenario

# --------------------------------------------------------------------------- schema walking


def _strip(annotation: Any) -> tuple[Any, list[Any]]:
    """Remove Annotated and Optional wrappers; return the core type and its metadata."""
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = get_args(annotation)
            for item in extra:
                metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
            continue
        if origin in (Union, types.UnionType):
            args = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation, metadata


def _model_of(annotation: Any) -> type[BaseModel] | None:
    core, _ = _strip(annotation)
    return core if isinstance(core, type) and issubclass(core, BaseModel) else None


def _sequence_item(annotation: Any) -> Any | None:
    core, _ = _strip(annotation)
    if get_origin(core) in (tuple, list):
        args = get_args(core)
        return args[0] if args else Any
    return None


def _sequence_item_model(annotation: Any) -> type[BaseModel] | None:
    item = _sequence_item(annotation)
    return None if item is None else _model_of(item)


@dataclass
class _Spot:
    """The schema at one key path: its type, constraints, and the model holding the key."""

    annotation: Any
    constraints: list[Any] = field(default_factory=list)


def _spot(path: KeyPath) -> _Spot | None:
    """The schema type and constraints at ``path`` (channel names or indices for items)."""
    annotation: Any = Scenario
    constraints: list[Any] = []
    for part in path:
        model = _model_of(annotation)
        if model is not None:
            if not isinstance(part, str) or part not in model.model_fields:
                return None
            info = model.model_fields[part]
            annotation, constraints = info.annotation, list(info.metadata)
            continue
        core, _ = _strip(annotation)
        if get_origin(core) is dict:  # a named entry (costs.org_costs_per_year.crm): the value type
            annotation, constraints = get_args(core)[1], []
            continue
        item = _sequence_item(annotation)
        if item is None:
            return None
        annotation, constraints = item, []
    core, metadata = _strip(annotation)
    return _Spot(core, constraints + metadata)


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _bounds(constraints: Sequence[Any]) -> str:
    """Human text for ge/gt/le/lt constraints: 'between 0 and 1', '>= 1', '> 0 and < 1'."""
    low: tuple[str, Any] | None = None
    high: tuple[str, Any] | None = None
    for item in constraints:
        if isinstance(item, annotated_types.Ge):
            low = (">=", item.ge)
        elif isinstance(item, annotated_types.Gt):
            low = (">", item.gt)
        elif isinstance(item, annotated_types.Le):
            high = ("<=", item.le)
        elif isinstance(item, annotated_types.Lt):
            high = ("<", item.lt)
    if low and high and low[0] == ">=" and high[0] == "<=":
        return f"between {_number(low[1])} and {_number(high[1])}"
    parts = [f"{side[0]} {_number(side[1])}" for side in (low, high) if side]
    return " and ".join(parts)


def _length(constraints: Sequence[Any]) -> str:
    low = next((c.min_length for c in constraints if isinstance(c, annotated_types.MinLen)), None)
    high = next((c.max_length for c in constraints if isinstance(c, annotated_types.MaxLen)), None)
    if low is not None and low == high:
        return f"exactly {low}"
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return f"at least {low}"
    if high is not None:
        return f"at most {high}"
    return ""


def _describe(spot: _Spot) -> str:
    """What a value at this spot must be: 'an integer >= 1', 'a number between 0 and 1'."""
    core = spot.annotation
    bounds = _bounds(spot.constraints)
    if get_origin(core) is Literal:
        return "one of: " + ", ".join(str(choice) for choice in get_args(core))
    if core is bool:
        return "true or false"
    if core is int:
        return f"an integer {bounds}".rstrip()
    if core is float:
        return f"a number {bounds}".rstrip()
    if core is str:
        pattern = next((c.pattern for c in spot.constraints if hasattr(c, "pattern")), None)
        return f"text matching {pattern}" if pattern else "text"
    model = _model_of(core)
    if model is not None:
        return "a mapping with keys: " + ", ".join(model.model_fields)
    item = _sequence_item(core)
    if item is not None:
        count = _length(spot.constraints)
        item_spot = _Spot(*_strip(item))
        what = "entries" if _model_of(item) else _plural(_describe(item_spot))
        return f"a list of {count + ' ' if count else ''}{what}"
    return "a valid value"


def _plural(description: str) -> str:
    for single, plural in (("an integer", "integers"), ("a number", "numbers")):
        if description.startswith(single):
            return plural + description[len(single) :]
    if description.startswith("one of: "):
        return "values from: " + description[len("one of: ") :]
    return "values (" + description + ")"


def _unknown_key(key: Any, model: type[BaseModel] | None) -> str:
    """``unknown key 'repz' – did you mean 'reps'?`` using the schema's keys at that level."""
    if str(key) in REPLACED_KEYS:
        return REPLACED_KEYS[str(key)]
    valid = list(model.model_fields) if model is not None else []
    hint = difflib.get_close_matches(str(key), valid, n=1)
    if hint:
        return f"unknown key '{key}' – did you mean '{hint[0]}'?"
    return f"unknown key '{key}' (allowed: {', '.join(valid)})" if valid else f"unknown key '{key}'"


# --------------------------------------------------------------------------- validation


def _show(value: Any) -> str:
    """A value as quoted in an error message."""
    if isinstance(value, str):
        return repr(clip(value, 60))
    text = format_value(value) if not isinstance(value, float) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_TYPE_ERRORS = {
    "int_type", "int_parsing", "int_from_float", "float_type", "float_parsing", "bool_type",
    "bool_parsing", "string_type", "finite_number", "tuple_type", "list_type", "model_type",
    "model_attributes_type", "dict_type", "literal_error", "too_short", "too_long",
    "greater_than", "greater_than_equal", "less_than", "less_than_equal", "multiple_of",
    "string_pattern_mismatch", "iterable_type", "int_parsing_size",
}


def _problem_text(error: Mapping[str, Any], path: KeyPath) -> str:
    """One pydantic error as plain language: 'must be an integer >= 1 (got -3)'."""
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "required, but not given"
    if kind == "extra_forbidden":
        parent = _spot(path[:-1])
        return _unknown_key(path[-1], _model_of(parent.annotation) if parent else None)
    got = "" if isinstance(value, Mapping) else f"got {_show(value)}"
    if kind in _TYPE_ERRORS:
        spot = _spot(path)
        if kind == "literal_error":
            choices = (
                ", ".join(str(c) for c in get_args(spot.annotation))
                if spot and get_origin(spot.annotation) is Literal
                else str(ctx.get("expected", ""))
            )
            return f"not an allowed choice ({got}; allowed: {choices})"
        if spot is not None and spot.annotation is not Any:
            description = _describe(spot)
        else:
            description = _describe_from_ctx(kind, ctx) or str(error["msg"])
        why = _plausibility_reason(spot, _LIMIT_ERRORS[kind]) if kind in _LIMIT_ERRORS else ""
        text = f"must be {description} ({got})" if got else f"must be {description}"
        return f"{text} – {why}" if why else text
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    is_container = isinstance(value, (Mapping, list, tuple))
    return f"{message} ({got})" if got and not is_container else message


_LIMIT_ERRORS = {
    "greater_than": "lower", "greater_than_equal": "lower", "less_than": "upper", "less_than_equal": "upper",
}


def _plausibility_reason(spot: _Spot | None, side: str) -> str:
    """The schema's reason for the violated plausibility limit at this spot (the innermost one)."""
    if spot is None:
        return ""
    reasons = [item.why for item in spot.constraints if isinstance(item, Plausible) and item.side == side]
    return reasons[-1] if reasons else ""


def _describe_from_ctx(kind: str, ctx: Mapping[str, Any]) -> str:
    for key, op in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        if key in ctx:
            return f"a value {op} {_number(ctx[key])}"
    return ""


def _follows_item_errors(error: Mapping[str, Any]) -> bool:
    """A 'too short' error that only counts the items which failed (reported on their own)."""
    value, ctx = error.get("input"), error.get("ctx") or {}
    return (
        error["type"] == "too_short"
        and isinstance(value, (list, tuple))
        and len(value) >= int(ctx.get("min_length", 0))
    )


def _origin_for(provenance: Mapping[KeyPath, Origin], path: KeyPath, top: str) -> Origin:
    """The origin of ``path`` or of its nearest ancestor that was written somewhere."""
    for end in range(len(path), 0, -1):
        origin = provenance.get(path[:end])
        if origin is not None:
            return origin
    return Origin(top)


def _seed_defaults(model: type[BaseModel], data: Any, default: BaseModel | None = None) -> Any:
    """Fill a given section from the schema's default for it, as if that were a parent file.

    Without this, ``conversion: {sales_cycle_days: {mean: 60}}`` would silently turn the
    default lognormal cycle into a fixed one. A mapping that names its own ``distribution``
    is a complete new distribution and is not filled from the old one.
    """
    if not isinstance(data, dict):
        return data
    seeded = dict(data)
    if default is not None and not _KIND_KEYS & data.keys():
        for name in model.model_fields:
            if name not in seeded:
                value = getattr(default, name)
                seeded[name] = value.model_dump() if isinstance(value, BaseModel) else value
    for name, info in model.model_fields.items():
        value = seeded.get(name)
        submodel = _model_of(info.annotation)
        if submodel is not None and isinstance(value, dict):
            if default is not None and not _KIND_KEYS & data.keys():
                inner = getattr(default, name)
            else:
                inner = info.get_default(call_default_factory=True)
            seeded[name] = _seed_defaults(
                submodel, value, inner if isinstance(inner, BaseModel) else None
            )
        item_model = _sequence_item_model(info.annotation)
        if item_model is not None and isinstance(value, list):
            seeded[name] = [_seed_defaults(item_model, item) for item in value]
    return seeded


def _validate(data: dict[str, Any], provenance: Mapping[KeyPath, Origin], top: str) -> Scenario:
    data = _seed_defaults(Scenario, data)
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            if _follows_item_errors(item):
                continue
            path = _semantic_path(data, tuple(item["loc"]))
            origin = _origin_for(provenance, path, top)
            problems.append(Problem(origin.location, _dotted(path), _problem_text(item, path)))
        raise ScenarioValidationError(problems) from None


def _semantic_path(data: Any, path: KeyPath) -> KeyPath:
    """Translate a data path (list indices) into a provenance path (channel names)."""
    result: list[Any] = []
    node = data
    for part in path:
        if isinstance(node, list) and isinstance(part, int):
            item = node[part] if 0 <= part < len(node) else None
            result.append(_channel_key(item, part) if tuple(result) == _CHANNELS else part)
            node = item
        elif isinstance(node, dict):
            result.append(part)
            node = node.get(part)
        else:
            result.append(part)
            node = None
    return tuple(result)
