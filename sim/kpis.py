"""The KPI vocabulary: every KPI once – its column, labels, unit, direction and how to show it.

A consultant reads "Revenue €2.4 M", an analyst reads the ``revenue`` column of kpis.csv, a
workshop shows "Revenue from won deals": all three come from the one entry below. The KPI table,
the CLI summary, the report's tables and the workshop's result list are built from ``KPIS``;
none of them keeps its own list, label or number format, so a KPI added here appears everywhere
(a view that cannot show it fails loudly instead of dropping it).

One clock per response KPI, chosen here and nowhere else (``Kpi.clock``): the response from
*sales-ready* – what the hand-off and the SLA control – is counted in **business hours** of the
scenario's calendar (a lead handed over on Friday evening and called on Monday at 9 waited 0
business hours), as the SLA and the response chart count it; the response from the *inquiry* is
counted in **calendar hours**, the way the speed-to-lead studies measure it (F1-F5). The clock is
part of every label (``Kpi.title``), so summary, tables, charts, CLI and workshop say it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sim.errors import LeadsimError

Kind = Literal["count", "money", "share", "percent", "hours", "ratio", "months"]
Direction = Literal[-1, 0, 1]
Clock = Literal["business", "calendar"]
CLOCK_WORDS: dict[str, dict[str, str]] = {
    "business": {"en": "business hours", "de": "Geschäftsstunden"},
    "calendar": {"en": "calendar hours", "de": "Kalenderstunden"},
}
"""How each clock is named after a KPI's label."""
LANGUAGES = ("en", "de")
ID_COLUMNS = ("scenario", "replication")


class KpiError(LeadsimError):
    """An unknown KPI name, or a KPI a view cannot show."""


@dataclass(frozen=True)
class Kpi:
    """One KPI: how it is named, measured, judged and shown.

    ``direction``: +1 higher is better, -1 lower is better, 0 neither (a volume or a load).
    ``headline``: shown in the CLI summary, the report's key-figure table and the workshop.
    ``formula``: for a KPI derived from other KPIs of the same replication (a pure function of
    the row computed so far); KPIs without one are computed by ``sim.metrics``.
    """

    column: str
    label: str
    label_de: str
    kind: Kind
    direction: Direction
    description: str
    headline: bool = False
    formula: Callable[[Mapping[str, Any]], float] | None = None
    clock: Clock | None = None

    @property
    def unit(self) -> str:
        """The unit written after the number ("", "€", "%", "h")."""
        return {"money": "€", "share": "%", "percent": "%", "hours": "h", "months": "months"}.get(self.kind, "")

    def title(self, language: str = "en") -> str:
        """The display name in ``language``, with the clock of a response KPI."""
        name = self.label_de if check_language(language) == "de" else self.label
        return f"{name} ({self.clock_words(language)})" if self.clock else name

    def clock_words(self, language: str = "en") -> str:
        """"business hours" or "calendar hours" ("" for a KPI without a clock)."""
        return CLOCK_WORDS[self.clock][check_language(language)] if self.clock else ""

    def format(self, value: Any, language: str = "en", signed: bool = False, compact: bool = False) -> str:
        """The value as a reader expects it (see :func:`format_number`)."""
        return format_number(value, self.kind, language, signed=signed, compact=compact)


def _per_year(row: Mapping[str, Any], column: str) -> float:
    """A measured-window amount annualised (``measured_years`` is the window in years)."""
    years = float(row["measured_years"])
    return float(row[column]) / years if years else math.nan


def _roi(row: Mapping[str, Any]) -> float:
    cost = float(row["cost"])
    return (float(row["total_revenue"]) - cost) / cost if cost else math.nan


