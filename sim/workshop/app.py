"""The workshop page: controls on the left, Run, the comparison and the funnel on the right.

A facilitator at a projector picks a starting scenario file, moves the controls people argue
about (one per lever file, plus reps and lead volume) and presses Run; the page shows the starting
point against the edited setup and can save the setup as a scenario file. This module holds the
page's state and its main actions (start, Run, Save, the events); the widgets and how they show
the state are :mod:`sim.workshop.view`, the options tray's and the cheapest-way actions
:mod:`sim.workshop.option_actions`. What the controls mean is :mod:`sim.workshop.controls`,
running and comparing :mod:`sim.workshop.session`, the HTML :mod:`sim.workshop.page`, saving
:mod:`sim.workshop.saving`. ``notebooks/workshop.ipynb`` (served by Voila) calls :func:`launch`.
"""

from __future__ import annotations

import html
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.errors import LeadsimError
from sim.workshop.config import WorkshopConfig, period_text, settings_text
from sim.workshop.control_table import ControlTable, WorkshopError, load_control_table
from sim.workshop.controls import Controls
from sim.workshop.look_ahead import LookAhead
from sim.workshop.option_actions import OptionActions
from sim.workshop.page import STYLE, message_html, render_funnel, render_results
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
from sim.workshop.tray import Tray
from sim.workshop.view import saved_html


class WorkshopApp(OptionActions):
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
        self._connect()

    def _connect(self) -> None:
        """Connect the buttons and controls to the page's actions."""
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

    # ------------------------------------------------------------------ public

    def show(self) -> None:
        """Display the page and compute the starting point's results."""
        from IPython.display import display

        display(self.view)
        self.load_start()

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
            self.save_message.value = saved_html(
                "error", f"Cannot save this setup.\n{self._error_text(error)}"
            )
            return None
        text = (
            f"Saved as {self._file_label(saved.path)}.\n"
            f"The workshop's figures: {saved.command}\n"
            f"Full report: leadsim report {shown_path(saved.path)}"
        )
        self.save_message.value = saved_html("info", text, saved.path)
        self._refresh_files()
        return saved

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
