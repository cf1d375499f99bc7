"""The KPI vocabulary: every KPI once – its column, names, unit, direction, why it can be empty.

A consultant reads "Revenue €2.4 M", an analyst reads the ``revenue`` column of kpis.csv, a
workshop shows "Revenue from won deals": all three come from the one entry below. The KPI table,
the CLI summary, the report's tables and charts and the workshop's result list are built from
``KPIS``; none of them keeps its own list, label, chart name, note or number format, so a KPI
added here appears everywhere (a view that cannot show it fails loudly instead of dropping it).
Every text is :class:`Words` – one field per language – so a KPI cannot be added half translated.

A KPI without a value stays empty (NaN) – never a made-up 0 – and shows as "–"; ``Kpi.empty``
says why (the denominator that was zero), in the ``notes`` column of kpis.csv and the console.

One clock per response KPI, chosen here and nowhere else (``Kpi.clock``): the response from
*sales-ready* – what the hand-off and the SLA control – is counted in **business hours** of the
scenario's calendar (a lead handed over on Friday evening and called on Monday at 9 waited 0
business hours), as the SLA and the response chart count it; the response from the *inquiry* is
counted in **calendar hours**, the way the speed-to-lead studies measure it (F1-F5). The clock is
part of every label (``Kpi.title``), so summary, tables, charts, CLI and workshop say it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from sim.errors import LeadsimError

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["count", "money", "share", "percent", "hours", "ratio", "months"]
Direction = Literal[-1, 0, 1]
Clock = Literal["business", "calendar"]
ID_COLUMNS = ("scenario", "replication")
NOTES_COLUMN = "notes"
"""The KPI table's column that says why a KPI of the replication is empty."""


class Words(NamedTuple):
    """One text in every supported language: a field per language, so a missing one cannot pass."""

    en: str
    de: str

    def text(self, language: str = "en") -> str:
        """The text in ``language``."""
        return str(getattr(self, check_language(language)))


LANGUAGES: tuple[str, ...] = Words._fields
"""The languages every view speaks; each text of the vocabulary is written in all of them."""

CLOCK_WORDS: dict[str, Words] = {
    "business": Words("business hours", "Geschäftsstunden"),
    "calendar": Words("calendar hours", "Kalenderstunden"),
}
"""How each clock is named after a KPI's label."""

UNITS: dict[str, Words] = {
    "money": Words("€", "€"), "share": Words("%", "%"), "percent": Words("%", "%"),
    "hours": Words("h", "h"), "months": Words("months", "Monate"),
}
"""The unit written after a number of each kind (a count or ratio has none)."""

POINTS = Words("pp", "Pp.")
"""The unit of a difference of two shares or percentages (percentage points)."""
NEVER = Words("never", "nie")
"""A payback that never comes (the net benefit is not positive)."""


class KpiError(LeadsimError):
    """An unknown KPI name, or a KPI a view cannot show."""


# Why a KPI is empty: the denominator that was zero. A KPI without a value stays empty (NaN) in
# the KPI table – never a made-up 0 – and is shown as "–" with its reason, so a manager learns
# why: no lead was contacted, so there is no response time to take a median of.
NO_LEADS = Words("no lead was created in the measurement window", "im Messzeitraum entstand kein Lead")
NOT_CONTACTED = Words("no lead was contacted", "kein Lead wurde kontaktiert")
NOT_HANDED_OVER = Words("no lead was handed over to sales", "kein Lead wurde an den Vertrieb übergeben")
NO_MARKETING_LEADS = Words("no lead came from marketing", "kein Lead kam aus dem Marketing")
NO_MARKETING_HANDED_OVER = Words(
    "no marketing lead was handed over to sales", "kein Marketing-Lead wurde an den Vertrieb übergeben"
)
NO_REP_HOURS = Words("the reps had no working hours", "der Vertrieb hatte keine Arbeitsstunden")
ZERO_COST = Words("the costs are zero", "die Kosten sind null")
NO_DEALS = Words("no deal was won", "kein Abschluss wurde gewonnen")
NO_WINDOW = Words("the measurement window has no days", "der Messzeitraum hat keine Tage")
NOT_RECORDED = Words(
    "the lead table of this run does not record these hours",
    "die Lead-Tabelle dieses Laufs erfasst diese Stunden nicht",
)
NO_PAIRS = Words(
    "the setup and the reference share no replication, or the measurement window has no days",
    "Setup und Referenz haben keine gemeinsame Replikation, oder der Messzeitraum hat keine Tage",
)
NOT_COMPUTED = Words("no run computed it", "kein Lauf hat sie berechnet")
"""For a count or sum, which every replication computes (0 when nothing happened)."""
_IN_REPLICATIONS = Words("in {empty} of {total} replications", "in {empty} von {total} Replikationen")


