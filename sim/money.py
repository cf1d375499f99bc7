"""Money in one place: what a setup costs per year and once, and what a change is worth net.

A board asks three questions of an org change: what does it bring per year, what does it cost
per year and up front, and when has it paid for itself? The simulation measures revenue and
lead cost over its measurement window; staff and the org measures' running costs are stated per
year in the scenario, and some measures (a CRM project, a workshop series) cost once. This
module turns all of them into per-year figures – annualised from the window, as the labels say –
and, for setup B against setup A, computes

- **net benefit per year** = Δ total revenue per year (first deals + upsell) − Δ yearly cost
  (lead, staff and running org cost), with the paired 95 % interval of the replications
  (common random numbers, :func:`sim.stats.paired_difference`);
- **payback months** = Δ one-off cost / (net benefit per year / 12): 0 when the change costs
  nothing up front and pays, ∞ ("never") when the net benefit is not positive.

Every view – ``leadsim compare`` and its ``money.csv``, the report, the Excel workbook and the
workshop – calls :func:`compare_money` and writes :func:`money_texts`, so the figures are
computed once and worded once. Pure functions; no simulation here.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

from sim import kpis as kpi_vocabulary
from sim import stats
from sim.scenario.schema import Scenario

DAYS_PER_YEAR = 365.0
MONTHS_PER_YEAR = 12.0

MONEY_COLUMNS = (
    "scenario", "reference", "replications",
    "revenue_difference_per_year", "yearly_cost_difference",
    "net_benefit_per_year", "net_benefit_ci_low", "net_benefit_ci_high",
    "one_off_cost_difference",
    "payback_months", "payback_months_ci_low", "payback_months_ci_high",
)
"""The columns of ``money.csv`` and of the workbook's money sheet."""

NET_BENEFIT = "net_benefit"
"""The measure a portfolio or robustness check optimises by default: net benefit per year."""
NET_CONTRIBUTION = "net_contribution_per_year"
"""The KPI column whose paired difference between two setups is their net benefit per year."""
YEARLY_COST = "cost_per_year"
"""The KPI column of a setup's running cost per year: lead cost (annualised), staff and org measures."""


# ------------------------------------------------------------------ one scenario


def years_measured(scenario: Scenario) -> float:
    """The measurement window in years (``horizon.measurement_days`` / 365)."""
    return scenario.horizon.measurement_days / DAYS_PER_YEAR


def staff_cost_per_year_by_role(scenario: Scenario) -> dict[str, float]:
    """The yearly staff cost of each role: account executives (reps), SDRs and marketing staff."""
    return {
        "account_executives": scenario.sales.reps * scenario.sales.rep_cost_per_year,
        "sdrs": scenario.sales.sdrs * scenario.sales.sdr_cost_per_year,
        "marketing": scenario.costs.marketing_staff_cost_per_year,
    }


def staff_cost_per_year(scenario: Scenario) -> float:
    """The yearly staff cost of all roles."""
    return float(sum(staff_cost_per_year_by_role(scenario).values()))


def org_cost_per_year(scenario: Scenario) -> float:
    """The running cost of the org measures per year (``costs.org_costs_per_year``)."""
    return float(sum(scenario.costs.org_costs_per_year.values()))


def one_off_cost(scenario: Scenario) -> float:
    """What the org measures cost once, to set up (``costs.org_costs_one_off``)."""
    return float(sum(scenario.costs.org_costs_one_off.values()))


def per_year(amount_in_window: float, years: float) -> float:
    """An amount measured over ``years`` scaled to one year (NaN for an empty window): the one annualising rule."""
    return float(amount_in_window) / float(years) if years else math.nan


def annualised(amount_in_window: float, scenario: Scenario) -> float:
    """An amount measured over the scenario's window, scaled to a year (365 / measurement_days)."""
    return per_year(amount_in_window, years_measured(scenario))


