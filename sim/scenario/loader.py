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
import functools
import io
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from sim.errors import ScenarioError
from sim.files import FileTooLargeError, NotRegularFileError, read_regular
from sim.scenario.limits import (
    MAX_EXTENDS_DEPTH,
    MAX_EXTENDS_FILES,
    MAX_FILE_BYTES,
    check_yaml_shape,
    clip,
)
from sim.scenario.merging import _apply_override, _drop_prefix, _merge_into
from sim.scenario.messages import _show, _validate
from sim.scenario.overrides import SPEC_SOURCE, Layer, Override, parse_set
from sim.scenario.records import (
    _CHANNELS,
    _STANDARD_TAGS,
    DEFAULT_SOURCE,
    SET_SOURCE,
    ExplainRow,
    KeyPath,
    Origin,
    Problem,
    ResolvedScenario,
    ScenarioValidationError,
    _channel_key,
    _dotted,
    _flow_leaf_lists,
    _leaves,
    _plain,
    _walk,
    format_value,
)
from sim.scenario.schema import Scenario

__all__ = [
    "DEFAULT_SOURCE",
    "ExplainRow",
    "Origin",
    "Problem",
    "ResolvedScenario",
    "ScenarioValidationError",
    "dump_resolved_yaml",
    "explain_rows",
    "file_title",
    "format_value",
    "load_scenario",
    "resolve_composition",
    "resolve_scenario",
    "scenario_json_schema",
]


# --------------------------------------------------------------------------- public API


def load_scenario(path: str | os.PathLike[str], overrides: Sequence[str | Override] = ()) -> Scenario:
    """Load, merge, override and validate a scenario file; raise ScenarioError on bad input.

    ``overrides`` are ``--set`` texts (parsed here, after the files are read) or :class:`Override` values.
    """
    return resolve_scenario(path, overrides).scenario


def resolve_scenario(
    path: str | os.PathLike[str], overrides: Sequence[str | Override] = ()
) -> ResolvedScenario:
    """Load a scenario with its extends chain and overrides, keeping each value's origin."""
    return resolve_composition(Path(path), (), None, overrides)


def resolve_composition(
    top: Path, overlays: Sequence[Path | Layer], composed_name: str | None, overrides: Sequence[str | Override]
) -> ResolvedScenario:
    """The file ``top`` as written (``composed_name`` None), or ``top`` and ``overlays`` merged in
    order under ``composed_name`` as ``extends: [top, *overlays]`` plus ``name:`` would be.

    :class:`~sim.scenario.spec.ScenarioSpec` resolves through this; the loader never imports it."""
    chain: list[Path] = []
    loaded: dict[Path, _Loaded] = {}
    if composed_name is None:
        data, provenance, own_keys = _load_with_parents(top, (), chain, None, loaded)
    else:
        data, provenance, own_keys = {}, {}, {"name"}
        for item in (top, *overlays):
            if isinstance(item, Layer):
                _merge_into(data, item.data, (), provenance, _layer_origins(item))
                continue
            file_data, file_prov, _ = _load_with_parents(item, (), chain, SPEC_SOURCE, loaded)
            _merge_into(data, file_data, (), provenance, file_prov)
        data["name"] = composed_name
        _drop_prefix(provenance, ("name",))
        provenance[("name",)] = Origin(SPEC_SOURCE, comment="the name of a composition")
    if "name" not in own_keys:
        data["name"] = top.stem
        _drop_prefix(provenance, ("name",))
        provenance[("name",)] = Origin(display_path(top), comment="from the file name")
    if "title" not in own_keys:
        # A title names one file's setup: a composition or a lever overlay does not pass it on.
        data.pop("title", None)
        _drop_prefix(provenance, ("title",))
    scenario = _overridden(data, provenance, overrides, top)
    texts = tuple(item if isinstance(item, str) else item.origin for item in overrides)
    return ResolvedScenario(scenario, data, provenance, chain, texts)


def _layer_origins(layer: Layer) -> dict[KeyPath, Origin]:
    """Every key path of a layer with its source and comment (channels by name, as in a file)."""
    return {path: Origin(layer.source, comment=layer.comments.get(path, "")) for path, _ in _walk(layer.data, ())}