KPIS: tuple[Kpi, ...] = (
    Kpi("leads", "Leads", "Leads", "count", 0, "new leads in the measured cohort", headline=True),
    Kpi("mqls", "MQLs", "MQLs", "count", 0, "cohort leads that reached MQL at some point"),
    Kpi("sqls", "SQLs", "SQLs", "count", 0, "cohort leads that reached SQL at some point"),
    Kpi("handed_over", "Leads handed to sales", "An Vertrieb übergeben", "count", 0,
        "cohort leads handed over to sales at least once"),
    Kpi("contacted", "Leads contacted", "Kontaktierte Leads", "count", 1,
        "handed-over leads with at least one contact attempt"),
    Kpi("reached", "Leads reached", "Erreichte Leads", "count", 1,
        "leads with at least one conversation"),
    Kpi("qualified", "Leads qualified", "Qualifizierte Leads", "count", 1,
        "leads sales-qualified in their first contact series"),
    Kpi("qualified_later", "Qualified after recycling", "Nach Recycling qualifiziert", "count", 1,
        "leads qualified in a later contact series, after recycling to nurturing and a stage step"),
    Kpi("qualified_any", "Qualified (first series or later)", "Qualifiziert (erste oder spätere Serie)",
        "count", 1, "leads sales-qualified in their first contact series or in a later one (funnel step)"),
    Kpi("won", "Deals won", "Gewonnene Abschlüsse", "count", 1, "cohort leads that became customers",
        headline=True),
    Kpi("revenue", "Revenue", "Umsatz", "money", 1,
        "first-deal value of the won cohort leads (€)", headline=True),
    Kpi("conversion_rate", "Lead-to-deal rate", "Abschlussquote", "share", 1,
        "won / leads", headline=True),
    Kpi("median_response_hours", "Median first response", "Median Erstreaktion", "hours", -1,
        "median business hours from sales-ready to the first contact attempt (attempted leads)",
        headline=True, clock="business"),
    Kpi("mean_response_hours", "Mean first response", "Mittlere Erstreaktion", "hours", -1,
        "mean business hours from sales-ready to the first contact attempt", clock="business"),
    Kpi("p90_response_hours", "90th percentile first response", "90-%-Perzentil Erstreaktion",
        "hours", -1, "90th percentile of business hours from sales-ready to the first attempt",
        clock="business"),
    Kpi("median_response_from_inquiry_hours", "Median response from inquiry",
        "Median Reaktion ab Anfrage", "hours", -1,
        "median calendar hours from the inquiry (lead created) to the first attempt, as the "
        "speed-to-lead studies measure it; includes time in nurturing", headline=True,
        clock="calendar"),
    Kpi("mean_response_from_inquiry_hours", "Mean response from inquiry", "Mittlere Reaktion ab Anfrage",
        "hours", -1, "mean calendar hours from the inquiry to the first attempt", clock="calendar"),
    Kpi("p90_response_from_inquiry_hours", "90th percentile response from inquiry",
        "90-%-Perzentil Reaktion ab Anfrage", "hours", -1,
        "90th percentile of calendar hours from the inquiry to the first attempt", clock="calendar"),
    Kpi("sla_met_share", "SLA met (own target)", "SLA eingehalten (eigenes Ziel)", "share", 1,
        "handed-over leads attempted within the scenario's SLA target (business hours)",
        headline=True, clock="business"),
    Kpi("sla_escalated_share", "Escalated past the SLA deadline", "Nach SLA-Frist eskaliert", "share", -1,
        "handed-over leads still waiting at their SLA deadline and moved to the head of the queue"),
    Kpi("first_hour_share", "First attempt within 1 h", "Erster Anruf binnen 1 h", "share", 1,
        "handed-over leads first attempted within one business hour of being sales-ready",
        clock="business"),
    Kpi("first_hour_share_from_inquiry", "Answered within 1 h of the inquiry",
        "Binnen 1 h nach Anfrage angerufen", "share", 1,
        "handed-over leads first attempted within one calendar hour of the inquiry", clock="calendar"),
    Kpi("never_contacted_share", "Handed over, never contacted", "Übergeben, nie kontaktiert",
        "share", -1, "handed-over leads without any contact attempt"),
    Kpi("never_handed_over_share", "Marketing leads never handed over", "Nie übergebene Marketing-Leads",
        "share", 0, "inbound marketing leads that never reached sales (nurtured, dropped or bought elsewhere)",
        headline=True),
    Kpi("capacity_held_leads", "Held back by the capacity agreement", "Durch Kapazitätsabsprache zurückgehalten",
        "count", 0, "leads whose first hand-off waited for next month's agreed capacity"),
    Kpi("cold_share", "Cold at first contact", "Beim Erstkontakt erkaltet", "share", -1,
        "attempted leads whose interest was below the cold threshold at the first attempt",
        headline=True),
    Kpi("ignored_share", "Ignored by sales", "Vom Vertrieb ignoriert", "share", -1,
        "handed-over marketing leads sales never worked", headline=True),
    Kpi("wasted_sales_hours", "Sales hours on unqualified leads",
        "Vertriebsstunden für Unqualifizierte", "hours", -1,
        "rep hours spent on leads that never qualified"),
    Kpi("unanswered_dial_hours", "Sales hours on unanswered dials", "Vertriebsstunden für erfolglose Anrufe",
        "hours", -1, "rep hours on contact attempts that reached nobody"),
    Kpi("unqualified_conversation_hours", "Sales hours on unqualified conversations",
        "Vertriebsstunden für unqualifizierte Gespräche", "hours", -1,
        "rep hours on conversations with leads that did not qualify"),
    Kpi("rep_utilization", "Rep utilisation", "Auslastung Vertrieb", "share", 0,
        "busy share of the reps' business hours in the measurement window", headline=True),
    Kpi("lead_cost", "Lead cost (measured window)", "Lead-Kosten (Messzeitraum)", "money", -1,
        "cost of generating the cohort's leads"),
    Kpi("staff_cost", "Staff cost (measured window)", "Personalkosten (Messzeitraum)", "money", -1,
        "staff cost of every role (sales, marketing) over the measurement window"),
    Kpi("org_cost", "Running cost of org measures (measured window)",
        "Laufende Kosten der Maßnahmen (Messzeitraum)", "money", -1,
        "yearly cost of the org measures (tools, programmes) over the measurement window"),
    Kpi("cost", "Total cost (measured window)", "Gesamtkosten (Messzeitraum)", "money", -1,
        "lead + staff + running org cost over the measurement window"),
    Kpi("total_revenue", "Total revenue, first deals + upsell (measured window)",
        "Gesamtumsatz, Erstabschlüsse + Upselling (Messzeitraum)",
        "money", 1, "first-deal value of the won cohort leads plus their upsell revenue (€)"),
    Kpi("net_contribution", "Net contribution (measured window)", "Nettobeitrag (Messzeitraum)", "money", 1,
        "total revenue − total cost over the measurement window (€)"),
    Kpi("total_revenue_per_year", "Total revenue per year (first deals + upsell, annualised)",
        "Gesamtumsatz pro Jahr (Erstabschlüsse + Upselling, hochgerechnet)", "money", 1,
        "total revenue of the measured cohort × 365 / measurement days", headline=True,
        formula=lambda row: _per_year(row, "total_revenue")),
    Kpi("cost_per_year", "Running cost per year (annualised)", "Laufende Kosten pro Jahr (hochgerechnet)",
        "money", -1, "lead cost × 365 / measurement days + yearly staff cost of every role + yearly "
        "cost of the org measures; one-off costs not included", headline=True,
        formula=lambda row: _per_year(row, "cost")),
    Kpi("net_contribution_per_year", "Net contribution per year (annualised)",
        "Nettobeitrag pro Jahr (hochgerechnet)", "money", 1,
        "total revenue per year − running cost per year", headline=True,
        formula=lambda row: float(row["total_revenue_per_year"]) - float(row["cost_per_year"])),
    Kpi("one_off_cost", "One-off cost of org measures", "Einmalkosten der Maßnahmen", "money", -1,
        "what the setup's org measures cost once to introduce (costs.org_costs_one_off)"),
    Kpi("roi", "ROI", "ROI", "percent", 1,
        "(total revenue − running cost) / running cost, running cost = lead + staff + org cost "
        "(one-off costs excluded); the same ratio per year or per measured window; a return on "
        "everything spent, not on the change alone", headline=True,
        formula=_roi),
    Kpi("customers_satisfied_share", "Satisfied customers", "Zufriedene Kunden", "share", 1,
        "won customers who are satisfied"),
    Kpi("churned_share", "Customers churned", "Abgewanderte Kunden", "share", -1,
        "won customers who churned within the follow-up period"),
    Kpi("upsell_revenue", "Upsell revenue", "Upselling-Umsatz", "money", 1,
        "revenue of upsell deals with the cohort's customers (€)"),
    Kpi("referral_leads", "Leads from referrals", "Leads aus Empfehlungen", "count", 1,
        "cohort leads brought by customers' word of mouth"),
)


