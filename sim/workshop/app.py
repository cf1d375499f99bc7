"""The workshop page: controls on the left, Run, the comparison and the funnel on the right.

A facilitator at a projector picks a starting scenario file, moves the controls people argue
about (one per lever file, plus reps and lead volume) and presses Run; the page shows the starting
point against the edited setup and can save the setup as a scenario file. This module is only the
ipywidgets glue: what the controls mean is :mod:`sim.workshop.controls`, running and comparing is
:mod:`sim.workshop.session`, the HTML is :mod:`sim.workshop.page`, saving is
:mod:`sim.workshop.saving`. ``notebooks/workshop.ipynb`` (served by Voila) calls :func:`launch`.
"""

from __future__ import annotations

import html
import logging
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import LeadsimError
from sim.workshop.cheapest import CheapestAnswer, cheapest_way, parse_amount, render_cheapest
from sim.workshop.config import WorkshopConfig, period_text, scenario_files, settings_text
from sim.workshop.control_table import (
    LEVERS_FOLDER,
    ControlTable,
    WorkshopError,
    library_folder,
    load_control_table,
)
from sim.workshop.controls import FROM_FILE, LEAD_VOLUME, REPS, Controls, lead_volume_steps
from sim.workshop.look_ahead import LookAhead
from sim.workshop.page import STYLE, message_html, render_funnel, render_results, status_html
from sim.workshop.reporting import OptionsReport, ReportInput, unique_name, write_report
from sim.workshop.saving import SavedSetup, save_setup, shown_path
from sim.workshop.session import (
    Comparison,
    RunSummary,
    StartingPoint,
    build_setup,
    compare_setup_in_steps,
    describe_changes,
    error_message,
    load_start,
    run_scenario_in_steps,
)
from sim.workshop.tray import Tray, TrayOption, render_tray

logger = logging.getLogger(__name__)


