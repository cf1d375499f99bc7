"""The comparison report's front page: what a board reads before it turns the page.

Three sentences per alternative – what changes, what it is worth net per year with its range,
what it costs and when it pays back – then the key figures, ROI defined once, how sure the
numbers are, and a short "why" for each change a reader would not expect. Every money figure
comes from :mod:`sim.money` (computed once, worded once); every other number from the
comparison's summary and lead table. The notebook only displays what this module returns.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim import kpis, money, stats
from sim.experiment import attribution
from sim.metrics import funnel_masks
from sim.report.comparison import Comparison, kpi_row
from sim.report.method import precision_sentences
from sim.report.texts import escape, text
from sim.scenario.loader import file_title


def comparison_money(comparison: Comparison) -> list[money.MoneyComparison]:
    """Net benefit and payback of every alternative against the reference (:mod:`sim.money`)."""
    return money.money_comparisons(comparison.result.kpis, comparison.reference)


def _period_note(comparison: Comparison) -> str:
    days = round(comparison.scenario(comparison.reference).horizon.measurement_days)
    if comparison.language == "de":
        return (
            f"Pro Jahr: hochgerechnet aus {days} gemessenen Tagen (× 365 / {days}); "
            "Einmalkosten fallen einmal an und zählen nur in der Amortisation."
        )
    return (
        f"Per year: annualised from the {days} measured days (× 365 / {days}); one-off costs "
        "are paid once and count only in the payback."
    )


def money_table_html(comparison: Comparison) -> str:
    """The money figures of each alternative against the reference, as an HTML table.

    The cells are :func:`sim.money.money_texts` unchanged (the CLI and the workshop show the
    same strings).
    """
    items = comparison_money(comparison)
    if not items:
        return ""
    language = comparison.language
    lines = [money.money_lines(item, language) for item in items]
    head = "".join(
        f"<th>{escape(item.scenario)} vs "
        f"{escape(item.reference)}</th>"
        for item in items
    )
    rows = []
    for position, (figure, _value) in enumerate(lines[0]):
        cells = "".join(f"<td>{escape(line[position][1])}</td>" for line in lines)
        rows.append(f"<tr><th scope='row'>{escape(figure)}</th>{cells}</tr>")
    return (
        f'<table class="leadsim-table leadsim-money"><thead><tr><th></th>{head}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table>'
        f'<p class="leadsim-note">{escape(_period_note(comparison))}</p>'
    )


# ------------------------------------------------------------------ the front page

KEY_FIGURES = (
    "total_revenue_per_year", "cost_per_year", "net_contribution_per_year", "roi", "won",
    "median_response_hours",
)
"""The key figures under the three sentences, in reading order."""

MECHANISM_COUNTS = (
    "handed_over", "contacted", "reached", "qualified_any", "won",
    "lost_competitor", "lost_cold", "lost_unqualified", "ignored",
)
"""Per replication, leads counted at a funnel step or with an outcome: what the "why" reads."""


EXTRA_MEASURES = ("wasted_sales_hours", "median_response_from_inquiry_hours", "median_hours_to_sales_ready")
"""Per replication, hours the "why"s read besides the counts."""


def mechanism_counts(leads: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and replication: leads per funnel step and per final outcome."""
    rows = []
    for (scenario, replication), group in leads.groupby(["scenario", "replication"], sort=False):
        masks = funnel_masks(group)
        row: dict[str, Any] = {"scenario": scenario, "replication": replication}
        for name in MECHANISM_COUNTS:
            row[name] = int(masks[name].sum()) if name in masks else int((group["outcome"] == name).sum())
        row["wasted_sales_hours"] = float(group["wasted_sales_hours"].sum())
        contacted = group[group["first_contact_at"].notna()]
        row["median_response_from_inquiry_hours"] = _median(contacted["first_contact_at"] - contacted["created_at"])
        row["median_hours_to_sales_ready"] = _median(contacted["sales_ready_at"] - contacted["created_at"])
        rows.append(row)
    return pd.DataFrame(rows)


def _median(values: pd.Series) -> float:
    values = values.dropna()
    return float(values.median()) if len(values) else math.nan


