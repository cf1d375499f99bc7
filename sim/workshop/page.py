"""The workshop page's HTML: the result table, the funnel bars, the status line and messages.

Everything a participant reads is rendered here as plain HTML and CSS (no script, nothing from
the internet), with the numbers also in ``data-*`` attributes so browser tests read exactly what
was computed. Labels and number formats come from the KPI vocabulary (:mod:`sim.kpis`).
"""

from __future__ import annotations

import html
import math
import re

from sim import kpis
from sim.money import COMPARISON_ORDER, money_texts
from sim.workshop.session import Comparison, RunSummary, result_kpis
from sim.workshop.words import figure

STYLE = """
<style>
.ws-app { font-size: 20px; line-height: 1.35; color: #1d2330;
  --jp-widgets-font-size: 18px; --jp-widgets-inline-height: 38px;
  --jp-widgets-inline-label-width: 0px; max-width: 1400px; }
.ws-app h1 { font-size: 38px; margin: 4px 0 2px 0; }
.ws-app .ws-sub { font-size: 18px; color: #4a5366; }
.ws-app .widget-toggle-button, .ws-app button, .ws-app select, .ws-app input,
.ws-app .widget-readout { font-size: 18px !important; }
.ws-app .ws-label { font-weight: 700; font-size: 20px; line-height: 1.2; }
.ws-app .ws-hint { font-size: 15px; color: #5b6478; line-height: 1.25; margin-bottom: 2px; }
.ws-app .ws-row { padding: 5px 10px; margin-bottom: 4px; border-left: 6px solid transparent; }
.ws-app .ws-h2 { font-size: 24px; margin: 16px 0 4px 0; }
.ws-app .ws-row.ws-changed { border-left-color: #e8a317; background: #fff8e6; }
.ws-app .ws-run button, .ws-app button.ws-run { font-size: 22px !important; font-weight: 700; }
.ws-status { font-size: 20px; padding: 6px 12px; border-radius: 6px; display: inline-block; }
.ws-status[data-state=running] { background: #fff3cd; color: #7a5b00; }
.ws-status[data-state=refining] { background: #fff8e1; color: #7a5b00; }
.ws-status[data-state=done] { background: #e3f4e8; color: #1d6b35; }
.ws-status[data-state=error] { background: #fde2e1; color: #9b1c1c; }
.ws-status[data-state=stale] { background: #eef1f6; color: #3e4a61; }
.ws-spinner { display: inline-block; width: 18px; height: 18px; border: 3px solid #c9a227;
  border-top-color: transparent; border-radius: 50%; animation: ws-spin 0.8s linear infinite;
  vertical-align: -3px; margin-right: 8px; }
@keyframes ws-spin { to { transform: rotate(360deg); } }
.ws-message { font-size: 20px; padding: 12px 16px; border-radius: 6px; white-space: pre-line; }
.ws-message[data-kind=error] { background: #fde2e1; color: #9b1c1c; border: 2px solid #e4a3a1; }
.ws-message[data-kind=info] { background: #e7f0fb; color: #17406d; border: 2px solid #a9c4e6; }
.ws-results { border-collapse: collapse; width: 100%; font-size: 22px; margin-top: 8px; }
.ws-results th, .ws-results td { padding: 10px 14px; border-bottom: 1px solid #d9dee8;
  text-align: left; vertical-align: top; }
.ws-results thead th { font-size: 18px; color: #4a5366; font-weight: 600; }
.ws-results .ws-value { font-size: 28px; font-weight: 700; white-space: nowrap; }
.ws-results td.ws-baseline, .ws-results th.ws-baseline { background: #f3f5f9; }
.ws-results td.ws-edited, .ws-results th.ws-edited { background: #f6fbff; }
.ws-results { table-layout: fixed; }
.ws-results .ws-file { font-size: 15px; color: #6b7385; overflow-wrap: break-word; }
.ws-app .ws-stale { opacity: 0.4; transition: opacity 0.2s; }
.ws-results th[scope=row] { font-size: 20px; }
.ws-change .ws-words { font-weight: 700; font-size: 21px; line-height: 1.25; }
.ws-change .ws-ci { font-size: 15px; color: #5b6478; line-height: 1.25; margin-top: 2px; }
.ws-results th { line-height: 1.2; }
.ws-tone-better { color: #17803d; } .ws-tone-worse { color: #c0262d; }
.ws-tone-unclear, .ws-tone-same { color: #6b7385; } .ws-tone-changed { color: #1f5fa8; }
.ws-funnel { width: 100%; border-collapse: collapse; font-size: 18px; margin-top: 6px; }
.ws-funnel td { padding: 3px 8px; vertical-align: middle; }
.ws-funnel .ws-step { width: 230px; font-weight: 600; }
.ws-bar { height: 16px; border-radius: 3px; display: inline-block; min-width: 2px;
  vertical-align: middle; }
.ws-bar-baseline { background: #8a96ad; } .ws-bar-edited { background: #e8871e; }
.ws-bar-label { font-size: 16px; margin-left: 8px; color: #39414f; }
.ws-legend span { display: inline-block; margin-right: 18px; font-size: 17px; }
.ws-legend i { display: inline-block; width: 16px; height: 16px; border-radius: 3px;
  vertical-align: -2px; margin-right: 6px; }
.ws-muted { color: #6b7385; }
.ws-results caption { caption-side: top; text-align: left; font-size: 16px; color: #4a5366; }
.ws-results .ws-value { font-size: 24px; } .ws-results th, .ws-results td { padding: 6px 10px; }
.ws-results tr.ws-main th[scope=row] { font-weight: 700; }
.ws-results tr.ws-main-last td, .ws-results tr.ws-main-last th { border-bottom: 3px solid #8a96ad; }
.ws-app .ws-wrap { flex-wrap: wrap; gap: 6px 10px; }
.ws-app .widget-hbox, .ws-app .widget-vbox { min-width: 0; }
.ws-app .ws-left { flex: 0 0 36%; max-width: 36%; box-sizing: border-box; overflow: hidden; }
.ws-app .ws-right { flex: 1 1 64%; min-width: 0; box-sizing: border-box; }
.ws-app .ws-report-box { font-size: 17px; overflow-wrap: anywhere; }
/* A projector at 1024×768 or 1280×720: smaller type so the main figures stay above the fold. */
@media (max-width: 1400px), (max-height: 800px) {
  .ws-app { font-size: 17px; --jp-widgets-font-size: 16px; --jp-widgets-inline-height: 32px; }
  .ws-app h1 { font-size: 28px; margin: 0; }
  .ws-app .ws-sub { font-size: 15px; line-height: 1.25; }
  .ws-app .widget-toggle-button, .ws-app button, .ws-app select, .ws-app input,
  .ws-app .widget-readout { font-size: 16px !important; }
  .ws-app .ws-label { font-size: 17px; } .ws-app .ws-hint { font-size: 13px; }
  .ws-app .ws-h2 { font-size: 20px; margin: 10px 0 2px 0; }
  .ws-status, .ws-message { font-size: 16px; padding: 4px 10px; }
  .ws-results { font-size: 16px; margin-top: 4px; }
  .ws-results thead th { font-size: 15px; }
  .ws-results th[scope=row] { font-size: 16px; }
  .ws-results .ws-value { font-size: 19px; }
  .ws-results th, .ws-results td { padding: 4px 6px; }
  .ws-results .ws-file { font-size: 13px; }
  .ws-change .ws-words { font-size: 17px; } .ws-change .ws-ci { font-size: 13px; }
  .ws-results caption { font-size: 14px; }
  .ws-funnel { font-size: 15px; } .ws-funnel .ws-step { width: 170px; }
}
@media (max-width: 1100px) {
  .ws-results .ws-value { font-size: 17px; } .ws-change .ws-words { font-size: 15px; }
  .ws-results th[scope=row] { font-size: 14px; } .ws-results { font-size: 14px; }
}
</style>
"""


