"""A few single leads followed step by step: when each was sales-ready, handed over, called, closed."""

from __future__ import annotations

import altair as alt
import pandas as pd

from sim.charts.common import PALETTE, WIDTH, check_rows, label

JOURNEY_EVENTS = (
    ("created_at", "created"),
    ("sales_ready_at", "sales_ready"),
    ("handoff_at", "handed_over_event"),
    ("first_contact_at", "first_contact"),
    ("closed_at", "closed"),
)


def journey_data(leads: pd.DataFrame) -> pd.DataFrame:
    """Events of a few leads as rows (lead, event, days since the lead was created).

    ``leads`` is a handful of lead-table rows, with an optional ``journey`` column naming
    each lead (default: ``#<lead_id> <channel> → <outcome>``).
    """
    rows = []
    for order, (_, lead) in enumerate(leads.iterrows()):
        name = lead.get("journey") or f"#{lead['lead_id']} {lead['channel']} → {lead['outcome']}"
        for order_event, (column, event) in enumerate(JOURNEY_EVENTS):
            at = lead.get(column)
            if at is None or pd.isna(at):
                continue
            rows.append(
                {
                    "lead": str(name),
                    "order": order,
                    "event": event,
                    "event_order": order_event,
                    "days": max(0.0, (float(at) - float(lead["created_at"])) / 24.0),
                    "outcome": str(lead["outcome"]),
                }
            )
    return pd.DataFrame(rows, columns=["lead", "order", "event", "event_order", "days", "outcome"])


def journey_chart(data: pd.DataFrame, language: str = "en") -> alt.TopLevelMixin:
    """Lead journeys as timelines: one row per lead, a mark per event (days, log-like scale)."""
    check_rows(data, "journey_chart")
    frame = data.copy()
    frame["event_label"] = [label(e, language) for e in frame["event"]]
    leads = list(dict.fromkeys(frame.sort_values("order")["lead"])) if len(frame) else []
    events = [label(e, language) for _, e in JOURNEY_EVENTS]
    y = alt.Y("lead:N", sort=leads, title=None, axis=alt.Axis(labelLimit=320))
    x_scale = alt.Scale(type="symlog", constant=1)
    span = frame.groupby(["lead", "order"], as_index=False)["days"].agg(start="min", end="max")
    line = (
        alt.Chart(span)
        .mark_rule(color="#9aa5b1", strokeWidth=2)
        .encode(
            y=alt.Y("lead:N", sort=leads, title=None),
            x=alt.X("start:Q", scale=x_scale, title=label("days_since_created", language)),
            x2="end:Q",
        )
    )
    points = (
        alt.Chart(frame)
        .mark_point(filled=True, size=90, opacity=0.9)
        .encode(
            y=y,
            x=alt.X(
                "days:Q",
                scale=x_scale,
                axis=alt.Axis(values=[0, 1, 2, 7, 14, 30, 60, 90, 180, 365]),
            ),
            color=alt.Color(
                "event_label:N",
                sort=events,
                scale=alt.Scale(domain=events, range=PALETTE[: len(events)]),
                title=label("event", language),
                legend=alt.Legend(orient="bottom"),
            ),
            shape=alt.Shape(
                "event_label:N", sort=events, scale=alt.Scale(domain=events), legend=None
            ),
        )
    )
    return alt.layer(line, points).properties(width=WIDTH, height=alt.Step(28))
