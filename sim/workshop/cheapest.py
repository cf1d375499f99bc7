"""“Cheapest way to reach X”: the workshop's view of a lever portfolio.

The facilitator types a net benefit per year; the page prices every combination of the levers
between the starting point and the full target setup (the starting file plus each lever file)
with the runs and pricing of :func:`sim.experiment.portfolio.run_portfolio` – the same runs,
interval and choice as ``leadsim portfolio FROM TO --target net_benefit>=X`` – on the workshop's
seed, replications and horizon, and shows the cheapest combination that reaches the target.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim import kpis
from sim.experiment.attribution import run_subsets
from sim.experiment.portfolio import NET_BENEFIT, Choice, Portfolio, portfolio_of
from sim.scenario.spec import ScenarioSpec
from sim.workshop.control_table import WorkshopError
from sim.workshop.session import StartingPoint
from sim.workshop.settings import RunSettings

_AMOUNT = re.compile(r"^\s*([+-]?)\s*€?\s*([0-9][0-9,_ ]*(?:\.[0-9]+)?)\s*([kKmM]?)\s*€?\s*$")
MAX_LEVERS = 10
"""The bundled library's ten levers: 1024 combinations × replications, minutes on a laptop the
first time (run it before the workshop; the result cache answers the next target at once)."""


@dataclass(frozen=True)
class CheapestAnswer:
    """The target, the levers priced, the portfolio and its cheapest combination (None: none)."""

    target: float
    levers: tuple[str, ...]
    portfolio: Portfolio
    choice: Choice | None


def parse_amount(text: str) -> float:
    """A yearly amount as typed in the room: ``250000``, ``250,000``, ``€250k``, ``-1.5M``."""
    found = _AMOUNT.match(text or "")
    if found is None:
        raise WorkshopError(
            f"net benefit target {text!r}: type an amount in € per year, e.g. 250000 or 250k"
        )
    sign, digits, unit = found.groups()
    value = float(digits.replace(",", "").replace("_", "").replace(" ", ""))
    value *= {"": 1.0, "k": 1e3, "m": 1e6}[unit.lower()]
    return -value if sign == "-" else value


def cheapest_way(
    start: StartingPoint, lever_files: Sequence[Path], target: float, run: RunSettings
) -> CheapestAnswer:
    """Price every combination of ``lever_files`` on ``start``; the cheapest reaching ``target``."""
    if not lever_files:
        raise WorkshopError("no lever files to combine")
    if len(lever_files) > MAX_LEVERS:
        raise WorkshopError(
            f"{len(lever_files)} levers make {2 ** len(lever_files)} combinations – too many to "
            f"run in the room; switch on at most {MAX_LEVERS} levers on the page and try again"
        )
    if run.replications < 2:
        raise WorkshopError("the cheapest way needs at least 2 replications for its intervals")
    if not math.isfinite(target):
        raise WorkshopError(f"net benefit target {target!r} is not a finite amount")
    levers = [Path(path).resolve() for path in lever_files]
    full_target = ScenarioSpec.of(Path(start.file).resolve(), levers, "full_target")
    # run_portfolio's runs and pricing, with the target composed in memory rather than a file.
    runs = run_subsets(
        start.file, full_target, run.replications, run.seed, levers, overrides=start.horizon,
        sampling=False, workers=run.workers, cache_dir=run.cache_dir, progress=False,
    )  # fmt: skip
    portfolio = portfolio_of(runs, NET_BENEFIT, target=f"{NET_BENEFIT}>={target!r}")
    names = tuple(Path(path).stem for path in lever_files)
    return CheapestAnswer(target, names, portfolio, portfolio.cheapest)


def _money(value: float, signed: bool = False) -> str:
    return kpis.format_number(value, "money", signed=signed)


def render_cheapest(answer: CheapestAnswer) -> str:
    """The answer on the page, with its numbers in ``data-*`` attributes for tests."""
    import html

    esc = html.escape
    priced = f"{len(answer.portfolio.table)} combinations of {', '.join(answer.levers)}"
    goal = f"net benefit of at least {_money(answer.target, signed=True)} per year"
    choice = answer.choice
    if choice is None:
        best = answer.portfolio.table["difference_mean"].max()
        return (
            f'<div id="ws-cheapest" class="ws-message" data-kind="info" data-levers="" '
            f'data-target="{answer.target!r}">No combination reaches a {esc(goal)}: the best of '
            f"the {esc(priced)} gives {esc(_money(best, signed=True))} per year.</div>"
        )
    row = choice.row
    levers = (
        choice.levers.lstrip("+").replace("+", " + ")
        if choice.levers.startswith("+")
        else "nothing – the starting point already reaches it"
    )
    confidence = (
        "reaches the target with 95 % confidence"
        if choice.confident
        else "reaches it on average only"
    )
    return (
        f'<div id="ws-cheapest" class="ws-message" data-kind="info" '
        f'data-levers="{esc(choice.levers)}" data-target="{answer.target!r}" '
        f'data-org-cost="{row["org_cost_per_year"]!r}" '
        f'data-added-cost="{row["added_org_cost_per_year"]!r}" '
        f'data-net-benefit="{row["difference_mean"]!r}" '
        f'data-ci-low="{row["difference_ci_low"]!r}" data-ci-high="{row["difference_ci_high"]!r}">'
        f"Cheapest way to a {esc(goal)}: <b>{esc(levers)}</b><br>"
        f"running cost {esc(_money(row['org_cost_per_year']))} per year "
        f"({esc(_money(row['added_org_cost_per_year'], signed=True))} over the start); net benefit "
        f"{esc(_money(row['difference_mean'], signed=True))} per year (95 % CI "
        f"{esc(_money(row['difference_ci_low'], signed=True))} to "
        f"{esc(_money(row['difference_ci_high'], signed=True))}); {confidence}.<br>"
        f'<span class="ws-ci">Priced: {esc(priced)}, common random numbers, '
        f"{answer.portfolio.runs.replications} replications each.</span></div>"
    )