def _attr(value: float) -> str:
    """A float for a data attribute: repr keeps every digit (``nan`` when undefined)."""
    return "nan" if value is None or math.isnan(value) else repr(float(value))


def _breakable(text: str) -> str:
    """Let a long file name wrap after ``_``, ``-``, ``/`` and ``.`` (escaped text in, HTML out)."""
    return re.sub(r"([_/.-])", r"\1<wbr>", text)


def _kpi_id(kpi: str) -> str:
    return kpi.replace("_", "-")


MAIN_KPIS = ("total_revenue_per_year", "cost_per_year")
"""Revenue and cost per year lead the table; net benefit and payback follow right under them."""


def render_results(
    baseline: RunSummary,
    comparison: Comparison | None,
    start_name: str,
    run_number: int = 0,
    period: str = "",
    planned: int | None = None,
) -> str:
    """The KPI table: starting point left, edited setup right, the difference in words, coloured.

    The main figures (revenue, cost, net benefit, payback) come first, so they are above the
    fold on a projector; the other headline KPIs follow. Figures from fewer replications than
    ``planned`` (the run's count when comparing) are marked preliminary.
    """
    esc = html.escape
    done = baseline.replications if comparison is None else comparison.edited.replications
    if planned is None:
        planned = done if comparison is None else comparison.setup.run.replications
    preliminary = (
        f"; <strong>preliminary</strong>: the first {done} of {planned} simulations, refining…"
        if done < planned else ""
    )
    caption = (
        f'<caption class="ws-period">Figures for {esc(period)}; rows “per year” are annualised'
        f"{preliminary}</caption>" if period else ""
    )
    head = (
        f'<table class="ws-results" id="ws-results" data-run="{run_number}" '
        f'data-replications="{done}" data-planned="{planned}">{caption}'
        '<colgroup><col style="width:23%"><col style="width:19%"><col style="width:19%">'
        '<col style="width:39%"></colgroup>'
        "<thead><tr><th></th>"
        '<th class="ws-baseline">Starting point<br>'
        f'<span class="ws-file">{_breakable(esc(start_name))}</span></th>'
        '<th class="ws-edited">Your setup</th><th>Difference</th></tr></thead><tbody>'
    )
    shown = result_kpis()
    missing = [kpi for kpi in shown if kpi not in baseline.kpis.columns]
    if missing:
        raise kpis.KpiError(f"the workshop has no values for KPI {', '.join(missing)}")
    baseline_means = {kpi: float(baseline.kpis[kpi].mean()) for kpi in shown}
    main = [kpi for kpi in MAIN_KPIS if kpi in shown]
    rows = [_kpi_row(kpi, baseline_means[kpi], comparison, "ws-main") for kpi in main]
    rows.extend(_money_rows(comparison))
    rows.extend(_kpi_row(kpi, baseline_means[kpi], comparison) for kpi in shown if kpi not in main)
    return head + "".join(rows) + "</tbody></table>"


