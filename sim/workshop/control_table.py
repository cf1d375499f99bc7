"""The workshop's controls, read from the lever files: one control per file in ``levers/``.

Each lever overlay in ``scenarios/levers/`` sets the parameters of one mechanism. The workshop
offers it as a control whose choices are "the lever on" (the file's values) and "the lever off"
(the values the reference setup - the silo, ``separate_departments.yaml`` - has for the same
keys), plus, where the control table asks for it, a key varied on top (an SLA's deadline). The
values are read from the files with the project's loader every time the files change, so a lever
added, split or edited shows up on the next page load without a line of Python; the control
table ``controls.yaml`` next to this module only holds titles, hints, order and choice labels.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML

from sim.bundled import scenarios_dir
from sim.errors import LeadsimError
from sim.workshop.values import MISSING, same, value_at

TABLE_FILE = Path(__file__).with_name("controls.yaml")
LEVERS_FOLDER = "levers"
ABSENT: Any = object()
"""A lever key the reference does not have (a named cost): off means 0, or nothing to set."""
_LABEL_KEYS = frozenset({"name", "title", "description", "extends"})


class WorkshopError(LeadsimError):
    """A workshop control holds a value that cannot be used (shown on the page, not raised)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChoiceEntry(_Frozen):
    """One choice of a lever control in the table: the lever on or off, plus keys set on top."""

    key: str = Field(min_length=1)
    label: str = ""
    lever: bool
    set: dict[str, Any] = Field(default_factory=dict)


class LeverEntry(_Frozen):
    """How the table presents one lever file."""

    title: str = ""
    hint: str = ""
    choices: list[ChoiceEntry] = Field(default_factory=list)


class ParameterEntry(_Frozen):
    """A control over one company parameter (reps, lead volume) rather than a lever."""

    title: str
    hint: str = ""
    min: float | None = None
    max: float | None = None
    step: float | None = None


class TableFile(_Frozen):
    """The control table file (``controls.yaml``)."""

    reference: str
    levers: dict[str, LeverEntry] = Field(default_factory=dict)
    parameters: dict[str, ParameterEntry]


@dataclass(frozen=True)
class Choice:
    """One choice of a control: its key, its label and every parameter it sets."""

    key: str
    label: str
    settings: Mapping[str, Any]
    """``--set`` path → value; :data:`ABSENT` for a key the reference does not have."""


@dataclass(frozen=True)
class LeverControl:
    """A control over one lever file."""

    name: str
    title: str
    hint: str
    file: Path
    choices: tuple[Choice, ...]

    def choice(self, key: str) -> Choice:
        """The choice called ``key``; an unknown key is a :class:`WorkshopError`."""
        for choice in self.choices:
            if choice.key == key:
                return choice
        allowed = ", ".join(choice.key for choice in self.choices)
        raise WorkshopError(f"{self.title}: unknown choice {key!r} (allowed: {allowed})")

    @property
    def paths(self) -> frozenset[str]:
        """Every parameter path one of the choices sets."""
        return frozenset(path for choice in self.choices for path in choice.settings)


@dataclass(frozen=True)
class ControlTable:
    """The controls of one scenario library: levers in table order, then the company knobs."""

    levers: tuple[LeverControl, ...]
    parameters: Mapping[str, ParameterEntry]
    library: Path

    def lever(self, name: str) -> LeverControl:
        """The lever control called ``name``."""
        for lever in self.levers:
            if lever.name == name:
                return lever
        raise WorkshopError(f"no lever control {name!r}")

    def names(self) -> tuple[str, ...]:
        """Every control name, in page order."""
        return (*(lever.name for lever in self.levers), *self.parameters)

    def title(self, name: str) -> str:
        """The title of a control on the page."""
        if name in self.parameters:
            return self.parameters[name].title
        return self.lever(name).title

    def hint(self, name: str) -> str:
        """The one-line explanation under a control's title."""
        if name in self.parameters:
            return self.parameters[name].hint
        return self.lever(name).hint


def library_folder(scenarios: Path | None = None) -> Path:
    """The scenario folder whose ``levers/`` the controls come from (else the bundled one)."""
    if scenarios is not None and (Path(scenarios) / LEVERS_FOLDER).is_dir():
        return Path(os.path.abspath(scenarios))
    return scenarios_dir()


_TABLES: dict[tuple[Any, ...], ControlTable] = {}


def load_control_table(scenarios: Path | None = None, table_file: Path = TABLE_FILE) -> ControlTable:
    """The controls for the lever files present in the library (kept while no file changes)."""
    library = library_folder(scenarios)
    table = read_table_file(table_file)
    reference = library / table.reference
    if not reference.is_file():
        reference = scenarios_dir() / table.reference
    files = sorted((library / LEVERS_FOLDER).glob("*.yaml"))
    key = tuple(_stamp(path) for path in (table_file, reference, *files))
    if key in _TABLES:
        return _TABLES[key]
    ordered = [name for name in table.levers if (library / LEVERS_FOLDER / f"{name}.yaml").is_file()]
    ordered += [path.stem for path in files if path.stem not in table.levers]
    reference_data = _resolve(reference).scenario.model_dump(mode="json")
    levers = tuple(
        _lever_control(
            library / LEVERS_FOLDER / f"{name}.yaml",
            table.levers.get(name, LeverEntry()),
            reference,
            reference_data,
        )
        for name in ordered
    )
    built = ControlTable(levers, dict(table.parameters), library)
    _TABLES.clear()  # one library at a time is what a workshop uses
    _TABLES[key] = built
    return built


