"""How fast sales answers, and how a lead's odds fall while it waits for the first call."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from sim import kpis
from sim.charts.common import WIDTH, check_rows, label, scenario_color, scenario_order
from sim.kpis import format_number
from sim.metrics import qualification_by_response
from sim.model.calendar import BusinessCalendar
from sim.scenario.schema import Calendar

RESPONSE_BUCKETS_HOURS = (0.0, 1.0, 2.0, 4.0, 8.0, 24.0, 48.0, 168.0, math.inf)
"""Response-time buckets (calendar hours) for the measured decay curve, as the studies use."""


def response_time_data(
    leads: pd.DataFrame,
    calendars: Mapping[str, Calendar | BusinessCalendar] | None = None,
    points: int = 101,
    max_leads: int = 20000,
    seed: int = 0,
) -> pd.DataFrame:
    """Cumulative share of handed-over leads first attempted within x business hours.

    Per scenario, ``points`` quantiles of the response time in business hours of its calendar
    (``calendars[scenario]``; 24/7 hours when missing). Leads handed over but never attempted
    count in the denominator, so the curve stops below 100 %. At most ``max_leads`` leads per
    scenario are measured (a fixed random sample), which keeps big experiments fast.
    """
    rows: list[pd.DataFrame] = []
    shares = np.linspace(0.0, 1.0, points)
    for scenario, group in leads.groupby("scenario", sort=False):
        handed = group[group["handoff_at"].notna()]
        if len(handed) > max_leads:
            handed = handed.sample(max_leads, random_state=seed)
        calendar = (calendars or {}).get(str(scenario))
        if isinstance(calendar, Calendar):
            calendar = BusinessCalendar(calendar)
        ready = handed["sales_ready_at"].to_numpy(float)
        first = handed["first_contact_at"].to_numpy(float)
        hours = np.full(len(handed), np.inf)
        attempted = ~np.isnan(first)
        if calendar is None:
            hours[attempted] = np.maximum(first[attempted] - ready[attempted], 0.0)
        else:
            hours[attempted] = [
                calendar.business_hours_between(r, f)
                for r, f in zip(ready[attempted], first[attempted], strict=True)
            ]
        if not len(hours):
            continue
        reached = attempted.mean()
        quantiles = np.quantile(hours[attempted], shares) if attempted.any() else np.array([])
        frame = pd.DataFrame(
            {
                "scenario": str(scenario),
                "share": shares[: len(quantiles)] * reached,
                "hours": quantiles,
            }
        )
        rows.append(frame.drop_duplicates(subset=["share"]))
    if not rows:
        return pd.DataFrame(columns=["scenario", "share", "hours"])
    return pd.concat(rows, ignore_index=True)


RESPONSE_KPI = "median_response_hours"
"""The KPI the response chart shows: its clock (sim.kpis) is the chart's x axis."""


def response_marker_data(
    medians: Mapping[str, float], language: str = "en", kpi: str = RESPONSE_KPI
) -> pd.DataFrame:
    """One marker per scenario at the KPI's value, labelled as summary and KPI table label it."""
    entry = kpis.get(kpi)
    rows = [
        {
            "scenario": name,
            "kpi": kpi,
            "hours": float(value),
            "text": f"{entry.title(language)}: {entry.format(value, language)}",
        }
        for name, value in medians.items()
    ]
    return pd.DataFrame(rows, columns=["scenario", "kpi", "hours", "text"])