def _kpi_row(kpi: str, mean: float, comparison: Comparison | None, css: str = "") -> str:
    """One KPI: the starting point's value, the edited setup's and the difference in words."""
    esc = html.escape
    ident = _kpi_id(kpi)
    base_value = mean if comparison is None else comparison.change(kpi).baseline
    cells = [
        (
            f'<tr id="ws-row-{ident}" data-kpi="{kpi}" class="{css}">'
            f'<th scope="row">{esc(kpis.label(kpi))}</th>'
        ),
        (
            f'<td id="ws-{ident}-baseline" class="ws-value ws-baseline" '
            f'data-value="{_attr(base_value)}">{esc(figure(kpi, base_value))}</td>'
        ),
    ]
    if comparison is None:
        cells.append(
            f'<td id="ws-{ident}-edited" class="ws-value ws-edited ws-muted" data-value="">–</td>'
        )
        cells.append(f'<td id="ws-{ident}-change" class="ws-change ws-muted">press Run</td>')
    else:
        change = comparison.change(kpi)
        cells.append(
            f'<td id="ws-{ident}-edited" class="ws-value ws-edited" '
            f'data-value="{_attr(change.edited)}">'
            f"{esc(figure(kpi, change.edited))}</td>"
        )
        cells.append(
            f'<td id="ws-{ident}-change" class="ws-change ws-tone-{change.tone}" '
            f'data-tone="{change.tone}" data-diff="{_attr(change.difference)}" '
            f'data-ci-low="{_attr(change.ci_low)}" data-ci-high="{_attr(change.ci_high)}">'
            f'<div class="ws-words">{esc(change.words)}</div>'
            f'<div class="ws-ci">{esc(change.verdict)} · {esc(change.interval)}</div></td>'
        )
    return "".join(cells) + "</tr>"

