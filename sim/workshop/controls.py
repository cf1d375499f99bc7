"""What the controls say, and which scenario parameters that sets.

The page holds one value per control: a choice key for a lever control (``"1"`` for a 1-hour
SLA, ``"yes"`` for recycling), a number of reps, a lead-volume multiplier. A control left at the
value read from the starting file sets nothing, so the edited setup differs from the start only
where someone asked; a control moved sets every parameter of its choice (see
:mod:`sim.workshop.control_table`), and the session keeps only those that actually differ.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sim.scenario.schema import Scenario
from sim.workshop.control_table import ABSENT, ControlTable, WorkshopError, matches
from sim.workshop.values import MISSING, value_at

FROM_FILE = "file"
"""Control value meaning "as the starting file has it" (when it matches none of the choices)."""
REPS = "reps"
LEAD_VOLUME = "lead_volume"
REPS_PATH = "sales.reps"
LEAD_VOLUME_PATH = "channels.{channel}.leads_per_week"
"""Lead volume (marketing budget) multiplies every marketing-sourced channel's leads per week."""


@dataclass(frozen=True)
class Controls(Mapping[str, Any]):
    """What the workshop controls say (control name → value); ``reps`` may be typed text."""

    entries: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, values: Mapping[str, Any] | None = None, **more: Any) -> Controls:
        """Controls from a mapping and/or keywords."""
        merged = {**dict(values or {}), **more}
        return cls(tuple(merged.items()))

    def __getitem__(self, name: str) -> Any:
        for key, value in self.entries:
            if key == name:
                return value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def replace(self, **changes: Any) -> Controls:
        """A copy with some controls changed; an unknown control is a :class:`WorkshopError`."""
        unknown = [name for name in changes if name not in self]
        if unknown:
            raise WorkshopError(
                f"unknown control {', '.join(map(repr, unknown))}; known: {', '.join(self)}"
            )
        return Controls(tuple((key, changes.get(key, value)) for key, value in self.entries))


def controls_from_scenario(scenario: Scenario, table: ControlTable) -> Controls:
    """The controls as the starting scenario has them (``FROM_FILE`` where no choice fits)."""
    data = scenario.model_dump(mode="json")
    values: dict[str, Any] = {}
    for lever in table.levers:
        values[lever.name] = next(
            (choice.key for choice in lever.choices if matches(choice, data)), FROM_FILE
        )
    values[REPS] = int(scenario.sales.reps)
    values[LEAD_VOLUME] = 1.0
    return Controls.of(values)


def control_settings(
    controls: Controls, start: Controls, scenario: Scenario, table: ControlTable
) -> dict[str, dict[str, Any]]:
    """Per changed control, the parameters it sets (``--set`` path → value), in page order.

    Controls equal to ``start`` (the starting file's own values) set nothing. Raises
    :class:`WorkshopError` for a value no control offers (e.g. reps typed as text).
    """
    data = scenario.model_dump(mode="json")
    changed: dict[str, dict[str, Any]] = {}
    for lever in table.levers:
        key = str(controls[lever.name])
        if key == str(start[lever.name]):
            continue
        settings: dict[str, Any] = {}
        for path, value in lever.choice(key).settings.items():
            if value is ABSENT:  # a named cost the reference does not have: off means none
                if value_at(data, path) is MISSING:
                    continue
                value = 0
            settings[path] = value
        changed[lever.name] = settings
    reps = parse_reps(controls[REPS], table.title(REPS))
    if reps != start[REPS]:
        changed[REPS] = {REPS_PATH: reps}
    volume = _number(controls[LEAD_VOLUME], table.title(LEAD_VOLUME))
    if not math.isclose(volume, 1.0, abs_tol=1e-9):
        changed[LEAD_VOLUME] = lead_volume_settings(scenario, volume, table)
    return changed


def lead_volume_settings(
    scenario: Scenario, multiplier: float, table: ControlTable
) -> dict[str, Any]:
    """Leads per week of every marketing-sourced channel times ``multiplier`` (referrals stay)."""
    entry = table.parameters[LEAD_VOLUME]
    low = entry.min if entry.min is not None else 0.0
    high = entry.max if entry.max is not None else math.inf
    if not low - 1e-9 <= multiplier <= high + 1e-9:
        raise WorkshopError(
            f"{entry.title}: must be between ×{low:g} and ×{high:g} (got ×{multiplier:g})"
        )
    return {
        LEAD_VOLUME_PATH.format(channel=channel.name): round(channel.leads_per_week * multiplier, 4)
        for channel in scenario.channels
        if channel.marketing_sourced
    }


def lead_volume_steps(table: ControlTable) -> tuple[float, ...]:
    """The multipliers the lead-volume slider offers (from the control table)."""
    entry = table.parameters[LEAD_VOLUME]
    low, high, step = entry.min or 0.5, entry.max or 2.0, entry.step or 0.1
    count = round((high - low) / step)
    return tuple(round(low + step * index, 4) for index in range(count + 1))


def parse_reps(value: Any, title: str = "Number of sales reps") -> int:
    """The number of reps from the control: a whole number (its range is the schema's to check)."""
    if isinstance(value, bool):
        raise WorkshopError(f"{title}: type a whole number such as 10")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        shown = text if len(text) <= 30 else text[:27] + "..."
        raise WorkshopError(
            f"{title}: type a whole number such as 10 (you typed {shown!r})"
        ) from None


def _number(value: Any, title: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise WorkshopError(f"{title}: must be a number (got {value!r})") from None
    if not math.isfinite(number):
        raise WorkshopError(f"{title}: must be a finite number (got {value!r})")
    return number


def control_for(path: str, table: ControlTable) -> str | None:
    """The title of the control that sets a parameter path, if any."""
    if path == REPS_PATH or path.startswith(REPS_PATH + "."):
        return table.title(REPS)
    if path.startswith("channels.") and path.endswith(".leads_per_week"):
        return table.title(LEAD_VOLUME)
    for lever in table.levers:
        if any(path == p or path.startswith(p + ".") for p in lever.paths):
            return lever.title
    return None


def control_words(name: str, value: Any, table: ControlTable) -> str:
    """A control's value in words: ``1 h``, ``yes``, ``×1.3``, ``12``."""
    if name == LEAD_VOLUME:
        return f"×{float(value):g}"
    if name == REPS:
        return str(value).strip()
    if value == FROM_FILE:
        return "as in the file"
    lever = table.lever(name)
    return next((c.label for c in lever.choices if c.key == str(value)), str(value))
