"""Loading scenario files: inheritance, overrides, and error messages that point at the line.

A consultant describes a company setup in a YAML file. Most files build on others: an org
setup extends the base scenario and a few lever overlays, each changing a handful of
parameters. This module reads such a chain of files, merges it, applies ``--set`` overrides
from the command line, and validates the result against the schema (``sim.scenario.schema``). It
remembers where every value came from (file, line, and the comment next to it), so an error
names the line the user has to fix and ``leadsim explain`` can show the source of every number.
"""

from __future__ import annotations

import copy
import difflib
import io
import os
import stat
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from sim.errors import ScenarioError
from sim.scenario.limits import (
    MAX_EXTENDS_DEPTH,
    MAX_EXTENDS_FILES,
    MAX_FILE_BYTES,
    MAX_SET_CHARS,
    check_yaml_shape,
    clip,
)
from sim.scenario.schema import Plausible, Scenario

__all__ = [
    "DEFAULT_SOURCE",
    "ExplainRow",
    "Origin",
    "Problem",
    "ResolvedScenario",
    "ScenarioValidationError",
    "dump_resolved_yaml",
    "explain_rows",
    "format_value",
    "load_scenario",
    "resolve_scenario",
    "scenario_json_schema",
]

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


# --------------------------------------------------------------------------- public API


def load_scenario(path: str | os.PathLike[str], overrides: Sequence[str] = ()) -> Scenario:
    """Load, merge, override and validate a scenario file; raise ScenarioError on bad input."""
    return resolve_scenario(path, overrides).scenario


def resolve_scenario(
    path: str | os.PathLike[str], overrides: Sequence[str] = ()
) -> ResolvedScenario:
    """Load a scenario with its extends chain and overrides, keeping each value's origin."""
    top = Path(path)
    chain: list[Path] = []
    data, provenance, own_keys = _load_with_parents(top, (), chain, None, {})
    if "name" not in own_keys:
        data["name"] = top.stem
        _drop_prefix(provenance, ("name",))
        provenance[("name",)] = Origin(_display(top), comment="from the file name")
    for text in overrides:
        _apply_override(data, provenance, text)
    scenario = _validate(data, provenance, _display(top))
    return ResolvedScenario(scenario, data, provenance, chain, tuple(overrides))


def explain_rows(resolved: ResolvedScenario) -> list[ExplainRow]:
    """Every effective parameter (including schema defaults) with its source and comment."""
    rows: list[ExplainRow] = []
    dumped = resolved.scenario.model_dump(mode="json")
    for path, value in _leaves(dumped, ()):
        origin = resolved.provenance.get(path)
        if origin is None:
            rows.append(ExplainRow(_dotted(path), value, DEFAULT_SOURCE, None, ""))
        elif origin.override is not None:
            rows.append(ExplainRow(_dotted(path), value, SET_SOURCE, None, origin.override))
        else:
            rows.append(
                ExplainRow(_dotted(path), value, origin.file, origin.line, origin.comment)
            )
    return rows


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of a scenario file (for editors and ``leadsim schema``)."""
    schema = Scenario.model_json_schema()
    properties = dict(schema.get("properties", {}))
    properties["extends"] = {
        "title": "Extends",
        "description": (
            "parent scenario file(s), relative to this file; merged in order, "
            "then this file's keys on top (channels merge by name)"
        ),
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
    }
    schema["properties"] = properties
    # A file in an extends chain may leave required keys (channels) to its parents;
    # `leadsim validate` checks the merged result.
    schema.pop("required", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "leadsim scenario",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def dump_resolved_yaml(resolved: ResolvedScenario) -> str:
    """The fully resolved scenario as YAML, with the files and overrides it came from."""
    data = _flow_leaf_lists(resolved.scenario.model_dump(mode="json"))
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 100
    stream = io.StringIO()
    stream.write("# leadsim resolved scenario\n")
    for file in resolved.chain:
        stream.write(f"# from: {_display(file)}\n")
    for text in resolved.overrides:
        stream.write(f"# {SET_SOURCE} {text}\n")
    yaml.dump(data, stream)
    return stream.getvalue()


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


# --------------------------------------------------------------------------- reading files


def _display(path: Path) -> str:
    """A path as shown to the user: relative to the current directory when inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _chain_text(stack: Sequence[Path], last: Path) -> str:
    return " -> ".join(clip(_display(p), 120) for p in (*stack, last))