COMPARISON_KPIS: tuple[Kpi, ...] = (
    Kpi("revenue_difference_per_year", "Δ total revenue per year (incl. upsell)",
        "Δ Gesamtumsatz pro Jahr (inkl. Upselling)", "money", 1,
        "setup's total revenue per year − the reference's (annualised from the measured window)"),
    Kpi("yearly_cost_difference", "Δ running cost per year", "Δ laufende Kosten pro Jahr", "money", -1,
        "setup's running cost per year (lead, staff, org measures) − the reference's"),
    Kpi("net_benefit_per_year", "Net benefit per year", "Nettonutzen pro Jahr", "money", 1,
        "Δ total revenue per year (incl. upsell) − Δ running cost per year, against the reference; "
        "paired 95 % CI over the replications"),
    Kpi("one_off_cost_difference", "Δ one-off cost", "Δ Einmalkosten", "money", -1,
        "setup's one-off cost of org measures − the reference's"),
    Kpi("payback_months", "Payback", "Amortisation", "months", -1,
        "Δ one-off cost / (net benefit per year / 12); 'never' when the net benefit is not positive"),
)
"""Figures of setup B against setup A (not per replication): computed by :mod:`sim.money`."""


# Columns of the weekly series (warm-up analysis): volumes and loads per simulated week.
WEEKLY_KPIS = (
    "mean_queue_length", "handoffs", "lead_work_hours", "leads_created", "own_pipeline_hours",
    "rep_utilization", "selling_hours",
)