@dataclass(frozen=True)
class Change:
    """A count or KPI of setup B against A: mean difference and its paired 95 % interval."""

    name: str
    difference: float
    low: float
    high: float

    @property
    def up(self) -> bool:
        """Clearly higher (the interval lies above zero)."""
        return self.low > 0

    @property
    def down(self) -> bool:
        """Clearly lower (the interval lies below zero)."""
        return self.high < 0


def _changes(counts: pd.DataFrame, scenario: str, reference: str) -> dict[str, Change]:
    found = {}
    for name in (*MECHANISM_COUNTS, *EXTRA_MEASURES):
        by_replication = counts.pivot(index="replication", columns="scenario", values=name)
        paired = by_replication[[scenario, reference]].dropna()
        mean, low, high = stats.paired_difference(paired[scenario], paired[reference])
        found[name] = Change(name, mean, low, high)
    return found


def _count(value: float, language: str) -> str:
    return kpis.format_number(abs(value), "count", language)


def _hours(value: float, language: str) -> str:
    return kpis.format_number(abs(value), "hours", language)


WhyRule = Callable[[dict[str, Change], str], str | None]


def _why_bought_elsewhere(changes: dict[str, Change], language: str) -> str | None:
    lost, qualified = changes["lost_competitor"], changes["qualified_any"]
    if not lost.up:
        return None
    if qualified.up:
        return text("why_bought_elsewhere", language, lost=_count(lost.difference, language),
                    qualified=_count(qualified.difference, language))
    return text("why_bought_elsewhere_wait", language, lost=_count(lost.difference, language))


def _why_wasted_hours(changes: dict[str, Change], language: str) -> str | None:
    wasted, contacted = changes["wasted_sales_hours"], changes["contacted"]
    if not wasted.up:
        return None
    key = "why_wasted_hours" if contacted.up else "why_wasted_hours_recycled"
    return text(key, language, hours=_hours(wasted.difference, language),
                contacted=_count(contacted.difference, language))


def _why_fewer_contacted(changes: dict[str, Change], language: str) -> str | None:
    contacted, handed = changes["contacted"], changes["handed_over"]
    if not contacted.down:
        return None
    if handed.down:
        return text("why_fewer_contacted", language, contacted=_count(contacted.difference, language),
                    handed=_count(handed.difference, language))
    return None


def _why_more_lost_cold(changes: dict[str, Change], language: str) -> str | None:
    cold, reached = changes["lost_cold"], changes["contacted"]
    if not cold.up or not reached.up:
        return None
    return text("why_more_lost_cold", language, cold=_count(cold.difference, language),
                contacted=_count(reached.difference, language))


def _why_slower_from_inquiry(changes: dict[str, Change], language: str) -> str | None:
    response, ready = changes["median_response_from_inquiry_hours"], changes["median_hours_to_sales_ready"]
    if not response.up or not ready.up:
        return None
    return text("why_slower_from_inquiry", language, hours=_hours(response.difference, language),
                ready=_hours(ready.difference, language))


WHY_RULES: tuple[WhyRule, ...] = (
    _why_bought_elsewhere, _why_wasted_hours, _why_fewer_contacted, _why_more_lost_cold,
    _why_slower_from_inquiry,
)
"""Each rule reads the mechanisms' counts and explains one counter-intuitive change (or None)."""


def why_notes(comparison: Comparison, scenario: str) -> list[str]:
    """A short "why" for each counter-intuitive change of ``scenario`` against the reference.

    A change is counter-intuitive when a measure moves the wrong way although the setup is
    meant to be better (more leads bought elsewhere, more hours on unqualified leads, fewer
    leads contacted, more lost cold); only changes whose paired 95 % interval excludes zero
    are explained, from the counts of the mechanisms behind them.
    """
    counts = mechanism_counts(comparison.result.leads)
    if scenario not in set(counts["scenario"]):
        return []
    changes = _changes(counts, scenario, comparison.reference)
    return [note for rule in WHY_RULES if (note := rule(changes, comparison.language)) is not None]


