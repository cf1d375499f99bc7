"""The report's prose: title, the setups compared, the executive summary and key figures.

A manager reads the summary first: per alternative, the KPIs in focus in plain sentences with
their 95 % confidence intervals and a verdict ("clearly better"). Every text that comes from a
scenario file is HTML-escaped; numbers are formatted by the KPI vocabulary.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import pandas as pd

import sim
from sim import kpis
from sim.report.comparison import Comparison, kpi_row, verdict
from sim.report.scenarios import ScenarioFile, shown_path
from sim.report.texts import escape, text
from sim.scenario.schema import Scenario

REPORT_CSS = """
<style>
.leadsim-report { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.leadsim-summary { background: #f4f7fa; border-left: 4px solid #1f5f8b; padding: 0.6em 1em; }
.leadsim-summary li { margin: 0.25em 0; }
.leadsim-note { color: #4a5560; font-size: 0.92em; max-width: 60em; }
.leadsim-better { color: #2e7d4f; font-weight: 600; }
.leadsim-worse { color: #b03a2e; font-weight: 600; }
.leadsim-unclear { color: #6b6b6b; }
.leadsim-description { white-space: pre-wrap; }
.jp-RenderedHTMLCommon table.leadsim-table { border-collapse: collapse; font-size: 0.88em;
  margin: 0.5em 0 1em 0; width: 100%; table-layout: auto; }
.jp-RenderedHTMLCommon table.leadsim-table th, .jp-RenderedHTMLCommon table.leadsim-table td {
  border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
.jp-RenderedHTMLCommon table.leadsim-table th { background: #eef2f6; }
.jp-RenderedHTMLCommon table.leadsim-table code { white-space: normal; background: none; }
.jp-RenderedHTMLCommon table.leadsim-table td.leadsim-source { width: 45%; font-size: 0.9em;
  color: #4a5560; }
</style>
"""


def title_html(comparison_or_title: Comparison | str, language: str = "en") -> str:
    """The report's title block: title, date and the CSS the fragments use."""
    if isinstance(comparison_or_title, Comparison):
        title = comparison_or_title.title
        language = comparison_or_title.language
    else:
        title = comparison_or_title
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    label = "Created" if language == "en" else "Erstellt"
    return (
        f'{REPORT_CSS}<div class="leadsim-report"><h1>{escape(title or "leadsim report")}</h1>'
        f'<p class="leadsim-note">{label} {stamp} · leadsim {escape(sim.__version__)}</p></div>'
    )


def scenario_overview_html(
    scenarios: Mapping[str, ScenarioFile], reference: str | None, language: str = "en"
) -> str:
    """Name, description and files of each scenario (all escaped)."""
    items = []
    for name, file in scenarios.items():
        marker = f" ({escape(text('reference', language))})" if name == reference else ""
        description = file.description.strip() or text("no_description", language)
        chain = ", ".join(shown_path(p) for p in file.resolved.chain)
        items.append(
            f"<li><b>{escape(name)}</b>{marker}: "
            f'<span class="leadsim-description">{escape(description)}</span>'
            f'<br><span class="leadsim-note">{escape(text("files", language))}: {escape(chain)}</span></li>'
        )
    return f'<ul class="leadsim-scenarios">{"".join(items)}</ul>'


def _years(scenario: Scenario) -> float:
    return scenario.horizon.measurement_days / 365.0


def executive_summary(comparison: Comparison) -> str:
    """The management summary as HTML: per alternative, the focus KPIs with their 95 % CIs.

    Plain sentences: "Revenue: €1.2M → €1.5M, +€310,000 (95 % CI +€150,000 to +€470,000)
    – clearly better". Scenario names are escaped.
    """
    language = comparison.language
    reference = comparison.reference
    ref_scenario = comparison.scenario(reference)
    days = round(ref_scenario.horizon.measurement_days)
    parts = ['<div class="leadsim-summary">']
    for name in comparison.names[1:]:
        parts.append(
            "<p>"
            + text(
                "intro",
                language,
                target=f"<b>{escape(name)}</b>",
                reference=f"<b>{escape(reference)}</b>",
                reps=comparison.result.replications,
                days=days,
            )
            + "</p>"
        )
        lines = []
        for kpi in comparison.kpi_focus:
            try:
                ref_row, row = kpi_row(comparison, kpi, reference), kpi_row(comparison, kpi, name)
            except KeyError:
                continue
            kind = kpis.get(kpi).kind
            judged = verdict(kpi, row["diff_ci_low"], row["diff_ci_high"])
            line = text(
                "item_line",
                language,
                kpi=escape(kpis.label(kpi, language)),
                ref_value=escape(kpis.format_number(ref_row["mean"], kind, language, compact=True)),
                value=escape(kpis.format_number(row["mean"], kind, language, compact=True)),
                diff=escape(
                    kpis.format_number(
                        row["diff_vs_reference"], kind, language, signed=True, compact=True
                    )
                ),
                low=escape(kpis.format_number(row["diff_ci_low"], kind, language, signed=True, compact=True)),
                high=escape(
                    kpis.format_number(row["diff_ci_high"], kind, language, signed=True, compact=True)
                ),
            )
            if judged is not None:
                css = {"clearly_better": "better", "clearly_worse": "worse"}.get(judged, "unclear")
                line += f' – <span class="leadsim-{css}">{escape(text(judged, language))}</span>'
            lines.append(f"<li>{line}</li>")
        money = [k for k in comparison.kpi_focus if kpis.get(k).kind == "money"]
        if money:
            kpi = money[0]
            row = kpi_row(comparison, kpi, name)
            same_window = math.isclose(_years(comparison.scenario(name)), _years(ref_scenario))
            if same_window and all(
                math.isfinite(float(row[c]))
                for c in ("diff_vs_reference", "diff_ci_low", "diff_ci_high")
            ):
                factor = 1.0 / _years(ref_scenario) if days == 365 else 1.0
                per = (
                    text("per_year", language)
                    if days == 365
                    else text("per_window", language, days=days)
                )
                headline = text(
                    "headline",
                    language,
                    target=f"<b>{escape(name)}</b>",
                    kpi=escape(kpis.label(kpi, language)),
                    diff=escape(
                        kpis.format_number(
                            row["diff_vs_reference"] * factor,
                            "money",
                            language,
                            signed=True,
                            compact=True,
                        )
                    ),
                    per=escape(per),
                    low=escape(
                        kpis.format_number(
                            row["diff_ci_low"] * factor,
                            "money",
                            language,
                            signed=True,
                            compact=True,
                        )
                    ),
                    high=escape(
                        kpis.format_number(
                            row["diff_ci_high"] * factor,
                            "money",
                            language,
                            signed=True,
                            compact=True,
                        )
                    ),
                    reference=f"<b>{escape(reference)}</b>",
                )
                parts.append(f"<p>{headline}</p>")
        parts.append(f"<ul>{''.join(lines)}</ul>")
    if comparison.result.replications < 10:
        parts.append(
            f'<p class="leadsim-note">{escape(text("few_reps", language, reps=comparison.result.replications))}</p>'
        )
    runs = comparison.result.runs
    if isinstance(runs, pd.DataFrame) and "cohort_finished" in runs:
        unfinished = int((~runs["cohort_finished"].astype(bool)).sum())
        if unfinished:
            parts.append(
                f'<p class="leadsim-note">{escape(text("unfinished", language, count=unfinished, total=len(runs)))}</p>'
            )
    parts.append("</div>")
    return "".join(parts)


def scenario_summary(comparison: Comparison, scenario: str | None = None) -> str:
    """Key figures of one scenario with their 95 % CIs, as an HTML list (for the deep dive)."""
    language = comparison.language
    name = scenario or comparison.reference
    items = []
    for kpi in comparison.kpi_focus:
        try:
            row = kpi_row(comparison, kpi, name)
        except KeyError:
            continue
        kind = kpis.get(kpi).kind
        values = [
            kpis.format_number(row[c], kind, language, compact=True)
            for c in ("mean", "ci_low", "ci_high")
        ]
        items.append(
            f"<li>{escape(kpis.label(kpi, language))}: <b>{escape(values[0])}</b> "
            f"(95 % CI {escape(values[1])} – {escape(values[2])})</li>"
        )
    return f'<div class="leadsim-summary"><ul>{"".join(items)}</ul></div>'
