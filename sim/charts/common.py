"""What every chart shares: axis and legend words in English and German, colours, sizes, row checks.

KPI names, units and number formats are not here: they come from the one KPI vocabulary
(``sim.kpis``), funnel steps included (each step is a KPI). This module only names what is not
a KPI – outcomes, axes, legends.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from sim import kpis
from sim.kpis import check_language

MAX_CHART_ROWS = 5000
"""Altair refuses to embed more rows than this; every builder checks its frame against it."""
WIDTH = 560
PALETTE = ["#1f5f8b", "#e07b39", "#4c9f70", "#b5485d", "#7a6bb0", "#8c8c3c", "#3b8ea5", "#9c6b30"]
GOOD, BAD, NEUTRAL = "#2e8b57", "#c0392b", "#8c8c8c"

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "scenario": "Scenario",
        "lost_unqualified": "Not qualified",
        "lost_competitor": "Bought elsewhere",
        "lost_cold": "Gone cold",
        "dropped": "Dropped out of nurturing",
        "open": "Still open",
        "funnel_step": "Funnel step",
        "leads_per_run": "Leads (mean per replication)",
        "share_of_leads": "Share of all leads",
        "outcome": "Outcome",
        "response_axis": "Time from sales-ready to the first contact attempt",
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
        "queue": "Leads waiting for sales (mean)",
        "window": "measurement window",
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
        "lost_unqualified": "Nicht qualifiziert",
        "lost_competitor": "Beim Wettbewerb gekauft",
        "lost_cold": "Erkaltet",
        "dropped": "Aus Nurturing ausgestiegen",
        "open": "Noch offen",
        "funnel_step": "Trichterstufe",
        "leads_per_run": "Leads (Mittel je Replikation)",
        "share_of_leads": "Anteil an allen Leads",
        "outcome": "Ergebnis",
        "response_axis": "Zeit von Vertriebsreife bis zum ersten Kontaktversuch",
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
        "queue": "Wartende Leads im Vertrieb (Mittel)",
        "window": "Messfenster",
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


_KPI_OF_OUTCOME = {"ignored": "ignored_share"}
"""Outcomes named as the KPI that counts them."""


def label(key: str, language: str = "en") -> str:
    """The display text of ``key`` in ``language``: a KPI's chart name (a funnel step), an outcome or an axis."""
    words = _TEXT[check_language(language)]
    key = _KPI_OF_OUTCOME.get(key, key)
    if key not in words and kpis.known(key):
        return kpis.chart_label(key, language)
    return words.get(key, key)


def check_rows(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """``frame`` if it is small enough to embed in a chart, else a clear error."""
    if len(frame) > MAX_CHART_ROWS:
        raise ValueError(
            f"{what}: {len(frame)} rows is more than a chart should carry ({MAX_CHART_ROWS}); "
            f"aggregate first with the matching *_data function"
        )
    return frame


def scenario_order(frame: pd.DataFrame) -> list[str]:
    """Scenario names in the order they first appear."""
    return list(dict.fromkeys(frame["scenario"].astype(str)))


def scenario_color(order: Sequence[str], language: str, title: str | None = None) -> alt.Color:
    """One colour per scenario, the same order in every chart."""
    return alt.Color(
        "scenario:N",
        title=title if title is not None else label("scenario", language),
        sort=list(order),
        scale=alt.Scale(domain=list(order), range=PALETTE[: max(1, len(order))]),
        legend=alt.Legend(orient="bottom", labelLimit=320),
    )


def replication_counts(frame: pd.DataFrame) -> pd.Series:
    """Number of replications per scenario (at least 1)."""
    if "replication" not in frame.columns:
        return frame.groupby("scenario", sort=False).size().clip(upper=1)
    return frame.groupby("scenario", sort=False)["replication"].nunique().clip(lower=1)


PERCENT_KINDS = ("share", "percent")
"""KPI kinds stored as fractions and read as percentages (a difference in percentage points)."""


def difference_scale(kind: str) -> float:
    """Factor that draws a difference of a ``kind`` KPI in its reading unit (100 for pp)."""
    return 100.0 if kind in PERCENT_KINDS else 1.0


def difference_title(title: str, kind: str, language: str) -> str:
    """An axis title for differences, marked "(pp)" / "(Pp.)" for percentages."""
    if kind not in PERCENT_KINDS:
        return title
    return f"{title} ({kpis.POINTS.text(language)})"


def value_format(kind: str) -> str | None:
    """The d3 number format of KPI values: money shortened (1.2M), fractions as percentages."""
    if kind == "money":
        return "~s"
    return "%" if kind in PERCENT_KINDS else None


def value_legend(kind: str) -> alt.Legend:
    """A colour legend for KPI values of ``kind`` (see :func:`value_format`)."""
    number_format = value_format(kind)
    return alt.Legend(format=number_format) if number_format else alt.Legend()


def value_axis(kind: str) -> alt.Axis:
    """An axis for KPI values of ``kind`` (see :func:`value_format`)."""
    number_format = value_format(kind)
    return alt.Axis(format=number_format) if number_format else alt.Axis()
