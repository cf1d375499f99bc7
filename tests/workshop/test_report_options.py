"""“Report on these options”: a real comparison report whose KPI table shows the tray's figures."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from sim.workshop import session
from sim.workshop.app import WorkshopApp
from sim.workshop.config import WorkshopConfig
from sim.workshop.reporting import INPUTS_FOLDER


@pytest.fixture
def app(small_dir: Path, fast_run: session.RunSettings) -> WorkshopApp:
    page = WorkshopApp(WorkshopConfig(scenarios_dir=small_dir, start="small.yaml", run=fast_run))
    page.load_start()
    return page


def shown(html_text: str, ident: str) -> float:
    found = re.search(rf'id="{ident}" data-value="([^"]*)"', html_text)
    assert found, ident
    return float(found.group(1))


def test_the_report_kpi_table_matches_the_tray(app, small_dir, fast_run):
    app.reps.value = "4"
    assert app.keep("Vier Reps ü") is not None
    app.reps.value = "3"
    app.controls_widgets["recycling"].value = "yes"
    assert app.keep("Recycling") is not None
    app.reps.value = "5"
    assert app.keep("Recycling, five reps") is not None
    assert 'data-options="3"' in app.tray_html.value  # three options side by side
    report = app.report_options()
    assert report is not None, app.report_message.value
    assert report.page.is_file() and report.page.parent.parent == small_dir.parent / "reports"
    assert f'data-path="{report.page}"' in app.report_message.value  # the page shows where it is
    assert 'data-kind="info"' in app.report_message.value
    # the options were saved as scenario files and the report read them through wrappers that
    # only set the workshop's shortened horizon (small.yaml measures 56 days, the workshop 28)
    saved = sorted(p.name for p in (small_dir / "workshop").glob("*.yaml"))
    assert saved == ["recycling-five-reps.yaml", "recycling.yaml", "vier-reps-ü.yaml"]
    assert all(INPUTS_FOLDER in str(file) for file in report.files)
    table = pd.read_csv(report.folder / "kpis.csv")
    names = list(report.names)
    assert sorted(table["scenario"].unique()) == sorted(names)
    assert set(table.groupby("scenario")["replication"].nunique()) == {fast_run.replications}
    means = table.groupby("scenario").mean(numeric_only=True)
    tray = app.tray_html.value
    for kpi in session.result_kpis():
        ident = kpi.replace("_", "-")
        start = re.search(
            rf'<tr data-kpi="{kpi}"><th scope="row">[^<]*</th><td class="ws-baseline" '
            r'data-value="([^"]*)"',
            tray,
        )
        assert start, kpi
        assert means.loc[names[0], kpi] == pytest.approx(float(start.group(1)), rel=1e-9), kpi
        for index, name in enumerate(names[1:]):
            value = shown(tray, f"ws-tray-{index}-{ident}")
            assert means.loc[name, kpi] == pytest.approx(value, rel=1e-9, nan_ok=True), (name, kpi)
    # the figures differ between the options (the test could tell them apart)
    assert means.loc[names[1], "rep_utilization"] != means.loc[names[0], "rep_utilization"]
    # a second report reuses the saved files instead of saving them again
    again = app.report_options()
    assert again is not None and again.folder != report.folder
    assert len(list((small_dir / "workshop").glob("*.yaml"))) == 3
    app.reps.value = "6"  # the next action clears the report message
    app.run()
    assert app.report_message.value.count('data-kind="none"') == 1


def test_a_report_of_an_empty_tray_says_what_to_do(app):
    assert app.report_options() is None
    assert "Keep at least one option" in app.report_message.value
