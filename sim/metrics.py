"""From the lead table to the KPIs management asks about: pure functions, no simulation.

Response time is reported two ways: from the inquiry (``created_at``), as the speed-to-lead
studies measured it (F1-F5 in docs/sources.md), and from the moment the lead was ready for sales,
which is what the hand-off and the SLA control. Both end at the first contact *attempt*. Leads
never contacted are not hidden in the response-time percentiles; they appear in their own
shares (ignored, never contacted, never handed over). Costs are computed here from the lead
table and the scenario, not by the model.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim import money
from sim.kpis import complete_row, kpi_columns
from sim.model.calendar import BusinessCalendar
from sim.scenario.schema import STAGES, Scenario

KPI_COLUMNS = kpi_columns()


def staff_cost(scenario: Scenario) -> float:
    """Every role's staff cost over the measured window (a year's cost × measurement_days / 365).

    The roles and their yearly costs are :func:`sim.money.staff_cost_per_year_by_role`.
    """
    return money.years_measured(scenario) * money.staff_cost_per_year(scenario)


def org_cost(scenario: Scenario) -> float:
    """The yearly cost of every org measure (``costs.org_costs_per_year``) over the measured window."""
    return money.years_measured(scenario) * money.org_cost_per_year(scenario)


def response_hours(leads: pd.DataFrame, start_column: str = "sales_ready_at") -> pd.Series:
    """Hours from ``start_column`` (sales-ready, or ``created_at``: the inquiry) to the first attempt.

    Only leads that were attempted; the never-contacted appear in their own shares.
    """
    contacted = leads["first_contact_at"].notna()
    return (leads.loc[contacted, "first_contact_at"] - leads.loc[contacted, start_column]).astype(float)


def business_response_hours(leads: pd.DataFrame, calendar: BusinessCalendar) -> pd.Series:
    """Business hours from sales-ready to the first attempt (the clock of ``median_response_hours``).

    Only attempted leads with a sales-ready time; the clock is chosen in :mod:`sim.kpis`.
    """
    attempted = leads[leads["first_contact_at"].notna() & leads["sales_ready_at"].notna()]
    hours = [
        calendar.business_hours_between(ready, first)
        for ready, first in zip(attempted["sales_ready_at"], attempted["first_contact_at"], strict=True)
    ]
    return pd.Series(hours, index=attempted.index, dtype=float)


def _median(values: pd.Series) -> float:
    return float(np.median(values)) if len(values) else float("nan")


def _p90(values: pd.Series) -> float:
    return float(np.quantile(values, 0.9)) if len(values) else float("nan")


def _mean(values: pd.Series) -> float:
    return float(values.mean()) if len(values) else float("nan")


def sla_met(
    leads: pd.DataFrame,
    calendar: BusinessCalendar,
    target_business_hours: float,
    responses: pd.Series | None = None,
) -> pd.Series:
    """Per handed-over lead: first attempt within the target business hours (never attempted: False).

    ``responses`` are the leads' :func:`business_response_hours` when the caller has them already
    (the KPI row does), so the business-hour clock runs once per lead.
    """
    if responses is None:
        responses = business_response_hours(leads, calendar)
    met = pd.Series(False, index=leads.index[leads["handoff_at"].notna()], dtype=bool)
    on_time = responses[responses <= target_business_hours + 1e-9].index
    met.loc[met.index.intersection(on_time)] = True
    return met


def _max_stage_index(leads: pd.DataFrame) -> pd.Series:
    """The furthest stage each lead reached as 0 (QL), 1 (MQL) or 2 (SQL)."""
    return leads["max_stage"].map({stage: index for index, stage in enumerate(STAGES)})


def _share(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


def replication_kpis(
    leads: pd.DataFrame, run: Mapping[str, Any], scenario: Scenario, scenario_name: str | None = None
) -> dict[str, Any]:
    """The KPI row of one replication from its cohort lead table and run totals."""
    calendar = BusinessCalendar(scenario.calendar)
    max_stage = _max_stage_index(leads)
    handed = leads["handoff_at"].notna()
    contacted = leads["first_contact_at"].notna()
    won = leads["outcome"] == "won"
    # The clocks of sim.kpis: business hours from sales-ready, calendar hours from the inquiry.
    responses = business_response_hours(leads, calendar)
    from_inquiry = response_hours(leads, "created_at")
    marketing = leads["marketing_sourced"].astype(bool)
    marketing_handed = handed & marketing
    revenue = float(leads.loc[won, "deal_value"].sum())
    upsell_revenue = float(leads["upsell_revenue"].sum()) if "upsell_revenue" in leads else 0.0
    total_revenue = revenue + upsell_revenue
    customers = leads[won]
    lead_cost = float(leads["cost"].sum())
    staff = staff_cost(scenario)
    org = org_cost(scenario)
    cost = lead_cost + staff + org
    available = float(run["available_rep_hours"])
    met = sla_met(leads, calendar, scenario.sla.first_contact_business_hours, responses)
    cold = leads.loc[contacted, "cold_at_first_contact"].astype(bool)
    unanswered = float(leads["unanswered_dial_hours"].sum()) if "unanswered_dial_hours" in leads else float("nan")
    unqualified = (
        float(leads["unqualified_conversation_hours"].sum())
        if "unqualified_conversation_hours" in leads else float("nan")
    )
    return complete_row({
        "scenario": scenario_name or scenario.name,
        "replication": int(run["replication"]),
        "leads": len(leads),
        "mqls": int((max_stage >= 1).sum()),
        "sqls": int((max_stage >= 2).sum()),
        "handed_over": int(handed.sum()),
        "contacted": int(contacted.sum()),
        "reached": int(leads["reached"].sum()),
        "qualified": int(leads["qualified"].sum()),
        "qualified_later": int(leads["qualified_later"].sum()) if "qualified_later" in leads else 0,
        "qualified_any": int(_qualified_any(leads).sum()),
        "won": int(won.sum()),
        "revenue": revenue,
        "conversion_rate": _share(won.sum(), len(leads)),
        "median_response_hours": _median(responses),
        "mean_response_hours": _mean(responses),
        "p90_response_hours": _p90(responses),
        "median_response_from_inquiry_hours": _median(from_inquiry),
        "mean_response_from_inquiry_hours": _mean(from_inquiry),
        "p90_response_from_inquiry_hours": _p90(from_inquiry),
        "sla_met_share": float(met.mean()) if len(met) else float("nan"),
        "sla_escalated_share": (
            _share(leads.loc[handed, "sla_escalated"].sum(), handed.sum()) if "sla_escalated" in leads else float("nan")
        ),
        # The same yardstick for every scenario (F2: the first hour matters), unlike the SLA.
        "first_hour_share": _share((responses <= 1.0).sum(), handed.sum()),
        "first_hour_share_from_inquiry": _share((from_inquiry <= 1.0).sum(), handed.sum()),
        "never_contacted_share": _share((handed & ~contacted).sum(), handed.sum()),
        # Inbound marketing leads that never reached sales at all (F1/F5 count them as unanswered).
        "never_handed_over_share": _share((marketing & ~handed).sum(), marketing.sum()),
        "capacity_held_leads": int(leads["capacity_held"].sum()) if "capacity_held" in leads else 0,
        "cold_share": float(cold.mean()) if len(cold) else float("nan"),
        "ignored_share": _share((leads["outcome"] == "ignored").sum(), marketing_handed.sum()),
        "wasted_sales_hours": float(leads["wasted_sales_hours"].sum()),
        "unanswered_dial_hours": unanswered,
        "unqualified_conversation_hours": unqualified,
        "rep_utilization": _share(run["busy_rep_hours"], available),
        "lead_cost": lead_cost,
        "staff_cost": staff,
        "org_cost": org,
        "cost": cost,
        "total_revenue": total_revenue,
        "net_contribution": total_revenue - cost,
        "one_off_cost": money.one_off_cost(scenario),
        # Not a KPI column: the window in years, for the annualised KPIs' formulas.
        "measured_years": money.years_measured(scenario),
        "customers_satisfied_share": (
            float(customers["satisfied"].astype(float).mean()) if "satisfied" in leads and len(customers) else float("nan")
        ),
        "churned_share": (
            _share(customers["churned_at"].notna().sum(), len(customers)) if "churned_at" in leads else float("nan")
        ),
        "upsell_revenue": upsell_revenue,
        "referral_leads": int(leads["referred_by"].notna().sum()) if "referred_by" in leads else 0,
    })


FUNNEL_STEPS: tuple[str, ...] = ("leads", "handed_over", "contacted", "reached", "qualified_any", "won")
"""The funnel steps in lifecycle order; each step's leads are a subset of the previous step's."""


def _qualified_any(leads: pd.DataFrame) -> pd.Series:
    qualified = leads["qualified"].astype(bool)
    if "qualified_later" in leads:
        qualified = qualified | leads["qualified_later"].astype(bool)
    return qualified


def funnel_masks(leads: pd.DataFrame) -> dict[str, pd.Series]:
    """Per funnel step (``FUNNEL_STEPS``), which leads of the table reached it (a boolean mask).

    The definitions of the funnel, once (the chart, the report's funnel table, the Excel
    funnel sheet and the workshop all count these):

    - ``leads``: every lead of the measured cohort;
    - ``handed_over``: handed to sales at least once (``handoff_at`` set) – whatever its stage:
      leads created as SQL are handed over without passing MQL, and marketing hands some over
      below SQL, so the stages MQL and SQL are *not* funnel steps but stage counts of their own
      (the KPIs ``mqls`` and ``sqls``);
    - ``contacted``: handed over and at least one contact attempt (``first_contact_at`` set);
    - ``reached``: at least one conversation (only contacted leads can be reached);
    - ``qualified_any``: sales-qualified in the first contact series or in a later one after
      recycling (only reached leads can qualify);
    - ``won``: became a customer (only qualified leads are won).

    Each step is a subset of the previous one by the model's rules; the masks are the raw
    definitions (not intersected), so a test can check the nesting on the lead table.
    """
    return {
        "leads": pd.Series(True, index=leads.index),
        "handed_over": leads["handoff_at"].notna(),
        "contacted": leads["first_contact_at"].notna(),
        "reached": leads["reached"].astype(bool),
        "qualified_any": _qualified_any(leads),
        "won": leads["outcome"] == "won",
    }


def funnel(leads: pd.DataFrame) -> pd.DataFrame:
    """Leads per funnel step, in lifecycle order (columns ``step``, ``leads``, ``share_of_leads``).

    The steps and their definitions are those of :func:`funnel_masks`:
    leads → handed to sales → contacted → reached → qualified (first series or later) → won.
    ``share_of_leads`` is the step's count over all leads (the share shown in chart and table).
    """
    total = len(leads)
    rows = [
        (step, int(mask.sum()), float(mask.sum()) / total if total else float("nan"))
        for step, mask in funnel_masks(leads).items()
    ]
    return pd.DataFrame(rows, columns=["step", "leads", "share_of_leads"])


def qualification_by_response(
    leads: pd.DataFrame,
    bucket_edges_hours: tuple[float, ...] = (0, 1, 2, 24, float("inf")),
    start_column: str = "sales_ready_at",
    moment_column: str = "first_contact_at",
) -> pd.DataFrame:
    """Share of contacted leads qualified, by first-attempt response-time bucket (the F2 measure).

    ``start_column="created_at"`` times the response from the inquiry, as F2's study did;
    ``qualified`` is the first contact series' result (the hand-off the lead arrived with).
    ``moment_column="first_conversation_at"`` buckets by the time of engagement instead (F4's
    measure; only reached leads count).
    """
    contacted = leads[leads[moment_column].notna()].copy()
    contacted["response_hours"] = contacted[moment_column] - contacted[start_column]
    labels = [
        f"{low:g}–{high:g} h" if np.isfinite(high) else f"≥{low:g} h"
        for low, high in itertools.pairwise(bucket_edges_hours)
    ]
    contacted["bucket"] = pd.cut(
        contacted["response_hours"], bins=list(bucket_edges_hours), labels=labels, right=False
    )
    grouped = contacted.groupby("bucket", observed=False)["qualified"]
    table = pd.DataFrame({"leads": grouped.size(), "qualified": grouped.sum()}).reset_index()
    table["qualified_share"] = table["qualified"] / table["leads"].where(table["leads"] > 0)
    return table