def net_contribution(kpi_rows: pd.DataFrame) -> pd.Series:
    """Net contribution per year of each KPI row; a setup's net benefit is its difference to another's."""
    return kpi_rows[NET_CONTRIBUTION]


def yearly_cost(kpi_rows: pd.DataFrame) -> pd.Series:
    """Running cost per year of each KPI row (lead, staff and org measures): what a setup costs to run."""
    return kpi_rows[YEARLY_COST]


# ------------------------------------------------------------------ setup B against A


def payback_months(one_off_difference: float, net_benefit_per_year: float) -> float:
    """Months until the net benefit has paid the extra one-off cost (∞: never; NaN: unknown)."""
    if math.isnan(one_off_difference) or math.isnan(net_benefit_per_year):
        return math.nan
    if net_benefit_per_year <= 0:
        return math.inf
    if one_off_difference <= 0:
        return 0.0
    return one_off_difference / (net_benefit_per_year / MONTHS_PER_YEAR)


@dataclass(frozen=True)
class MoneyComparison:
    """Setup ``scenario`` against ``reference`` in money: per year, once, and the payback."""

    scenario: str
    reference: str
    replications: int
    revenue_difference_per_year: float
    yearly_cost_difference: float
    net_benefit_per_year: float
    net_benefit_ci_low: float
    net_benefit_ci_high: float
    one_off_cost_difference: float
    payback_months: float
    payback_months_ci_low: float
    payback_months_ci_high: float

    def as_row(self) -> dict[str, float | str | int]:
        """The row of ``money.csv`` (columns :data:`MONEY_COLUMNS`)."""
        return asdict(self)


def _paired(kpi_rows: pd.DataFrame, scenario: str, reference: str, kpi: str) -> pd.DataFrame:
    """The scenario's and the reference's values of ``kpi``, paired by replication."""
    def values(name: str) -> pd.Series:
        rows = kpi_rows[kpi_rows["scenario"] == name]
        return pd.Series(rows[kpi].to_numpy(dtype=float), index=rows["replication"].to_numpy())

    return pd.concat([values(scenario), values(reference)], axis=1, join="inner").dropna()


def _mean_difference(kpi_rows: pd.DataFrame, scenario: str, reference: str, kpi: str) -> float:
    """Mean of ``kpi``'s paired differences, ``scenario`` minus ``reference`` (NaN without pairs)."""
    pairs = _paired(kpi_rows, scenario, reference, kpi)
    return float((pairs.iloc[:, 0] - pairs.iloc[:, 1]).mean())


def yearly_cost_difference(kpi_rows: pd.DataFrame, scenario: str, reference: str) -> float:
    """Δ running cost per year of ``scenario`` against ``reference``, paired by replication.

    The money table's ``yearly_cost_difference``; the lever portfolio prices its combinations
    with it too, so both show one cost for the same change.
    """
    return _mean_difference(kpi_rows, scenario, reference, YEARLY_COST)


def compare_money(
    kpi_rows: pd.DataFrame, scenario: str, reference: str, confidence: float = 0.95
) -> MoneyComparison:
    """Net benefit per year (paired CI) and payback months of ``scenario`` against ``reference``.

    ``kpi_rows`` is a KPI table (one row per scenario and replication, as ``kpis.csv``). The
    net benefit is the paired difference of ``net_contribution_per_year``, which is exactly
    Δ ``total_revenue_per_year`` − Δ ``cost_per_year``; the one-off cost is a constant of each
    setup, so the payback interval is the net benefit's interval carried through the formula.
    """
    for name in (scenario, reference):
        if name not in set(kpi_rows["scenario"]):
            raise ValueError(f"scenario {name!r} is not in the KPI table")
    net = _paired(kpi_rows, scenario, reference, NET_CONTRIBUTION)
    mean, low, high = stats.paired_difference(net.iloc[:, 0], net.iloc[:, 1], confidence)
    one_off_difference = _mean_difference(kpi_rows, scenario, reference, "one_off_cost")
    return MoneyComparison(
        scenario=scenario,
        reference=reference,
        replications=len(net),
        revenue_difference_per_year=_mean_difference(kpi_rows, scenario, reference, "total_revenue_per_year"),
        yearly_cost_difference=yearly_cost_difference(kpi_rows, scenario, reference),
        net_benefit_per_year=mean,
        net_benefit_ci_low=low,
        net_benefit_ci_high=high,
        one_off_cost_difference=one_off_difference,
        payback_months=payback_months(one_off_difference, mean),
        # A larger net benefit pays back sooner: the interval's ends swap.
        payback_months_ci_low=payback_months(one_off_difference, high),
        payback_months_ci_high=payback_months(one_off_difference, low),
    )