class WorkshopApp:
    """The interactive page: controls, Run, results, funnel and Save (ipywidgets)."""

    def __init__(self, config: WorkshopConfig | None = None) -> None:
        import ipywidgets as widgets

        self.widgets = widgets
        self.config = config or WorkshopConfig()
        self.table: ControlTable = load_control_table(self.config.scenarios_dir)
        self.run_number = 0
        self.start: StartingPoint | None = None
        self.baseline: RunSummary | None = None
        self.comparison: Comparison | None = None
        self.tray = Tray()
        self._cheapest_error = False
        self._option_files: dict[str, tuple[Controls, Path]] = {}
        """Each kept option's saved scenario file (saved once, when a report first needs it)."""
        self._quiet = False
        self.look_ahead = LookAhead(self.config.run)
        self._build()

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
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
        self.save_message = w.HTML(_saved_html())
        self.option_name = w.Text(
            placeholder="Option A", layout=w.Layout(width="auto", flex="1 1 220px")
        )
        self.option_name.add_class("ws-option-name")
        self.keep_button = w.Button(
            description="Keep as option", layout=w.Layout(width="200px", height="42px")
        )
        self.keep_button.add_class("ws-keep")
        self.tray_html = w.HTML(render_tray(_EMPTY, Tray()))
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
        self.report_message = w.HTML(_report_html())
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
        self.cheapest_html = w.HTML(_CHEAPEST_HINT)
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
                _wrapping(w.HBox([self.save_name, self.save_button], layout=w.Layout(align_items="center"))),
                self.save_message,
                w.HTML('<h2 class="ws-h2">Options side by side</h2>'),
                _wrapping(w.HBox([self.option_name, self.keep_button], layout=w.Layout(align_items="center"))),
                self.tray_html,
                _wrapping(
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
                _wrapping(
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
        self.run_button.on_click(self._on_run)
        self.reset_button.on_click(self._on_reset)
        self.save_button.on_click(self._on_save)
        self.keep_button.on_click(lambda _button: self.keep())
        self.bring_back_button.on_click(lambda _button: self.bring_back(self.tray_picker.value))
        self.remove_button.on_click(lambda _button: self.remove_option(self.tray_picker.value))
        self.report_button.on_click(lambda _button: self.report_options())
        self.cheapest_button.on_click(lambda _button: self.cheapest())
        self.start_picker.observe(self._on_start_change, names="value")
        for widget in self.controls_widgets.values():
            widget.observe(self._on_control_change, names="value")

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

    # ------------------------------------------------------------------ public

    def show(self) -> None:
        """Display the page and compute the starting point's results."""
        from IPython.display import display

        display(self.view)
        self.load_start()

    def current_controls(self) -> Controls:
        """The controls as set on the page."""
        values: dict[str, Any] = {
            lever.name: str(self.controls_widgets[lever.name].value) for lever in self.table.levers
        }
        values[REPS] = self.reps.value
        values[LEAD_VOLUME] = round(float(self.volume.value), 4)
        return Controls.of(values)

    def load_start(self) -> None:
        """Load the picked starting file, set the controls to its values and run its baseline."""
        self.look_ahead.stop()
        self.comparison = None
        self.tray = Tray()  # options of another start would not be comparable
        self._clear_messages()
        self._set_status("running", "Computing the starting point…")
        try:
            if not self.start_picker.value:
                raise WorkshopError(f"no scenario files in {self.config.scenarios_dir}")
            self.start = load_start(self.start_picker.value, self.config.run, self.table)
            self._set_controls(self.start)
            sentence = html.escape(settings_text(self.config.run, self.start))
            self.settings_line.value = f'<div class="ws-sub" id="ws-settings">{sentence}</div>'
            baseline = None
            for baseline in run_scenario_in_steps(self.start.baseline, self.config.run):
                # The starting point's figures sharpen like a Run's: first after one round.
                self._show_figures(baseline, None)
                self._mark_refining(baseline.replications, "Starting point: first")
            assert baseline is not None
            self.baseline = baseline
        except Exception as error:  # noqa: BLE001 - every failure becomes a message on the page
            self.start = None
            self.baseline = None
            self._fail(error)
            return
        self._show_tray()
        self._set_status("idle", "Change a lever and press Run." + self._look_ahead())

    def run(self) -> Comparison | None:
        """Run the edited setup against the starting point and show the result as it sharpens.

        Figures appear after the first round of replications (marked as preliminary, with their
        wider intervals) and are replaced after each further step, until every replication ran.
        """
        if self.start is None:
            self.load_start()
            if self.start is None:
                return None
        self.look_ahead.stop()
        self.run_number += 1
        self.run_button.disabled = True
        self.run_button.description = "Running…"
        self._clear_messages()
        planned = self.config.run.replications
        self._set_status("running", f"Running {planned} simulations…")
        started = time.perf_counter()
        comparison = None
        try:
            setup = build_setup(self.start, self.current_controls(), self.config.run)
            for comparison in compare_setup_in_steps(setup):
                self._show_figures(comparison.baseline, comparison)
                self._mark_refining(comparison.edited.replications, "First")
        except Exception as error:  # noqa: BLE001 - every failure becomes a message on the page
            self._fail(error)
            self._look_ahead()
            return None
        finally:
            self.run_button.disabled = False
            self.run_button.description = "Run ▶"
        assert comparison is not None
        self.comparison = comparison
        self.baseline = comparison.baseline
        elapsed = time.perf_counter() - started
        changes = describe_changes(setup)
        what = "; ".join(changes) if changes else "no lever changed – both setups are the same"
        self._set_status("done", f"Done in {elapsed:.1f} s ({planned} simulations). {what}." + self._look_ahead())
        return comparison

    def _look_ahead(self) -> str:
        """While the room talks, simulate the setups one control away (:mod:`sim.workshop.look_ahead`).

        Returns a sentence for the status line when it started, else "".
        """
        if not self.config.look_ahead or self.start is None:
            return ""
        self.look_ahead.start(self.start.file, self.config.scenarios_dir, self.current_controls())
        if not self.look_ahead.running:
            return ""
        return " Meanwhile the setups one control away are simulated ahead, so their Run is quick."

    def _show_figures(self, baseline: RunSummary, comparison: Comparison | None) -> None:
        """Figures and funnel of the starting point, or of a (possibly partial) comparison."""
        assert self.start is not None
        self.results.value = render_results(
            baseline, comparison, self._start_title(), self.run_number,
            period_text(self.start), planned=self.config.run.replications,
        )  # fmt: skip
        edited = comparison.edited if comparison is not None else None
        self.funnel.value = render_funnel(baseline, edited, self._period())

    def _mark_refining(self, done: int, what: str) -> None:
        """Status ``refining`` while replications are still due after ``done``."""
        planned = self.config.run.replications
        if done < planned:
            self._set_status("refining", f"{what} figures from {done} of {planned} simulations – refining…")

    def save(self) -> SavedSetup | None:
        """Save the current controls as a scenario file in the workshop folder."""
        self._clear_messages()
        if self.start is None:
            return None
        try:
            setup = build_setup(self.start, self.current_controls(), self.config.run)
            saved = save_setup(setup, self.config.save_dir, self.save_name.value)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message on the page
            self.save_message.value = _saved_html(
                "error", f"Cannot save this setup.\n{self._error_text(error)}"
            )
            return None
        text = (
            f"Saved as {self._file_label(saved.path)}.\n"
            f"The workshop's figures: {saved.command}\n"
            f"Full report: leadsim report {shown_path(saved.path)}"
        )
        self.save_message.value = _saved_html("info", text, saved.path)
        self._refresh_files()
        return saved

    def keep(self, name: str = "") -> TrayOption | None:
        """Keep the current setup in the options tray (run first if its figures are not shown)."""
        controls = self.current_controls()
        comparison = self.comparison
        if comparison is None or comparison.setup.controls != controls:
            comparison = self.run()
            if comparison is None:
                return None
        self._clear_messages()
        option = TrayOption(
            (name or self.option_name.value).strip() or self.tray.next_name(),
            controls,
            tuple(describe_changes(comparison.setup)),
            comparison.edited,
        )
        try:
            self.tray = self.tray.add(option)
        except WorkshopError as error:
            self.message.value = message_html("error", f"Cannot keep this option.\n{error}")
            return None
        self.option_name.value = ""
        self._show_tray()
        self.tray_picker.value = option.name
        return option

    def bring_back(self, name: str | None) -> None:
        """Put an option's controls back on the page (press Run to see it against the start)."""
        self._clear_messages()
        if not name or self.start is None:
            return
        controls = self.tray.get(name).controls
        self._quiet = True
        try:
            for control, widget in self.controls_widgets.items():
                widget.value = str(controls[control]) if control == REPS else controls[control]
        finally:
            self._quiet = False
        self._mark_changed()
        self._set_status("stale", f"{name} is back on the levers – press Run to see it again.")

    def remove_option(self, name: str | None) -> None:
        """Take an option out of the tray."""
        self._clear_messages()
        if name:
            self.tray = self.tray.remove(name)
            self._show_tray()

    def report_options(self) -> OptionsReport | None:
        """Write a comparison report of the starting point and the tray's options; show its path.

        Each option is saved as a scenario file (once) and the report runs with the workshop's
        seed, replications and horizon, so its KPI table shows the tray's figures.
        """
        self._clear_messages()
        if self.start is None:
            return None
        start = self.start
        if not self.tray.options:
            self.report_message.value = _report_html(
                "error", "Keep at least one option in the tray first."
            )
            return None
        self.look_ahead.stop()  # the report's runs get the CPU
        self._set_status("running", f"Writing the report on {len(self.tray.options)} options…")
        self.report_button.disabled = True
        started = time.perf_counter()
        try:
            taken: set[str] = set()
            inputs = [
                ReportInput(
                    start.file, unique_name(f"start {start.file.stem}", taken), start.baseline
                )
            ]
            unchanged = []
            for option in self.tray.options:
                setup = build_setup(start, option.controls, self.config.run)
                if not setup.changed:  # the starting point itself: already the first column
                    unchanged.append(option.name)
                    continue
                file = self._option_file(option, setup)
                inputs.append(ReportInput(file, unique_name(option.name, taken), setup.edited_run))
            report = write_report(
                inputs, self.config.run, self.config.save_dir, self.config.reports_dir,
                f"Workshop options from {start.file.stem}",
            )  # fmt: skip
        except Exception as error:  # noqa: BLE001 - every failure becomes a message on the page
            self.report_message.value = _report_html(
                "error", f"Cannot write the report.\n{self._error_text(error)}"
            )
            self._set_status("error", "No report – see the message below the tray.")
            return None
        finally:
            self.report_button.disabled = False
            self._look_ahead()
        note = f"\nSame as the starting point, left out: {', '.join(unchanged)}" if unchanged else ""
        self.report_message.value = _report_html(
            "info",
            f"Report written: {report.page}\nIts tables (kpis.csv …) are in {report.folder}{note}",
            report.page,
        )
        self._set_status("done", f"Report written in {time.perf_counter() - started:.0f} s.")
        return report

    def cheapest(self, target: str | None = None) -> CheapestAnswer | None:
        """The cheapest combination of levers reaching a net benefit per year (``leadsim portfolio``).

        The levers: those switched away from the starting point on the page, or – none switched –
        every lever file (the full target setup). Each lever counts as its lever file sets it.
        """
        self._clear_messages()
        if self.start is None:
            return None
        start = self.start
        text = self.cheapest_target.value if target is None else target
        changed = [
            lever.name
            for lever in self.table.levers
            if str(self.controls_widgets[lever.name].value) != str(start.controls[lever.name])
        ]
        names = changed or [lever.name for lever in self.table.levers]
        folder = library_folder(self.config.scenarios_dir) / LEVERS_FOLDER
        files = [folder / f"{name}.yaml" for name in names]
        self._set_status(
            "running",
            f"Pricing {2 ** len(files)} combinations of {len(files)} levers × "
            f"{self.config.run.replications} runs – minutes the first time, cached afterwards…",
        )
        self.look_ahead.stop()  # the search's runs get the CPU
        self.cheapest_button.disabled = True
        started = time.perf_counter()
        try:
            answer = cheapest_way(start, files, parse_amount(text), self.config.run)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message on the page
            self._cheapest_error = True
            self.cheapest_html.value = message_html(
                "error", f"Cannot find the cheapest way.\n{self._error_text(error)}"
            ).replace('id="ws-message"', 'id="ws-cheapest"')
            self._set_status("error", "Not priced – see the message under “Cheapest way”.")
            return None
        finally:
            self.cheapest_button.disabled = False
            self._look_ahead()
        self._cheapest_error = False
        self.cheapest_html.value = render_cheapest(answer)
        elapsed = time.perf_counter() - started
        self._set_status("done", f"Priced {len(answer.portfolio.table)} combinations in {elapsed:.0f} s.")
        return answer

    def _option_file(self, option: TrayOption, setup: Any) -> Path:
        """The option's saved scenario file: saved on first use, then reused while it exists."""
        known = self._option_files.get(option.name)
        if known is not None and known[0] == option.controls and known[1].is_file():
            return known[1]
        saved = save_setup(setup, self.config.save_dir, option.name)
        self._option_files[option.name] = (option.controls, saved.path)
        self._refresh_files()
        return saved.path

    # ------------------------------------------------------------------ events

    def _on_run(self, _button: Any) -> None:
        self.run()

    def _on_save(self, _button: Any) -> None:
        self.save()

    def _on_reset(self, _button: Any) -> None:
        self._clear_messages()
        if self.start is not None:
            self._set_controls(self.start)

    def _on_start_change(self, _change: Mapping[str, Any]) -> None:
        if not self._quiet:
            self.baseline = None
            self.load_start()

    def _on_control_change(self, _change: Mapping[str, Any]) -> None:
        if self._quiet or self.start is None:
            return
        self._clear_messages()  # moving a lever is the next action: old messages no longer apply
        self._mark_changed()
        self._set_status("stale", "Levers changed – press Run to see the effect.")

    # ------------------------------------------------------------------ helpers

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
        self.save_message.value = _saved_html()
        self.report_message.value = _report_html()
        if getattr(self, "_cheapest_error", False):  # an answer stays; an error goes
            self.cheapest_html.value = _CHEAPEST_HINT
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


def _wrapping(box: Any) -> Any:
    """A row of widgets that wraps onto a second line on a narrow screen instead of overflowing."""
    box.add_class("ws-wrap")
    return box


_CHEAPEST_HINT = (
    '<div id="ws-cheapest" data-kind="none" class="ws-muted">Type a net benefit per year and '
    "press the button: the levers switched on above (or, none switched, all levers) are priced "
    "in every combination.</div>"
)

_EMPTY = RunSummary(pd.DataFrame(), pd.DataFrame(), 0.0, 0, 0)
"""No starting point yet (the tray shows its hint only)."""


def _saved_html(kind: str = "none", text: str = "", path: Path | None = None) -> str:
    """The message under Save (``data-kind`` none, info or error; ``data-path`` of the file)."""
    if not text:
        return '<div id="ws-saved" data-kind="none" data-path=""></div>'
    where = html.escape(str(path)) if path is not None else ""
    return (
        f'<div id="ws-saved" class="ws-message" data-kind="{kind}" data-path="{where}">'
        f"{html.escape(text)}</div>"
    )


def _report_html(kind: str = "none", text: str = "", page: Path | None = None) -> str:
    """The message under the tray's report button (``data-path``: the report's page)."""
    if not text:
        return '<div id="ws-report" data-kind="none" data-path=""></div>'
    where = html.escape(str(page)) if page is not None else ""
    link = f'<br><a href="file://{where}" target="_blank">open the report</a>' if page else ""
    return (
        f'<div id="ws-report" class="ws-message" data-kind="{kind}" data-path="{where}">'
        f"{html.escape(text)}{link}</div>"
    )


def launch(environ: Mapping[str, str] | None = None) -> WorkshopApp | None:
    """Build the page from ``LEADSIM_WORKSHOP_*`` settings and show it (the notebook calls this)."""
    try:
        config = WorkshopConfig.from_environment(environ)
    except WorkshopError as error:
        from IPython.display import HTML, display

        display(HTML(STYLE + f'<div class="ws-app">{message_html("error", str(error))}</div>'))
        config = WorkshopConfig()
    try:
        app = WorkshopApp(config)
    except LeadsimError as error:  # a lever file the controls cannot offer: say which, stop
        from IPython.display import HTML, display

        text = f"The workshop cannot offer its controls.\n{error_message(error)}"
        display(HTML(STYLE + f'<div class="ws-app">{message_html("error", text)}</div>'))
        return None
    app.show()
    return app


__all__ = ["WorkshopApp", "launch"]
