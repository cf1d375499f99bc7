"""Which combination of levers to buy: the lever portfolio of each attributed setup, for the report.

The lever section already runs the reference with subsets of the target's levers (same seed,
same replications, common random numbers, the cache). The portfolio prices exactly those runs –
it runs nothing itself – with ``sim.experiment.portfolio``, the algorithm ``leadsim portfolio``
uses, so the report's chart and the command's ``portfolio.csv`` hold the same numbers.
When the levers are too many for every subset (the attribution samples lever orders), the chart
shows the combinations that were run and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim import kpis
from sim.errors import ExperimentError, ReportError
from sim.experiment.portfolio import NET_BENEFIT, Portfolio, portfolio_of
from sim.report.levers import LeverEffects
from sim.report.texts import note


@dataclass(frozen=True)
class LeverPortfolio:
    """One attributed setup's combinations of levers, priced."""

    target: str
    portfolio: Portfolio
    complete: bool
    """Every combination of the levers was run (else only the sampled orders' subsets)."""

    @property
    def chosen(self) -> str | None:
        """The cheapest combination reaching the target, if a target was given and one reaches it."""
        cheapest = self.portfolio.cheapest
        return None if cheapest is None else cheapest.levers


def check_portfolio_target(portfolio_target: object) -> str | None:
    """``None``, a number (net benefit per year ≥ it) or a text like ``"net_benefit>=250000"``."""
    if portfolio_target is None:
        return None
    if isinstance(portfolio_target, bool) or not isinstance(portfolio_target, (int, float, str)):
        raise ReportError(
            f"portfolio_target must be None, a number (€ net benefit per year) or a text like "
            f"'net_benefit>=250000', got {portfolio_target!r}"
        )
    if isinstance(portfolio_target, (int, float)):
        if not math.isfinite(portfolio_target):
            raise ReportError(f"portfolio_target must be a finite number, got {portfolio_target!r}")
        return f"{NET_BENEFIT}>={portfolio_target!r}"
    return portfolio_target


def lever_portfolio(effects: LeverEffects, portfolio_target: object = None) -> LeverPortfolio | None:
    """The portfolio of ``effects``' subset runs (None when the section kept no runs)."""
    if effects.runs is None:
        return None
    goal = check_portfolio_target(portfolio_target)
    try:
        priced = portfolio_of(effects.runs, NET_BENEFIT, goal)
    except ExperimentError as error:
        raise ReportError(f"portfolio_target: {error}") from error
    return LeverPortfolio(effects.target, priced, complete=effects.runs.permutations is None)


def portfolio_note(lever_portfolio: LeverPortfolio, language: str = "en") -> str:
    """How to read the portfolio chart, which combinations it holds and what the target picked."""
    table = lever_portfolio.portfolio.table
    levers = len(lever_portfolio.portfolio.runs.plan.names)
    key = "portfolio_note" if lever_portfolio.complete else "portfolio_note_sampled"
    text = note(
        key, language, target=lever_portfolio.target, combinations=len(table), levers=levers,
        front=int(table["on_front"].sum()),
    )
    goal = lever_portfolio.portfolio.target
    if goal is None:
        return text
    shown_goal = kpis.format_number(goal.value, "money", language, signed=True)
    cheapest = lever_portfolio.portfolio.cheapest
    if cheapest is None:
        return text + note("portfolio_none", language, goal=shown_goal)
    row = cheapest.row
    return text + note(
        "portfolio_cheapest_sure" if cheapest.confident else "portfolio_cheapest_mean", language,
        goal=shown_goal, levers=cheapest.levers,
        cost=kpis.format_number(row["org_cost_per_year"], "money", language),
        benefit=kpis.format_number(row["difference_mean"], "money", language, signed=True),
    )