WORKSHOP_MONEY = ("net_benefit_per_year", "payback_months")
"""The money figures of :mod:`sim.money` shown beside the KPIs (texts as in report and CLI)."""


def _money_rows(comparison: Comparison | None) -> list[str]:
    """Net benefit per year and payback of the edited setup, worded by :func:`money_texts`.

    Before a Run the rows are there with "press Run", so the table does not jump.
    """
    money = comparison.money if comparison is not None else None
    texts = money_texts(money) if money is not None else {}
    values = {
        "net_benefit_per_year": money.net_benefit_per_year if money else math.nan,
        "payback_months": money.payback_months if money else math.nan,
    }
    rows = []
    for index, name in enumerate(WORKSHOP_MONEY):
        assert name in COMPARISON_ORDER
        ident = _kpi_id(name)
        last = " ws-main-last" if index == len(WORKSHOP_MONEY) - 1 else ""
        words = html.escape(texts[name]) if name in texts else "press Run"
        muted = "" if name in texts else " ws-muted"
        rows.append(
            f'<tr id="ws-row-{ident}" data-kpi="{name}" class="ws-money ws-main{last}">'
            f'<th scope="row">{html.escape(kpis.label(name))}</th>'
            f'<td id="ws-{ident}-change" class="ws-change{muted}" colspan="3" '
            f'data-value="{_attr(values[name])}"><div class="ws-words">{words}</div></td></tr>'
        )
    return rows


def render_funnel(baseline: RunSummary, edited: RunSummary | None, period: str = "") -> str:
    """The funnel of both setups as horizontal bars (HTML and CSS only: works offline)."""
    base = baseline.funnel.set_index("step")["leads"]
    other = edited.funnel.set_index("step")["leads"] if edited is not None else None
    peak = max(float(base.max()), float(other.max()) if other is not None else 0.0, 1e-9)
    legend = (
        '<div class="ws-legend"><span><i class="ws-bar-baseline"></i>starting point</span>'
        + ('<span><i class="ws-bar-edited"></i>your setup</span>' if other is not None else "")
        + f'<span class="ws-muted">mean of the runs{"; " + period if period else ""}</span></div>'
    )
    rows = []
    for step in base.index:
        label = kpis.label(step)
        bars = [_bar(step, "baseline", float(base[step]), peak)]
        if other is not None:
            bars.append(_bar(step, "edited", float(other[step]), peak))
        rows.append(
            f'<tr data-step="{html.escape(step)}"><td class="ws-step">{html.escape(label)}</td>'
            f"<td>{'<br>'.join(bars)}</td></tr>"
        )
    return f'<div id="ws-funnel">{legend}<table class="ws-funnel">{"".join(rows)}</table></div>'


def _bar(step: str, side: str, value: float, peak: float) -> str:
    width = 0.0 if peak <= 0 else 75.0 * value / peak
    return (
        f'<span class="ws-bar ws-bar-{side}" style="width:{width:.2f}%"></span>'
        f'<span class="ws-bar-label" id="ws-funnel-{_kpi_id(step)}-{side}" '
        f'data-value="{_attr(value)}">'
        f"{value:,.0f}</span>"
    )


def status_html(state: str, text: str, run_number: int = 0) -> str:
    """The status line; ``data-state`` is idle, running, refining (first figures shown), done,
    stale or error."""
    spinner = '<span class="ws-spinner"></span>' if state in ("running", "refining") else ""
    return (
        f'<div id="ws-status" class="ws-status" data-state="{state}" data-run="{run_number}">'
        f"{spinner}{html.escape(text)}</div>"
    )


def message_html(kind: str, text: str) -> str:
    """An error or info box (``data-kind``); empty text hides it."""
    if not text:
        return '<div id="ws-message" data-kind="none"></div>'
    return f'<div id="ws-message" class="ws-message" data-kind="{kind}">{html.escape(text)}</div>'
