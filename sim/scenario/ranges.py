"""Assumption ranges: how far each assumed value of a scenario file could plausibly be off.

Most numbers of a company profile are assumptions ("~4 web inquiries a working day"). A board
asks how much a conclusion rests on them, so every ``assumption:`` value gets a plausible range
[low, high] – and optionally a distribution – in a companion file next to the scenario:
``scenarios/base.yaml`` → ``scenarios/ranges/base.ranges.yaml``. A sourced value may get one too
(its study's spread). One line per value, keyed by the dotted path ``leadsim explain`` shows::

    channels.web_inquiry.leads_per_week: {range: [12, 30], reason: "1-2x a typical B2B site"}
    channels.web_inquiry.decay.hot_half_life_hours: {range: [0.9, 3.6], distribution: loguniform, reason: "..."}
    horizon.warmup_days: {fixed: true, reason: "a run setting, not a fact about the company"}

``fixed: true`` says why a value is not varied (a run setting, a list, a share that must add up
with others). The file is validated like a scenario: an unknown key path, a range that excludes
the file's value, a bad distribution name or a missing reason is an error naming file:line.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from sim.scenario.limits import clip
from sim.scenario.loader import _read_file, display_path
from sim.scenario.messages import _LIMIT_ERRORS, _describe, _plausibility_reason, _spot
from sim.scenario.records import (
    KeyPath,
    Origin,
    Problem,
    ResolvedScenario,
    ScenarioValidationError,
    _dotted,
    _leaves,
    format_value,
)

RANGES_FOLDER = "ranges"
RANGES_SUFFIX = ".ranges.yaml"
DISTRIBUTIONS = ("uniform", "triangular", "loguniform")
ASSUMPTION_PREFIX = "assumption"


class AssumptionRange(BaseModel):
    """One value's plausible range and distribution, or why it stays fixed; always with a reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    range: tuple[float, float] | None = Field(None, description="[low, high], in the value's unit")
    distribution: Literal["uniform", "triangular", "loguniform"] = "uniform"
    fixed: bool = Field(False, description="true: the value is not varied (say why in reason)")
    reason: str = Field(min_length=3, max_length=400, description="one line: why this range (or fixed)")

    @model_validator(mode="after")
    def _range_or_fixed(self) -> AssumptionRange:
        if self.fixed and self.range is not None:
            raise ValueError("give either range: [low, high] or fixed: true, not both")
        if not self.fixed and self.range is None:
            raise ValueError("needs range: [low, high] (or fixed: true with the reason it is not varied)")
        if self.range is not None:
            low, high = self.range
            if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
                raise ValueError(f"range must be [low, high] with finite low < high, got [{low:g}, {high:g}]")
            if self.distribution == "loguniform" and low <= 0:
                raise ValueError(f"a loguniform range needs low > 0, got {low:g}")
        return self

    @property
    def text(self) -> str:
        """The range as shown next to a value: ``12 – 30 (triangular)`` or ``fixed``."""
        if self.range is None:
            return "fixed"
        low, high = self.range
        shown = f"{format_value(low)} – {format_value(high)}"
        return shown if self.distribution == "uniform" else f"{shown} ({self.distribution})"


@dataclass(frozen=True)
class RangeEntry:
    """A validated range entry and the line it was written on."""

    path: str
    spec: AssumptionRange
    origin: Origin


@dataclass(frozen=True)
class Parameter:
    """An uncertain input of a setup: the value a file sets, its range and distribution.

    ``file`` is the scenario file that sets the value (absolute), so a setup whose lever overrides
    the base's value varies the lever's value, not the base's.
    """

    file: Path
    path: str
    value: float
    low: float
    high: float
    distribution: str
    integer: bool
    reason: str
    origin: Origin

    @property
    def key(self) -> str:
        """A stable identity: ``<file stem>:<dotted path>``."""
        return f"{self.file.stem}:{self.path}"


def ranges_file_for(scenario_file: str | os.PathLike[str]) -> Path:
    """The companion range file of a scenario file: ``<folder>/ranges/<stem>.ranges.yaml``."""
    path = Path(scenario_file)
    return path.parent / RANGES_FOLDER / f"{path.stem}{RANGES_SUFFIX}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _problem_words(error: Mapping[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
    where = f"{'.'.join(loc)}: " if loc else ""
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if error.get("type") == "literal_error":
        message = f"unknown distribution {clip(repr(error.get('input')), 60)}; choose from {', '.join(DISTRIBUTIONS)}"
    elif error.get("type") == "extra_forbidden":
        message = "unknown key; allowed: range, distribution, fixed, reason"
    return where + message


