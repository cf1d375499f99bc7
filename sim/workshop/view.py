"""The workshop page's widgets and how they show the page's state; no action runs here.

:class:`WorkshopView` builds the ipywidgets layout (controls on the left; Run, the comparison,
Save, the options tray, the cheapest-way search and the funnel on the right) and updates what
the page shows: the status line, the messages, the tray, which controls differ from the start.
The actions are :mod:`sim.workshop.option_actions` and :mod:`sim.workshop.app`.
"""

from __future__ import annotations

import html
import logging
import math
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import LeadsimError
from sim.workshop.config import WorkshopConfig, period_text, scenario_files
from sim.workshop.control_table import ControlTable
from sim.workshop.controls import FROM_FILE, LEAD_VOLUME, REPS, Controls, lead_volume_steps
from sim.workshop.page import STYLE, message_html, status_html
from sim.workshop.session import RunSummary, StartingPoint, error_message
from sim.workshop.tray import Tray, render_tray

logger = logging.getLogger(__name__)


class WorkshopView:
    """The page's widgets (ipywidgets) and the helpers that show the page's state in them."""

    widgets: Any
    config: WorkshopConfig
    table: ControlTable
    run_number: int
    start: StartingPoint | None
    baseline: RunSummary | None
    tray: Tray
    _quiet: bool
    """True while the page itself sets controls, so their change events are not the user's."""
    _cheapest_error: bool

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        """Create every widget and the page's layout (events are connected by the app)."""
        w = self.widgets
        self.header = w.HTML(STYLE + "<h1>What if…? Marketing & sales workshop</h1>")
        self.settings_line = w.HTML('<div class="ws-sub" id="ws-settings"></div>')
        files = scenario_files(self.config.scenarios_dir)
        options = [(self._file_label(p), str(p)) for p in files]
        wanted = self.config.scenarios_dir / self.config.start
        value = str(wanted) if wanted.is_file() else (options[0][1] if options else None)
        if value is not None and value not in [v for _, v in options]:
            options.insert(0, (self._file_label(wanted), value))
        self.start_picker = w.Dropdown(options=options, value=value, layout=w.Layout(width="95%"))
        self.controls_widgets: dict[str, Any] = {}
        for lever in self.table.levers:
            self.controls_widgets[lever.name] = w.ToggleButtons(
                options=[(choice.label, choice.key) for choice in lever.choices],
                style={"button_width": "auto"},
            )
        self.reps = w.Text(value="10", layout=w.Layout(width="120px"), continuous_update=True)
        self.volume = w.SelectionSlider(
            options=[(f"×{step:.1f}", step) for step in lead_volume_steps(self.table)],
            value=1.0,
            continuous_update=False,
            layout=w.Layout(width="95%"),
        )
        self.controls_widgets[REPS] = self.reps
        self.controls_widgets[LEAD_VOLUME] = self.volume
        self.rows: dict[str, Any] = {}
        rows = [
            self._row("start", "Starting point", self.start_picker, "The file both setups start from.")
        ]
        for name, widget in self.controls_widgets.items():
            widget.add_class(f"ws-control-{name.replace('_', '-')}")
            rows.append(self._row(name, self.table.title(name), widget, self.table.hint(name)))
        self.start_picker.add_class("ws-control-start")
        self.run_button = w.Button(
            description="Run ▶",
            button_style="primary",
            layout=w.Layout(width="160px", height="44px"),
        )
        self.run_button.add_class("ws-run")
        self.reset_button = w.Button(
            description="Reset levers", layout=w.Layout(width="160px", height="44px")
        )
        self.reset_button.add_class("ws-reset")
        self.status = w.HTML(status_html("idle", "Starting…"))
        self.status.add_class("ws-status-box")
        self.message = w.HTML(message_html("none", ""))
        self.results = w.HTML()
        self.funnel = w.HTML()
        self.save_name = w.Text(
            placeholder="name of the setup (optional)", layout=w.Layout(width="auto", flex="1 1 220px")
        )
        self.save_name.add_class("ws-save-name")
        self.save_button = w.Button(
            description="Save this setup", layout=w.Layout(width="200px", height="42px")
        )
        self.save_button.add_class("ws-save")
        self.save_message = w.HTML(saved_html())
        self.option_name = w.Text(
            placeholder="Option A", layout=w.Layout(width="auto", flex="1 1 220px")
        )
        self.option_name.add_class("ws-option-name")
        self.keep_button = w.Button(
            description="Keep as option", layout=w.Layout(width="200px", height="42px")
        )
        self.keep_button.add_class("ws-keep")
        self.tray_html = w.HTML(render_tray(EMPTY, Tray()))
        self.tray_picker = w.Dropdown(options=[], layout=w.Layout(width="240px"))
        self.tray_picker.add_class("ws-tray-picker")
        self.bring_back_button = w.Button(description="Bring back", layout=w.Layout(width="160px"))
        self.bring_back_button.add_class("ws-bring-back")
        self.remove_button = w.Button(description="Remove", layout=w.Layout(width="120px"))
        self.remove_button.add_class("ws-remove-option")
        self.report_button = w.Button(
            description="Report on these options", layout=w.Layout(width="260px", height="42px")
        )
        self.report_button.add_class("ws-report")
        self.report_message = w.HTML(report_html())
        self.report_message.add_class("ws-report-box")
        self.cheapest_target = w.Text(
            placeholder="net benefit per year, e.g. 250k",
            layout=w.Layout(width="auto", flex="1 1 220px"),
        )
        self.cheapest_target.add_class("ws-cheapest-target")
        self.cheapest_button = w.Button(
            description="Cheapest way to reach it", layout=w.Layout(width="260px", height="42px")
        )
        self.cheapest_button.add_class("ws-cheapest")
        self.cheapest_html = w.HTML(CHEAPEST_HINT)
        self.results.layout = w.Layout(width="100%")
        self.funnel.layout = w.Layout(width="100%")
        self.reset_button.layout.margin = "0 0 0 12px"
        buttons = w.HBox([self.run_button, self.reset_button])
        buttons.add_class("ws-wrap")
        left = w.VBox([*rows], layout=w.Layout(padding="0 14px 0 0"))
        left.add_class("ws-left")
        right = w.VBox(
            [
                buttons,
                self.status,
                self.message,
                self.results,
                wrapping(w.HBox([self.save_name, self.save_button], layout=w.Layout(align_items="center"))),
                self.save_message,
                w.HTML('<h2 class="ws-h2">Options side by side</h2>'),
                wrapping(w.HBox([self.option_name, self.keep_button], layout=w.Layout(align_items="center"))),
                self.tray_html,
                wrapping(
                    w.HBox(
                        [
                            self.tray_picker,
                            self.bring_back_button,
                            self.remove_button,
                            self.report_button,
                        ]
                    )
                ),
                self.report_message,
                w.HTML('<h2 class="ws-h2">Cheapest way to reach a net benefit</h2>'),
                wrapping(
                    w.HBox(
                        [self.cheapest_target, self.cheapest_button],
                        layout=w.Layout(align_items="center"),
                    )
                ),
                self.cheapest_html,
                w.HTML('<h2 class="ws-h2">Funnel: where the leads go</h2>'),
                self.funnel,
            ],
        )
        right.add_class("ws-right")
        self.view = w.VBox(
            [self.header, self.settings_line, w.HBox([left, right], layout=w.Layout(width="100%"))]
        )
        self.view.add_class("ws-app")

    def _row(self, name: str, title: str, widget: Any, hint: str) -> Any:
        w = self.widgets
        label = w.HTML(
            f'<div class="ws-label">{html.escape(title)}</div>'
            f'<div class="ws-hint">{html.escape(hint)}</div>'
        )
        row = w.VBox([label, widget])
        row.add_class("ws-row")
        row.add_class(f"ws-row-{name.replace('_', '-')}")
        self.rows[name] = row
        return row

    def _start_title(self) -> str:
        """The starting point as people read it: its title (the file name without one)."""
        if self.start is None:
            return ""
        title = self.start.scenario.title.strip()
        label = self._file_label(self.start.file)
        return f"{title} ({label})" if title else label

    def _file_label(self, path: Path) -> str:
        try:
            return path.relative_to(self.config.scenarios_dir).as_posix()
        except ValueError:
            return str(path)

    def current_controls(self) -> Controls:
        """The controls as set on the page."""
        values: dict[str, Any] = {
            lever.name: str(self.controls_widgets[lever.name].value) for lever in self.table.levers
        }
        values[REPS] = self.reps.value
        values[LEAD_VOLUME] = round(float(self.volume.value), 4)
        return Controls.of(values)

    # ------------------------------------------------------------------ showing state

    def _show_tray(self) -> None:
        if self.baseline is not None:
            self.tray_html.value = render_tray(self.baseline, self.tray, self._period())
        names = list(self.tray.names())
        self.tray_picker.options = names
        self.tray_picker.value = names[-1] if names else None

    def _period(self) -> str:
        return period_text(self.start) if self.start is not None else ""

    def _set_controls(self, start: StartingPoint) -> None:
        self._quiet = True
        try:
            for lever in self.table.levers:
                widget = self.controls_widgets[lever.name]
                options = [(choice.label, choice.key) for choice in lever.choices]
                if start.controls[lever.name] == FROM_FILE:
                    options.insert(0, ("as in the file", FROM_FILE))
                widget.options = options
                widget.value = start.controls[lever.name]
            self.reps.value = str(start.controls[REPS])
            self.volume.value = 1.0
        finally:
            self._quiet = False
        self._mark_changed()

    def _mark_changed(self) -> None:
        if self.start is None:
            return
        now = self.current_controls()
        for name, row in self.rows.items():
            if name == "start":
                continue
            before, value = self.start.controls[name], now[name]
            if name == REPS:
                differs = str(value).strip() != str(before)
            elif name == LEAD_VOLUME:
                differs = not math.isclose(float(value), float(before), abs_tol=1e-9)
            else:
                differs = str(value) != str(before)
            if differs:
                row.add_class("ws-changed")
            else:
                row.remove_class("ws-changed")

    def _refresh_files(self) -> None:
        current = self.start_picker.value
        options = [(self._file_label(p), str(p)) for p in scenario_files(self.config.scenarios_dir)]
        self._quiet = True
        try:
            self.start_picker.options = options
            self.start_picker.value = (
                current if current in [v for _, v in options] else options[0][1]
            )
        finally:
            self._quiet = False

    def _set_status(self, state: str, text: str) -> None:
        self.status.value = status_html(state, text, self.run_number)
        for widget in (self.results, self.funnel):  # figures of another setup are greyed out
            if state in ("running", "stale", "error"):
                widget.add_class("ws-stale")
            else:
                widget.remove_class("ws-stale")

    def _clear_messages(self) -> None:
        """Every action starts with a clean slate: no message of an earlier action stays."""
        self.message.value = message_html("none", "")
        self.save_message.value = saved_html()
        self.report_message.value = report_html()
        if getattr(self, "_cheapest_error", False):  # an answer stays; an error goes
            self.cheapest_html.value = CHEAPEST_HINT
            self._cheapest_error = False

    def _error_text(self, error: BaseException) -> str:
        if isinstance(error, LeadsimError):
            return error_message(error, self.table)
        logger.exception("workshop: unexpected error")
        return (
            f"Something went wrong ({type(error).__name__}: {error}). "
            "Check the settings and try again."
        )

    def _fail(self, error: BaseException) -> None:
        self.message.value = message_html(
            "error", f"Cannot run this setup.\n{self._error_text(error)}"
        )
        self._set_status("error", "Not run – see the message below.")


