"""The report's tables: key figures with intervals, the assumptions that differ, channels, journeys.

Each table is built as a DataFrame first (tested as data, written to Excel and CSV) and then
shown as escaped HTML, so what a consultant copies from the workbook is what the page shows.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim import kpis
from sim.charts.common import label
from sim.errors import ReportError
from sim.report.comparison import Comparison, kpi_row, verdict
from sim.report.scenarios import ScenarioFile, shown_path
from sim.report.texts import escape, text
from sim.scenario.loader import explain_rows
from sim.scenario.loader import format_value as format_yaml_value
from sim.scenario.schema import Scenario


def kpi_table(comparison: Comparison, shown: Sequence[str] | None = None) -> pd.DataFrame:
    """KPI table for reading: one row per KPI, per scenario "mean [CI]" and "Δ [CI]" columns.

    ``shown`` defaults to the comparison's KPIs in focus (the headline KPIs unless a job asks
    for others); a KPI the summary lacks fails loudly instead of disappearing from the table.
    """
    language = comparison.language
    rows = []
    for kpi in kpis.check(list(shown or comparison.kpi_focus), "KPI table"):
        if kpi not in set(comparison.summary["kpi"]):
            raise ReportError(f"KPI table: the comparison has no values for KPI {kpi!r}")
        kind = kpis.get(kpi).kind
        row: dict[str, str] = {text("kpi", language): kpis.label(kpi, language)}
        for name in comparison.names:
            values = kpi_row(comparison, kpi, name)
            row[f"{name}: {text('mean_ci', language)}"] = (
                f"{kpis.format_number(values['mean'], kind, language)} "
                f"[{kpis.format_number(values['ci_low'], kind, language)}; "
                f"{kpis.format_number(values['ci_high'], kind, language)}]"
            )
            if name != comparison.reference:
                judged = verdict(kpi, values["diff_ci_low"], values["diff_ci_high"])
                row[f"{name}: {text('diff_ci', language)}"] = (
                    f"{kpis.format_number(values['diff_vs_reference'], kind, language, signed=True)} "
                    f"[{kpis.format_number(values['diff_ci_low'], kind, language, signed=True)}; "
                    f"{kpis.format_number(values['diff_ci_high'], kind, language, signed=True)}]"
                    + (f" {text(judged, language)}" if judged and judged != "unclear" else "")
                )
        rows.append(row)
    return pd.DataFrame(rows)


def table_html(frame: pd.DataFrame) -> str:
    """An escaped HTML table (pandas escapes cells and headers)."""
    return frame.to_html(index=False, escape=True, border=0, classes="leadsim-table", na_rep="–")


def kpi_table_html(comparison: Comparison, shown: Sequence[str] | None = None) -> str:
    """:func:`kpi_table` as an escaped HTML table."""
    return table_html(kpi_table(comparison, shown))


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted leaf paths of a dumped scenario; channels keyed by name."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if prefix == "channels" and isinstance(value, (list, tuple)):
        out = {}
        for channel in value:
            out.update(
                _flatten(
                    {k: v for k, v in channel.items() if k != "name"}, f"channels.{channel['name']}"
                )
            )
        return out
    return {prefix: value}


def _source_text(row: Any) -> str:
    """``file:line – comment`` of an explain row, the file relative to the project root."""
    source = str(row.source_file)
    if os.path.isabs(source):
        source = shown_path(Path(source))
    if row.line is not None:
        source = f"{source}:{row.line}"
    return source + (f" – {row.comment}" if row.comment else "")


def differing_parameters(
    scenarios: Mapping[str, ScenarioFile | Scenario], include_labels: bool = False, raw: bool = False
) -> pd.DataFrame:
    """Parameters whose effective value differs between scenarios, with value and source of each.

    Columns: ``parameter``, then per scenario ``<name>`` (the value as written in YAML) and
    ``<name> source`` (file:line and the comment, or the schema default). Scenario objects
    without files give values only. ``name`` and ``description`` are left out unless
    ``include_labels``. ``raw`` keeps numbers as numbers (for a workbook); other values are
    written as in YAML either way.
    """
    values: dict[str, dict[str, Any]] = {}
    sources: dict[str, dict[str, str]] = {}
    for name, item in scenarios.items():
        if isinstance(item, ScenarioFile):
            rows = explain_rows(item.resolved)
            values[name] = {row.path: row.value for row in rows}
            sources[name] = {row.path: _source_text(row) for row in rows}
        else:
            values[name] = _flatten(item.model_dump(mode="json"))
            sources[name] = {}
    paths: list[str] = []
    for per_scenario in values.values():
        for path in per_scenario:
            if path not in paths:
                paths.append(path)
    missing = object()
    records = []
    for path in paths:
        if not include_labels and path in ("name", "title", "description"):
            continue
        seen = [values[name].get(path, missing) for name in values]
        if (
            all(
                json.dumps(v, sort_keys=True, default=str)
                == json.dumps(seen[0], sort_keys=True, default=str)
                for v in seen
                if v is not missing
            )
            and missing not in seen
        ):
            continue
        record: dict[str, Any] = {"parameter": path}
        for name, per_scenario in values.items():
            value = per_scenario.get(path, missing)
            record[name] = (
                "–" if value is missing
                else value if raw and _is_number(value)
                else format_yaml_value(value)
            )
            if sources[name]:
                record[f"{name} source"] = sources[name].get(path, "")
        records.append(record)
    columns = ["parameter"]
    for name in values:
        columns.append(name)
        if sources[name]:
            columns.append(f"{name} source")
    return pd.DataFrame(records, columns=columns)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def differing_parameters_html(
    scenarios: Mapping[str, ScenarioFile | Scenario], language: str = "en"
) -> str:
    """:func:`differing_parameters` as an escaped HTML table: parameter, values, sources.

    The sources of all scenarios share one column, one line per scenario (its file:line and
    comment), so the table stays readable with long comments.
    """
    frame = differing_parameters(scenarios)
    if frame.empty:
        return f"<p>{escape(text('no_differences', language))}</p>"
    names = list(scenarios)
    has_sources = any(f"{name} source" in frame.columns for name in names)
    header = "".join(f"<th>{escape(c)}</th>" for c in [text("parameter", language), *names])
    if has_sources:
        header += f"<th>{escape(text('source', language))}</th>"
    body = []
    for record in frame.to_dict("records"):
        cells = [f"<td><code>{escape(record['parameter'])}</code></td>"]
        cells += [f"<td>{escape(record[name])}</td>" for name in names]
        if has_sources:
            lines = [
                f"<b>{escape(name)}</b>: {escape(record.get(f'{name} source', ''))}"
                for name in names
                if record.get(f"{name} source")
            ]
            cells.append(f'<td class="leadsim-source">{"<br>".join(lines)}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="leadsim-table"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def funnel_table(leads: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The funnel as a table: per step, per scenario the mean leads per replication and the share.

    Built from :func:`sim.charts.funnel_data` (which counts :func:`sim.metrics.funnel`), so the
    table, the funnel chart and the workbook's funnel sheet show the same counts and shares.
    """
    from sim.charts.funnel import funnel_data

    data = funnel_data(leads)
    share_title = label("share_of_leads", language)
    rows = []
    for step, group in data.groupby("order", sort=True):
        row = {label("funnel_step", language): label(str(group["step"].iloc[0]), language)}
        for record in group.to_dict("records"):
            row[f"{record['scenario']}: {label('leads_per_run', language)}"] = kpis.format_number(
                record["leads"], "count", language
            )
            row[f"{record['scenario']}: {share_title}"] = kpis.format_number(
                record["share_of_leads"], "share", language
            )
        rows.append(row)
    return pd.DataFrame(rows)


