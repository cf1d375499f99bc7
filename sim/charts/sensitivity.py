"""Which parameters move a KPI: one at a time (tornado) and two together (heatmap)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from sim import kpis
from sim.charts.common import WIDTH, check_rows, label, value_axis, value_legend
from sim.kpis import format_number


def tornado_chart(
    data: pd.DataFrame, kpi: str = "revenue", language: str = "en"
) -> alt.TopLevelMixin:
    """One-at-a-time sensitivity: KPI at the low and high setting of each parameter vs. the base.

    ``data`` has the columns of ``sim.experiment.sweeps``' one-at-a-time table: ``parameter,
    setting ('low'/'high'), parameter_value, value, ci_low, ci_high, base`` (``value`` the KPI
    mean at that setting, ``base`` the KPI mean of the unchanged scenario). Parameters are
    sorted by their swing, the widest on top.
    """
    check_rows(data, "tornado_chart")
    frame = data.copy()
    ranges = frame.groupby("parameter", sort=False)["parameter_value"].agg(
        lambda v: " – ".join(f"{x:g}" if isinstance(x, (int, float)) else str(x) for x in v)
    )
    frame["parameter_label"] = [f"{p} ({ranges[p]})" for p in frame["parameter"]]
    swing = frame.groupby("parameter_label")["value"].agg(lambda v: float(v.max() - v.min()))
    order = list(swing.sort_values(ascending=False).index)
    frame["setting_label"] = [label(s, language) for s in frame["setting"]]
    base_value = float(frame["base"].iloc[0]) if len(frame) else 0.0
    kind = kpis.get(kpi).kind
    bars = (
        alt.Chart(frame)
        .mark_bar(opacity=0.85)
        .encode(
            y=alt.Y(
                "parameter_label:N",
                sort=order,
                title=label("parameter", language),
                axis=alt.Axis(labelLimit=320),
            ),
            yOffset=alt.YOffset(
                "setting_label:N", sort=[label("low", language), label("high", language)]
            ),
            x=alt.X(
                "base:Q",
                title=kpis.label(kpi, language),
                scale=alt.Scale(zero=False),
                axis=value_axis(kind),
            ),
            x2="value:Q",
            color=alt.Color(
                "setting_label:N",
                title=label("setting", language),
                scale=alt.Scale(
                    domain=[label("low", language), label("high", language)],
                    range=["#3b8ea5", "#e07b39"],
                ),
                legend=alt.Legend(orient="bottom"),
            ),
        )
    )
    rule = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(base_value))
    errors = alt.Chart(frame).mark_errorbar(ticks=True, color="#222222").encode(  # 95 % CI of each mean
        y=alt.Y("parameter_label:N", sort=order),
        yOffset=alt.YOffset("setting_label:N", sort=[label("low", language), label("high", language)]),
        x=alt.X("ci_low:Q", title=kpis.label(kpi, language)),
        x2="ci_high:Q",
    )
    return alt.layer(bars, errors, rule).properties(width=WIDTH - 100, height=alt.Step(28))


def heatmap_chart(
    data: pd.DataFrame, x: str, y: str, kpi: str = "revenue", language: str = "en"
) -> alt.TopLevelMixin:
    """Two-parameter sweep: KPI mean per combination of ``x`` and ``y`` values, annotated."""
    check_rows(data, "heatmap_chart")
    kind = kpis.get(kpi).kind
    # Parameter paths contain dots, which Vega-Lite reads as nested fields: rename them.
    frame = data.rename(columns={x: "x_value", y: "y_value"}).copy()
    frame["text"] = [format_number(v, kind, language, compact=True) for v in frame["value"]]
    half = (frame["ci_high"] - frame["ci_low"]) / 2  # the mean ± half-width of its 95 % CI
    frame["text"] = [
        f"{text} ±{format_number(h, kind, language, compact=True)}" if pd.notna(h) else text
        for text, h in zip(frame["text"], half, strict=True)
    ]
    base = alt.Chart(frame).encode(
        x=alt.X("x_value:O", title=x, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("y_value:O", title=y, sort="descending"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "value:Q",
            title=kpis.label(kpi, language),
            scale=alt.Scale(scheme="blues"),
            legend=value_legend(kind),
        )
    )
    text = base.mark_text(fontSize=11).encode(
        text="text:N",
        color=alt.condition(
            alt.datum.value > float(frame["value"].median()) if len(frame) else alt.datum.value > 0,
            alt.value("white"),
            alt.value("black"),
        ),
    )
    return alt.layer(cells, text).properties(width=alt.Step(120), height=alt.Step(40))


def robustness_tornado_data(break_even: pd.DataFrame, mean_difference: float) -> pd.DataFrame:
    """Tornado rows of a robustness run: the difference at each top assumption's low and high end.

    ``break_even`` is ``RobustnessResult.break_even`` (one comparison); the result has columns
    ``parameter, setting, value, ci_low, ci_high, base`` with the bootstrap 95 % interval of the
    fitted difference at that end of the range, and ``base`` the mean difference over all worlds.
    """
    rows = []
    for row in break_even.itertuples():
        label_text = f"{row.parameter} ({row.low:g} – {row.high:g})"
        rows.append((label_text, "low", row.at_low, row.at_low_ci_low, row.at_low_ci_high, mean_difference))
        rows.append((label_text, "high", row.at_high, row.at_high_ci_low, row.at_high_ci_high, mean_difference))
    return pd.DataFrame(rows, columns=["parameter", "setting", "value", "ci_low", "ci_high", "base"])


def robustness_tornado_chart(data: pd.DataFrame, kind: str = "money", language: str = "en") -> alt.TopLevelMixin:
    """Tornado of the difference B − A over each assumption's range, with 95 % error bars; 0 marked."""
    check_rows(data, "robustness_tornado_chart")
    frame = data.copy()
    frame["setting_label"] = [label(s, language) for s in frame["setting"]]
    swing = frame.groupby("parameter")["value"].agg(lambda v: float(v.max() - v.min()))
    order = list(swing.sort_values(ascending=False).index)
    settings = [label("low", language), label("high", language)]
    y = alt.Y("parameter:N", sort=order, title=label("parameter", language), axis=alt.Axis(labelLimit=360))
    offset = alt.YOffset("setting_label:N", sort=settings)
    bars = alt.Chart(frame).mark_bar(opacity=0.85).encode(
        y=y, yOffset=offset,
        x=alt.X("base:Q", title="difference B − A", scale=alt.Scale(zero=True), axis=value_axis(kind)),
        x2="value:Q",
        color=alt.Color(
            "setting_label:N", title=label("setting", language),
            scale=alt.Scale(domain=settings, range=["#3b8ea5", "#e07b39"]), legend=alt.Legend(orient="bottom"),
        ),
    )
    errors = alt.Chart(frame).mark_errorbar(ticks=True, color="#222222").encode(
        y=y, yOffset=offset, x=alt.X("ci_low:Q", title="difference B − A"), x2="ci_high:Q",
    )
    zero = alt.Chart().mark_rule(color="#b00020", strokeDash=[4, 3]).encode(x=alt.datum(0))
    return alt.layer(bars, errors, zero).properties(width=WIDTH - 100, height=alt.Step(28))