def money_comparisons(kpi_rows: pd.DataFrame, reference: str) -> list[MoneyComparison]:
    """:func:`compare_money` of every other scenario of the KPI table against ``reference``."""
    names = list(dict.fromkeys(kpi_rows["scenario"].tolist()))
    return [compare_money(kpi_rows, name, reference) for name in names if name != reference]


def money_table(kpi_rows: pd.DataFrame, reference: str) -> pd.DataFrame:
    """One row per alternative (columns :data:`MONEY_COLUMNS`): the content of ``money.csv``."""
    rows = [item.as_row() for item in money_comparisons(kpi_rows, reference)]
    return pd.DataFrame(rows, columns=list(MONEY_COLUMNS))


# ------------------------------------------------------------------ words


def _money(value: float, language: str, signed: bool = True) -> str:
    return kpi_vocabulary.format_number(value, "money", language, signed=signed, compact=True)


def _months(value: float, language: str) -> str:
    return kpi_vocabulary.format_kpi("payback_months", value, language)


def money_texts(item: MoneyComparison, language: str = "en") -> dict[str, str]:
    """The money figures as every view writes them, keyed by comparison KPI.

    ``net_benefit_per_year``: "+€5.06 M (95 % CI +€4.91 M to +€5.21 M)";
    ``payback_months``: "0.4 months (95 % CI 0.3 months to 0.4 months)" or "never";
    ``revenue_difference_per_year``, ``yearly_cost_difference``, ``one_off_cost_difference``:
    signed amounts. The CLI, the report, the workbook's text column and the workshop show these
    strings unchanged (a test compares them).
    """
    ci = "95 % CI" if language == "en" else "95-%-KI"
    to = "to" if language == "en" else "bis"
    net = _money(item.net_benefit_per_year, language)
    if math.isfinite(item.net_benefit_ci_low) and math.isfinite(item.net_benefit_ci_high):
        net += (
            f" ({ci} {_money(item.net_benefit_ci_low, language)} {to} "
            f"{_money(item.net_benefit_ci_high, language)})"
        )
    payback = _months(item.payback_months, language)
    low, high = item.payback_months_ci_low, item.payback_months_ci_high
    if not (math.isnan(low) or math.isnan(high)) and not (math.isinf(low) and math.isinf(high)):
        payback += f" ({ci} {_months(low, language)} {to} {_months(high, language)})"
    return {
        "revenue_difference_per_year": _money(item.revenue_difference_per_year, language),
        "yearly_cost_difference": _money(item.yearly_cost_difference, language),
        "one_off_cost_difference": _money(item.one_off_cost_difference, language),
        "net_benefit_per_year": net,
        "payback_months": payback,
    }


def money_lines(item: MoneyComparison, language: str = "en") -> list[tuple[str, str]]:
    """``(label, text)`` per money figure, in reading order (labels from :mod:`sim.kpis`)."""
    texts = money_texts(item, language)
    return [(kpi_vocabulary.label(name, language), texts[name]) for name in COMPARISON_ORDER]


COMPARISON_ORDER = (
    "revenue_difference_per_year", "yearly_cost_difference", "net_benefit_per_year",
    "one_off_cost_difference", "payback_months",
)
"""The money figures of a comparison in reading order."""
