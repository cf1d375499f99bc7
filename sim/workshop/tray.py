"""The options tray: up to four named setups kept side by side with the starting point.

A workshop rarely ends with one idea. "Option A: SLA 4 h", "Option B: CRM and recycling" – the
tray keeps each option's controls and figures after it was run, shows them next to the starting
point in one table, and can bring an option's controls back to the page. The tray belongs to a
starting point: options of another start would not be comparable, so a new start empties it.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from sim import kpis
from sim.workshop.control_table import WorkshopError
from sim.workshop.controls import Controls
from sim.workshop.session import RunSummary, result_kpis
from sim.workshop.words import figure

TRAY_SIZE = 4
"""Four options and the starting point still fit side by side on a projector."""
OPTION_LETTERS = "ABCD"


@dataclass(frozen=True)
class TrayOption:
    """One kept option: its name, the controls that make it, what changed and its figures."""

    name: str
    controls: Controls
    changes: tuple[str, ...]
    result: RunSummary

    def mean(self, kpi: str) -> float:
        """The option's mean of one KPI over the runs."""
        return float(self.result.kpis[kpi].mean())


@dataclass(frozen=True)
class Tray:
    """The kept options, oldest first."""

    options: tuple[TrayOption, ...] = ()

    def names(self) -> tuple[str, ...]:
        """The options' names, in tray order."""
        return tuple(option.name for option in self.options)

    def next_name(self) -> str:
        """A free default name: 'Option A', 'Option B', …"""
        for letter in OPTION_LETTERS:
            if f"Option {letter}" not in self.names():
                return f"Option {letter}"
        return f"Option {len(self.options) + 1}"

    def add(self, option: TrayOption) -> Tray:
        """The tray with ``option`` (an option of the same name is replaced)."""
        name = option.name.strip()
        if not name:
            raise WorkshopError("give the option a name")
        kept = tuple(o for o in self.options if o.name != name)
        if len(kept) >= TRAY_SIZE:
            raise WorkshopError(
                f"the tray holds {TRAY_SIZE} options; remove one before keeping {name!r}"
            )
        return Tray((*kept, option))

    def remove(self, name: str) -> Tray:
        """The tray without the option called ``name``."""
        return Tray(tuple(o for o in self.options if o.name != name))

    def get(self, name: str) -> TrayOption:
        """The option called ``name``."""
        for option in self.options:
            if option.name == name:
                return option
        raise WorkshopError(f"no option called {name!r} in the tray")


def render_tray(baseline: RunSummary, tray: Tray, period: str = "") -> str:
    """The starting point and every option side by side: one column each, one row per KPI."""
    esc = html.escape
    if not tray.options:
        return (
            '<div id="ws-tray" data-options="0" class="ws-muted">No options kept yet: run a '
            "setup, name it and press “Keep as option”.</div>"
        )
    caption = f'<caption class="ws-period">Figures for {esc(period)}</caption>' if period else ""
    head = "".join(
        f'<th class="ws-option" data-option="{esc(o.name)}">{esc(o.name)}'
        f'<div class="ws-ci">{esc("; ".join(o.changes) or "no change")}</div></th>'
        for o in tray.options
    )
    rows = []
    for kpi in result_kpis():
        start = float(baseline.kpis[kpi].mean())
        cells = [f'<td class="ws-baseline" data-value="{_attr(start)}">{esc(figure(kpi, start))}</td>']
        for index, option in enumerate(tray.options):
            value = option.mean(kpi)
            cells.append(
                f'<td id="ws-tray-{index}-{kpi.replace("_", "-")}" data-value="{_attr(value)}">'
                f"{esc(figure(kpi, value))}</td>"
            )
        rows.append(f'<tr data-kpi="{kpi}"><th scope="row">{esc(kpis.label(kpi))}</th>'
                    f'{"".join(cells)}</tr>')  # fmt: skip
    return (
        f'<table id="ws-tray" class="ws-results ws-tray" data-options="{len(tray.options)}">'
        f'{caption}<thead><tr><th></th><th class="ws-baseline">Starting point</th>{head}</tr>'
        f'</thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _attr(value: float) -> str:
    return "nan" if math.isnan(value) else repr(float(value))
