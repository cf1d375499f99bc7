"""The page's widgets without a browser: controls, Run, messages, Save (fast, small scenario)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.workshop import app as workshop
from sim.workshop.app import WorkshopApp, WorkshopConfig


@pytest.fixture
def app(small_dir: Path, fast_run: workshop.RunSettings) -> WorkshopApp:
    page = WorkshopApp(WorkshopConfig(scenarios_dir=small_dir, start="small.yaml", run=fast_run))
    page.load_start()
    return page


def state(app: WorkshopApp) -> str:
    return re.search(r'data-state="(\w+)"', app.status.value).group(1)


def shown(app: WorkshopApp, kpi: str, side: str) -> str:
    ident = kpi.replace("_", "-")
    return re.search(rf'id="ws-{ident}-{side}"[^>]*data-value="([^"]*)"', app.results.value).group(
        1
    )


def test_page_opens_with_the_starting_points_figures_and_its_controls(app):
    assert state(app) == "idle"
    assert app.sla.value == "off" and app.reps.value == "3" and app.volume.value == 1.0
    assert app.handoff.options[0][1] == workshop.FROM_FILE  # real-time e-mail: none of the choices
    assert float(shown(app, "revenue", "baseline")) >= 0
    assert shown(app, "revenue", "edited") == ""
    assert "leads created in 28 days" in app.settings_line.value


def test_run_shows_what_compare_setup_computes(app, small_dir, fast_run):
    app.sla.value = "1"
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
    assert "Response deadline (SLA): none → 1 h" in app.status.value
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
    def explode(setup):
        raise RuntimeError("disk full")

    monkeypatch.setattr(workshop, "compare_setup", explode)
    app.sla.value = "4"
    assert app.run() is None
    assert "Something went wrong (RuntimeError: disk full)" in app.message.value
    assert app.run_button.disabled is False  # the page stays usable


def test_picking_another_start_resets_the_controls_to_its_values(app, small_dir):
    app.reps.value = "9"
    app.start_picker.value = str(small_dir / "small_batch.yaml")
    assert state(app) == "idle"
    assert (
        app.handoff.value == "daily_list" and app.sla.value == "4" and app.recycling.value is True
    )
    assert app.reps.value == "3"
    assert "small_<wbr>batch.<wbr>yaml" in app.results.value
    assert not any("ws-changed" in row._dom_classes for row in app.rows.values())


def test_reset_puts_every_lever_back(app):
    app.sla.value = "72"
    app.definition.value = True
    app.volume.value = 1.5
    app.reset_button.click()
    now = app.current_controls()
    assert workshop.controls_from_scenario(app.start.scenario) == now.replace(reps=int(now.reps))


def test_save_writes_the_setup_and_offers_it_as_a_starting_point(app, small_dir):
    app.recycling.value = True
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
    assert (
        "Cannot save this setup" in app.message.value and "type a whole number" in app.message.value
    )
    assert not (small_dir / "workshop").exists()
