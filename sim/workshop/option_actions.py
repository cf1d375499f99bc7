"""The workshop page's options: keep a setup in the tray, bring it back, report on the tray, and
find the cheapest combination of levers that reaches a net benefit.

:class:`OptionActions` adds these actions to the page's widgets (:class:`WorkshopView`); keeping
an option runs it first when its figures are not shown, so the app supplies :meth:`run`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sim.workshop.cheapest import CheapestAnswer, cheapest_way, parse_amount, render_cheapest
from sim.workshop.control_table import LEVERS_FOLDER, WorkshopError, library_folder
from sim.workshop.controls import REPS, Controls
from sim.workshop.look_ahead import LookAhead
from sim.workshop.page import message_html
from sim.workshop.reporting import OptionsReport, ReportInput, unique_name, write_report
from sim.workshop.saving import save_setup
from sim.workshop.session import Comparison, build_setup, describe_changes
from sim.workshop.tray import TrayOption
from sim.workshop.view import WorkshopView, report_html

__all__ = ["OptionActions"]


class OptionActions(WorkshopView):
    """Keep, bring back, remove and report on options; price the cheapest way to a net benefit."""

    comparison: Comparison | None
    look_ahead: LookAhead
    _option_files: dict[str, tuple[Controls, Path]]
    """Each kept option's saved scenario file (saved once, when a report first needs it)."""

    def run(self) -> Comparison | None:
        """Run the edited setup against the starting point (the app's Run)."""
        raise NotImplementedError

    def _look_ahead(self) -> str:
        """Simulate the setups one control away while the room talks (the app's)."""
        raise NotImplementedError

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
            self.report_message.value = report_html(
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
            self.report_message.value = report_html(
                "error", f"Cannot write the report.\n{self._error_text(error)}"
            )
            self._set_status("error", "No report – see the message below the tray.")
            return None
        finally:
            self.report_button.disabled = False
            self._look_ahead()
        note = f"\nSame as the starting point, left out: {', '.join(unchanged)}" if unchanged else ""
        self.report_message.value = report_html(
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