@dataclass(frozen=True)
class Kpi:
    """One KPI: how it is named, measured, judged and shown.

    ``direction``: +1 higher is better, -1 lower is better, 0 neither (a volume or a load).
    ``headline``: shown in the CLI summary, the report's key-figure table and the workshop.
    ``formula``: for a KPI derived from other KPIs of the same replication (a pure function of
    the row computed so far); KPIs without one are computed by ``sim.metrics``.
    ``description``: what the KPI counts, for the analyst (kpis.csv) and a definition on the page.
    ``empty``: why the KPI can be empty ("–"); required, so no KPI is added without its reason.
    ``short``: the name on a chart's axis or funnel step, when shorter than ``name``.
    """

    column: str
    name: Words
    kind: Kind
    direction: Direction
    description: Words
    headline: bool = False
    formula: Callable[[Mapping[str, Any]], float] | None = None
    clock: Clock | None = None
    empty: Words = field(kw_only=True)
    short: Words | None = field(default=None, kw_only=True)

    def unit_in(self, language: str = "en") -> str:
        """The unit written after the number in ``language`` ("" for counts and ratios)."""
        check_language(language)
        words = UNITS.get(self.kind)
        return words.text(language) if words else ""

    def title(self, language: str = "en") -> str:
        """The display name in ``language``, with the clock of a response KPI."""
        name = self.name.text(language)
        return f"{name} ({self.clock_words(language)})" if self.clock else name

    def chart_title(self, language: str = "en") -> str:
        """The name on a chart: the short name where there is one, else :meth:`title`."""
        return self.short.text(language) if self.short else self.title(language)

    def clock_words(self, language: str = "en") -> str:
        """"business hours" or "calendar hours" ("" for a KPI without a clock)."""
        return CLOCK_WORDS[self.clock].text(language) if self.clock else ""

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
    Kpi("leads", Words("Leads", "Leads"), "count", 0,
        Words("new leads in the measured cohort", "neue Leads der gemessenen Kohorte"),
        headline=True, empty=NOT_COMPUTED, short=Words("Leads", "Leads")),
    Kpi("mqls", Words("MQLs", "MQLs"), "count", 0,
        Words("cohort leads that reached MQL at some point", "Leads der Kohorte, die irgendwann MQL wurden"),
        empty=NOT_COMPUTED),
    Kpi("sqls", Words("SQLs", "SQLs"), "count", 0,
        Words("cohort leads that reached SQL at some point", "Leads der Kohorte, die irgendwann SQL wurden"),
        empty=NOT_COMPUTED),
    Kpi("handed_over", Words("Leads handed to sales", "An Vertrieb übergeben"), "count", 0,
        Words("cohort leads handed over to sales at least once",
              "Leads der Kohorte, mindestens einmal an den Vertrieb übergeben"),
        empty=NOT_COMPUTED, short=Words("Handed to sales", "An Vertrieb übergeben")),
    Kpi("contacted", Words("Leads contacted", "Kontaktierte Leads"), "count", 1,
        Words("handed-over leads with at least one contact attempt",
              "übergebene Leads mit mindestens einem Kontaktversuch"),
        empty=NOT_COMPUTED, short=Words("Contacted", "Kontaktiert")),
    Kpi("reached", Words("Leads reached", "Erreichte Leads"), "count", 1,
        Words("leads with at least one conversation", "Leads mit mindestens einem Gespräch"),
        empty=NOT_COMPUTED, short=Words("Reached", "Erreicht")),
    Kpi("qualified", Words("Leads qualified", "Qualifizierte Leads"), "count", 1,
        Words("leads sales-qualified in their first contact series",
              "Leads, die der Vertrieb in ihrer ersten Kontaktserie qualifiziert hat"),
        empty=NOT_COMPUTED, short=Words("Qualified", "Qualifiziert")),
    Kpi("qualified_later", Words("Qualified after recycling", "Nach Recycling qualifiziert"), "count", 1,
        Words("leads qualified in a later contact series, after recycling to nurturing and a stage step",
              "Leads, qualifiziert in einer späteren Kontaktserie, nach Rückgabe ins Nurturing und einem "
              "Stufenwechsel"),
        empty=NOT_COMPUTED),
    Kpi("qualified_any",
        Words("Qualified (first series or later)", "Qualifiziert (erste oder spätere Serie)"), "count", 1,
        Words("leads sales-qualified in their first contact series or in a later one (funnel step)",
              "Leads, die der Vertrieb in ihrer ersten oder einer späteren Kontaktserie qualifiziert hat "
              "(Trichterstufe)"),
        empty=NOT_COMPUTED),
    Kpi("won", Words("Deals won", "Gewonnene Abschlüsse"), "count", 1,
        Words("cohort leads that became customers", "Leads der Kohorte, die Kunden wurden"),
        headline=True, empty=NOT_COMPUTED, short=Words("Won", "Gewonnen")),
    Kpi("revenue", Words("Revenue", "Umsatz"), "money", 1,
        Words("first-deal value of the won cohort leads (€)",
              "Wert der Erstabschlüsse der gewonnenen Leads der Kohorte (€)"),
        headline=True, empty=NOT_COMPUTED),
    Kpi("conversion_rate", Words("Lead-to-deal rate", "Abschlussquote"), "share", 1,
        Words("won / leads", "gewonnen / Leads"),
        headline=True, empty=NO_LEADS),
    Kpi("median_response_hours", Words("Median first response", "Median Erstreaktion"), "hours", -1,
        Words("median business hours from sales-ready to the first contact attempt (attempted leads)",
              "Median der Geschäftsstunden von Vertriebsreife bis zum ersten Kontaktversuch (kontaktierte "
              "Leads)"),
        headline=True, clock="business", empty=NOT_CONTACTED),
    Kpi("mean_response_hours", Words("Mean first response", "Mittlere Erstreaktion"), "hours", -1,
        Words("mean business hours from sales-ready to the first contact attempt",
              "Mittel der Geschäftsstunden von Vertriebsreife bis zum ersten Kontaktversuch"),
        clock="business", empty=NOT_CONTACTED),
    Kpi("p90_response_hours", Words("90th percentile first response", "90-%-Perzentil Erstreaktion"),
        "hours", -1,
        Words("90th percentile of business hours from sales-ready to the first attempt",
              "90-%-Perzentil der Geschäftsstunden von Vertriebsreife bis zum ersten Kontaktversuch"),
        clock="business", empty=NOT_CONTACTED),
    Kpi("median_response_from_inquiry_hours",
        Words("Median response from inquiry", "Median Reaktion ab Anfrage"), "hours", -1,
        Words("median calendar hours from the inquiry (lead created) to the first attempt, as the "
              "speed-to-lead studies measure it; includes time in nurturing",
              "Median der Kalenderstunden von der Anfrage (Lead entstanden) bis zum ersten Kontaktversuch,"
              " wie die Speed-to-Lead-Studien ihn messen; schließt die Zeit im Nurturing ein"),
        headline=True, clock="calendar", empty=NOT_CONTACTED),
    Kpi("mean_response_from_inquiry_hours",
        Words("Mean response from inquiry", "Mittlere Reaktion ab Anfrage"), "hours", -1,
        Words("mean calendar hours from the inquiry to the first attempt",
              "Mittel der Kalenderstunden von der Anfrage bis zum ersten Kontaktversuch"),
        clock="calendar", empty=NOT_CONTACTED),
    Kpi("p90_response_from_inquiry_hours",
        Words("90th percentile response from inquiry", "90-%-Perzentil Reaktion ab Anfrage"), "hours", -1,
        Words("90th percentile of calendar hours from the inquiry to the first attempt",
              "90-%-Perzentil der Kalenderstunden von der Anfrage bis zum ersten Kontaktversuch"),
        clock="calendar", empty=NOT_CONTACTED),
    Kpi("sla_met_share", Words("SLA met (own target)", "SLA eingehalten (eigenes Ziel)"), "share", 1,
        Words("handed-over leads attempted within the scenario's SLA target (business hours)",
              "übergebene Leads, innerhalb des SLA-Ziels des Szenarios kontaktiert (Geschäftsstunden)"),
        headline=True, clock="business", empty=NOT_HANDED_OVER),
    Kpi("sla_escalated_share", Words("Escalated past the SLA deadline", "Nach SLA-Frist eskaliert"),
        "share", -1,
        Words("handed-over leads still waiting at their SLA deadline and moved to the head of the queue",
              "übergebene Leads, die bei ihrer SLA-Frist noch warteten und an die Spitze der Warteschlange"
              " rückten"),
        empty=NOT_HANDED_OVER),
    Kpi("first_hour_share", Words("First attempt within 1 h", "Erster Anruf binnen 1 h"), "share", 1,
        Words("handed-over leads first attempted within one business hour of being sales-ready",
              "übergebene Leads, binnen einer Geschäftsstunde nach Vertriebsreife erstmals kontaktiert"),
        clock="business", empty=NOT_HANDED_OVER),
    Kpi("first_hour_share_from_inquiry",
        Words("Answered within 1 h of the inquiry", "Binnen 1 h nach Anfrage angerufen"), "share", 1,
        Words("handed-over leads first attempted within one calendar hour of the inquiry",
              "übergebene Leads, binnen einer Kalenderstunde nach der Anfrage erstmals kontaktiert"),
        clock="calendar", empty=NOT_HANDED_OVER),
    Kpi("never_contacted_share", Words("Handed over, never contacted", "Übergeben, nie kontaktiert"),
        "share", -1,
        Words("handed-over leads without any contact attempt", "übergebene Leads ohne jeden Kontaktversuch"),
        empty=NOT_HANDED_OVER),
    Kpi("never_handed_over_share",
        Words("Marketing leads never handed over", "Nie übergebene Marketing-Leads"), "share", 0,
        Words("inbound marketing leads that never reached sales (nurtured, dropped or bought elsewhere)",
              "eingehende Marketing-Leads, die nie den Vertrieb erreichten (im Nurturing, ausgestiegen "
              "oder woanders gekauft)"),
        headline=True, empty=NO_MARKETING_LEADS),
    Kpi("capacity_held_leads",
        Words("Held back by the capacity agreement", "Durch Kapazitätsabsprache zurückgehalten"), "count", 0,
        Words("leads whose first hand-off waited for next month's agreed capacity",
              "Leads, deren erste Übergabe auf die vereinbarte Kapazität des nächsten Monats wartete"),
        empty=NOT_COMPUTED),
    Kpi("cold_share", Words("Cold at first contact", "Beim Erstkontakt erkaltet"), "share", -1,
        Words("attempted leads whose interest was below the cold threshold at the first attempt",
              "kontaktierte Leads, deren Interesse beim ersten Kontaktversuch unter der Kälteschwelle lag"),
        headline=True, empty=NOT_CONTACTED),
    Kpi("ignored_share", Words("Ignored by sales", "Vom Vertrieb ignoriert"), "share", -1,
        Words("handed-over marketing leads sales never worked",
              "übergebene Marketing-Leads, die der Vertrieb nie bearbeitet hat"),
        headline=True, empty=NO_MARKETING_HANDED_OVER),
    Kpi("wasted_sales_hours",
        Words("Sales hours on unqualified leads", "Vertriebsstunden für Unqualifizierte"), "hours", -1,
        Words("rep hours spent on leads that never qualified",
              "Vertriebsstunden für Leads, die nie qualifiziert wurden"),
        empty=NOT_COMPUTED),
    Kpi("unanswered_dial_hours",
        Words("Sales hours on unanswered dials", "Vertriebsstunden für erfolglose Anrufe"), "hours", -1,
        Words("rep hours on contact attempts that reached nobody",
              "Vertriebsstunden für Kontaktversuche, die niemanden erreichten"),
        empty=NOT_RECORDED),
    Kpi("unqualified_conversation_hours",
        Words("Sales hours on unqualified conversations",
              "Vertriebsstunden für unqualifizierte Gespräche"), "hours", -1,
        Words("rep hours on conversations with leads that did not qualify",
              "Vertriebsstunden für Gespräche mit Leads, die sich nicht qualifizierten"),
        empty=NOT_RECORDED),
    Kpi("rep_utilization", Words("Rep utilisation", "Auslastung Vertrieb"), "share", 0,
        Words("busy share of the reps' business hours in the measurement window",
              "ausgelasteter Anteil der Geschäftsstunden des Vertriebs im Messzeitraum"),
        headline=True, empty=NO_REP_HOURS),
    Kpi("lead_cost", Words("Lead cost (measured window)", "Lead-Kosten (Messzeitraum)"), "money", -1,
        Words("cost of generating the cohort's leads", "Kosten für die Gewinnung der Leads der Kohorte"),
        empty=NOT_COMPUTED),
    Kpi("staff_cost", Words("Staff cost (measured window)", "Personalkosten (Messzeitraum)"), "money", -1,
        Words("staff cost of every role (sales, marketing) over the measurement window",
              "Personalkosten aller Rollen (Vertrieb, Marketing) im Messzeitraum"),
        empty=NOT_COMPUTED),
    Kpi("org_cost",
        Words("Running cost of org measures (measured window)",
              "Laufende Kosten der Maßnahmen (Messzeitraum)"), "money", -1,
        Words("yearly cost of the org measures (tools, programmes) over the measurement window",
              "jährliche Kosten der Maßnahmen (Werkzeuge, Programme) im Messzeitraum"),
        empty=NOT_COMPUTED),
    Kpi("cost", Words("Total cost (measured window)", "Gesamtkosten (Messzeitraum)"), "money", -1,
        Words("lead + staff + running org cost over the measurement window",
              "Lead- + Personal- + laufende Maßnahmenkosten im Messzeitraum"),
        empty=NOT_COMPUTED),
    Kpi("total_revenue",
        Words("Total revenue, first deals + upsell (measured window)",
              "Gesamtumsatz, Erstabschlüsse + Upselling (Messzeitraum)"), "money", 1,
        Words("first-deal value of the won cohort leads plus their upsell revenue (€)",
              "Wert der Erstabschlüsse der gewonnenen Leads der Kohorte plus ihr Upselling-Umsatz (€)"),
        empty=NOT_COMPUTED),
    Kpi("net_contribution", Words("Net contribution (measured window)", "Nettobeitrag (Messzeitraum)"),
        "money", 1,
        Words("total revenue − total cost over the measurement window (€)",
              "Gesamtumsatz − Gesamtkosten im Messzeitraum (€)"),
        empty=NOT_COMPUTED),
    Kpi("total_revenue_per_year",
        Words("Total revenue per year (first deals + upsell, annualised)",
              "Gesamtumsatz pro Jahr (Erstabschlüsse + Upselling, hochgerechnet)"), "money", 1,
        Words("total revenue of the measured cohort × 365 / measurement days",
              "Gesamtumsatz der gemessenen Kohorte × 365 / Messtage"),
        headline=True, formula=lambda row: _per_year(row, "total_revenue"), empty=NO_WINDOW),
    Kpi("cost_per_year",
        Words("Running cost per year (annualised)", "Laufende Kosten pro Jahr (hochgerechnet)"), "money", -1,
        Words("lead cost × 365 / measurement days + yearly staff cost of every role + yearly cost of the "
              "org measures; one-off costs not included",
              "Lead-Kosten × 365 / Messtage + jährliche Personalkosten aller Rollen + jährliche Kosten der"
              " Maßnahmen; ohne Einmalkosten"),
        headline=True, formula=lambda row: _per_year(row, "cost"), empty=NO_WINDOW),
    Kpi("net_contribution_per_year",
        Words("Net contribution per year (annualised)", "Nettobeitrag pro Jahr (hochgerechnet)"), "money", 1,
        Words("total revenue per year − running cost per year",
              "Gesamtumsatz pro Jahr − laufende Kosten pro Jahr"),
        headline=True, formula=lambda row: float(row["total_revenue_per_year"]) - float(row["cost_per_year"]),
        empty=NO_WINDOW),
    Kpi("one_off_cost", Words("One-off cost of org measures", "Einmalkosten der Maßnahmen"), "money", -1,
        Words("what the setup's org measures cost once to introduce (costs.org_costs_one_off)",
              "was die Maßnahmen des Setups einmalig zur Einführung kosten (costs.org_costs_one_off)"),
        empty=NOT_COMPUTED),
    Kpi("roi", Words("ROI", "ROI"), "percent", 1,
        Words("(total revenue − running cost) / running cost, running cost = lead + staff + org cost "
              "(one-off costs excluded); the same ratio per year or per measured window; a return on "
              "everything spent, not on the change alone",
              "(Gesamtumsatz − laufende Kosten) / laufende Kosten, laufende Kosten = Lead- + Personal- + "
              "Maßnahmenkosten (ohne Einmalkosten); dasselbe Verhältnis pro Jahr oder pro Messzeitraum; "
              "eine Rendite auf alles Ausgegebene, nicht nur auf die Änderung"),
        headline=True, formula=_roi, empty=ZERO_COST),
    Kpi("customers_satisfied_share", Words("Satisfied customers", "Zufriedene Kunden"), "share", 1,
        Words("won customers who are satisfied", "gewonnene Kunden, die zufrieden sind"),
        empty=NO_DEALS),
    Kpi("churned_share", Words("Customers churned", "Abgewanderte Kunden"), "share", -1,
        Words("won customers who churned within the follow-up period",
              "gewonnene Kunden, die im Nachbeobachtungszeitraum abgewandert sind"),
        empty=NO_DEALS),
    Kpi("upsell_revenue", Words("Upsell revenue", "Upselling-Umsatz"), "money", 1,
        Words("revenue of upsell deals with the cohort's customers (€)",
              "Umsatz aus Upselling-Abschlüssen mit den Kunden der Kohorte (€)"),
        empty=NOT_COMPUTED),
    Kpi("referral_leads", Words("Leads from referrals", "Leads aus Empfehlungen"), "count", 1,
        Words("cohort leads brought by customers' word of mouth",
              "Leads der Kohorte aus Empfehlungen von Kunden"),
        empty=NOT_COMPUTED),
)


