"""The options tray: named setups kept side by side with the starting point, and brought back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.workshop import session
from sim.workshop.app import WorkshopApp
from sim.workshop.config import WorkshopConfig
from sim.workshop.control_table import WorkshopError
from sim.workshop.tray import TRAY_SIZE, Tray, TrayOption


@pytest.fixture
def app(small_dir: Path, fast_run: session.RunSettings) -> WorkshopApp:
    page = WorkshopApp(WorkshopConfig(scenarios_dir=small_dir, start="small.yaml", run=fast_run))
    page.load_start()
    return page


def tray_value(app: WorkshopApp, index: int, kpi: str) -> float:
    ident = kpi.replace("_", "-")
    found = re.search(rf'id="ws-tray-{index}-{ident}" data-value="([^"]*)"', app.tray_html.value)
    assert found, (index, kpi)
    return float(found.group(1))


def test_three_kept_options_appear_side_by_side_with_their_own_figures(app, small_dir, fast_run):
    for reps in ("2", "4", "5"):
        app.reps.value = reps
        assert app.keep(f"{reps} reps") is not None
    assert 'data-options="3"' in app.tray_html.value
    assert app.tray.names() == ("2 reps", "4 reps", "5 reps")
    for index, reps in enumerate((2, 4, 5)):
        expected = session.compare_setup(
            session.build_setup(small_dir / "small.yaml", {"reps": reps}, fast_run)
        )
        for change in expected.changes:
            assert tray_value(app, index, change.kpi) == pytest.approx(change.edited, rel=1e-12)
    assert "Number of sales reps: 3 → 4" in app.tray_html.value


def test_an_option_comes_back_onto_the_levers(app):
    app.controls_widgets["recycling"].value = "yes"
    app.keep()
    assert app.tray.names() == ("Option A",)
    app.reset_button.click()
    assert app.controls_widgets["recycling"].value == "no"
    app.bring_back("Option A")
    assert app.controls_widgets["recycling"].value == "yes"
    assert 'data-state="stale"' in app.status.value
    app.remove_option("Option A")
    assert app.tray.names() == () and 'data-options="0"' in app.tray_html.value


def test_a_new_starting_point_empties_the_tray(app, small_dir):
    app.reps.value = "4"
    app.keep("four")
    app.start_picker.value = str(small_dir / "small_batch.yaml")
    assert app.tray.names() == ()


def test_the_tray_holds_four_options(app):
    summary = session.RunSummary(*(None,) * 2, 0.0, 0, 0)  # type: ignore[arg-type]
    tray = Tray()
    for index in range(TRAY_SIZE):
        tray = tray.add(TrayOption(tray.next_name(), app.current_controls(), (), summary))
    assert tray.names() == ("Option A", "Option B", "Option C", "Option D")
    with pytest.raises(WorkshopError, match="holds 4 options"):
        tray.add(TrayOption("Option E", app.current_controls(), (), summary))
    assert len(tray.add(TrayOption("Option B", app.current_controls(), (), summary)).options) == 4