def _outside_schema(key_path: KeyPath, low: float, high: float) -> str:
    """Why a range reaches values the scenario schema refuses at ``key_path`` ('' when both ends are allowed).

    Every sampled world is a scenario, so a range must not leave what a scenario file may say
    (e.g. 100,000 leads a week per channel); whole-number values are sampled rounded inward, so
    their ends are checked as ``ceil(low)`` and ``floor(high)``.
    """
    spot = _spot(key_path)
    if spot is None:
        return ""
    whole = spot.annotation is int
    ends = (("low", low, math.ceil(low) if whole else low), ("high", high, math.floor(high) if whole else high))
    allowed: Any = Annotated[spot.annotation, *spot.constraints]  # the field's type with its limits
    adapter: TypeAdapter[Any] = TypeAdapter(allowed)
    for side, written, sampled in ends:
        try:
            adapter.validate_python(sampled)
        except ValidationError as error:
            rounded = f" (sampled as {sampled})" if sampled != written else ""
            why = _plausibility_reason(spot, _LIMIT_ERRORS.get(error.errors()[0]["type"], ""))
            return (
                f"range [{format_value(low)}, {format_value(high)}]: its {side} end {format_value(written)}{rounded} "
                f"is outside what a scenario may set here; allowed: {_describe(spot)}"
                + (f" ({why})" if why else "") + " – narrow the range"
            )
    return ""


def load_ranges(scenario_file: str | os.PathLike[str]) -> dict[str, RangeEntry]:
    """The validated range entries of a scenario file's companion (empty when it has none).

    Raises a ScenarioValidationError (file:line for every problem) for an unknown key path, a
    range that excludes the file's value, a range end the scenario schema refuses at that path,
    a non-numeric value given a range, a bad distribution name or a missing reason.
    """
    scenario_path = Path(scenario_file)
    companion = ranges_file_for(scenario_path)
    if not companion.exists():
        return {}
    raw, provenance, _ = _read_file(companion)
    own, _, _ = _read_file(scenario_path)
    own.pop("extends", None)
    key_paths = {_dotted(path): path for path, _ in _leaves(own, ())}
    values = {_dotted(path): value for path, value in _leaves(own, ())}
    shown = display_path(companion)
    problems: list[Problem] = []
    entries: dict[str, RangeEntry] = {}
    for key, body in raw.items():
        origin = provenance.get((key,), Origin(shown))
        path = str(key)
        if path not in values:
            close = difflib.get_close_matches(path, list(values), n=1, cutoff=0.75)
            hint = f"; did you mean '{close[0]}'?" if close else f" (not set in {display_path(scenario_path)})"
            problems.append(Problem(origin.location, path, "unknown key path" + hint))
            continue
        if not isinstance(body, Mapping):
            problems.append(Problem(origin.location, path, "must be a mapping such as {range: [low, high], reason: '…'}"))
            continue
        try:
            spec = AssumptionRange.model_validate(dict(body))
        except ValidationError as error:
            problems.extend(Problem(origin.location, path, _problem_words(e)) for e in error.errors())
            continue
        value = values[path]
        if spec.range is not None:
            low, high = spec.range
            if not _is_number(value):
                problems.append(Problem(
                    origin.location, path,
                    f"the value {clip(format_value(value), 80)} is not a number; write fixed: true with the reason",
                ))
                continue
            if not low <= float(value) <= high:
                problems.append(Problem(
                    origin.location, path,
                    f"range [{format_value(low)}, {format_value(high)}] excludes the file's value "
                    f"{format_value(value)}; widen it or change the value",
                ))
                continue
            outside = _outside_schema(key_paths[path], low, high)
            if outside:
                problems.append(Problem(origin.location, path, outside))
                continue
        entries[path] = RangeEntry(path, spec, origin)
    if problems:
        raise ScenarioValidationError(problems)
    return entries


def missing_ranges(scenario_file: str | os.PathLike[str]) -> list[str]:
    """Dotted paths of the file's ``assumption:`` values that its range file does not cover."""
    own, provenance, _ = _read_file(Path(scenario_file))
    own.pop("extends", None)
    covered = load_ranges(scenario_file)
    missing = []
    for path, _value in _leaves(own, ()):
        origin = provenance.get(path)
        comment = origin.comment if origin is not None else ""
        if comment.startswith(ASSUMPTION_PREFIX) and _dotted(path) not in covered:
            missing.append(_dotted(path))
    return missing


def chain_ranges(resolved: ResolvedScenario) -> dict[str, tuple[Path, RangeEntry]]:
    """The range entry of each effective value, from the companion of the file that set it."""
    by_display = {display_path(file): file for file in resolved.chain}
    per_file = {file: load_ranges(file) for file in resolved.chain}
    found: dict[str, tuple[Path, RangeEntry]] = {}
    for key_path, origin in resolved.provenance.items():
        if origin.override is not None or origin.file not in by_display:
            continue
        file = by_display[origin.file]
        entry = per_file[file].get(_dotted(key_path))
        if entry is not None:
            found[_dotted(key_path)] = (file, entry)
    return found


def uncertain_parameters(resolved: ResolvedScenario) -> list[Parameter]:
    """The effective values of a setup that have a range (not ``fixed``), in path order."""
    values = {_dotted(path): value for path, value in _leaves(resolved.scenario.model_dump(mode="json"), ())}
    parameters = []
    for path, (file, entry) in chain_ranges(resolved).items():
        if entry.spec.range is None or path not in values or not _is_number(values[path]):
            continue
        value = values[path]
        low, high = entry.spec.range
        parameters.append(Parameter(
            file=file, path=path, value=float(value), low=low, high=high,
            distribution=entry.spec.distribution, integer=isinstance(value, int),
            reason=entry.spec.reason, origin=entry.origin,
        ))
    return sorted(parameters, key=lambda parameter: parameter.path)
