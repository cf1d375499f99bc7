"""Chart builders on tiny hand-made frames: the aggregation is right and the spec encodes it."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest

from sim import charts, kpis
from sim.scenario.schema import Calendar

NAN = float("nan")


def lead(scenario: str, replication: int, outcome: str, **values: object) -> dict[str, object]:
    """One lead-table row with sensible defaults (a lead that never reached sales)."""
    row: dict[str, object] = {
        "scenario": scenario,
        "replication": replication,
        "lead_id": 0,
        "channel": "web",
        "created_at": 0.0,
        "fit": 0.5,
        "max_stage": "ql",
        "sales_ready_at": NAN,
        "handoff_at": NAN,
        "first_contact_at": NAN,
        "closed_at": NAN,
        "reached": False,
        "qualified": False,
        "outcome": outcome,
        "deal_value": NAN,
        "cost": 10.0,
    }
    row.update(values)
    return row


@pytest.fixture
def leads() -> pd.DataFrame:
    """Two scenarios, two replications; 'fast' answers in 1 h, 'slow' in 30 h or never."""
    rows = []
    for replication in (0, 1):
        for name, delay in (("slow", 30.0), ("fast", 1.0)):
            rows += [
                lead(
                    name,
                    replication,
                    "won",
                    max_stage="sql",
                    sales_ready_at=10.0,
                    handoff_at=10.0,
                    first_contact_at=10.0 + delay,
                    reached=True,
                    qualified=True,
                    deal_value=1000.0,
                ),
                lead(
                    name,
                    replication,
                    "lost_cold",
                    max_stage="mql",
                    sales_ready_at=20.0,
                    handoff_at=20.0,
                    first_contact_at=20.0 + delay,
                    reached=True,
                ),
                lead(
                    name,
                    replication,
                    "ignored" if name == "slow" else "lost_competitor",
                    max_stage="sql",
                    sales_ready_at=30.0,
                    handoff_at=30.0,
                    first_contact_at=NAN if name == "slow" else 31.0,
                    reached=name == "fast",
                ),
                lead(name, replication, "dropped"),
            ]
    return pd.DataFrame(rows)


def layer_marks(chart: alt.TopLevelMixin) -> list[str]:
    spec = chart.to_dict()
    layers = spec.get("layer", [spec])
    return [
        layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        for layer in layers
    ]


def dataset(chart: alt.TopLevelMixin) -> list[dict[str, object]]:
    """The rows embedded in a chart spec (all datasets concatenated)."""
    return [row for rows in chart.to_dict().get("datasets", {}).values() for row in rows]


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "kind", "language", "signed", "compact", "expected"),
    [
        (1234567.4, "money", "en", False, False, "€1,234,567"),
        (1234567.4, "money", "de", False, False, "1.234.567 €"),
        (1234567.4, "money", "en", True, True, "+€1.23 M"),
        (-2500000, "money", "de", True, True, "−2,50 Mio. €"),
        (0.384, "share", "en", False, False, "38 %"),
        (0.064, "share", "de", False, False, "6,4 %"),
        (-0.2, "share", "en", True, False, "−20 pp"),
        (52.0, "hours", "en", False, False, "52 h"),
        (4.25, "hours", "de", False, False, "4,2 h"),
        (3.0, "count", "en", False, False, "3"),
        (NAN, "money", "en", False, False, "–"),
    ],
)
def test_format_value(value, kind, language, signed, compact, expected):
    assert kpis.format_number(value, kind, language, signed=signed, compact=compact) == expected


def test_labels_in_both_languages():
    assert charts.label("won", "en") == "Won"
    assert charts.label("won", "de") == "Gewonnen"
    assert kpis.label("revenue", "de") == "Umsatz"
    with pytest.raises(ValueError, match="language"):
        charts.label("won", "fr")


def test_assessment_uses_the_kpi_direction():
    assert charts.assessment("revenue", 1.0, 5.0) == "better"
    assert charts.assessment("median_response_hours", 1.0, 5.0) == "worse"
    assert charts.assessment("median_response_hours", -5.0, -1.0) == "better"
    assert charts.assessment("revenue", -1.0, 5.0) == "unclear"
    assert charts.assessment("leads", 1.0, 5.0) == "unclear"  # a volume, not a goal


# --------------------------------------------------------------------------- funnel, losses


def test_funnel_data_is_a_mean_per_replication(leads):
    data = charts.funnel_data(leads)
    slow = data[data["scenario"] == "slow"].set_index("step")
    assert list(data["step"].unique()) == list(charts.FUNNEL_STEPS)
    assert slow.loc["leads", "leads"] == 4  # 8 leads over 2 replications
    assert "sql" not in slow.index and "mql" not in slow.index  # stages, not funnel steps
    assert slow.loc["reached", "leads"] == 2
    assert slow.loc["handed_over", "leads"] == 3
    assert slow.loc["contacted", "leads"] == 2
    assert slow.loc["won", "leads"] == 1
    assert slow.loc["won", "share_of_leads"] == pytest.approx(0.25)
    assert data[data["scenario"] == "fast"].set_index("step").loc["contacted", "leads"] == 3


def test_funnel_chart_encodes_steps_counts_and_scenarios(leads):
    chart = charts.funnel_chart(charts.funnel_data(leads), language="de")
    spec = chart.to_dict()
    bars = spec["layer"][0]["encoding"]
    assert bars["x"]["field"] == "leads"
    assert bars["color"]["field"] == "scenario"
    assert bars["y"]["field"] == "step_label"
    assert bars["y"]["sort"][0] == "Leads"
    assert "Gewonnen" in bars["y"]["sort"]
    rows = dataset(chart)
    assert {row["scenario"] for row in rows} == {"slow", "fast"}
    assert len(rows) == 2 * len(charts.FUNNEL_STEPS)


def test_loss_data_counts_each_outcome(leads):
    data = charts.loss_data(leads).set_index(["scenario", "outcome"])
    assert "won" not in data.index.get_level_values("outcome")
    assert data.loc[("slow", "ignored"), "share_of_leads"] == pytest.approx(0.25)
    assert data.loc[("fast", "ignored"), "share_of_leads"] == 0
    assert data.loc[("fast", "lost_competitor"), "leads"] == 1
    chart = charts.loss_chart(charts.loss_data(leads))
    assert chart.to_dict()["layer"][0]["encoding"]["x"]["field"] == "share_of_leads"


# --------------------------------------------------------------------------- response time


def test_response_time_data_counts_never_contacted_in_the_denominator(leads):
    data = charts.response_time_data(leads)  # no calendar: 24/7 hours
    slow = data[data["scenario"] == "slow"]
    fast = data[data["scenario"] == "fast"]
    assert slow["share"].max() == pytest.approx(2 / 3)  # one of three handed-over never contacted
    assert fast["share"].max() == pytest.approx(1.0)
    assert set(slow["hours"]) == {30.0}
    assert set(fast["hours"]) == {1.0}
    assert len(data) < 300


def test_response_time_data_uses_business_hours():
    friday_4pm = 4 * 24 + 16.0
    monday_9am = 7 * 24 + 9.0
    frame = pd.DataFrame(
        [
            lead(
                "a",
                0,
                "won",
                sales_ready_at=friday_4pm,
                handoff_at=friday_4pm,
                first_contact_at=monday_9am,
            )
        ]
    )
    data = charts.response_time_data(frame, {"a": Calendar(start_hour=8, end_hour=17)})
    assert set(data["hours"]) == {2.0}  # Friday 16-17 and Monday 8-9


def test_response_time_chart_draws_the_sla_line(leads):
    chart = charts.response_time_chart(charts.response_time_data(leads), {"slow": 24, "fast": 4})
    assert layer_marks(chart) == ["line", "rule", "text"]
    rule = chart.to_dict()["layer"][1]
    assert rule["encoding"]["x"]["field"] == "sla_hours"
    assert {row["sla_hours"] for row in dataset(chart) if "sla_hours" in row} == {4.0, 24.0}
    assert chart.to_dict()["layer"][0]["encoding"]["x"]["scale"]["type"] == "symlog"


def test_qualification_by_response_data(leads):
    data = charts.qualification_by_response_data(leads)
    fast = data[(data["scenario"] == "fast") & (data["leads"] > 0)]
    assert list(fast["bucket"]) == ["1–2 h"]
    assert fast["qualified_share"].iloc[0] == pytest.approx(1 / 3)
    chart = charts.qualification_by_response_chart(data, min_leads=1)
    assert chart.to_dict()["layer"][0]["encoding"]["y"]["field"] == "qualified_share"


# --------------------------------------------------------------------------- KPI differences


def test_kpi_difference_chart_colours_by_assessment_and_shows_shares_in_points():
    summary = pd.DataFrame(
        [
            ("revenue", "ref", 100.0, 90.0, 110.0, NAN, NAN, NAN, NAN),
            ("revenue", "alt", 150.0, 140.0, 160.0, 50.0, 40.0, 60.0, 1.0),
            ("cold_share", "ref", 0.4, 0.3, 0.5, NAN, NAN, NAN, NAN),
            ("cold_share", "alt", 0.5, 0.4, 0.6, 0.1, 0.05, 0.15, 0.0),
            ("won", "ref", 10.0, 8.0, 12.0, NAN, NAN, NAN, NAN),
            ("won", "alt", 11.0, 9.0, 13.0, 1.0, -1.0, 3.0, 0.5),
        ],
        columns=[
            "kpi",
            "scenario",
            "mean",
            "ci_low",
            "ci_high",
            "diff_vs_reference",
            "diff_ci_low",
            "diff_ci_high",
            "share_better",
        ],
    )
    chart = charts.kpi_difference_chart(summary, ["revenue", "cold_share", "won"], reference="ref")
    spec = chart.to_dict()
    assert len(spec["vconcat"]) == 3
    rows = dataset(chart)
    rows = [row for row in rows if "diff_vs_reference" in row]
    by_kpi = {round(row["diff_vs_reference"], 6): row for row in rows}
    assert by_kpi[50.0]["assessment"] == "better"
    assert by_kpi[10.0]["assessment"] == "worse"  # cold share up 10 pp
    assert by_kpi[10.0]["diff_ci_low"] == pytest.approx(5.0)
    assert by_kpi[1.0]["assessment"] == "no clear difference"
    assert all(row["scenario"] == "alt" for row in rows)
    panel = spec["vconcat"][0]["layer"][0]["encoding"]
    assert panel["x"]["field"] == "diff_ci_low" and panel["x2"]["field"] == "diff_ci_high"


# --------------------------------------------------------------------------- capacity


def test_weekly_data_averages_replications():
    weekly = pd.DataFrame(
        {
            "scenario": ["a"] * 4,
            "replication": [0, 0, 1, 1],
            "week": [0, 1, 0, 1],
            "in_window": [False, True, False, True],
            "leads_created": [1, 2, 3, 4],
            "handoffs": [0, 1, 0, 1],
            "lead_work_hours": [10.0, 20.0, 30.0, 0.0],
            "own_pipeline_hours": [10.0, 0.0, 10.0, 0.0],
            "selling_hours": [0.0, 0.0, 0.0, 0.0],
            "available_rep_hours": [100.0, 100.0, 100.0, 0.0],
            "mean_queue_length": [1.0, 2.0, 3.0, 4.0],
        }
    )
    data = charts.weekly_data(weekly).set_index("week")
    assert data.loc[0, "utilization"] == pytest.approx(0.3)  # (0.2 + 0.4) / 2
    assert data.loc[1, "utilization"] == pytest.approx(0.2)  # a week without rep hours is skipped
    assert data.loc[1, "mean_queue_length"] == 3.0
    chart = charts.weekly_chart(charts.weekly_data(weekly))
    assert len(chart.to_dict()["vconcat"]) == 2


# --------------------------------------------------------------------------- levers, sensitivity


def _shapley_effects() -> pd.DataFrame:
    """An attribution table as ``sim.experiment.attribution.attribute`` gives it (Shapley values)."""
    return pd.DataFrame(
        {
            "lever": ["sla", "crm", "target's own settings"],
            "shapley_mean": [30.0, -10.0, 0.0],
            "shapley_ci_low": [20.0, -15.0, 0.0],
            "shapley_ci_high": [40.0, -5.0, 0.0],
            "alone_mean": [30.0, -5.0, float("nan")],
            "alone_ci_low": [20.0, -9.0, float("nan")],
            "alone_ci_high": [40.0, -1.0, float("nan")],
            "last_mean": [20.0, -1.0, 0.0],
            "last_ci_low": [10.0, -4.0, 0.0],
            "last_ci_high": [30.0, 2.0, 0.0],
        }
    )


def test_lever_effects_show_shapley_values_with_their_intervals():
    data = charts.lever_effect_data(_shapley_effects())
    assert list(data["lever"]) == ["sla", "crm", "target's own settings"]
    assert list(data["value"]) == [30.0, -10.0, 0.0]
    assert (data.loc[1, "ci_low"], data.loc[1, "ci_high"]) == (-15.0, -5.0)
    spec = charts.lever_effect_chart(data, "revenue").to_dict()
    assert spec["layer"][1]["encoding"]["x2"]["field"] == "ci_high"  # the error bar
    assert "<svg" in charts.to_svg(charts.lever_effect_chart(data, "cold_share", "de"))


def test_tornado_and_heatmap_accept_dotted_parameter_paths():
    tornado = pd.DataFrame(
        {
            "parameter": [
                "sales.reps",
                "sales.reps",
                "handoff.ignore_share",
                "handoff.ignore_share",
            ],
            "setting": ["low", "high", "low", "high"],
            "parameter_value": [7, 13, 0.1, 0.4],
            "value": [90.0, 110.0, 130.0, 60.0],
            "ci_low": [85.0, 105.0, 125.0, 55.0],
            "ci_high": [95.0, 115.0, 135.0, 65.0],
            "base": [100.0] * 4,
        }
    )
    chart = charts.tornado_chart(tornado)
    order = chart.to_dict()["layer"][0]["encoding"]["y"]["sort"]
    assert order[0].startswith("handoff.ignore_share")  # the widest swing first
    sweep = pd.DataFrame(
        {"sales.reps": [7, 7, 13, 13], "sla.hours": [4, 24, 4, 24], "value": [1.0, 2.0, 3.0, 4.0],
         "ci_low": [0.5, 1.5, 2.5, 3.5], "ci_high": [1.5, 2.5, 3.5, 4.5]}
    )
    heat = charts.heatmap_chart(sweep, "sales.reps", "sla.hours")
    assert heat.to_dict()["layer"][0]["encoding"]["x"]["field"] == "x_value"
    assert "<svg" in charts.to_svg(heat)


def test_journey_data_turns_times_into_days():
    frame = pd.DataFrame(
        [
            lead(
                "a",
                0,
                "won",
                lead_id=7,
                created_at=24.0,
                sales_ready_at=48.0,
                handoff_at=48.0,
                first_contact_at=72.0,
                closed_at=24.0 + 10 * 24,
            )
        ]
    )
    data = charts.journey_data(frame)
    assert list(data["event"]) == [
        "created",
        "sales_ready",
        "handed_over_event",
        "first_contact",
        "closed",
    ]
    assert list(data["days"]) == [0.0, 1.0, 1.0, 2.0, 10.0]
    assert "<svg" in charts.to_svg(charts.journey_chart(data))


# --------------------------------------------------------------------------- limits, rendering


def test_builders_refuse_raw_tables():
    big = pd.DataFrame({"scenario": ["a"] * 6000, "share": np.linspace(0, 1, 6000), "hours": 1.0})
    with pytest.raises(ValueError, match="aggregate first"):
        charts.response_time_chart(big)


def test_every_chart_renders_offline_and_escapes_names(leads):
    hostile = "<script>alert(1)</script>"
    named = leads.replace({"scenario": {"slow": hostile}})
    built = [
        charts.funnel_chart(charts.funnel_data(named)),
        charts.loss_chart(charts.loss_data(named)),
        charts.response_time_chart(charts.response_time_data(named), 8),
        charts.qualification_by_response_chart(
            charts.qualification_by_response_data(named), min_leads=1
        ),
    ]
    for chart in built:
        svg = charts.to_svg(chart)
        assert svg.lstrip().startswith("<svg")
        assert "<script" not in svg
        assert "&lt;script&gt;" in svg
        assert "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
            'xmlns:xlink="http://www.w3.org/1999/xlink"', ""
        )


def test_roi_and_shares_are_drawn_as_percentages():
    summary = pd.DataFrame(
        {
            "kpi": ["roi"],
            "scenario": ["team"],
            "diff_vs_reference": [0.266],
            "diff_ci_low": [0.1],
            "diff_ci_high": [0.4],
        }
    )
    spec = charts.kpi_difference_chart(summary, ["roi"]).to_dict()
    panel = spec["vconcat"][0]
    assert panel["title"] == "ROI (pp)"
    values = next(iter(spec["datasets"].values()))
    assert values[0]["diff_vs_reference"] == pytest.approx(26.6)
    assert values[0]["text"] == "+27 pp"
    tornado = pd.DataFrame(
        {"parameter": ["sales.reps"] * 2, "setting": ["low", "high"], "parameter_value": [7, 13],
         "value": [0.1, 0.3], "ci_low": [0.05, 0.25], "ci_high": [0.15, 0.35], "base": [0.2] * 2}
    )
    axis = charts.tornado_chart(tornado, "roi").to_dict()["layer"][0]["encoding"]["x"]["axis"]
    assert axis["format"] == "%"
