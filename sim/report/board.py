"""The comparison report's front page: what a board reads before it turns the page.

Three sentences per alternative – what changes, what it is worth net per year with its range,
what it costs and when it pays back – then the key figures, ROI defined once, how sure the
numbers are, and a short "why" for each change a reader would not expect. Every money figure
comes from :mod:`sim.money` (computed once, worded once); every other number from the
comparison's summary and lead table. The notebook only displays what this module returns.
"""

from __future__ import annotations

from sim import money
from sim.report.comparison import Comparison
from sim.report.texts import escape


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
        f"<th>{escape(comparison.display_name(item.scenario))} vs "
        f"{escape(comparison.display_name(item.reference))}</th>"
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
