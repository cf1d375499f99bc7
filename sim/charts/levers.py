"""What each lever contributes to an org change: the attribution table as bars with intervals."""

from __future__ import annotations

import altair as alt
import pandas as pd

from sim import kpis
from sim.charts.common import (
    BAD,
    GOOD,
    WIDTH,
    check_rows,
    difference_scale,
    difference_title,
    label,
)
from sim.kpis import format_number


def lever_effect_data(effects: pd.DataFrame) -> pd.DataFrame:
    """One row per lever with a value: lever, order, value, ci_low, ci_high (its Shapley value).

    The Shapley value is each lever's mean contribution over all orders of adding the levers
    (the attribution table of :mod:`sim.experiment.attribution`).
    """
    frame = pd.DataFrame(
        {
            "lever": effects["lever"].astype(str),
            "value": effects["shapley_mean"].astype(float),
            "ci_low": effects["shapley_ci_low"].astype(float),
            "ci_high": effects["shapley_ci_high"].astype(float),
        }
    )
    frame = frame[frame["value"].notna()].reset_index(drop=True)
    frame["order"] = range(len(frame))
    return frame


def lever_effect_chart(
    data: pd.DataFrame, kpi: str = "revenue", language: str = "en"
) -> alt.TopLevelMixin:
    """A bar per lever for its contribution to ``kpi``, with the 95 % CI as an error bar."""
    check_rows(data, "lever_effect_chart")
    kind = kpis.get(kpi).kind
    scale = difference_scale(kind)  # percentages are drawn in percentage points
    frame = data.copy()
    for column in ("value", "ci_low", "ci_high"):
        frame[column] = frame[column].astype(float) * scale
    direction = kpis.direction(kpi) or 1
    frame["kind_label"] = [
        label("increase" if direction * v >= 0 else "decrease", language) for v in frame["value"]
    ]
    frame["text"] = [
        format_number(v / scale, kind, language, signed=True, compact=True) for v in frame["value"]
    ]
    order = list(frame.sort_values("order")["lever"])
    axis_title = difference_title(kpis.label(kpi, language), kind, language)
    base = alt.Chart(frame).encode(
        y=alt.Y("lever:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    )
    bars = base.mark_bar(size=18).encode(
        x=alt.X(
            "value:Q",
            title=axis_title,
            axis=alt.Axis(format="~s") if kind == "money" else alt.Axis(),
        ),
        color=alt.Color(
            "kind_label:N",
            scale=alt.Scale(
                domain=[label("increase", language), label("decrease", language)],
                range=[GOOD, BAD],
            ),
            legend=None,
        ),
    )
    errors = base.mark_rule(color="#333333", strokeWidth=1.5).encode(x="ci_low:Q", x2="ci_high:Q")
    text = base.mark_text(align="left", dx=4, dy=-9, fontSize=10).encode(x="value:Q", text="text:N")
    zero = alt.Chart().mark_rule(color="#555555", strokeDash=[3, 3]).encode(x=alt.datum(0))
    return alt.layer(bars, errors, text, zero).properties(width=WIDTH - 120, height=alt.Step(30))
