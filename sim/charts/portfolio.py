"""Which combination of levers buys the most for its yearly cost: the portfolio's Pareto front.

Every combination of the levers between two setups is a point: its running cost per year (x:
lead, staff and org measures, the cost the money table shows, so a new role costs its salaries)
against its net benefit per year over the reference (y, with the 95 % paired interval as an
error bar).
The combinations no other one beats on both are the Pareto front, drawn as a line; the cheapest
combination that reaches the board's target is ringed. The data are the rows of
``sim.experiment.portfolio.portfolio_table`` – the same rows ``leadsim portfolio`` writes.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from sim import kpis
from sim.charts.common import GOOD, NEUTRAL, PALETTE, WIDTH, check_rows
from sim.experiment.portfolio import PORTFOLIO_COLUMNS
from sim.kpis import check_language, format_number

_WORDS = {
    "en": {
        "yearly_cost": "Running cost per year of the combination",
        "against_reference": "vs. reference (95% CI)",
        "front": "Pareto front",
        "dominated": "beaten on cost and benefit",
        "chosen": "cheapest reaching the target",
        "status": "Combination",
        "levers": "Levers",
    },
    "de": {
        "yearly_cost": "Laufende Kosten pro Jahr der Kombination",
        "against_reference": "ggü. Referenz (95-%-KI)",
        "front": "Pareto-Front",
        "dominated": "bei Kosten und Nutzen geschlagen",
        "chosen": "günstigste, die das Ziel erreicht",
        "status": "Kombination",
        "levers": "Hebel",
    },
}


def portfolio_data(table: pd.DataFrame, chosen: str | None = None) -> pd.DataFrame:
    """The portfolio table's rows unchanged (``PORTFOLIO_COLUMNS``) plus ``chosen`` (the marked one)."""
    missing = [column for column in PORTFOLIO_COLUMNS if column not in table.columns]
    if missing:
        raise ValueError(f"portfolio_data: the portfolio table lacks {', '.join(missing)}")
    frame = table.loc[:, list(PORTFOLIO_COLUMNS)].reset_index(drop=True).copy()
    if chosen is not None and chosen not in set(frame["levers"]):
        raise ValueError(f"portfolio_data: the chosen combination {chosen!r} is not in the table")
    frame["chosen"] = frame["levers"] == chosen
    return frame


def portfolio_chart(data: pd.DataFrame, language: str = "en") -> alt.TopLevelMixin:
    """Net benefit per year (with 95 % CI) against running cost per year; front drawn, chosen ringed."""
    check_rows(data, "portfolio_chart")
    words = _WORDS[check_language(language)]
    benefit = f"{kpis.chart_label('net_benefit_per_year', language)} {words['against_reference']}"
    frame = data.copy()
    frame["status"] = [words["front"] if on else words["dominated"] for on in frame["on_front"]]
    frame["benefit_text"] = [format_number(v, "money", language, signed=True) for v in frame["difference_mean"]]
    frame["cost_text"] = [format_number(v, "money", language) for v in frame["org_cost_per_year"]]
    frame["added_cost_text"] = [
        format_number(v, "money", language, signed=True) for v in frame["added_org_cost_per_year"]
    ]
    x = alt.X("org_cost_per_year:Q", title=words["yearly_cost"], axis=alt.Axis(format="~s"))
    y = alt.Y("difference_mean:Q", title=benefit, axis=alt.Axis(format="~s"))
    base = alt.Chart(frame)
    errors = base.mark_rule(color="#777777", strokeWidth=1).encode(
        x=x, y="difference_ci_low:Q", y2="difference_ci_high:Q"
    )
    points = base.mark_circle(size=55, opacity=0.9).encode(
        x=x,
        y=y,
        color=alt.Color(
            "status:N",
            title=words["status"],
            scale=alt.Scale(domain=[words["front"], words["dominated"]], range=[GOOD, NEUTRAL]),
        ),
        tooltip=[
            alt.Tooltip("levers:N", title=words["levers"]),
            alt.Tooltip("cost_text:N", title=words["yearly_cost"]),
            alt.Tooltip("added_cost_text:N", title=kpis.label("yearly_cost_difference", language)),
            alt.Tooltip("benefit_text:N", title=benefit),
        ],
    )
    front = (
        alt.Chart(frame[frame["on_front"]])
        .mark_line(color=GOOD, strokeWidth=2, interpolate="step-after")
        .encode(x=x, y=y, order="org_cost_per_year:Q")
    )
    layers: list[alt.Chart] = [errors, front, points]
    front_labels = (
        alt.Chart(frame[frame["on_front"]])
        .mark_text(align="left", dx=6, dy=-6, fontSize=9)
        .encode(x=x, y=y, text="levers:N")
    )
    layers.append(front_labels)
    chosen = frame[frame["chosen"]]
    if not chosen.empty:
        layers.append(
            alt.Chart(chosen.assign(marker=words["chosen"]))
            .mark_point(shape="circle", size=260, filled=False, strokeWidth=2.5, color=PALETTE[1])
            .encode(x=x, y=y, tooltip=[alt.Tooltip("marker:N", title=words["status"]),
                                       alt.Tooltip("levers:N", title=words["levers"])])
        )
    zero = alt.Chart().mark_rule(color="#555555", strokeDash=[3, 3]).encode(y=alt.datum(0))
    return alt.layer(*layers, zero).properties(width=WIDTH - 60, height=320)
