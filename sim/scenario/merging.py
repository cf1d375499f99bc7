"""Merging a chain of scenario files and applying overrides, keeping every value's origin.

Parents merge in order, the child's own keys last; channels merge by name, so an overlay can
change one channel's fit without restating the others.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping, Sequence
from typing import Any, get_origin

from pydantic import BaseModel

from sim.errors import ScenarioError
from sim.scenario.limits import clip
from sim.scenario.messages import (
    _model_of,
    _semantic_path,
    _sequence_item,
    _sequence_item_model,
    _strip,
    _unknown_key,
)
from sim.scenario.overrides import Override
from sim.scenario.records import (
    _CHANNELS,
    SET_SOURCE,
    KeyPath,
    Origin,
    _channel_key,
    _walk,
)
from sim.scenario.schema import Scenario

# --------------------------------------------------------------------------- merging


def _drop_prefix(provenance: dict[KeyPath, Origin], prefix: KeyPath) -> None:
    for key in [k for k in provenance if k[: len(prefix)] == prefix]:
        del provenance[key]


def _copy_prefix(
    source: Mapping[KeyPath, Origin],
    target: dict[KeyPath, Origin],
    prefix: KeyPath,
    new_prefix: KeyPath | None = None,
) -> None:
    new_prefix = prefix if new_prefix is None else new_prefix
    for key, origin in source.items():
        if key[: len(prefix)] == prefix:
            target[new_prefix + key[len(prefix) :]] = origin


def _merge_into(
    base: dict[str, Any],
    over: Mapping[str, Any],
    prefix: KeyPath,
    base_prov: dict[KeyPath, Origin],
    over_prov: Mapping[KeyPath, Origin],
) -> None:
    """Deep-merge ``over`` into ``base``; channels merge by name, other lists are replaced."""
    for key, value in over.items():
        path = (*prefix, key)
        old = base.get(key)
        if isinstance(old, dict) and isinstance(value, Mapping):
            _merge_into(old, value, path, base_prov, over_prov)
        elif path == _CHANNELS and isinstance(old, list) and isinstance(value, list):
            _merge_channels(old, value, base_prov, over_prov)
        else:
            base[key] = copy.deepcopy(value)
            _drop_prefix(base_prov, path)
            _copy_prefix(over_prov, base_prov, path)
            continue
        if path in over_prov:
            base_prov[path] = over_prov[path]


def _merge_channels(
    base: list[Any],
    over: list[Any],
    base_prov: dict[KeyPath, Origin],
    over_prov: Mapping[KeyPath, Origin],
) -> None:
    by_name = {
        item["name"]: item for item in base if isinstance(_channel_key(item, -1), str)
    }
    for index, item in enumerate(over):
        key = _channel_key(item, index)
        if isinstance(key, str) and key in by_name and isinstance(by_name[key], dict):
            _merge_into(by_name[key], item, (*_CHANNELS, key), base_prov, over_prov)
            if (*_CHANNELS, key) in over_prov:
                base_prov[(*_CHANNELS, key)] = over_prov[(*_CHANNELS, key)]
            continue
        base.append(copy.deepcopy(item))
        new_key = _channel_key(item, len(base) - 1)
        _drop_prefix(base_prov, (*_CHANNELS, new_key))
        _copy_prefix(over_prov, base_prov, (*_CHANNELS, key), (*_CHANNELS, new_key))
        if isinstance(new_key, str):
            by_name[new_key] = base[-1]


# --------------------------------------------------------------------------- overrides


def _apply_override(data: dict[str, Any], provenance: dict[KeyPath, Origin], override: Override) -> None:
    """Apply one override to the merged data; its origin goes into ``provenance``."""
    path = _override_path(data, override.path, override.where)
    # The override may be applied to many scenarios: each gets its own copy of the value.
    value = copy.deepcopy(override.value)
    node: Any = data
    for depth, part in enumerate(path[:-1]):
        if isinstance(node, list):
            node = node[part]  # a channel index, resolved by _override_path
            continue
        child = node.get(part)
        wanted = list if isinstance(path[depth + 1], int) else dict
        if not isinstance(child, wanted):
            child = wanted()
            node[part] = child
            created = _semantic_path(data, path[: depth + 1])
            _drop_prefix(provenance, created)
            provenance[created] = Origin(SET_SOURCE, override=override.origin)
        node = child
    before = _semantic_path(data, path)
    node[path[-1]] = value
    semantic = _semantic_path(data, path)
    if before != semantic:  # a channel was renamed: its other keys keep their origins
        renamed = {k: v for k, v in provenance.items() if k[:2] == before[:2]}
        _drop_prefix(provenance, before[:2])
        _copy_prefix(renamed, provenance, before[:2], semantic[:2])
    _drop_prefix(provenance, semantic)
    origin = Origin(SET_SOURCE, override=override.origin)
    provenance[semantic] = origin
    for sub_path, _ in _walk(value, semantic):
        provenance[sub_path] = origin


def _override_path(data: dict[str, Any], parts: Sequence[str], where: str) -> KeyPath:
    """Check an override path against the schema; channel names become list indices."""
    model: type[BaseModel] | None = Scenario
    annotation: Any = Scenario
    path: list[Any] = []
    index = 0
    while index < len(parts):
        part = parts[index]
        shown = ".".join(parts[: index + 1])
        if model is not None:
            if part not in model.model_fields:
                raise ScenarioError(f"{where}: {shown}: {_unknown_key(part, model)}")
            path.append(part)
            annotation = model.model_fields[part].annotation
            model = _model_of(annotation)
            index += 1
            continue
        item_model = _sequence_item_model(annotation)
        if tuple(path) == _CHANNELS and item_model is not None:
            channels = data.get("channels")
            names = [
                item.get("name") for item in channels if isinstance(item, dict)
            ] if isinstance(channels, list) else []
            if part not in names:
                known = [str(n) for n in names if n is not None]
                hint = difflib.get_close_matches(part, known, n=1)
                suggestion = f" – did you mean '{hint[0]}'?" if hint else ""
                raise ScenarioError(
                    f"{where}: {shown}: no channel named '{part}'{suggestion} "
                    f"(channels: {', '.join(known) or 'none'})"
                )
            path.append(names.index(part))
            model, annotation = item_model, item_model
            index += 1
            continue
        item_annotation = _sequence_item(annotation)
        if item_annotation is not None:
            # Any other list (selling.tasks, a profile): its items are addressed by index, as
            # the range files and ``leadsim explain`` write them (selling.tasks.0.hours.mean).
            path.append(_list_index(data, path, parts, index, where))
            annotation, model = item_annotation, _model_of(item_annotation)
            index += 1
            continue
        if get_origin(_strip(annotation)[0]) is dict and index == len(parts) - 1:
            # A mapping of named entries (e.g. costs.org_costs_per_year): any name is a key.
            path.append(part)
            index += 1
            continue
        parent = ".".join(parts[:index])
        raise ScenarioError(
            f"{where}: {shown}: '{parent}' is a single value, it has no key '{part}'"
        )
    return tuple(path)




def _list_index(data: dict[str, Any], path: Sequence[Any], parts: Sequence[str], index: int, where: str) -> int:
    """The list item ``parts[index]`` addresses below ``path``: a whole number within the list as merged."""
    shown, parent, part = ".".join(parts[: index + 1]), ".".join(parts[:index]), parts[index]
    node: Any = data
    for key in path:
        if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        elif isinstance(node, dict):
            node = node.get(key)
        else:
            node = None
    if not isinstance(node, list):
        # Indexing into the schema's default would differ from editing a file, which can only
        # restate the whole list: say so instead of guessing.
        raise ScenarioError(
            f"{where}: {shown}: the files do not set the list '{parent}', so it has no item {clip(part, 40)!r} "
            f"to change – set the whole list, e.g. --set {parent}=[…]"
        )
    count = len(node)
    items = f"{count} item{'' if count == 1 else 's'}" + (f" (indexes 0–{count - 1})" if count else "")
    if not (part.isascii() and part.isdigit()):
        raise ScenarioError(
            f"{where}: {shown}: '{parent}' is a list of {items}; address an item by its index, "
            f"a whole number such as {parent}.0, not {clip(part, 40)!r}"
        )
    position = int(part)
    if position >= count:
        raise ScenarioError(
            f"{where}: {shown}: index {position} is out of range – '{parent}' has {items}"
        )
    return position