def _what_changes(comparison: Comparison, scenario: str) -> str:
    language = comparison.language
    reference_file = comparison.scenarios[comparison.reference]
    target_file = comparison.scenarios[scenario]
    levers = attribution.lever_files_between(reference_file.resolved, target_file.resolved)
    if levers:
        titles = [file_title(path) for path in levers]
        return text("board_changes_levers", language, target=escape(scenario),
                    reference=escape(comparison.reference), count=len(titles),
                    levers=escape(", ".join(titles)))
    return text("board_changes_settings", language, target=escape(scenario),
                reference=escape(comparison.reference))


def three_sentences(comparison: Comparison, item: money.MoneyComparison) -> list[str]:
    """What changes, what it is worth net per year with its range, what it costs and when it pays."""
    language = comparison.language
    words = money.money_texts(item, language)
    worth = text(
        "board_worth", language, net=escape(words["net_benefit_per_year"]),
        revenue=escape(words["revenue_difference_per_year"]),
        cost=escape(words["yearly_cost_difference"]),
    )
    key = "board_pays_never" if math.isinf(item.payback_months) else "board_pays"
    pays = text(key, language, one_off=escape(words["one_off_cost_difference"]),
                payback=escape(words["payback_months"]))
    return [_what_changes(comparison, item.scenario), worth, pays]


def key_figures_table(comparison: Comparison, scenario: str) -> pd.DataFrame:
    """The key figures of the reference and ``scenario`` and their difference, as text."""
    language = comparison.language
    rows = []
    for kpi in KEY_FIGURES:
        if kpi not in set(comparison.summary["kpi"]):
            continue
        ref, row = kpi_row(comparison, kpi, comparison.reference), kpi_row(comparison, kpi, scenario)
        entry = kpis.get(kpi)
        rows.append({
            text("kpi", language): entry.title(language),
            comparison.reference: entry.format(ref["mean"], language, compact=True),
            scenario: entry.format(row["mean"], language, compact=True),
            "Δ": entry.format(row["diff_vs_reference"], language, signed=True, compact=True),
        })
    return pd.DataFrame(rows)


def front_page_html(
    comparison: Comparison,
    robustness_anchor: str | None = None,
    assumption_ranges: Mapping[str, tuple[float, float]] | None = None,
) -> str:
    """The board's front page: per alternative three sentences, key figures and the "why"s;
    ROI defined once; how sure the figures are (and where the robustness section is, if any).

    ``assumption_ranges`` maps an alternative to the 5 %–95 % range of its net benefit over the
    reference across the sampled assumption worlds (``leadsim robustness``), quoted next to the
    simulation-noise interval so a board sees both kinds of uncertainty in one place.
    """
    language = comparison.language
    parts = ['<div class="leadsim-summary leadsim-board">']
    for item in comparison_money(comparison):
        sentences = three_sentences(comparison, item)
        parts.append("<p>" + " ".join(sentences) + "</p>")
        table = key_figures_table(comparison, item.scenario)
        parts.append(table.to_html(index=False, escape=True, border=0, classes="leadsim-table"))
        whys = why_notes(comparison, item.scenario)
        if whys:
            parts.append(f"<p><b>{escape(text('board_why_heading', language))}</b></p>")
            parts.append("<ul>" + "".join(f"<li>{escape(why)}</li>" for why in whys) + "</ul>")
    parts.append(f'<p class="leadsim-note">{escape(roi_definition(language))}</p>')
    uncertainty = text("board_uncertainty", language, reps=comparison.result.replications)
    for sentence in precision_sentences(comparison):
        uncertainty += " " + escape(sentence)
    for scenario, (low, high) in (assumption_ranges or {}).items():
        uncertainty += " " + escape(text(
            "board_assumption_range", language, setup=scenario,
            low=kpis.format_number(low, "money", signed=True),
            high=kpis.format_number(high, "money", signed=True),
        ))
    if robustness_anchor:
        uncertainty += " " + text("board_robustness", language,
                                  link=f'<a href="#{escape(robustness_anchor)}">', end="</a>")
    else:
        uncertainty += " " + text("board_no_robustness", language)
    parts.append(f'<p class="leadsim-note">{uncertainty}</p></div>')
    return "".join(parts)


def roi_definition(language: str = "en") -> str:
    """ROI defined once on the page, from the KPI vocabulary's description."""
    return text("board_roi", language, definition=kpis.get("roi").description.text(language))
