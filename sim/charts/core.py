"""Charts a manager reads at a glance: where leads go, how fast sales answers, what a change buys.

Every chart here answers one question of the report – how many leads survive each funnel step,
where the others are lost, how long they wait for a first call, how their odds fall while they
wait, what an org change adds with its uncertainty, and how busy the reps are. The builders come
in pairs: a ``*_data`` function turns the raw lead, weekly or KPI tables of an experiment into a
small frame (a few hundred rows at most, far below Altair's 5,000-row limit), and a ``*_chart``
function draws that frame. Charts carry labels in English or German (``language="de"``).

Reports must open with no internet: render charts with :func:`to_svg` or after
:func:`enable_offline_rendering` (vl-convert, no JavaScript, deterministic output) – never with
Altair's default ``html`` renderer, which loads Vega from a CDN.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import altair as alt
import numpy as np
import pandas as pd

from sim import kpis as kpi_vocabulary
from sim.kpis import LANGUAGES, check_language
from sim.metrics import funnel, qualification_by_response
from sim.model.calendar import BusinessCalendar
from sim.model.lifecycle import OUTCOMES
from sim.scenario.schema import Calendar
from sim.stats import KPI_DIRECTION

__all__ = [
    "FUNNEL_STEPS",
    "LANGUAGES",
    "LOSS_OUTCOMES",
    "assessment",
    "enable_offline_rendering",
    "format_value",
    "funnel_chart",
    "funnel_data",
    "heatmap_chart",
    "journey_chart",
    "journey_data",
    "kpi_difference_chart",
    "kpi_label",
    "label",
    "loss_chart",
    "loss_data",
    "qualification_by_response_chart",
    "qualification_by_response_data",
    "response_time_chart",
    "response_time_data",
    "to_svg",
    "tornado_chart",
    "waterfall_chart",
    "waterfall_data",
    "weekly_chart",
    "weekly_data",
    "weekly_volume_chart",
]

MAX_CHART_ROWS = 5000
"""Altair refuses to embed more rows than this; every builder checks its frame against it."""

FUNNEL_STEPS = ("leads", "mql", "sql", "handed_over", "contacted", "reached", "qualified", "won")
LOSS_OUTCOMES = tuple(outcome for outcome in OUTCOMES if outcome != "won")
RESPONSE_BUCKETS_HOURS = (0.0, 1.0, 2.0, 4.0, 8.0, 24.0, 48.0, 168.0, math.inf)
"""Response-time buckets (calendar hours) for the measured decay curve, as the studies use."""

_WIDTH = 560
_PALETTE = ["#1f5f8b", "#e07b39", "#4c9f70", "#b5485d", "#7a6bb0", "#8c8c3c", "#3b8ea5", "#9c6b30"]
_GOOD, _BAD, _NEUTRAL = "#2e8b57", "#c0392b", "#8c8c8c"

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "scenario": "Scenario",
        "leads": "Leads",
        "mql": "MQL",
        "sql": "SQL",
        "handed_over": "Handed to sales",
        "contacted": "Contacted",
        "reached": "Reached",
        "qualified": "Qualified",
        "won": "Won",
        "lost_unqualified": "Not qualified",
        "lost_competitor": "Bought elsewhere",
        "lost_cold": "Gone cold",
        "ignored": "Ignored by sales",
        "dropped": "Dropped out of nurturing",
        "open": "Still open",
        "funnel_step": "Funnel step",
        "leads_per_run": "Leads (mean per replication)",
        "share_of_leads": "Share of all leads",
        "outcome": "Outcome",
        "response_axis": "Time to first contact attempt (business hours)",
        "response_share": "Share of handed-over leads contacted",
        "sla": "SLA",
        "response_bucket": "Time to first contact attempt (hours)",
        "qualified_share": "Share of contacted leads qualified",
        "difference": "Difference vs. reference (95% CI)",
        "better": "better",
        "worse": "worse",
        "unclear": "no clear difference",
        "assessment": "Assessment",
        "week": "Week since start",
        "utilization": "Rep utilisation",
        "queue": "Leads waiting for sales (mean)",
        "window": "measurement window",
        "step": "Step",
        "value": "Value",
        "change": "Change",
        "start": "start",
        "total": "total",
        "increase": "increase",
        "decrease": "decrease",
        "parameter": "Parameter",
        "low": "low",
        "high": "high",
        "setting": "Setting",
        "channel": "Channel",
        "leads_created": "New leads per week",
        "handoffs": "Hand-overs to sales per week",
        "days_since_created": "Days since the lead was created",
        "event": "Event",
        "lead": "Lead",
        "created": "created",
        "sales_ready": "sales-ready",
        "handed_over_event": "handed to sales",
        "first_contact": "first contact attempt",
        "closed": "closed",
    },
    "de": {
        "scenario": "Szenario",
        "leads": "Leads",
        "mql": "MQL",
        "sql": "SQL",
        "handed_over": "An Vertrieb übergeben",
        "contacted": "Kontaktiert",
        "reached": "Erreicht",
        "qualified": "Qualifiziert",
        "won": "Gewonnen",
        "lost_unqualified": "Nicht qualifiziert",
        "lost_competitor": "Beim Wettbewerb gekauft",
        "lost_cold": "Erkaltet",
        "ignored": "Vom Vertrieb ignoriert",
        "dropped": "Aus Nurturing ausgestiegen",
        "open": "Noch offen",
        "funnel_step": "Trichterstufe",
        "leads_per_run": "Leads (Mittel je Replikation)",
        "share_of_leads": "Anteil an allen Leads",
        "outcome": "Ergebnis",
        "response_axis": "Zeit bis zum ersten Kontaktversuch (Arbeitsstunden)",
        "response_share": "Anteil übergebener Leads, die kontaktiert wurden",
        "sla": "SLA",
        "response_bucket": "Zeit bis zum ersten Kontaktversuch (Stunden)",
        "qualified_share": "Anteil kontaktierter Leads, die qualifiziert wurden",
        "difference": "Differenz zur Referenz (95-%-KI)",
        "better": "besser",
        "worse": "schlechter",
        "unclear": "kein klarer Unterschied",
        "assessment": "Bewertung",
        "week": "Woche seit Start",
        "utilization": "Auslastung Vertrieb",
        "queue": "Wartende Leads im Vertrieb (Mittel)",
        "window": "Messfenster",
        "step": "Schritt",
        "value": "Wert",
        "change": "Änderung",
        "start": "Start",
        "total": "Gesamt",
        "increase": "Zuwachs",
        "decrease": "Rückgang",
        "parameter": "Parameter",
        "low": "niedrig",
        "high": "hoch",
        "setting": "Einstellung",
        "channel": "Kanal",
        "leads_created": "Neue Leads je Woche",
        "handoffs": "Übergaben an den Vertrieb je Woche",
        "days_since_created": "Tage seit Entstehung des Leads",
        "event": "Ereignis",
        "lead": "Lead",
        "created": "entstanden",
        "sales_ready": "vertriebsreif",
        "handed_over_event": "an Vertrieb übergeben",
        "first_contact": "erster Kontaktversuch",
        "closed": "abgeschlossen",
    },
}


# --------------------------------------------------------------------------- labels, numbers


_check_language = check_language


def label(key: str, language: str = "en") -> str:
    """The display text of ``key`` (a funnel step, outcome or axis name) in ``language``."""
    return _TEXT[_check_language(language)].get(key, key)


def kpi_label(kpi: str, language: str = "en") -> str:
    """The display name of a KPI column (from the one KPI vocabulary, ``sim.kpis``)."""
    check_language(language)
    return kpi_vocabulary.label(kpi, language)


format_value = kpi_vocabulary.format_number
"""A value formatted by kind (the one formatter, ``sim.kpis.format_number``)."""


# --------------------------------------------------------------------------- rendering


_LOCALES: dict[str, Literal["en-US", "de-DE"]] = {"en": "en-US", "de": "de-DE"}


def enable_offline_rendering(language: str = "en") -> None:
    """Render charts in notebooks as inline SVG via vl-convert: no network, deterministic.

    Axis numbers follow ``language`` (German: ``1.000,5``).
    """
    locale = _LOCALES[_check_language(language)]
    alt.renderers.enable("svg")
    alt.renderers.set_embed_options(formatLocale=locale, timeFormatLocale=locale)


def to_svg(chart: alt.TopLevelMixin, language: str = "en") -> str:
    """The chart as an SVG document (vl-convert, no JavaScript, no network)."""
    import vl_convert

    locale = _LOCALES[_check_language(language)]
    return str(
        vl_convert.vegalite_to_svg(chart.to_json(), format_locale=locale, time_format_locale=locale)
    )


def _small(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    if len(frame) > MAX_CHART_ROWS:
        raise ValueError(
            f"{what}: {len(frame)} rows is more than a chart should carry ({MAX_CHART_ROWS}); "
            f"aggregate first with the matching *_data function"
        )
    return frame


def _scenario_order(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame["scenario"].astype(str)))


def _scenario_color(order: Sequence[str], language: str, title: str | None = None) -> alt.Color:
    return alt.Color(
        "scenario:N",
        title=title if title is not None else label("scenario", language),
        sort=list(order),
        scale=alt.Scale(domain=list(order), range=_PALETTE[: max(1, len(order))]),
        legend=alt.Legend(orient="bottom", labelLimit=320),
    )


def _replications(frame: pd.DataFrame) -> pd.Series:
    """Number of replications per scenario (at least 1)."""
    if "replication" not in frame.columns:
        return frame.groupby("scenario", sort=False).size().clip(upper=1)
    return frame.groupby("scenario", sort=False)["replication"].nunique().clip(lower=1)


# --------------------------------------------------------------------------- funnel


def funnel_data(leads: pd.DataFrame, replications: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Mean leads per replication at each funnel step, per scenario, with the share of all leads.

    ``leads`` is an experiment's lead table (a ``scenario`` column, one row per lead and
    replication). ``replications`` gives the number of replications per scenario when some
    replications produced no leads at all; otherwise it is counted from the table.
    """
    rows: list[dict[str, Any]] = []
    counts = _replications(leads)
    for scenario, group in leads.groupby("scenario", sort=False):
        runs = int((replications or {}).get(str(scenario), counts[scenario]))
        steps = funnel(group).set_index("step")["leads"]
        total = float(steps["leads"]) / runs
        for order, step in enumerate(FUNNEL_STEPS):
            mean = float(steps.get(step, 0)) / runs
            rows.append(
                {
                    "scenario": str(scenario),
                    "step": step,
                    "order": order,
                    "leads": mean,
                    "share_of_leads": mean / total if total else float("nan"),
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
    _small(data, "funnel_chart")
    frame = data.copy()
    frame["step_label"] = [label(step, language) for step in frame["step"]]
    frame["text"] = [
        f"{format_value(v, 'count', language)} ({format_value(s, 'share', language)})"
        for v, s in zip(frame["leads"], frame["share_of_leads"], strict=True)
    ]
    order = _scenario_order(frame)
    steps = [label(step, language) for step in FUNNEL_STEPS if step in set(frame["step"])]
    base = alt.Chart(frame).encode(
        y=alt.Y("step_label:N", sort=steps, title=label("funnel_step", language)),
        yOffset=alt.YOffset("scenario:N", sort=order),
    )
    bars = base.mark_bar().encode(
        x=alt.X("leads:Q", title=label("leads_per_run", language)),
        color=_scenario_color(order, language, color_title),
    )
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(x="leads:Q", text="text:N")
    return (bars + text).properties(
        width=_WIDTH - 120, height=alt.Step(14 if len(order) < 3 else 10)
    )


# --------------------------------------------------------------------------- losses


def loss_data(leads: pd.DataFrame) -> pd.DataFrame:
    """Share of all leads per final outcome other than won, per scenario (and mean count)."""
    rows: list[dict[str, Any]] = []
    counts = _replications(leads)
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
    _small(data, "loss_chart")
    frame = data.copy()
    frame["outcome_label"] = [label(outcome, language) for outcome in frame["outcome"]]
    frame["text"] = [format_value(s, "share", language) for s in frame["share_of_leads"]]
    order = _scenario_order(frame)
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
        color=_scenario_color(order, language, color_title),
    )
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(
        x="share_of_leads:Q", text="text:N"
    )
    return (bars + text).properties(
        width=_WIDTH - 120, height=alt.Step(14 if len(order) < 3 else 10)
    )


# --------------------------------------------------------------------------- response time


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


def response_time_chart(
    data: pd.DataFrame, sla_hours: Mapping[str, float] | float | None = None, language: str = "en"
) -> alt.TopLevelMixin:
    """Cumulative response-time curves per scenario with the SLA target as a vertical line.

    ``sla_hours`` is the first-contact target in business hours, one number or one per scenario.
    """
    _small(data, "response_time_chart")
    order = _scenario_order(data) if len(data) else []
    top = float(data["hours"].max()) if len(data) else 1.0
    ticks = [t for t in (0, 1, 2, 4, 8, 24, 48, 96, 168, 336, 672, 1344) if t <= max(top, 8) * 1.5]
    curves = (
        alt.Chart(data)
        .mark_line(interpolate="step-after", strokeWidth=2)
        .encode(
            x=alt.X(
                "hours:Q",
                title=label("response_axis", language),
                scale=alt.Scale(type="symlog", constant=1),
                axis=alt.Axis(values=ticks),
            ),
            y=alt.Y(
                "share:Q",
                title=label("response_share", language),
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=_scenario_color(order, language),
        )
    )
    layers: list[alt.Chart] = [curves]
    if sla_hours is not None:
        if isinstance(sla_hours, Mapping):
            values = sorted({float(v) for v in sla_hours.values()})
        else:
            values = [float(sla_hours)]
        sla = pd.DataFrame(
            {
                "sla_hours": values,
                "text": [
                    f"{label('sla', language)} {format_value(v, 'hours', language)}" for v in values
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
    return alt.layer(*layers).properties(width=_WIDTH, height=260)


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
    _small(data, "qualification_by_response_chart")
    frame = data[data["leads"] >= min_leads].copy()
    order = _scenario_order(data) if len(data) else []
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
        color=_scenario_color(order, language),
    )
    return (base.mark_line(strokeWidth=2) + base.mark_point(filled=True, size=50)).properties(
        width=_WIDTH, height=240
    )


# --------------------------------------------------------------------------- KPI differences


def assessment(kpi: str, low: float, high: float) -> str:
    direction = KPI_DIRECTION.get(kpi, 0)
    if direction == 0 or not (math.isfinite(low) and math.isfinite(high)):
        return "unclear"
    if low > 0:
        return "better" if direction > 0 else "worse"
    if high < 0:
        return "worse" if direction > 0 else "better"
    return "unclear"


def kpi_difference_chart(
    summary: pd.DataFrame,
    kpis: Sequence[str] | None = None,
    reference: str | None = None,
    language: str = "en",
) -> alt.VConcatChart:
    """Paired differences vs. the reference with 95 % CIs: one small panel per KPI.

    ``summary`` is ``sim.stats.summarize`` output (kpi, scenario, diff_vs_reference,
    diff_ci_low, diff_ci_high, ...). Points are green where the CI says the scenario is
    better, red where it is worse, grey where the CI includes zero. Shares are drawn in
    percentage points.
    """
    _small(summary, "kpi_difference_chart")
    frame = summary.dropna(subset=["diff_vs_reference"]).copy()
    if reference is not None:
        frame = frame[frame["scenario"] != reference]
    wanted = list(kpis) if kpis is not None else list(dict.fromkeys(frame["kpi"]))
    order = _scenario_order(frame) if len(frame) else []
    panels: list[alt.LayerChart | alt.FacetChart] = []
    for kpi in wanted:
        part = frame[frame["kpi"] == kpi].copy()
        if part.empty:
            continue
        kind = kpi_vocabulary.get(kpi).kind if kpi in kpi_vocabulary.kpi_names() else "count"
        scale = 100.0 if kind == "share" else 1.0
        for column in ("diff_vs_reference", "diff_ci_low", "diff_ci_high"):
            part[column] = part[column].astype(float) * scale
        part["assessment"] = [
            label(assessment(kpi, lo, hi), language)
            for lo, hi in zip(part["diff_ci_low"], part["diff_ci_high"], strict=True)
        ]
        part["text"] = [
            format_value(v / scale, kind, language, signed=True, compact=True)
            for v in part["diff_vs_reference"]
        ]
        title = kpi_label(kpi, language) + (" (pp)" if kind == "share" and language == "en" else "")
        if kind == "share" and language == "de":
            title += " (Pp.)"
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
                scale=alt.Scale(domain=domain, range=[_GOOD, _BAD, _NEUTRAL]),
                title=label("assessment", language),
                legend=alt.Legend(orient="bottom"),
            ),
        )
        points = base.mark_point(filled=True, size=70).encode(
            x="diff_vs_reference:Q",
            color=alt.Color(
                "assessment:N", scale=alt.Scale(domain=domain, range=[_GOOD, _BAD, _NEUTRAL])
            ),
        )
        text = base.mark_text(dy=-10, fontSize=10).encode(x="diff_vs_reference:Q", text="text:N")
        zero = alt.Chart().mark_rule(color="#555555", strokeDash=[3, 3]).encode(x=alt.datum(0))
        panels.append(
            alt.layer(bars, points, text, zero).properties(
                title=title, width=_WIDTH - 160, height=alt.Step(26)
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


# --------------------------------------------------------------------------- capacity


def weekly_data(weekly: pd.DataFrame) -> pd.DataFrame:
    """Mean rep utilisation and queue length per scenario and week, over replications."""
    frame = weekly.copy()
    if "scenario" not in frame.columns:
        frame["scenario"] = "scenario"
    busy = frame["lead_work_hours"].astype(float) + frame["own_pipeline_hours"].astype(float)
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
    _small(data, "weekly_chart")
    order = _scenario_order(data) if len(data) else []
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
                color=_scenario_color(order, language),
            )
        )
        return alt.layer(shade, shade_text, line).properties(width=_WIDTH, height=160)

    return alt.vconcat(
        panel("utilization", label("utilization", language), "%"),
        panel("mean_queue_length", label("queue", language), None),
    )


def weekly_volume_chart(data: pd.DataFrame, language: str = "en") -> alt.VConcatChart:
    """New leads and hand-overs to sales per week (means over replications)."""
    _small(data, "weekly_volume_chart")
    order = _scenario_order(data) if len(data) else []

    def panel(field: str) -> alt.Chart:
        return (
            alt.Chart(data)
            .mark_line(strokeWidth=1.5)
            .encode(
                x=alt.X("week:Q", title=label("week", language)),
                y=alt.Y(f"{field}:Q", title=label(field, language)),
                color=_scenario_color(order, language),
            )
            .properties(width=_WIDTH, height=140)
        )

    return alt.vconcat(panel("leads_created"), panel("handoffs"))


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
    _small(data, "journey_chart")
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
                scale=alt.Scale(domain=events, range=_PALETTE[: len(events)]),
                title=label("event", language),
                legend=alt.Legend(orient="bottom"),
            ),
            shape=alt.Shape(
                "event_label:N", sort=events, scale=alt.Scale(domain=events), legend=None
            ),
        )
    )
    return alt.layer(line, points).properties(width=_WIDTH, height=alt.Step(28))


