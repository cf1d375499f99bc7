"""The page's widgets without a browser: controls, Run, messages, Save (fast, small scenario)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sim.workshop import app as page_module
from sim.workshop import session as workshop
from sim.workshop.app import WorkshopApp
from sim.workshop.config import WorkshopConfig
from sim.workshop.controls import FROM_FILE, controls_from_scenario


@pytest.fixture
def app(small_dir: Path, fast_run: workshop.RunSettings) -> WorkshopApp:
    page = WorkshopApp(WorkshopConfig(scenarios_dir=small_dir, start="small.yaml", run=fast_run))
    page.load_start()
    return page


def ctl(app: WorkshopApp, name: str) -> Any:
    return app.controls_widgets[name]


def state(app: WorkshopApp) -> str:
    return re.search(r'data-state="(\w+)"', app.status.value).group(1)


def shown(app: WorkshopApp, kpi: str, side: str) -> str:
    ident = kpi.replace("_", "-")
    return re.search(rf'id="ws-{ident}-{side}"[^>]*data-value="([^"]*)"', app.results.value).group(
        1
    )


def test_page_opens_with_the_starting_points_figures_and_its_controls(app):
    assert state(app) == "idle"
    assert app.reps.value == "3" and app.volume.value == 1.0
    assert ctl(app, "crm_integration").options[0][1] == FROM_FILE  # e-mail: none of the choices
    assert float(shown(app, "revenue", "baseline")) >= 0
    assert shown(app, "revenue", "edited") == ""
    assert "leads created in 28 days" in app.settings_line.value


def test_run_shows_what_compare_setup_computes(app, small_dir, fast_run):
    ctl(app, "sla").value = "1"
    app.reps.value = "2"
    assert state(app) == "stale"
    assert (
        "ws-changed" in app.rows["sla"]._dom_classes
        and "ws-changed" not in app.rows["recycling"]._dom_classes
    )
    comparison = app.run()
    assert state(app) == "done" and 'data-run="1"' in app.status.value
    expected = workshop.compare_setup(
        workshop.build_setup(small_dir / "small.yaml", {"sla": "1", "reps": 2}, fast_run)
    )
    for change in expected.changes:
        assert shown(app, change.kpi, "edited") == repr(change.edited)
        assert shown(app, change.kpi, "baseline") == repr(change.baseline)
    assert comparison is not None and comparison.setup.overrides == expected.setup.overrides
    assert "Response deadline (SLA): none → 1 h" in app.status.value  # small.yaml has the silo's (no) SLA
    assert 'id="ws-funnel-won-edited"' in app.funnel.value


def test_negative_reps_show_a_message_not_a_traceback(app):
    app.reps.value = "-3"
    assert app.run() is None
    assert state(app) == "error"
    assert 'data-kind="error"' in app.message.value
    assert (
        "Number of sales reps: must be a whole number between 1 and 1000 (you typed -3)"
        in app.message.value
    )
    assert "Traceback" not in app.message.value
    assert "ws-stale" in app.results._dom_classes  # earlier figures are greyed out, not passed off
    app.reps.value = "4"
    assert app.run() is not None
    assert 'data-kind="none"' in app.message.value  # the message goes once the value is fixed
    assert "ws-stale" not in app.results._dom_classes


def test_an_unexpected_failure_is_a_message_too(app, monkeypatch):
    real = page_module.compare_setup_in_steps

    def explode_after_the_first_figures(setup):
        steps = real(setup)
        yield next(steps)
        raise RuntimeError("disk full")

    monkeypatch.setattr(page_module, "compare_setup_in_steps", explode_after_the_first_figures)
    ctl(app, "sla").value = "4"
    assert app.run() is None
    assert "Something went wrong (RuntimeError: disk full)" in app.message.value
    assert state(app) == "error"
    assert "ws-stale" in app.results._dom_classes  # the preliminary figures are not passed off
    assert app.run_button.disabled is False  # the page stays usable


def test_the_starting_point_also_shows_figures_after_the_first_round(small_dir, fast_run, monkeypatch):
    """Opening a start: its figures after 1, 2 of 3 replications are marked preliminary, then final."""
    page = WorkshopApp(WorkshopConfig(scenarios_dir=small_dir, start="small.yaml", run=fast_run))
    seen = []
    set_status = page._set_status

    def record(state_name, text):
        set_status(state_name, text)
        table = re.search(r'id="ws-results"[^>]*data-replications="(\d+)"', page.results.value)
        seen.append((state_name, int(table.group(1)) if table else None, "preliminary" in page.results.value))

    monkeypatch.setattr(page, "_set_status", record)
    page.load_start()
    assert seen[1:] == [("refining", 1, True), ("refining", 2, True), ("idle", 3, False)]
    assert seen[0][0] == "running"
    assert page.baseline is not None and page.baseline.replications == 3


def test_figures_appear_after_the_first_round_and_sharpen_until_every_replication_ran(app, monkeypatch):
    """3 replications on 1 worker: figures after 1, 2 and 3 runs, marked preliminary until the last."""
    seen = []
    show = app._show_figures

    def record(baseline, comparison):
        show(baseline, comparison)
        table = re.search(r'id="ws-results"[^>]*data-replications="(\d+)" data-planned="(\d+)"', app.results.value)
        seen.append((state(app), int(table.group(1)), int(table.group(2)), "preliminary" in app.results.value))

    monkeypatch.setattr(app, "_show_figures", record)
    ctl(app, "sla").value = "4"
    comparison = app.run()
    # the status at each showing is the one before it: running, then refining after each partial
    assert seen == [("running", 1, 3, True), ("refining", 2, 3, True), ("refining", 3, 3, False)]
    assert state(app) == "done" and "(3 simulations)" in app.status.value
    assert comparison is not None and comparison.edited.replications == 3
    assert comparison.baseline.replications == 3 and app.baseline.replications == 3
    assert "preliminary" not in app.results.value


def test_picking_another_start_resets_the_controls_to_its_values(app, small_dir):
    app.reps.value = "9"
    app.start_picker.value = str(small_dir / "small_batch.yaml")
    assert state(app) == "idle"
    assert ctl(app, "recycling").value == "yes"
    assert app.reps.value == "3"
    assert "small_<wbr>batch.<wbr>yaml" in app.results.value
    assert not any("ws-changed" in row._dom_classes for row in app.rows.values())


def test_reset_puts_every_lever_back(app):
    ctl(app, "sla").value = "72"
    ctl(app, "shared_lead_definition").value = "yes"
    app.volume.value = 1.5
    app.reset_button.click()
    now = app.current_controls()
    start = controls_from_scenario(app.start.scenario, app.table)
    assert start == now.replace(reps=int(now["reps"]))


def test_save_writes_the_setup_and_offers_it_as_a_starting_point(app, small_dir):
    ctl(app, "recycling").value = "yes"
    app.save_name.value = "Try recycling"
    saved = app.save()
    assert saved is not None and saved.path == small_dir / "workshop" / "try-recycling.yaml"
    assert (
        'data-kind="info"' in app.save_message.value
        and "try-recycling.yaml" in app.save_message.value
    )
    assert str(saved.path) in [value for _, value in app.start_picker.options]
    assert app.start_picker.value == str(small_dir / "small.yaml")  # still the same start


def test_saving_bad_values_shows_a_message(app, small_dir):
    app.reps.value = "zero"
    assert app.save() is None
    assert "Cannot save this setup" in app.save_message.value
    assert "type a whole number" in app.save_message.value
    assert not (small_dir / "workshop").exists()


def test_a_save_error_goes_when_the_next_save_succeeds(app, small_dir):
    app.reps.value = "zero"
    assert app.save() is None
    assert 'data-kind="error"' in app.save_message.value
    app.reps.value = "4"
    app.save_name.value = "évolution 2027"
    saved = app.save()
    assert saved is not None and saved.path.name == "évolution-2027.yaml"
    assert 'data-kind="info"' in app.save_message.value
    assert "Cannot save" not in app.save_message.value + app.message.value


def test_a_run_clears_the_message_of_an_earlier_save(app):
    app.reps.value = "zero"
    app.save()
    app.reps.value = "4"
    assert app.run() is not None
    assert 'data-kind="none"' in app.save_message.value


def test_every_next_action_clears_the_messages_of_the_last(app):
    app.reps.value = "-3"
    assert app.run() is None and 'data-kind="error"' in app.message.value
    app.controls_widgets["recycling"].value = "yes"  # moving a lever is the next action
    assert 'data-kind="none"' in app.message.value
    app.reps.value = "zero"
    app.save()
    assert 'data-kind="error"' in app.save_message.value
    app.reset_button.click()
    assert 'data-kind="none"' in app.save_message.value
    assert app.report_options() is None  # an empty tray: says what to do
    assert 'data-kind="error"' in app.report_message.value
    app.bring_back(None)
    assert 'data-kind="none"' in app.report_message.value


def test_a_lever_the_controls_cannot_offer_is_a_message_on_the_page(tmp_path, monkeypatch):
    import shutil

    from workshop_helpers import SCENARIOS

    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder, ignore=shutil.ignore_patterns("workshop", "examples"))
    (folder / "levers" / "odd.yaml").write_text("# Lever with a typo\nsales:\n  reps: -1\n")
    shown: list[str] = []
    monkeypatch.setattr("IPython.display.display", lambda thing: shown.append(thing.data))
    environment = {"LEADSIM_WORKSHOP_SCENARIOS": str(folder), "LEADSIM_WORKSHOP_CACHE_DIR": "none"}
    assert page_module.launch(environment) is None
    assert "cannot offer its controls" in shown[-1] and "odd.yaml" in shown[-1]