def with_overrides(
    resolved: ResolvedScenario, file: Path, overrides: Sequence[str | Override]
) -> Scenario:
    """The resolved scenario of ``file`` with further overrides, validated; ``resolved``
    stays unchanged (a robustness world, a sweep point)."""
    return _overridden(copy.deepcopy(resolved.data), dict(resolved.provenance), overrides, file)


def _overridden(
    data: dict[str, Any],
    provenance: dict[KeyPath, Origin],
    overrides: Sequence[str | Override],
    top: Path,
) -> Scenario:
    """Apply ``overrides`` to ``data`` in place (their origins into ``provenance``) and validate.

    A ``--set`` text is parsed only now, so a file that cannot be read is reported first.
    """
    for item in overrides:
        _apply_override(data, provenance, parse_set(item) if isinstance(item, str) else item)
    return _validate(data, provenance, display_path(top))


def file_title(path: str | os.PathLike[str]) -> str:
    """The ``title:`` written in a scenario or lever file itself, else its file name (stem).

    Read without merging: a lever overlay's title names the lever, not a setup.
    """
    file = Path(path)
    try:
        root = YAML(typ="safe").load(file.read_text(encoding="utf-8"))
    except (OSError, YAMLError, UnicodeDecodeError):
        return file.stem
    title = root.get("title") if isinstance(root, dict) else None
    return str(title).strip() if isinstance(title, str) and title.strip() else file.stem


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
        stream.write(f"# from: {display_path(file)}\n")
    for text in resolved.overrides:
        stream.write(f"# {SET_SOURCE} {text}\n")
    yaml.dump(data, stream)
    return stream.getvalue()


# --------------------------------------------------------------------------- reading files


def display_path(path: Path) -> str:
    """A path as shown to the user: relative to the current directory when inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _chain_text(stack: Sequence[Path], last: Path) -> str:
    return " -> ".join(clip(display_path(p), 120) for p in (*stack, last))


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
        shown = clip(display_path(absolute), 200)
        if not stack:
            raise ScenarioError(f"{shown}: scenario file {problem} (current directory: {Path.cwd()})")
        raise ScenarioError(
            f"{referenced_at}: extends: parent file {problem}: {shown} "
            f"(chain: {_chain_text(stack, absolute)})"
        )
    parsed, parsed_prov, extends_at = _parsed_file(absolute)
    # The parse is shared through the cache: read it, never change it (_merge_into copies values).
    parents = parsed.get("extends")
    own = {key: value for key, value in parsed.items() if key != "extends"}
    own_prov = {path: origin for path, origin in parsed_prov.items() if path[:1] != ("extends",)}
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
    """Parse one YAML file into plain data and per-key origins (no inheritance yet); the caller's to change."""
    data, provenance, extends_at = _parsed_file(path)
    return copy.deepcopy(data), dict(provenance), extends_at


_Parsed = tuple[dict[str, Any], dict[KeyPath, Origin], str]
PARSED_FILES_KEPT = 256
"""Parsed files kept per process: a library of scenarios and levers, with room for edited versions."""


def _parsed_file(path: Path) -> _Parsed:
    """One YAML file parsed, shared from a per-process cache keyed by its text and shown path.

    The file is read on every call (microseconds) and parsed only when its text is new (a quarter
    of a second for a scenario and its parents), so a file edited during a workshop is re-read
    while a hundred compositions of the same files parse each once. Callers must not change it.
    """
    shown = clip(display_path(path), 200)
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except NotRegularFileError:
        raise ScenarioError(f"{shown}: not a regular file (a device, FIFO or socket)") from None
    except FileTooLargeError:
        raise ScenarioError(f"{shown}: larger than the limit of {MAX_FILE_BYTES:,} bytes for a scenario file") from None
    except OSError as error:
        raise ScenarioError(f"{shown}: cannot read the file ({error.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(f"{shown}: not a UTF-8 text file ({error.reason})") from None
    return _parse_text(text, shown)


@functools.lru_cache(maxsize=PARSED_FILES_KEPT)
def _parse_text(text: str, shown: str) -> _Parsed:
    """Parse a scenario file's text; ``shown`` (its path as displayed) goes into every origin."""
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