# --------------------------------------------------------------------------- lever waterfall


def waterfall_data(
    steps: Sequence[tuple[str, float]], language: str = "en", total_label: str | None = None
) -> pd.DataFrame:
    """Bars of a waterfall from ``(step label, KPI value after the step)`` pairs in path order.

    The first pair is the starting point (the reference), each later pair the KPI after one
    more lever; the result has a start bar, one floating bar per lever and a total bar.
    """
    if len(steps) < 2:
        raise ValueError("a waterfall needs a start and at least one step")
    rows: list[dict[str, Any]] = []
    first_label, first_value = steps[0]
    rows.append(
        {
            "order": 0,
            "step": str(first_label),
            "start": 0.0,
            "end": float(first_value),
            "change": float(first_value),
            "kind": "start",
        }
    )
    previous = float(first_value)
    for order, (step_label, value) in enumerate(steps[1:], start=1):
        value = float(value)
        rows.append(
            {
                "order": order,
                "step": str(step_label),
                "start": previous,
                "end": value,
                "change": value - previous,
                "kind": "increase" if value >= previous else "decrease",
            }
        )
        previous = value
    total = total_label if total_label is not None else label("total", language)
    rows.append(
        {
            "order": len(steps),
            "step": str(total),
            "start": 0.0,
            "end": previous,
            "change": previous,
            "kind": "total",
        }
    )
    return pd.DataFrame(rows)