def _file_problem(absolute: Path) -> str | None:
    """Why ``absolute`` cannot be read as a scenario file, or None if it can."""
    try:
        info = os.stat(absolute)
    except FileNotFoundError:
        return "not found"
    except OSError as error:
        return f"cannot be opened ({error.strerror or error})"
    if stat.S_ISDIR(info.st_mode):
        return "is a directory, not a scenario file"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a device, FIFO or socket)"
    if info.st_size > MAX_FILE_BYTES:
        return (
            f"is {info.st_size:,} bytes; scenario files are limited to {MAX_FILE_BYTES:,} bytes "
            "(the bundled ones are a few KB)"
        )
    return None


_Loaded = tuple[dict[str, Any], dict["KeyPath", Origin], set[str]]


def _load_with_parents(
    path: Path,
    stack: tuple[Path, ...],
    chain: list[Path],
    referenced_at: str | None,
    loaded: dict[Path, _Loaded],
) -> _Loaded:
    """Load ``path`` and its parents; return merged data, provenance and the file's own keys.

    ``loaded`` memoises each file's merged result, so a file named by many others (a "diamond")
    is read and merged once, not once per path to it.
    """
    absolute = Path(os.path.abspath(path))
    if absolute in stack:
        raise ScenarioError(f"extends cycle: {_chain_text(stack, absolute)}")
    if absolute in loaded:
        return loaded[absolute]
    if len(stack) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            f"{referenced_at}: extends: the chain is more than {MAX_EXTENDS_DEPTH} files deep "
            f"(chain: {_chain_text(stack[:3], absolute)} …)"
        )
    if len(loaded) >= MAX_EXTENDS_FILES:
        raise ScenarioError(
            f"{referenced_at}: extends: more than {MAX_EXTENDS_FILES} files in one scenario"
        )
    problem = _file_problem(absolute)
    if problem is not None:
        shown = clip(_display(absolute), 200)
        if not stack:
            raise ScenarioError(f"{shown}: scenario file {problem} (current directory: {Path.cwd()})")
        raise ScenarioError(
            f"{referenced_at}: extends: parent file {problem}: {shown} "
            f"(chain: {_chain_text(stack, absolute)})"
        )
    own, own_prov, extends_at = _read_file(absolute)
    parents = own.pop("extends", None)
    _drop_prefix(own_prov, ("extends",))
    merged: dict[str, Any] = {}
    merged_prov: dict[KeyPath, Origin] = {}
    for parent in _parent_paths(parents, absolute, extends_at):
        parent_data, parent_prov, _ = _load_with_parents(
            absolute.parent / parent, (*stack, absolute), chain, extends_at, loaded
        )
        _merge_into(merged, parent_data, (), merged_prov, parent_prov)
    _merge_into(merged, own, (), merged_prov, own_prov)
    if absolute not in chain:
        chain.append(absolute)
    # Parents are merged with deep copies (_merge_into), so a memoised result is never changed.
    loaded[absolute] = (merged, merged_prov, set(own))
    return loaded[absolute]