def wrapping(box: Any) -> Any:
    """A row of widgets that wraps onto a second line on a narrow screen instead of overflowing."""
    box.add_class("ws-wrap")
    return box


CHEAPEST_HINT = (
    '<div id="ws-cheapest" data-kind="none" class="ws-muted">Type a net benefit per year and '
    "press the button: the levers switched on above (or, none switched, all levers) are priced "
    "in every combination.</div>"
)

EMPTY = RunSummary(pd.DataFrame(), pd.DataFrame(), 0.0, 0, 0)
"""No starting point yet (the tray shows its hint only)."""


def saved_html(kind: str = "none", text: str = "", path: Path | None = None) -> str:
    """The message under Save (``data-kind`` none, info or error; ``data-path`` of the file)."""
    if not text:
        return '<div id="ws-saved" data-kind="none" data-path=""></div>'
    where = html.escape(str(path)) if path is not None else ""
    return (
        f'<div id="ws-saved" class="ws-message" data-kind="{kind}" data-path="{where}">'
        f"{html.escape(text)}</div>"
    )


def report_html(kind: str = "none", text: str = "", page: Path | None = None) -> str:
    """The message under the tray's report button (``data-path``: the report's page)."""
    if not text:
        return '<div id="ws-report" data-kind="none" data-path=""></div>'
    where = html.escape(str(page)) if page is not None else ""
    link = f'<br><a href="file://{where}" target="_blank">open the report</a>' if page else ""
    return (
        f'<div id="ws-report" class="ws-message" data-kind="{kind}" data-path="{where}">'
        f"{html.escape(text)}{link}</div>"
    )