COMPARISON_KPIS: tuple[Kpi, ...] = (
    Kpi("revenue_difference_per_year",
        Words("Δ total revenue per year (incl. upsell)",
              "Δ Gesamtumsatz pro Jahr (inkl. Upselling)"), "money", 1,
        Words("setup's total revenue per year − the reference's (annualised from the measured window)",
              "Gesamtumsatz pro Jahr des Setups − der der Referenz (hochgerechnet aus dem Messzeitraum)"),
        empty=NO_PAIRS),
    Kpi("yearly_cost_difference", Words("Δ running cost per year", "Δ laufende Kosten pro Jahr"), "money", -1,
        Words("setup's running cost per year (lead, staff, org measures) − the reference's",
              "laufende Kosten pro Jahr des Setups (Leads, Personal, Maßnahmen) − die der Referenz"),
        empty=NO_PAIRS),
    Kpi("net_benefit_per_year", Words("Net benefit per year", "Nettonutzen pro Jahr"), "money", 1,
        Words("Δ total revenue per year (incl. upsell) − Δ running cost per year, against the reference; "
              "paired 95 % CI over the replications",
              "Δ Gesamtumsatz pro Jahr (inkl. Upselling) − Δ laufende Kosten pro Jahr, gegenüber der "
              "Referenz; gepaartes 95-%-KI über die Replikationen"),
        empty=NO_PAIRS),
    Kpi("one_off_cost_difference", Words("Δ one-off cost", "Δ Einmalkosten"), "money", -1,
        Words("setup's one-off cost of org measures − the reference's",
              "Einmalkosten der Maßnahmen des Setups − die der Referenz"),
        empty=NO_PAIRS),
    Kpi("payback_months", Words("Payback", "Amortisation"), "months", -1,
        Words("Δ one-off cost / (net benefit per year / 12); 'never' when the net benefit is not positive",
              "Δ Einmalkosten / (Nettonutzen pro Jahr / 12); „nie“, wenn der Nettonutzen nicht positiv ist"),
        empty=NO_PAIRS),
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


def known(name: str) -> bool:
    """Whether ``name`` is a KPI or a comparison KPI."""
    return name in _any_index()


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


def chart_label(name: str, language: str = "en") -> str:
    """The name of a KPI on a chart (a funnel step, an axis): its short name where it has one."""
    return get(name).chart_title(language)


def empty_reason(name: str, language: str = "en") -> str:
    """Why KPI ``name`` can be empty ("–"): the denominator that was zero."""
    return get(name).empty.text(language)


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


# --------------------------------------------------------------------------- empty KPIs


def _missing(value: Any) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def kpi_notes(kpis_row: Mapping[str, Any], language: str = "en") -> str:
    """``'kpi: reason; kpi: reason'`` for every KPI of one replication that has no value."""
    index = _any_index()
    return "; ".join(
        f"{name}: {index[name].empty.text(language)}"
        for name, value in kpis_row.items()
        if name in index and _missing(value)
    )


def with_notes(kpis: pd.DataFrame) -> pd.DataFrame:
    """The KPI table with a ``notes`` column (empty text where every KPI has a value)."""
    table = kpis.copy()
    table[NOTES_COLUMN] = [kpi_notes(row) for row in kpis.to_dict("records")]
    return table


def reasons_for(kpis: pd.DataFrame, shown: Iterable[str], language: str = "en") -> dict[str, str]:
    """For the shown KPIs that are empty in some replication: the reason and in how many."""
    index = _any_index()
    found: dict[str, str] = {}
    for name in shown:
        if name in index and name in kpis:
            empty = int(kpis[name].isna().sum())
            if empty:
                where = _IN_REPLICATIONS.text(language).format(empty=empty, total=len(kpis))
                found[name] = f"{index[name].empty.text(language)} ({where})"
    return found


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
            unit = f" {POINTS.text(language)}"
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
            return NEVER.text(language)
        unit = f" {UNITS['months'].text(language)}"
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
