"""sim.money is the one place that annualises and defines the net benefit; others call it."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim import kpis, money
from sim.experiment import portfolio


def test_per_year_scales_a_window_amount_and_an_empty_window_is_unknown() -> None:
    assert money.per_year(50.0, 0.5) == 100.0
    assert math.isnan(money.per_year(50.0, 0.0))


def test_the_kpi_formulas_annualise_exactly_as_the_money_module() -> None:
    """Bit-identical: the KPI table's per-year columns equal money.per_year of the window amounts."""
    years = 200 / money.DAYS_PER_YEAR
    row = {"total_revenue": 123456.789, "cost": 98765.4321, "measured_years": years}
    revenue = kpis.get("total_revenue_per_year").formula
    cost = kpis.get("cost_per_year").formula
    assert revenue is not None and cost is not None
    assert revenue(row) == money.per_year(123456.789, years)
    assert cost(row) == money.per_year(98765.4321, years)


def test_the_portfolio_prices_and_measures_with_the_money_module() -> None:
    rows = pd.DataFrame({money.NET_CONTRIBUTION: [1.0, 2.5]})
    assert portfolio.NET_BENEFIT == money.NET_BENEFIT
    assert portfolio.org_cost_per_year is money.org_cost_per_year
    assert portfolio.measure_values(rows, money.NET_BENEFIT).tolist() == [1.0, 2.5]


@pytest.mark.parametrize(("one_off", "net", "months"), [(0.0, 10.0, 0.0), (5.0, -1.0, math.inf), (6.0, 12.0, 6.0)])
def test_payback_months(one_off: float, net: float, months: float) -> None:
    assert money.payback_months(one_off, net) == months
