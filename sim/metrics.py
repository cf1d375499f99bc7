"""From the lead table to the KPIs management asks about: pure functions, no simulation.

Response time is measured as the speed-to-lead studies measure it: from the moment a lead was
ready for sales to the first contact *attempt*. Leads never contacted are not hidden in the
response-time percentiles; they appear in their own shares (ignored, never contacted).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim.kpis import complete_row, kpi_columns
from sim.model.calendar import BusinessCalendar
from sim.scenario.schema import STAGES, Scenario

KPI_COLUMNS = kpi_columns()


def response_hours(leads: pd.DataFrame) -> pd.Series:
    """Hours from sales-ready to the first contact attempt, for leads that were attempted."""
    contacted = leads["first_contact_at"].notna()
    return (leads.loc[contacted, "first_contact_at"] - leads.loc[contacted, "sales_ready_at"]).astype(float)


def sla_met(leads: pd.DataFrame, calendar: BusinessCalendar, target_business_hours: float) -> pd.Series:
    """Per handed-over lead: first attempt within the target business hours (never attempted: False)."""
    handed = leads[leads["handoff_at"].notna()]
    met = [
        bool(
            pd.notna(first)
            and calendar.business_hours_between(ready, first) <= target_business_hours + 1e-9
        )
        for ready, first in zip(handed["sales_ready_at"], handed["first_contact_at"], strict=True)
    ]
    return pd.Series(met, index=handed.index, dtype=bool)


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
    responses = response_hours(leads)
    marketing_handed = handed & leads["marketing_sourced"]
    revenue = float(leads.loc[won, "deal_value"].sum())
    upsell_revenue = float(leads["upsell_revenue"].sum()) if "upsell_revenue" in leads else 0.0
    customers = leads[won]
    lead_cost = float(leads["cost"].sum())
    staff_cost = float(run["staff_cost"])
    org_cost = float(run.get("org_cost", 0.0))
    cost = lead_cost + staff_cost + org_cost
    available = float(run["available_rep_hours"])
    met = sla_met(leads, calendar, scenario.sla.first_contact_business_hours)
    cold = leads.loc[contacted, "cold_at_first_contact"].astype(bool)
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
        "won": int(won.sum()),
        "revenue": revenue,
        "conversion_rate": _share(won.sum(), len(leads)),
        "median_response_hours": float(np.median(responses)) if len(responses) else float("nan"),
        "mean_response_hours": float(responses.mean()) if len(responses) else float("nan"),
        "p90_response_hours": float(np.quantile(responses, 0.9)) if len(responses) else float("nan"),
        "sla_met_share": float(met.mean()) if len(met) else float("nan"),
        # The same yardstick for every scenario (F2: the first hour matters), unlike the SLA.
        "first_hour_share": _share((responses <= 1.0).sum(), handed.sum()),
        "never_contacted_share": _share((handed & ~contacted).sum(), handed.sum()),
        "cold_share": float(cold.mean()) if len(cold) else float("nan"),
        "ignored_share": _share((leads["outcome"] == "ignored").sum(), marketing_handed.sum()),
        "wasted_sales_hours": float(leads["wasted_sales_hours"].sum()),
        "rep_utilization": _share(run["busy_rep_hours"], available),
        "lead_cost": lead_cost,
        "staff_cost": staff_cost,
        "org_cost": org_cost,
        "cost": cost,
        "customers_satisfied_share": (
            float(customers["satisfied"].astype(float).mean()) if "satisfied" in leads and len(customers) else float("nan")
        ),
        "churned_share": (
            _share(customers["churned_at"].notna().sum(), len(customers)) if "churned_at" in leads else float("nan")
        ),
        "upsell_revenue": upsell_revenue,
        "referral_leads": int(leads["referred_by"].notna().sum()) if "referred_by" in leads else 0,
    })


def funnel(leads: pd.DataFrame) -> pd.DataFrame:
    """Counts per funnel step (leads → MQL → SQL → handed over → contacted → reached → qualified → won)."""
    max_stage = _max_stage_index(leads)
    steps = [
        ("leads", len(leads)),
        ("mql", int((max_stage >= 1).sum())),
        ("sql", int((max_stage >= 2).sum())),
        ("handed_over", int(leads["handoff_at"].notna().sum())),
        ("contacted", int(leads["first_contact_at"].notna().sum())),
        ("reached", int(leads["reached"].sum())),
        ("qualified", int(leads["qualified"].sum())),
        ("won", int((leads["outcome"] == "won").sum())),
    ]
    return pd.DataFrame(steps, columns=["step", "leads"])


def qualification_by_response(
    leads: pd.DataFrame, bucket_edges_hours: tuple[float, ...] = (0, 1, 2, 24, float("inf"))
) -> pd.DataFrame:
    """Share of contacted leads qualified, by first-attempt response-time bucket (the F2 measure)."""
    contacted = leads[leads["first_contact_at"].notna()].copy()
    contacted["response_hours"] = contacted["first_contact_at"] - contacted["sales_ready_at"]
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
