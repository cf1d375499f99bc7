"""The goodness-of-fit picture: every target, observed vs simulated, on one scale.

A manager reads one chart: for each funnel figure a dot for the client's data and a dot for the
calibrated model, each with its 95 % interval, as a ratio to the observed value (1 = the data),
so volumes, shares and hours fit on one axis. Data and picture are separate functions, so the
data can be tested as data.
"""

from __future__ import annotations

import altair as alt
import pandas as pd


def fit_chart_data(fit: pd.DataFrame) -> pd.DataFrame:
    """Long table: target, source (observed/simulated), ratio to observed and its interval."""
    rows = []
    for row in fit.itertuples(index=False):
        scale = float(row.observed) if row.observed else float("nan")
        for source, value, low, high in (
            ("export", row.observed, row.observed_ci_low, row.observed_ci_high),
            ("model", row.simulated, row.simulated_ci_low, row.simulated_ci_high),
        ):
            rows.append({
                "target": row.target,
                "source": source,
                "ratio": float(value) / scale,
                "ratio_low": float(low) / scale,
                "ratio_high": float(high) / scale,
                "within_tolerance": bool(row.within_tolerance),
            })
    return pd.DataFrame(rows)


def fit_chart(data: pd.DataFrame) -> alt.TopLevelMixin:
    """Dots with 95 % intervals per target; the model in orange, the export in grey."""
    base = alt.Chart(data).encode(
        y=alt.Y("target:N", sort=None, title=None),
        yOffset=alt.YOffset("source:N"),
        color=alt.Color("source:N", scale=alt.Scale(domain=["export", "model"], range=["#777777", "#e45756"]),
                        title=None),
    )
    bars = base.mark_rule().encode(
        x=alt.X("ratio_low:Q", title="relative to the export (1 = observed)"), x2="ratio_high:Q",
    )
    dots = base.mark_point(filled=True, size=60).encode(
        x="ratio:Q",
        tooltip=["target", "source", alt.Tooltip("ratio:Q", format=".2f"), "within_tolerance"],
    )
    rule = alt.Chart(pd.DataFrame({"one": [1.0]})).mark_rule(strokeDash=[4, 4], color="#333333").encode(x="one:Q")
    return alt.layer(bars, dots, rule).properties(width=420, title="Observed vs simulated, 95 % intervals")
