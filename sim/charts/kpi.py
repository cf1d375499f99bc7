"""What a change buys: paired differences of the KPIs against the reference, with their 95 % CIs."""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import pandas as pd

from sim import kpis
from sim.charts.common import (
    BAD,
    GOOD,
    NEUTRAL,
    WIDTH,
    check_rows,
    difference_scale,
    difference_title,
    label,
    scenario_order,
)
from sim.kpis import format_number


def assessment(kpi: str, low: float, high: float) -> str:
    """``better``, ``worse`` or ``unclear``: a difference's CI judged by the KPI's direction."""
    direction = kpis.direction(kpi)
    if direction == 0 or not (math.isfinite(low) and math.isfinite(high)):
        return "unclear"
    if low > 0:
        return "better" if direction > 0 else "worse"
    if high < 0:
        return "worse" if direction > 0 else "better"
    return "unclear"


def kpi_difference_chart(
    summary: pd.DataFrame,
    shown: Sequence[str] | None = None,
    reference: str | None = None,
    language: str = "en",
) -> alt.VConcatChart:
    """Paired differences vs. the reference with 95 % CIs: one small panel per KPI.

    ``summary`` is ``sim.stats.summarize`` output (kpi, scenario, diff_vs_reference,
    diff_ci_low, diff_ci_high, ...). Points are green where the CI says the scenario is
    better, red where it is worse, grey where the CI includes zero. Shares are drawn in
    percentage points.
    """
    check_rows(summary, "kpi_difference_chart")
    frame = summary.dropna(subset=["diff_vs_reference"]).copy()
    if reference is not None:
        frame = frame[frame["scenario"] != reference]
    wanted = list(shown) if shown is not None else list(dict.fromkeys(frame["kpi"]))
    order = scenario_order(frame) if len(frame) else []
    panels: list[alt.LayerChart | alt.FacetChart] = []
    for kpi in wanted:
        part = frame[frame["kpi"] == kpi].copy()
        if part.empty:
            continue
        kind = kpis.get(kpi).kind
        scale = difference_scale(kind)
        for column in ("diff_vs_reference", "diff_ci_low", "diff_ci_high"):
            part[column] = part[column].astype(float) * scale
        part["assessment"] = [
            label(assessment(kpi, lo, hi), language)
            for lo, hi in zip(part["diff_ci_low"], part["diff_ci_high"], strict=True)
        ]
        part["text"] = [
            format_number(v / scale, kind, language, signed=True, compact=True)
            for v in part["diff_vs_reference"]
        ]
        title = difference_title(kpis.label(kpi, language), kind, language)
        domain = [label(k, language) for k in ("better", "worse", "unclear")]
        base = alt.Chart(part).encode(
            y=alt.Y("scenario:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        )
        bars = base.mark_rule(strokeWidth=2).encode(
            x=alt.X(
                "diff_ci_low:Q",
                title=None,
                axis=alt.Axis(format="~s") if kind == "money" else alt.Axis(),
            ),
            x2="diff_ci_high:Q",
            color=alt.Color(
                "assessment:N",
                scale=alt.Scale(domain=domain, range=[GOOD, BAD, NEUTRAL]),
                title=label("assessment", language),
                legend=alt.Legend(orient="bottom"),
            ),
        )
        points = base.mark_point(filled=True, size=70).encode(
            x="diff_vs_reference:Q",
            color=alt.Color(
                "assessment:N", scale=alt.Scale(domain=domain, range=[GOOD, BAD, NEUTRAL])
            ),
        )
        text = base.mark_text(dy=-10, fontSize=10).encode(x="diff_vs_reference:Q", text="text:N")
        zero = alt.Chart().mark_rule(color="#555555", strokeDash=[3, 3]).encode(x=alt.datum(0))
        panels.append(
            alt.layer(bars, points, text, zero).properties(
                title=title, width=WIDTH - 160, height=alt.Step(26)
            )
        )
    if not panels:
        empty = alt.Chart(pd.DataFrame({"x": [0]})).mark_text(text="–").encode()
        return alt.vconcat(empty)
    return (
        alt.vconcat(*panels, spacing=14)
        .resolve_scale(x="independent")
        .properties(title=label("difference", language))
    )