def funnel_table_html(leads: pd.DataFrame, language: str = "en") -> str:
    """:func:`funnel_table` as an escaped HTML table."""
    return table_html(funnel_table(leads, language))


CHANNEL_COLUMNS = ("leads", "handed_over", "won", "conversion_rate", "revenue", "lead_cost")


def channel_numbers(leads: pd.DataFrame) -> pd.DataFrame:
    """Per channel, means per replication as numbers (the report's channel table, unformatted)."""
    runs = max(1, int(leads["replication"].nunique())) if len(leads) else 1
    rows = []
    for channel, group in leads.groupby("channel", sort=False):
        won = group["outcome"] == "won"
        deals = float(won.sum()) / runs
        cost = float(group["cost"].sum()) / runs
        rows.append({
            "channel": str(channel),
            "leads": len(group) / runs,
            "handed_over": float(group["handoff_at"].notna().sum()) / runs,
            "won": deals,
            "conversion_rate": float(won.mean()),
            "revenue": float(group.loc[won, "deal_value"].sum()) / runs,
            "lead_cost": cost,
            "lead_cost_per_deal": cost / deals if deals else float("nan"),
        })
    return pd.DataFrame(rows)


def channel_table(leads: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Per channel, means per replication: leads, handed over, won, revenue, cost, cost per deal."""
    per_deal = "Lead cost per deal" if language == "en" else "Lead-Kosten je Abschluss"
    rows = []
    for numbers in channel_numbers(leads).to_dict("records"):
        row = {label("channel", language): numbers["channel"]}
        row.update({kpis.label(kpi, language): kpis.format_kpi(kpi, numbers[kpi], language) for kpi in CHANNEL_COLUMNS})
        row[per_deal] = kpis.format_kpi("lead_cost", numbers["lead_cost_per_deal"], language)
        rows.append(row)
    return pd.DataFrame(rows)


def channel_table_html(leads: pd.DataFrame, language: str = "en") -> str:
    """:func:`channel_table` as an escaped HTML table."""
    return table_html(channel_table(leads, language))


JOURNEY_OUTCOMES = (
    "won",
    "lost_cold",
    "ignored",
    "lost_competitor",
    "lost_unqualified",
    "dropped",
    "open",
)


def lead_journeys(leads: pd.DataFrame, count: int = 5, replication: int = 0) -> pd.DataFrame:
    """A few leads of one replication to follow step by step, one per outcome where possible.

    Deterministic: per outcome, the lead with the median creation time among those that
    reached sales (else any); then further leads in creation order until ``count``.
    """
    pool = leads[leads["replication"] == replication]
    chosen: list[Any] = []
    for outcome in JOURNEY_OUTCOMES:
        if len(chosen) >= count:
            break
        candidates = pool[pool["outcome"] == outcome]
        handed = candidates[candidates["handoff_at"].notna()]
        candidates = handed if len(handed) else candidates
        if len(candidates):
            ordered = candidates.sort_values("created_at")
            chosen.append(ordered.index[len(ordered) // 2])
    for index in pool.sort_values("created_at").index:
        if len(chosen) >= count:
            break
        if index not in chosen:
            chosen.append(index)
    return pool.loc[chosen].copy()


def journey_table(journeys: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The chosen leads with the day of each step after creation (readable, for a table)."""

    def day(value: float, created: float) -> str:
        return "–" if pd.isna(value) else kpis.format_number((value - created) / 24.0, "count", language)

    rows = []
    for _, lead in journeys.iterrows():
        created = float(lead["created_at"])
        won = lead["outcome"] == "won"
        rows.append(
            {
                label("lead", language): f"#{lead['lead_id']}",
                label("channel", language): lead["channel"],
                "fit": kpis.format_number(lead["fit"], "ratio", language),
                label("sales_ready", language): day(lead["sales_ready_at"], created),
                label("handed_over_event", language): day(lead["handoff_at"], created),
                label("first_contact", language): day(lead["first_contact_at"], created),
                label("closed", language): day(lead["closed_at"], created),
                label("outcome", language): label(str(lead["outcome"]), language),
                kpis.label("revenue", language): (
                    kpis.format_number(lead["deal_value"], "money", language) if won else "–"
                ),
            }
        )
    return pd.DataFrame(rows)


def journey_table_html(journeys: pd.DataFrame, language: str = "en") -> str:
    """:func:`journey_table` as an escaped HTML table."""
    return table_html(journey_table(journeys, language))
