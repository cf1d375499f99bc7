"""One clock, labelled: a response KPI shows the same value and unit in summary, table and chart.

The clock of every response KPI is chosen once in ``sim.kpis``; the report's executive summary,
its KPI table and the response chart's data must all state the median first response with the
same number and the same clock, and only a setup with an agreed SLA gets an SLA line.
"""

from __future__ import annotations

import html
import re
import shutil

import pytest
from report_helpers import FIXTURES

from sim import charts, kpis, report

KPI = "median_response_hours"


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> report.Comparison:
    folder = tmp_path_factory.mktemp("clock")
    shutil.copy(FIXTURES / "weekly_list.yaml", folder / "weekly_list.yaml")
    (folder / "with_sla.yaml").write_text(
        "extends: weekly_list.yaml\nname: with_sla\nhandoff: {mode: realtime}\n"
        "sla: {agreed: true, first_contact_business_hours: 4}\nsales: {queue: sla}\n",
        encoding="utf-8",
    )
    return report.run_comparison(
        [folder / "weekly_list.yaml", folder / "with_sla.yaml"], replications=2, seed=4, workers=1
    )


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def test_the_response_kpis_have_one_chosen_clock_in_their_labels():
    assert kpis.get(KPI).clock == "business"
    assert kpis.get("median_response_from_inquiry_hours").clock == "calendar"
    assert kpis.label(KPI) == "Median first response (business hours)"
    assert kpis.label(KPI, "de").endswith("(Geschäftsstunden)")
    unclocked = [k.column for k in kpis.KPIS if "response" in k.column and k.clock is None]
    assert unclocked == []


def test_summary_table_and_chart_show_the_same_value_and_unit(comparison: report.Comparison):
    summary = _text(report.executive_summary(comparison))
    table = report.kpi_table(comparison)
    row = table[table.iloc[:, 0] == kpis.label(KPI)]
    assert len(row) == 1, table.iloc[:, 0].tolist()  # the KPI table's label carries the clock
    chart = charts.response_time_chart(
        charts.response_time_data(comparison.result.leads, report.calendars(comparison)),
        report.sla_hours(comparison),
        markers=charts.response_marker_data(report.response_markers(comparison)),
    ).to_dict()
    markers = [
        item for data in chart["datasets"].values() for item in data if item.get("kpi") == KPI
    ]
    assert {item["scenario"] for item in markers} == set(comparison.names)
    axis = chart["layer"][0]["encoding"]["x"]["title"]
    assert kpis.get(KPI).clock_words() in axis
    for name in comparison.names:
        value = kpis.format_kpi(KPI, report.kpi_row(comparison, KPI, name)["mean"])
        assert f"{kpis.label(KPI)}" in summary
        assert value in summary, (name, value)
        cell = str(row[f"{name}: {report.text('mean_ci', 'en')}"].iloc[0])
        assert cell.startswith(value + " ")
        marker = next(item for item in markers if item["scenario"] == name)
        assert marker["text"] == f"{kpis.label(KPI)}: {value}"


def test_an_sla_line_only_for_a_setup_with_an_agreed_sla(comparison: report.Comparison):
    assert report.sla_hours(comparison) == {"with_sla": 4.0}
    chart = charts.response_time_chart(
        charts.response_time_data(comparison.result.leads), report.sla_hours(comparison)
    ).to_dict()
    lines = [item for data in chart["datasets"].values() for item in data if "sla_hours" in item]
    assert [item["sla_hours"] for item in lines] == [4.0]
    assert "business hours" in lines[0]["text"]
    without = charts.response_time_chart(charts.response_time_data(comparison.result.leads), {}).to_dict()
    assert not any("sla_hours" in item for data in without.get("datasets", {}).values() for item in data)
    assert all(layer["mark"]["type"] != "rule" for layer in without["layer"] if isinstance(layer["mark"], dict))