def _index() -> dict[str, Kpi]:
    return {kpi.column: kpi for kpi in KPIS}


def _any_index() -> dict[str, Kpi]:
    return {kpi.column: kpi for kpi in (*KPIS, *COMPARISON_KPIS)}


def kpi_columns() -> tuple[str, ...]:
    """The KPI table's columns: the id columns, then every KPI in vocabulary order."""
    return ID_COLUMNS + tuple(kpi.column for kpi in KPIS)


def kpi_names() -> tuple[str, ...]:
    """Every KPI name (without the id columns)."""
    return tuple(kpi.column for kpi in KPIS)


def headline_kpis() -> tuple[str, ...]:
    """The KPIs every view shows by default."""
    return tuple(kpi.column for kpi in KPIS if kpi.headline)


def get(name: str) -> Kpi:
    """The KPI (or comparison KPI) called ``name``; an unknown name is a clear error."""
    found = _any_index().get(name)
    if found is None:
        raise KpiError(f"unknown KPI {name!r}; allowed: {', '.join(kpi_names())}")
    return found


def check(names: str | list[str] | tuple[str, ...], where: str = "KPI") -> list[str]:
    """The names, each checked against the vocabulary (the one KPI check of every entry point)."""
    given = [names] if isinstance(names, str) else list(names)
    unknown = [name for name in given if name not in _index()]
    if unknown:
        raise KpiError(
            f"{where}: unknown KPI {', '.join(map(repr, unknown))}; allowed: {', '.join(kpi_names())}"
        )
    return given