def _parent_paths(value: Any, path: Path, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        repeated = sorted({v for v in value if value.count(v) > 1})
        if repeated:
            raise ScenarioError(
                f"{where}: extends: lists {clip(repeated[0])} more than once (each parent once)"
            )
        return list(value)
    raise ScenarioError(
        f"{where}: extends: must be a file name or a list of file names "
        f"(got {_show(value)})"
    )


def _read_file(path: Path) -> tuple[dict[str, Any], dict[KeyPath, Origin], str]:
    """Parse one YAML file into plain data and per-key origins (no inheritance yet)."""
    shown = clip(_display(path), 200)
    try:
        # O_NONBLOCK: a file swapped for a FIFO after the check must not block the open.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(handle, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise ScenarioError(f"{shown}: not a regular file (a device, FIFO or socket)")
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ScenarioError(f"{shown}: cannot read the file ({error.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"{shown}: larger than the limit of {MAX_FILE_BYTES:,} bytes for a scenario file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(f"{shown}: not a UTF-8 text file ({error.reason})") from None
    check_yaml_shape(text, shown)
    yaml = YAML(typ="rt")
    try:
        root = yaml.compose(text)
        if root is not None:
            _reject_tags(root, shown)
        document = yaml.load(text)
    except MarkedYAMLError as error:
        raise ScenarioError(_yaml_error_text(shown, error)) from None
    except YAMLError as error:
        raise ScenarioError(f"{shown}: YAML error: {clip(str(error), 300)}") from None
    except (ValueError, RecursionError) as error:
        raise ScenarioError(f"{shown}: cannot read the YAML ({clip(str(error), 200)})") from None
    if document is None:
        raise ScenarioError(
            f"{shown}: the file is empty – a scenario needs at least 'channels:' "
            "or 'extends:'"
        )
    if not isinstance(document, CommentedMap):
        kind = "a list" if isinstance(document, list) else f"a single value {_show(document)}"
        line, column = root.start_mark.line + 1, root.start_mark.column + 1
        raise ScenarioError(
            f"{shown}:{line}:{column}: the top level must be a mapping of keys such as "
            f"'channels:' and 'sales:', got {kind}"
        )
    provenance: dict[KeyPath, Origin] = {}
    _collect_origins(document, (), shown, provenance, ())
    extends_origin = provenance.get(("extends",))
    extends_at = extends_origin.location if extends_origin else shown
    return _plain(document), provenance, extends_at


def _yaml_error_text(shown: str, error: MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark is not None else shown
    problem = clip(error.problem or "invalid YAML", 200)
    context = f" ({clip(error.context, 200)})" if error.context else ""
    return f"{where}: YAML syntax error: {problem}{context}"


def _reject_tags(root: Any, shown: str) -> None:
    """Refuse explicit non-standard tags (``!!python/object``, ``!custom``): data only."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        tag = str(getattr(node.tag, "value", node.tag))
        if tag not in _STANDARD_TAGS:
            written = tag.replace("tag:yaml.org,2002:", "!!")
            mark = node.start_mark
            raise ScenarioError(
                f"{shown}:{mark.line + 1}:{mark.column + 1}: YAML tag '{written}' is not "
                "allowed – scenario files hold plain values, lists and mappings only"
            )
        if isinstance(node.value, list):
            for item in node.value:
                pending.extend(item if isinstance(item, tuple) else (item,))


def _eol_comment(entry: Any, index: int) -> str:
    """The end-of-line comment in a ruamel comment slot, without the ``#``."""
    if not entry or len(entry) <= index or entry[index] is None:
        return ""
    token = entry[index]
    first = str(getattr(token, "value", "")).split("\n")[0].strip()
    return first[1:].strip() if first.startswith("#") else ""


def _position(getter: Any, key: Any) -> tuple[int | None, int | None]:
    try:
        line, column = getter(key)
    except (KeyError, IndexError, TypeError, AttributeError):
        return None, None
    return line + 1, column + 1


def _channel_key(item: Any, index: int) -> Any:
    """Channels are addressed by name (so overlays can merge them); unnamed ones by index."""
    if isinstance(item, Mapping) and isinstance(item.get("name"), str):
        return item["name"]
    return index


def _collect_origins(
    node: Any, path: KeyPath, shown: str, out: dict[KeyPath, Origin], stack: tuple[int, ...]
) -> None:
    if isinstance(node, (CommentedMap, CommentedSeq)):
        if id(node) in stack:
            raise ScenarioError(f"{shown}: {_dotted(path)}: a YAML alias refers to itself")
        stack = (*stack, id(node))
    if isinstance(node, CommentedMap):
        for key in node:
            line, column = _position(node.lc.key, key)
            comment = _eol_comment(node.ca.items.get(key), 2)
            out[(*path, key)] = Origin(shown, line, column, comment)
            _collect_origins(node[key], (*path, key), shown, out, stack)
    elif isinstance(node, CommentedSeq):
        for index, item in enumerate(node):
            key = _channel_key(item, index) if path == _CHANNELS else index
            line, column = _position(node.lc.item, index)
            comment = _eol_comment(node.ca.items.get(index), 0)
            out[(*path, key)] = Origin(shown, line, column, comment)
            _collect_origins(item, (*path, key), shown, out, stack)


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


def _apply_override(data: dict[str, Any], provenance: dict[KeyPath, Origin], text: str) -> None:
    """Apply one ``path.to.key=value`` override to the merged data."""
    where = f"{SET_SOURCE} {clip(text, 120)}"
    key_text, sep, value_text = text.partition("=")
    key_text = key_text.strip()
    if not sep or not key_text:
        raise ScenarioError(
            f"{where}: expected path.to.key=value, e.g. --set sales.reps=8"
        )
    parts = key_text.split(".")
    if any(not part for part in parts):
        raise ScenarioError(f"{where}: '{key_text}' has an empty part between dots")
    path = _override_path(data, parts, where)
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
            provenance[created] = Origin(SET_SOURCE, override=text)
        node = child
    before = _semantic_path(data, path)
    node[path[-1]] = value
    semantic = _semantic_path(data, path)
    if before != semantic:  # a channel was renamed: its other keys keep their origins
        renamed = {k: v for k, v in provenance.items() if k[:2] == before[:2]}
        _drop_prefix(provenance, before[:2])
        _copy_prefix(renamed, provenance, before[:2], semantic[:2])
    _drop_prefix(provenance, semantic)
    origin = Origin(SET_SOURCE, override=text)
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