def waterfall_chart(
    data: pd.DataFrame, kpi: str = "revenue", language: str = "en"
) -> alt.TopLevelMixin:
    """Lever attribution: how each lever on the path moves ``kpi`` from start to total."""
    _small(data, "waterfall_chart")
    kind = kpi_vocabulary.get(kpi).kind if kpi in kpi_vocabulary.kpi_names() else "count"
    frame = data.copy()
    frame["kind_label"] = [label(k, language) for k in frame["kind"]]
    frame["text"] = [
        format_value(c, kind, language, signed=k not in ("start", "total"), compact=True)
        for c, k in zip(frame["change"], frame["kind"], strict=True)
    ]
    frame["top"] = frame[["start", "end"]].max(axis=1)
    order = list(frame.sort_values("order")["step"])
    kinds = [label(k, language) for k in ("start", "increase", "decrease", "total")]
    base = alt.Chart(frame).encode(
        x=alt.X("step:N", sort=order, title=None, axis=alt.Axis(labelAngle=-20, labelLimit=200)),
    )
    bars = base.mark_bar(size=36).encode(
        y=alt.Y(
            "start:Q",
            title=kpi_label(kpi, language),
            axis=alt.Axis(format="~s") if kind == "money" else alt.Axis(),
        ),
        y2="end:Q",
        color=alt.Color(
            "kind_label:N",
            scale=alt.Scale(domain=kinds, range=["#1f5f8b", _GOOD, _BAD, "#1f5f8b"]),
            title=None,
            legend=None,
        ),
    )
    text = base.mark_text(dy=-6, fontSize=11).encode(y="top:Q", text="text:N")
    return alt.layer(bars, text).properties(width=_WIDTH, height=260)