def response_time_chart(
    data: pd.DataFrame,
    sla_hours: Mapping[str, float] | float | None = None,
    language: str = "en",
    markers: pd.DataFrame | None = None,
) -> alt.TopLevelMixin:
    """Cumulative response-time curves per scenario, in the clock of ``RESPONSE_KPI``.

    ``sla_hours`` is the first-contact target in business hours, one number or one per scenario
    with an agreed SLA (none: no line). ``markers`` (:func:`response_marker_data`) marks each
    scenario's median response as the summary and the KPI table state it.
    """
    check_rows(data, "response_time_chart")
    order = scenario_order(data) if len(data) else []
    top = float(data["hours"].max()) if len(data) else 1.0
    ticks = [t for t in (0, 1, 2, 4, 8, 24, 48, 96, 168, 336, 672, 1344) if t <= max(top, 8) * 1.5]
    curves = (
        alt.Chart(data)
        .mark_line(interpolate="step-after", strokeWidth=2)
        .encode(
            x=alt.X(
                "hours:Q",
                title=f"{label('response_axis', language)} ({kpis.get(RESPONSE_KPI).clock_words(language)})",
                scale=alt.Scale(type="symlog", constant=1),
                axis=alt.Axis(values=ticks),
            ),
            y=alt.Y(
                "share:Q",
                title=label("response_share", language),
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=scenario_color(order, language),
        )
    )
    layers: list[alt.Chart] = [curves]
    if markers is not None and len(markers):
        layers.append(
            alt.Chart(markers)
            .mark_point(shape="triangle-up", size=120, filled=True)
            .encode(
                x="hours:Q", y=alt.datum(0.0), color=scenario_color(order, language),
                tooltip=["scenario:N", "text:N"],
            )
        )
    values: list[float] = []
    if isinstance(sla_hours, Mapping):
        values = sorted({float(v) for v in sla_hours.values()})
    elif sla_hours is not None:
        values = [float(sla_hours)]
    if values:
        clock = kpis.CLOCK_WORDS["business"].text(language)
        sla = pd.DataFrame(
            {
                "sla_hours": values,
                "text": [
                    f"{label('sla', language)} {format_number(v, 'hours', language)} ({clock})"
                    for v in values
                ],
            }
        )
        rule = alt.Chart(sla).mark_rule(color="#333333", strokeDash=[6, 4]).encode(x="sla_hours:Q")
        text = (
            alt.Chart(sla)
            .mark_text(align="left", dx=4, dy=8, baseline="top", fontSize=11)
            .encode(x="sla_hours:Q", y=alt.datum(1.0), text="text:N")
        )
        layers += [rule, text]
    return alt.layer(*layers).properties(width=WIDTH, height=260)


# --------------------------------------------------------------------------- decay as measured


def qualification_by_response_data(
    leads: pd.DataFrame, bucket_edges_hours: Sequence[float] = RESPONSE_BUCKETS_HOURS
) -> pd.DataFrame:
    """Share of contacted leads qualified, per response-time bucket and scenario (all replications)."""
    rows: list[pd.DataFrame] = []
    for scenario, group in leads.groupby("scenario", sort=False):
        table = qualification_by_response(group, tuple(bucket_edges_hours))
        table.insert(0, "scenario", str(scenario))
        table["order"] = range(len(table))
        table["bucket"] = table["bucket"].astype(str)
        rows.append(table)
    columns = ["scenario", "bucket", "leads", "qualified", "qualified_share", "order"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]


def qualification_by_response_chart(
    data: pd.DataFrame, language: str = "en", min_leads: int = 5
) -> alt.Chart:
    """The decay curve as measured: qualification rate falls with the time to first contact.

    Buckets with fewer than ``min_leads`` contacted leads are left out (too noisy to read).
    """
    check_rows(data, "qualification_by_response_chart")
    frame = data[data["leads"] >= min_leads].copy()
    order = scenario_order(data) if len(data) else []
    buckets = list(dict.fromkeys(data.sort_values("order")["bucket"])) if len(data) else []
    base = alt.Chart(frame).encode(
        x=alt.X(
            "bucket:N",
            sort=buckets,
            title=label("response_bucket", language),
            axis=alt.Axis(labelAngle=0),
        ),
        y=alt.Y(
            "qualified_share:Q",
            title=label("qualified_share", language),
            axis=alt.Axis(format="%"),
        ),
        color=scenario_color(order, language),
    )
    return (base.mark_line(strokeWidth=2) + base.mark_point(filled=True, size=50)).properties(
        width=WIDTH, height=240
    )
