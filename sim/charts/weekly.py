"""Week by week: lead volume, hand-overs, rep utilisation and the queue waiting for sales."""

from __future__ import annotations

import altair as alt
import pandas as pd

from sim import kpis
from sim.charts.common import WIDTH, check_rows, label, scenario_color, scenario_order


def weekly_data(weekly: pd.DataFrame) -> pd.DataFrame:
    """Mean rep utilisation and queue length per scenario and week, over replications."""
    frame = weekly.copy()
    if "scenario" not in frame.columns:
        frame["scenario"] = "scenario"
    busy = (
        frame["lead_work_hours"].astype(float) + frame["own_pipeline_hours"].astype(float)
        + frame["selling_hours"].astype(float)
    )
    available = frame["available_rep_hours"].astype(float)
    frame["utilization"] = busy / available.where(available > 0)
    grouped = frame.groupby(["scenario", "week"], sort=False).agg(
        utilization=("utilization", "mean"),
        mean_queue_length=("mean_queue_length", "mean"),
        leads_created=("leads_created", "mean"),
        handoffs=("handoffs", "mean"),
        in_window=("in_window", "max"),
    )
    return grouped.reset_index()


def weekly_chart(data: pd.DataFrame, language: str = "en") -> alt.VConcatChart:
    """Rep utilisation and waiting leads per week, the measurement window shaded."""
    check_rows(data, "weekly_chart")
    order = scenario_order(data) if len(data) else []
    window = data[data["in_window"].astype(bool)] if len(data) else data
    shade_frame = pd.DataFrame(
        {
            "start": [float(window["week"].min()) if len(window) else 0.0],
            "end": [float(window["week"].max()) if len(window) else 0.0],
            "text": [label("window", language)],
        }
    )
    shade = alt.Chart(shade_frame).mark_rect(color="#eef3f8").encode(x="start:Q", x2="end:Q")
    shade_text = (
        alt.Chart(shade_frame)
        .mark_text(align="left", baseline="top", dx=4, dy=4, color="#5a6b7b", fontSize=10)
        .encode(x="start:Q", y=alt.value(0), text="text:N")
    )

    def panel(field: str, title: str, axis_format: str | None) -> alt.LayerChart | alt.FacetChart:
        line = (
            alt.Chart(data)
            .mark_line(strokeWidth=1.5)
            .encode(
                x=alt.X("week:Q", title=label("week", language)),
                y=alt.Y(
                    f"{field}:Q",
                    title=title,
                    axis=alt.Axis(format=axis_format) if axis_format else alt.Axis(),
                ),
                color=scenario_color(order, language),
            )
        )
        return alt.layer(shade, shade_text, line).properties(width=WIDTH, height=160)

    return alt.vconcat(
        panel("utilization", kpis.chart_label("rep_utilization", language), "%"),
        panel("mean_queue_length", label("queue", language), None),
    )


def weekly_volume_chart(data: pd.DataFrame, language: str = "en") -> alt.VConcatChart:
    """New leads and hand-overs to sales per week (means over replications)."""
    check_rows(data, "weekly_volume_chart")
    order = scenario_order(data) if len(data) else []

    def panel(field: str) -> alt.Chart:
        return (
            alt.Chart(data)
            .mark_line(strokeWidth=1.5)
            .encode(
                x=alt.X("week:Q", title=label("week", language)),
                y=alt.Y(f"{field}:Q", title=label(field, language)),
                color=scenario_color(order, language),
            )
            .properties(width=WIDTH, height=140)
        )

    return alt.vconcat(panel("leads_created"), panel("handoffs"))