# --------------------------------------------------------------------------- sensitivity


def tornado_chart(
    data: pd.DataFrame, kpi: str = "revenue", language: str = "en"
) -> alt.TopLevelMixin:
    """One-at-a-time sensitivity: KPI at the low and high setting of each parameter vs. the base.

    ``data`` has columns ``parameter, setting ('low'/'high'), value, base`` (``value`` the KPI
    mean at that setting, ``base`` the KPI mean of the unchanged scenario). Parameters are
    sorted by their swing, the widest on top.
    """
    _small(data, "tornado_chart")
    frame = data.copy()
    if "parameter_value" in frame.columns:
        ranges = frame.groupby("parameter", sort=False)["parameter_value"].agg(
            lambda v: " – ".join(f"{x:g}" if isinstance(x, (int, float)) else str(x) for x in v)
        )
        frame["parameter_label"] = [f"{p} ({ranges[p]})" for p in frame["parameter"]]
    else:
        frame["parameter_label"] = frame["parameter"]
    swing = frame.groupby("parameter_label")["value"].agg(lambda v: float(v.max() - v.min()))
    order = list(swing.sort_values(ascending=False).index)
    frame["setting_label"] = [label(s, language) for s in frame["setting"]]
    base_value = float(frame["base"].iloc[0]) if len(frame) else 0.0
    kind = kpi_vocabulary.get(kpi).kind if kpi in kpi_vocabulary.kpi_names() else "count"
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
                title=kpi_label(kpi, language),
                scale=alt.Scale(zero=False),
                axis=alt.Axis(format="~s") if kind == "money" else alt.Axis(),
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
    return alt.layer(bars, rule).properties(width=_WIDTH - 100, height=alt.Step(28))


def heatmap_chart(
    data: pd.DataFrame, x: str, y: str, kpi: str = "revenue", language: str = "en"
) -> alt.TopLevelMixin:
    """Two-parameter sweep: KPI mean per combination of ``x`` and ``y`` values, annotated."""
    _small(data, "heatmap_chart")
    kind = kpi_vocabulary.get(kpi).kind if kpi in kpi_vocabulary.kpi_names() else "count"
    # Parameter paths contain dots, which Vega-Lite reads as nested fields: rename them.
    frame = data.rename(columns={x: "x_value", y: "y_value"}).copy()
    frame["text"] = [format_value(v, kind, language, compact=True) for v in frame["value"]]
    base = alt.Chart(frame).encode(
        x=alt.X("x_value:O", title=x, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("y_value:O", title=y, sort="descending"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "value:Q",
            title=kpi_label(kpi, language),
            scale=alt.Scale(scheme="blues"),
            legend=alt.Legend(format="~s") if kind == "money" else alt.Legend(),
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
    return alt.layer(cells, text).properties(width=alt.Step(90), height=alt.Step(40))