def direction(name: str) -> Direction:
    """+1 higher is better, -1 lower is better, 0 neither."""
    return get(name).direction


def label(name: str, language: str = "en") -> str:
    """The display name of a KPI."""
    return get(name).title(language)


def complete_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A KPI row in vocabulary order, with derived KPIs computed; a missing KPI fails loudly."""
    values = dict(row)
    for kpi in KPIS:
        if kpi.formula is not None:
            values[kpi.column] = kpi.formula(values)
    missing = [column for column in kpi_columns() if column not in values]
    if missing:
        raise KpiError(
            f"KPI {', '.join(missing)} is declared in sim/kpis.py but sim.metrics computes no value "
            "for it; give it a formula there or compute it in sim/metrics.py"
        )
    return {column: values[column] for column in kpi_columns()}


# --------------------------------------------------------------------------- numbers


def check_language(language: str) -> str:
    """``language`` if supported (en, de), else a clear error."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    return language


def format_number(
    value: Any, kind: str, language: str = "en", signed: bool = False, compact: bool = False
) -> str:
    """A value as a reader expects it: ``€1,234,567``, ``38 %``, ``52 h``; ``–`` for NaN.

    ``signed`` writes a plus sign and shares/percentages as percentage points (a difference);
    ``compact`` shortens money from a million on (``€1.75 M``, German ``1,75 Mio. €``).
    German uses decimal commas and puts the euro sign after the number.
    """
    check_language(language)
    if value is None or math.isnan(float(value)) or (kind != "months" and math.isinf(float(value))):
        return "–"
    value = float(value)
    sign = "+" if signed and value > 0 else ""
    minus = "−" if value < 0 else ""
    magnitude = abs(value)
    if kind in ("share", "percent"):
        text, unit = _digits(magnitude * 100, 1 if magnitude * 100 < 10 else 0, language), " %"
        if signed:
            unit = " pp" if language == "en" else " Pp."
        return f"{sign}{minus}{text}{unit}"
    if kind == "money":
        if compact and magnitude >= 1e6:
            amount = _digits(magnitude / 1e6, 2, language)
            return f"{sign}{minus}€{amount} M" if language == "en" else f"{sign}{minus}{amount} Mio. €"
        amount = _digits(magnitude, 0, language)
        return f"{sign}{minus}€{amount}" if language == "en" else f"{sign}{minus}{amount} €"
    if kind == "hours":
        digits = 1 if magnitude < 10 and not magnitude.is_integer() else 0
        return f"{sign}{minus}{_digits(magnitude, digits, language)} h"
    if kind == "months":
        if math.isinf(value) and value > 0:
            return "never" if language == "en" else "nie"
        unit = " months" if language == "en" else " Monate"
        return f"{sign}{minus}{_digits(magnitude, 1 if magnitude < 10 else 0, language)}{unit}"
    if kind == "ratio":
        return f"{sign}{minus}{_digits(magnitude, 2, language)}"
    digits = 0 if magnitude >= 100 or magnitude.is_integer() else 1
    return f"{sign}{minus}{_digits(magnitude, digits, language)}"


def format_kpi(
    name: str, value: Any, language: str = "en", signed: bool = False, compact: bool = False
) -> str:
    """``value`` of KPI ``name`` formatted by the KPI's kind (unknown names: a plain number)."""
    known = _any_index().get(name)
    kind = known.kind if known is not None else "count"
    return format_number(value, kind, language, signed=signed, compact=compact)


def _digits(value: float, digits: int, language: str) -> str:
    text = f"{value:,.{digits}f}"
    if language == "de":
        text = text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return text
