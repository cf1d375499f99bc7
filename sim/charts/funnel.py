"""Where leads go: how many survive each funnel step, and why the others are lost."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from sim.charts.common import (
    WIDTH,
    check_rows,
    label,
    replication_counts,
    scenario_color,
    scenario_order,
)
from sim.kpis import format_number
from sim.metrics import FUNNEL_STEPS, funnel
from sim.model.lifecycle import OUTCOMES

LOSS_OUTCOMES = tuple(outcome for outcome in OUTCOMES if outcome != "won")


def funnel_data(leads: pd.DataFrame, replications: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Mean leads per replication at each funnel step, per scenario, with the share of all leads.

    Steps and definitions are those of :func:`sim.metrics.funnel` (nested: each step a subset
    of the previous one).

    ``leads`` is an experiment's lead table (a ``scenario`` column, one row per lead and
    replication). ``replications`` gives the number of replications per scenario when some
    replications produced no leads at all; otherwise it is counted from the table.
    """
    rows: list[dict[str, Any]] = []
    counts = replication_counts(leads)
    for scenario, group in leads.groupby("scenario", sort=False):
        runs = int((replications or {}).get(str(scenario), counts[scenario]))
        steps = funnel(group).set_index("step")
        for order, step in enumerate(FUNNEL_STEPS):
            rows.append(
                {
                    "scenario": str(scenario),
                    "step": step,
                    "order": order,
                    "leads": float(steps.loc[step, "leads"]) / runs,
                    # The share of sim.metrics.funnel: the same in chart, table and workbook.
                    "share_of_leads": float(steps.loc[step, "share_of_leads"]),
                }
            )
    return pd.DataFrame(rows, columns=["scenario", "step", "order", "leads", "share_of_leads"])


def funnel_chart(
    data: pd.DataFrame, language: str = "en", color_title: str | None = None
) -> alt.Chart:
    """Horizontal bars per funnel step, one bar per scenario, labelled with the mean count.

    ``data`` may group by something else than scenarios (e.g. channels, put into the
    ``scenario`` column); ``color_title`` then names the legend.
    """
    check_rows(data, "funnel_chart")
    frame = data.copy()
    frame["step_label"] = [label(step, language) for step in frame["step"]]
    frame["text"] = [
        f"{format_number(v, 'count', language)} ({format_number(s, 'share', language)})"
        for v, s in zip(frame["leads"], frame["share_of_leads"], strict=True)
    ]
    order = scenario_order(frame)
    steps = [label(step, language) for step in FUNNEL_STEPS if step in set(frame["step"])]
    base = alt.Chart(frame).encode(
        y=alt.Y("step_label:N", sort=steps, title=label("funnel_step", language)),
        yOffset=alt.YOffset("scenario:N", sort=order),
    )
    bars = base.mark_bar().encode(
        x=alt.X("leads:Q", title=label("leads_per_run", language)),
        color=scenario_color(order, language, color_title),
    )
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(x="leads:Q", text="text:N")
    return (bars + text).properties(
        width=WIDTH - 120, height=alt.Step(14 if len(order) < 3 else 10)
    )


# --------------------------------------------------------------------------- losses


def loss_data(leads: pd.DataFrame) -> pd.DataFrame:
    """Share of all leads per final outcome other than won, per scenario (and mean count)."""
    rows: list[dict[str, Any]] = []
    counts = replication_counts(leads)
    for scenario, group in leads.groupby("scenario", sort=False):
        runs = int(counts[scenario])
        outcomes = group["outcome"].value_counts()
        total = len(group)
        for order, outcome in enumerate(LOSS_OUTCOMES):
            count = int(outcomes.get(outcome, 0))
            rows.append(
                {
                    "scenario": str(scenario),
                    "outcome": outcome,
                    "order": order,
                    "leads": count / runs,
                    "share_of_leads": count / total if total else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=["scenario", "outcome", "order", "leads", "share_of_leads"])


def loss_chart(
    data: pd.DataFrame, language: str = "en", color_title: str | None = None
) -> alt.Chart:
    """Where leads are lost: share of all leads per loss reason, one bar per scenario."""
    check_rows(data, "loss_chart")
    frame = data.copy()
    frame["outcome_label"] = [label(outcome, language) for outcome in frame["outcome"]]
    frame["text"] = [format_number(s, "share", language) for s in frame["share_of_leads"]]
    order = scenario_order(frame)
    reasons = [label(o, language) for o in LOSS_OUTCOMES if o in set(frame["outcome"])]
    base = alt.Chart(frame).encode(
        y=alt.Y("outcome_label:N", sort=reasons, title=label("outcome", language)),
        yOffset=alt.YOffset("scenario:N", sort=order),
    )
    bars = base.mark_bar().encode(
        x=alt.X(
            "share_of_leads:Q",
            title=label("share_of_leads", language),
            axis=alt.Axis(format="%"),
        ),
        color=scenario_color(order, language, color_title),
    )
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(
        x="share_of_leads:Q", text="text:N"
    )
    return (bars + text).properties(
        width=WIDTH - 120, height=alt.Step(14 if len(order) < 3 else 10)
    )