def read_table_file(path: Path = TABLE_FILE) -> TableFile:
    """The control table, checked: a wrong key or value stops with its name."""
    try:
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
        return TableFile.model_validate(data)
    except (OSError, ValidationError, ValueError) as error:
        raise WorkshopError(f"{path}: the workshop's control table is not valid: {error}") from None


def lever_title(path: Path) -> str:
    """A lever's title from its file: a ``title:`` key, else the first comment line."""
    text = path.read_text(encoding="utf-8")
    found = re.search(r"^title:\s*(.+?)\s*$", text, flags=re.MULTILINE)
    if found:
        return found.group(1).strip("'\"")
    for line in text.splitlines():
        comment = line.strip()
        if not comment.startswith("#") or "yaml-language-server" in comment:
            continue
        comment = comment.lstrip("#").strip()
        quoted = re.search(r'[Ll]ever\s+"([^"]+)"', comment)
        words = quoted.group(1) if quoted else re.split(r"[:(.]", comment, maxsplit=1)[0]
        words = words.strip()
        if words:
            return words[0].upper() + words[1:]
    return path.stem.replace("_", " ").capitalize()


def _lever_control(
    file: Path, entry: LeverEntry, reference: Path, reference_data: Mapping[str, Any]
) -> LeverControl:
    title = entry.title or lever_title(file)
    on = lever_values(file, reference)
    entries = entry.choices or [
        ChoiceEntry(key="no", label="no", lever=False),
        ChoiceEntry(key="yes", label="yes", lever=True),
    ]
    # A key a choice varies beyond the lever's own (a weekly instead of a nightly list) is part
    # of "off" too, so that every "off" choice says the whole of what it means.
    extra = {path: value for item in entries for path, value in item.set.items() if path not in on}
    off: dict[str, Any] = {}
    for path in extra:
        current = value_at(reference_data, path)
        if current is MISSING:
            raise WorkshopError(
                f"controls.yaml: levers.{file.stem}: {path} is neither set by {file.name} "
                f"nor in {reference.name}"
            )
        off[path] = current
    for path, value in on.items():
        current = value_at(reference_data, path)
        if current is MISSING:
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise WorkshopError(
                    f"{file.name}: {path} is not in {reference.name}, so the workshop cannot "
                    "switch this lever off; give the key a value there"
                )
            current = ABSENT
        off[path] = current
    choices = []
    for item in entries:
        settings = {**(on if item.lever else off), **item.set}
        choices.append(Choice(item.key, item.label or item.key, settings))
    return LeverControl(file.stem, title, entry.hint, file, tuple(choices))


def lever_values(file: Path, reference: Path) -> dict[str, Any]:
    """What a lever file sets (``--set`` path → value), read by the loader on top of the reference.

    The lever is loaded as the compositions use it (the reference with the lever on top), so its
    values are validated and filled in as the schema does; the paths are those whose origin is
    the lever file. A distribution counts as one value.
    """
    from sim.scenario.spec import ScenarioSpec

    resolved = ScenarioSpec.of(reference, [file], "composed").resolve()
    data = resolved.scenario.model_dump(mode="json")
    lever = Path(os.path.abspath(file))
    values: dict[str, Any] = {}
    for key_path, origin in resolved.provenance.items():
        if not key_path or key_path[0] in _LABEL_KEYS or origin.override is not None:
            continue
        if Path(os.path.abspath(origin.file)) != lever or key_path[-1] == "name":
            continue  # a channel's name only says which channel the values belong to
        path = _value_path(data, [str(part) for part in key_path])
        if path is not None:
            values[path] = value_at(data, path)
    return values


def _value_path(data: Mapping[str, Any], parts: Sequence[str]) -> str | None:
    """The ``--set`` path of a leaf, or of the distribution it belongs to; None for a mapping."""
    for end in range(1, len(parts) + 1):
        value = value_at(data, ".".join(parts[:end]))
        if value is MISSING:
            return None
        if isinstance(value, Mapping) and "distribution" in value:
            return ".".join(parts[:end])
    return None if isinstance(value, (Mapping, list)) else ".".join(parts)


def matches(choice: Choice, data: Mapping[str, Any]) -> bool:
    """Whether a dumped scenario already has every value the choice sets.

    Costs are the price of a lever, not its mechanism: a file that sets the mechanism has the
    lever even if it prices it differently (or not at all).
    """
    for path, wanted in choice.settings.items():
        if path.startswith("costs."):
            continue
        current = value_at(data, path)
        if wanted is ABSENT:
            if current is not MISSING and not same(current, 0):
                return False
        elif current is MISSING or not same(wanted, current):
            return False
    return True


def _resolve(path: Path) -> Any:
    from sim.scenario.loader import resolve_scenario

    return resolve_scenario(path)


def _stamp(path: Path) -> tuple[str, float]:
    try:
        return str(path), path.stat().st_mtime
    except OSError:
        return str(path), -1.0
