"""Reports for management: a comparison of org setups that opens on any laptop, with no internet.

A consultant or a nightly job asks "what does the customer-happiness team buy us compared with
separate departments?". The answer is a report: an executive summary in plain words with the
key numbers and their uncertainty, then the funnel, where leads are lost, how fast sales
answers, the KPI table, the capacity the change needs, the assumptions that differ, and how the
numbers were made. This module holds everything such a report computes and writes; the
notebooks in ``notebooks/`` only call it, so a report's logic is tested like any other code.

Two halves:

* **In the notebook**: :func:`load_scenario_files`, :func:`run_comparison` and the functions
  that turn a :class:`Comparison` into HTML fragments (:func:`executive_summary`,
  :func:`kpi_table_html`, :func:`differing_parameters_html`, :func:`method_appendix_html`, …).
  Every text that comes from a scenario file is HTML-escaped.
* **Around the notebook**: :func:`make_report` runs a notebook with papermill into a new dated
  folder ``reports/YYYY-MM-DD_HHMMSS_<slug>/`` (built in a temporary folder and renamed into
  place only when complete), converts it to self-contained HTML with the code hidden, writes
  ``manifest.json`` and regenerates ``reports/index.html``. :func:`run_report_config` runs the
  jobs of a ``reports.yaml`` (for cron). Failures raise :class:`sim.errors.ReportError` with the
  failing cell's error, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import itertools
import json
import math
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

import sim
from sim import kpis as kpi_vocabulary
from sim.bundled import bundle_root
from sim.charts import core as charts
from sim.charts.core import format_value, kpi_label
from sim.errors import LeadsimError, ReportError
from sim.experiment.attribution import compose, lever_files_between
from sim.experiment.cache import scenario_content_hash
from sim.experiment.runner import ExperimentResult, run_experiment
from sim.scenario.loader import ResolvedScenario, explain_rows, resolve_scenario
from sim.scenario.loader import format_value as format_yaml_value
from sim.scenario.schema import Scenario
from sim.stats import KPI_DIRECTION, summarize

__all__ = [
    "DEFAULT_KPI_FOCUS",
    "DEFAULT_SCENARIOS",
    "NOTEBOOKS",
    "REPORT_FOLDER",
    "Comparison",
    "LeverAttribution",
    "ReportError",
    "ScenarioFile",
    "attribute_levers",
    "calendars",
    "channel_table",
    "channel_table_html",
    "check_parameters",
    "differing_parameters",
    "differing_parameters_html",
    "executive_summary",
    "external_references",
    "find_scenario_file",
    "git_revision",
    "heading",
    "journey_table",
    "journey_table_html",
    "kpi_table",
    "kpi_table_html",
    "lead_journeys",
    "lever_overlays",
    "lever_path",
    "load_scenario_files",
    "make_report",
    "method_appendix",
    "method_appendix_html",
    "note",
    "notebook_path",
    "notebook_to_html",
    "one_at_a_time",
    "run_comparison",
    "run_report_config",
    "scenario_overview_html",
    "scenario_summary",
    "sla_hours",
    "slugify",
    "software_versions",
    "text",
    "title_html",
    "two_way_sweep",
    "write_index",
    "write_scenario_tables",
    "write_tables",
]

PROJECT_ROOT = bundle_root()
"""The repository (or source tree) that holds ``sim/``, ``notebooks/`` and ``scenarios/``."""
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
NOTEBOOKS = ("compare", "scenario", "sensitivity")
DEFAULT_SCENARIOS = (
    "scenarios/separate_departments.yaml",
    "scenarios/customer_happiness_team.yaml",
)
DEFAULT_KPI_FOCUS = (
    "revenue",
    "won",
    "median_response_hours",
    "first_hour_share",
    "cold_share",
    "roi",
)
TABLE_KPIS = (
    "leads",
    "handed_over",
    "contacted",
    "reached",
    "qualified",
    "won",
    "revenue",
    "conversion_rate",
    "median_response_hours",
    "p90_response_hours",
    "first_hour_share",
    "sla_met_share",
    "never_contacted_share",
    "cold_share",
    "ignored_share",
    "wasted_sales_hours",
    "rep_utilization",
    "upsell_revenue",
    "referral_leads",
    "org_cost",
    "cost",
    "roi",
)
REPORT_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{6}_[a-z0-9-]+$")
_TEMP_PREFIX = ".tmp-report-"
_HIDE_TAG = "remove-cell"
"""Cells with this tag (notes for notebook users) are left out of the HTML report."""


# --------------------------------------------------------------------------- texts

_T: dict[str, dict[str, str]] = {
    "en": {
        "scenarios": "Scenarios compared",
        "summary": "Executive summary",
        "funnel": "Funnel: from lead to deal",
        "losses": "Where leads are lost",
        "response": "How fast sales answers",
        "decay": "Qualification rate by response time",
        "kpis": "Key figures with confidence intervals",
        "waterfall": "What each lever contributes",
        "capacity": "Capacity: rep utilisation and queue",
        "assumptions": "Assumptions that differ between the scenarios",
        "method": "Method (STRESS-DES checklist)",
        "reference": "reference",
        "files": "files",
        "no_description": "(no description)",
        "funnel_note": "Mean number of leads of the measured cohort (per replication) reaching "
        "each step, per scenario; in brackets the share of all leads.",
        "losses_note": "Final outcome of the leads that were not won, as a share of all leads.",
        "response_note": "Share of the leads handed to sales whose first contact attempt came "
        "within the given business hours (log-like scale). The dashed line is the agreed "
        "first-response target (SLA). Leads never contacted keep the curve below 100 %.",
        "decay_note": "Share of contacted leads that sales qualified, by the calendar hours "
        "between sales-ready and the first contact attempt, over all replications: the decay "
        "of interest as the simulation measures it. Buckets with fewer than 5 leads are left out.",
        "kpis_note": "Mean over replications with its 95 % confidence interval; Δ is the paired "
        "difference to the reference (same leads in both scenarios), with its 95 % interval. "
        "Green: clearly better, red: clearly worse, grey: the interval includes zero.",
        "waterfall_note": "Each bar adds one lever (an overlay file) to the previous step, in the "
        "order of the scenario's extends list, simulated with the same leads; the bar shows "
        "what the lever changes. Interactions between levers count for the later one.",
        "no_waterfall": "No lever-by-lever attribution: either it was switched off "
        "(attribute_levers), or no scenario is built from the reference plus lever overlays.",
        "capacity_note": "Per week, mean over replications: share of the reps' business hours "
        "spent on leads and own prospects, and the number of leads waiting for a rep. The "
        "shaded weeks are the measurement window; before it the model warms up.",
        "assumptions_note": "Only parameters whose effective value differs; source is the file "
        "and line that set the value, with its comment.",
        "no_differences": "The scenarios use the same parameter values.",
        "method_note": "Items of the STRESS-DES reporting guideline for discrete-event "
        "simulation studies (Monks et al. 2019).",
        "parameter": "Parameter",
        "source": "source",
        "item": "Item",
        "content": "This report",
        "kpi": "Key figure",
        "mean_ci": "mean [95 % CI]",
        "diff_ci": "Δ vs. reference [95 % CI]",
        "clearly_better": "clearly better",
        "clearly_worse": "clearly worse",
        "unclear": "no clear difference",
        "intro": "{target} compared with {reference} ({reps} replications of {days} days of "
        "new leads each, both scenarios seeing the same leads; ranges are 95 % confidence "
        "intervals of the difference):",
        "headline": "{kpi} {per}: {diff} with {target} compared with {reference} "
        "(95 % CI {low} to {high}).",
        "per_year": "per year",
        "per_window": "over the {days}-day window",
        "item_line": "{kpi}: {ref_value} → {value}, {diff} (95 % CI {low} to {high})",
        "few_reps": "With {reps} replications the intervals are wide: a difference marked "
        "'no clear difference' may still be real. Run more replications to narrow them.",
        "key_figures": "Key figures",
        "key_figures_note": "Mean over replications with its 95 % confidence interval.",
        "weekly": "Week by week",
        "weekly_note": "New leads and hand-overs per week, then rep utilisation and waiting "
        "leads (means over replications); shaded: the measurement window.",
        "channels": "Channels",
        "channels_note": "Per channel, mean per replication: the funnel, where leads are lost "
        "and what a deal costs.",
        "journeys": "A few lead journeys",
        "journeys_note": "Single leads of replication {replication}, one per outcome where there "
        "is one: when each step happened, in days after the lead was created.",
        "tornado": "One parameter at a time",
        "tornado_note": "{kpi} (mean over replications) when one parameter is set to its low "
        "or high value and everything else stays as in the scenario; the vertical line is "
        "the unchanged scenario. The widest bars matter most.",
        "sweep": "Two parameters together",
        "sweep_note": "{kpi} (mean over replications) for each combination of the two parameters.",
        "unfinished": "In {count} of {total} runs some leads of the measured cohort were still "
        "open when the simulation stopped; they count as not won.",
    },
    "de": {
        "scenarios": "Verglichene Szenarien",
        "summary": "Zusammenfassung für das Management",
        "funnel": "Trichter: vom Lead zum Abschluss",
        "losses": "Wo Leads verloren gehen",
        "response": "Wie schnell der Vertrieb reagiert",
        "decay": "Qualifizierungsquote nach Reaktionszeit",
        "kpis": "Kennzahlen mit Konfidenzintervallen",
        "waterfall": "Was jeder Hebel beiträgt",
        "capacity": "Kapazität: Auslastung und Warteschlange",
        "assumptions": "Annahmen, die sich zwischen den Szenarien unterscheiden",
        "method": "Methode (STRESS-DES-Checkliste)",
        "reference": "Referenz",
        "files": "Dateien",
        "no_description": "(keine Beschreibung)",
        "funnel_note": "Mittlere Zahl der Leads der gemessenen Kohorte (je Replikation), die "
        "jede Stufe erreichen, je Szenario; in Klammern der Anteil an allen Leads.",
        "losses_note": "Endergebnis der nicht gewonnenen Leads, als Anteil an allen Leads.",
        "response_note": "Anteil der an den Vertrieb übergebenen Leads, deren erster "
        "Kontaktversuch innerhalb der angegebenen Arbeitsstunden erfolgte. Die gestrichelte "
        "Linie ist das vereinbarte Reaktionsziel (SLA). Nie kontaktierte Leads halten die "
        "Kurve unter 100 %.",
        "decay_note": "Anteil der kontaktierten Leads, die der Vertrieb qualifiziert hat, nach "
        "Stunden zwischen Vertriebsreife und erstem Kontaktversuch, über alle Replikationen: "
        "der Interessenverfall, wie die Simulation ihn misst. Klassen mit weniger als 5 Leads "
        "fehlen.",
        "kpis_note": "Mittelwert über die Replikationen mit 95-%-Konfidenzintervall; Δ ist die "
        "gepaarte Differenz zur Referenz (dieselben Leads in beiden Szenarien) mit ihrem "
        "95-%-Intervall. Grün: klar besser, rot: klar schlechter, grau: das Intervall "
        "enthält null.",
        "waterfall_note": "Jeder Balken fügt dem vorigen Schritt einen Hebel (eine Overlay-Datei) "
        "hinzu, in der Reihenfolge der extends-Liste, simuliert mit denselben Leads; der "
        "Balken zeigt die Wirkung. Wechselwirkungen zählen beim späteren Hebel.",
        "no_waterfall": "Keine Zuordnung Hebel für Hebel: sie ist abgeschaltet "
        "(attribute_levers), oder kein Szenario besteht aus der Referenz plus Hebel-Overlays.",
        "capacity_note": "Je Woche, Mittel über die Replikationen: Anteil der Arbeitszeit der "
        "Vertriebsmitarbeiter für Leads und eigene Interessenten, und die Zahl der Leads, die "
        "auf einen Mitarbeiter warten. Schattiert: das Messfenster; davor läuft das Modell ein.",
        "assumptions_note": "Nur Parameter, deren wirksamer Wert sich unterscheidet; Quelle ist "
        "Datei und Zeile, die den Wert setzen, mit ihrem Kommentar.",
        "no_differences": "Die Szenarien verwenden dieselben Parameterwerte.",
        "method_note": "Punkte der STRESS-DES-Richtlinie für Berichte über ereignisdiskrete "
        "Simulationsstudien (Monks et al. 2019).",
        "parameter": "Parameter",
        "source": "Quelle",
        "item": "Punkt",
        "content": "Dieser Bericht",
        "kpi": "Kennzahl",
        "mean_ci": "Mittel [95-%-KI]",
        "diff_ci": "Δ zur Referenz [95-%-KI]",
        "clearly_better": "klar besser",
        "clearly_worse": "klar schlechter",
        "unclear": "kein klarer Unterschied",
        "intro": "{target} im Vergleich zu {reference} ({reps} Replikationen mit je {days} "
        "Tagen neuer Leads, beide Szenarien mit denselben Leads; Spannen sind "
        "95-%-Konfidenzintervalle der Differenz):",
        "headline": "{kpi} {per}: {diff} mit {target} gegenüber {reference} "
        "(95-%-KI {low} bis {high}).",
        "per_year": "pro Jahr",
        "per_window": "im Fenster von {days} Tagen",
        "item_line": "{kpi}: {ref_value} → {value}, {diff} (95-%-KI {low} bis {high})",
        "few_reps": "Mit {reps} Replikationen sind die Intervalle breit: ein Unterschied ohne "
        "klares Ergebnis kann trotzdem bestehen. Mehr Replikationen machen sie enger.",
        "key_figures": "Kennzahlen",
        "key_figures_note": "Mittel über die Replikationen mit 95-%-Konfidenzintervall.",
        "weekly": "Woche für Woche",
        "weekly_note": "Neue Leads und Übergaben je Woche, dann Auslastung und wartende Leads "
        "(Mittel über die Replikationen); schattiert: das Messfenster.",
        "channels": "Kanäle",
        "channels_note": "Je Kanal, Mittel je Replikation: Trichter, Verluste und Kosten je "
        "Abschluss.",
        "journeys": "Einige Lead-Verläufe",
        "journeys_note": "Einzelne Leads aus Replikation {replication}, je Ergebnis einer, "
        "sofern vorhanden: wann welcher Schritt geschah, in Tagen nach Entstehung des Leads.",
        "tornado": "Ein Parameter nach dem anderen",
        "tornado_note": "{kpi} (Mittel über die Replikationen), wenn ein Parameter auf seinen "
        "niedrigen oder hohen Wert gesetzt wird und alles andere wie im Szenario bleibt; die "
        "senkrechte Linie ist das unveränderte Szenario. Die breitesten Balken zählen am meisten.",
        "sweep": "Zwei Parameter zusammen",
        "sweep_note": "{kpi} (Mittel über die Replikationen) für jede Kombination der beiden "
        "Parameter.",
        "unfinished": "In {count} von {total} Läufen waren Leads der gemessenen Kohorte beim "
        "Ende der Simulation noch offen; sie zählen als nicht gewonnen.",
    },
}


def text(key: str, language: str = "en", **values: Any) -> str:
    """A report sentence in ``language`` with ``values`` filled in (values are not escaped)."""
    if language not in _T:
        raise ReportError(f"language must be one of {', '.join(_T)}, got {language!r}")
    template = _T[language].get(key, _T["en"].get(key, key))
    return template.format(**values) if values else template


def _e(value: Any) -> str:
    """HTML-escaped text of ``value`` (quotes too)."""
    return html.escape(str(value), quote=True)


def heading(key: str, language: str = "en", number: int | None = None) -> str:
    """A section heading (``<h2>``) in ``language``, optionally numbered."""
    prefix = f"{number}. " if number is not None else ""
    return f"<h2>{_e(prefix + text(key, language))}</h2>"


def note(key: str, language: str = "en", **values: Any) -> str:
    """A short paragraph telling a non-analyst how to read the next chart or table."""
    return f'<p class="leadsim-note">{_e(text(key, language, **values))}</p>'


# --------------------------------------------------------------------------- scenario files


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario loaded from a file, with its inheritance chain and content hashes."""

    name: str
    path: Path
    resolved: ResolvedScenario

    @property
    def scenario(self) -> Scenario:
        """The validated scenario (named ``name``)."""
        scenario = self.resolved.scenario
        return (
            scenario
            if scenario.name == self.name
            else scenario.model_copy(update={"name": self.name})
        )

    @property
    def description(self) -> str:
        """The scenario's description, as written in its file (not escaped)."""
        return self.resolved.scenario.description

    @property
    def content_hash(self) -> str:
        """SHA-256 of what the simulation reads (the same hash keys the result cache)."""
        return scenario_content_hash(self.resolved.scenario)

    def file_hashes(self) -> dict[str, str]:
        """SHA-256 of every file in the extends chain, parents first."""
        return {_shown_path(path): _sha256_file(path) for path in self.resolved.chain}


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _shown_path(path: Path) -> str:
    """A path relative to the project root when inside it (stable across machines)."""
    absolute = Path(os.path.abspath(path))
    for root in (PROJECT_ROOT, Path.cwd()):
        try:
            return str(absolute.relative_to(root))
        except ValueError:
            continue
    return str(absolute)


def find_scenario_file(path: str | os.PathLike[str]) -> Path:
    """The scenario file ``path``: as given (absolute or from the working directory), else
    relative to the project root, so ``scenarios/base.yaml`` works from ``notebooks/`` too."""
    given = Path(path)
    candidates = [given] if given.is_absolute() else [Path.cwd() / given, PROJECT_ROOT / given]
    for candidate in candidates:
        if candidate.is_file():
            return Path(os.path.abspath(candidate))
    looked = " and ".join(dict.fromkeys(str(c.parent) for c in candidates))
    raise ReportError(f"scenario file not found: {path} (looked in {looked})")


def load_scenario_files(
    files: Sequence[str | os.PathLike[str]], overrides: Sequence[str] = ()
) -> dict[str, ScenarioFile]:
    """Load and validate scenario files; names are the scenarios' names, made unique (-2, -3)."""
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    loaded: dict[str, ScenarioFile] = {}
    for file in files:
        path = find_scenario_file(file)
        resolved = resolve_scenario(path, overrides)
        base, name, suffix = resolved.scenario.name, resolved.scenario.name, 2
        while name in loaded:
            name, suffix = f"{base}-{suffix}", suffix + 1
        loaded[name] = ScenarioFile(name=name, path=path, resolved=resolved)
    if not loaded:
        raise ReportError("no scenario files given")
    return loaded


# --------------------------------------------------------------------------- parameters


def _fail(message: str) -> None:
    raise ReportError(message)


def check_parameters(
    *,
    scenario_files: Any = None,
    scenario_file: Any = None,
    reference: Any = None,
    replications: Any = 3,
    seed: Any = 0,
    title: Any = "",
    kpi_focus: Any = DEFAULT_KPI_FOCUS,
    language: Any = "en",
    output_dir: Any = None,
    workers: Any = None,
    cache_dir: Any = None,
    **others: Any,
) -> None:
    """Check a notebook's parameters (papermill does not); raise ReportError naming the problem."""
    del others  # notebook-specific parameters are checked by the notebook itself
    if scenario_files is not None:
        if isinstance(scenario_files, str) or not isinstance(scenario_files, (list, tuple)):
            _fail(f"scenario_files must be a list of file names, got {scenario_files!r}")
        if not scenario_files:
            _fail("scenario_files is empty: give at least one scenario file")
        for file in scenario_files:
            if not isinstance(file, str) or not file:
                _fail(f"scenario_files must hold file names (text), got {file!r}")
            find_scenario_file(file)
    if scenario_file is not None:
        if not isinstance(scenario_file, str) or not scenario_file:
            _fail(f"scenario_file must be a file name (text), got {scenario_file!r}")
        find_scenario_file(scenario_file)
    if reference is not None and not isinstance(reference, str):
        _fail(f"reference must be a scenario name or None, got {reference!r}")
    for name, value, minimum in (("replications", replications, 1), ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            _fail(f"{name} must be a whole number >= {minimum}, got {value!r}")
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        _fail(f"workers must be a whole number >= 1 or None, got {workers!r}")
    if not isinstance(title, str):
        _fail(f"title must be text, got {title!r}")
    if language not in charts.LANGUAGES:
        _fail(f"language must be one of {', '.join(charts.LANGUAGES)}, got {language!r}")
    if isinstance(kpi_focus, str) or not isinstance(kpi_focus, (list, tuple)) or not kpi_focus:
        _fail(f"kpi_focus must be a non-empty list of KPI names, got {kpi_focus!r}")
    unknown = [k for k in kpi_focus if k not in kpi_vocabulary.kpi_names()]
    if unknown:
        _fail(
            f"kpi_focus: unknown KPI {', '.join(map(repr, unknown))}; allowed: {', '.join(kpi_vocabulary.kpi_names())}"
        )
    for name, value in (("output_dir", output_dir), ("cache_dir", cache_dir)):
        if value is not None and (not isinstance(value, str) or not value):
            _fail(f"{name} must be a folder name (text) or None, got {value!r}")


# --------------------------------------------------------------------------- the comparison


@dataclass(frozen=True)
class Comparison:
    """An experiment over scenario files, summarised for a report."""

    scenarios: dict[str, ScenarioFile]
    result: ExperimentResult
    summary: pd.DataFrame
    reference: str
    kpi_focus: tuple[str, ...]
    language: str = "en"
    title: str = ""
    workers: int | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Scenario names, reference first."""
        return [self.reference, *[n for n in self.scenarios if n != self.reference]]

    def scenario(self, name: str) -> Scenario:
        """The scenario called ``name``."""
        return self.scenarios[name].scenario


def run_comparison(
    scenario_files: Sequence[str | os.PathLike[str]] | Mapping[str, ScenarioFile],
    reference: str | None = None,
    replications: int = 3,
    seed: int = 0,
    workers: int | None = None,
    kpi_focus: Sequence[str] = DEFAULT_KPI_FOCUS,
    language: str = "en",
    title: str = "",
    cache_dir: str | os.PathLike[str] | None = None,
) -> Comparison:
    """Load the scenario files, run the experiment (common random numbers) and summarise it."""
    loaded = (
        dict(scenario_files)
        if isinstance(scenario_files, Mapping)
        else load_scenario_files(scenario_files)
    )
    names = list(loaded)
    reference = names[0] if reference is None else reference
    if reference not in loaded:
        raise ReportError(
            f"reference {reference!r} is not one of the scenarios: {', '.join(names)}"
        )
    ordered = {reference: loaded[reference], **{n: f for n, f in loaded.items() if n != reference}}
    started = time.perf_counter()
    result = run_experiment(
        {name: file.scenario for name, file in ordered.items()},
        replications=replications,
        seed=seed,
        workers=workers,
        cache_dir=cache_dir,
        progress=False,
    )
    summary = summarize(result.kpis, reference=reference)
    return Comparison(
        scenarios=ordered,
        result=result,
        summary=summary,
        reference=reference,
        kpi_focus=tuple(kpi_focus),
        language=language,
        title=title,
        workers=workers,
        seconds=time.perf_counter() - started,
    )


def _row(comparison: Comparison, kpi: str, scenario: str) -> pd.Series:
    rows = comparison.summary[
        (comparison.summary["kpi"] == kpi) & (comparison.summary["scenario"] == scenario)
    ]
    if rows.empty:
        raise KeyError((kpi, scenario))
    return rows.iloc[0]


def _verdict(kpi: str, low: float, high: float) -> str | None:
    if KPI_DIRECTION.get(kpi, 0) == 0:
        return None
    return {"better": "clearly_better", "worse": "clearly_worse"}.get(
        charts.assessment(kpi, low, high), "unclear"
    )


# --------------------------------------------------------------------------- HTML fragments

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
        f'{REPORT_CSS}<div class="leadsim-report"><h1>{_e(title or "leadsim report")}</h1>'
        f'<p class="leadsim-note">{label} {stamp} · leadsim {_e(sim.__version__)}</p></div>'
    )


def scenario_overview_html(
    scenarios: Mapping[str, ScenarioFile], reference: str | None, language: str = "en"
) -> str:
    """Name, description and files of each scenario (all escaped)."""
    items = []
    for name, file in scenarios.items():
        marker = f" ({_e(text('reference', language))})" if name == reference else ""
        description = file.description.strip() or text("no_description", language)
        chain = ", ".join(_shown_path(p) for p in file.resolved.chain)
        items.append(
            f"<li><b>{_e(name)}</b>{marker}: "
            f'<span class="leadsim-description">{_e(description)}</span>'
            f'<br><span class="leadsim-note">{_e(text("files", language))}: {_e(chain)}</span></li>'
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
                target=f"<b>{_e(name)}</b>",
                reference=f"<b>{_e(reference)}</b>",
                reps=comparison.result.replications,
                days=days,
            )
            + "</p>"
        )
        lines = []
        for kpi in comparison.kpi_focus:
            try:
                ref_row, row = _row(comparison, kpi, reference), _row(comparison, kpi, name)
            except KeyError:
                continue
            kind = kpi_vocabulary.get(kpi).kind
            verdict = _verdict(kpi, row["diff_ci_low"], row["diff_ci_high"])
            line = text(
                "item_line",
                language,
                kpi=_e(kpi_label(kpi, language)),
                ref_value=_e(format_value(ref_row["mean"], kind, language, compact=True)),
                value=_e(format_value(row["mean"], kind, language, compact=True)),
                diff=_e(
                    format_value(
                        row["diff_vs_reference"], kind, language, signed=True, compact=True
                    )
                ),
                low=_e(format_value(row["diff_ci_low"], kind, language, signed=True, compact=True)),
                high=_e(
                    format_value(row["diff_ci_high"], kind, language, signed=True, compact=True)
                ),
            )
            if verdict is not None:
                css = {"clearly_better": "better", "clearly_worse": "worse"}.get(verdict, "unclear")
                line += f' – <span class="leadsim-{css}">{_e(text(verdict, language))}</span>'
            lines.append(f"<li>{line}</li>")
        money = [k for k in comparison.kpi_focus if kpi_vocabulary.get(k).kind == "money"]
        if money:
            kpi = money[0]
            row = _row(comparison, kpi, name)
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
                    target=f"<b>{_e(name)}</b>",
                    kpi=_e(kpi_label(kpi, language)),
                    diff=_e(
                        format_value(
                            row["diff_vs_reference"] * factor,
                            "money",
                            language,
                            signed=True,
                            compact=True,
                        )
                    ),
                    per=_e(per),
                    low=_e(
                        format_value(
                            row["diff_ci_low"] * factor,
                            "money",
                            language,
                            signed=True,
                            compact=True,
                        )
                    ),
                    high=_e(
                        format_value(
                            row["diff_ci_high"] * factor,
                            "money",
                            language,
                            signed=True,
                            compact=True,
                        )
                    ),
                    reference=f"<b>{_e(reference)}</b>",
                )
                parts.append(f"<p>{headline}</p>")
        parts.append(f"<ul>{''.join(lines)}</ul>")
    if comparison.result.replications < 10:
        parts.append(
            f'<p class="leadsim-note">{_e(text("few_reps", language, reps=comparison.result.replications))}</p>'
        )
    runs = comparison.result.runs
    if isinstance(runs, pd.DataFrame) and "cohort_finished" in runs:
        unfinished = int((~runs["cohort_finished"].astype(bool)).sum())
        if unfinished:
            parts.append(
                f'<p class="leadsim-note">{_e(text("unfinished", language, count=unfinished, total=len(runs)))}</p>'
            )
    parts.append("</div>")
    return "".join(parts)


def kpi_table(comparison: Comparison, kpis: Sequence[str] = TABLE_KPIS) -> pd.DataFrame:
    """KPI table for reading: one row per KPI, per scenario "mean [CI]" and "Δ [CI]" columns."""
    language = comparison.language
    rows = []
    for kpi in kpis:
        if kpi not in set(comparison.summary["kpi"]):
            continue
        kind = kpi_vocabulary.get(kpi).kind if kpi in kpi_vocabulary.kpi_names() else "count"
        row: dict[str, str] = {text("kpi", language): kpi_label(kpi, language)}
        for name in comparison.names:
            values = _row(comparison, kpi, name)
            row[f"{name}: {text('mean_ci', language)}"] = (
                f"{format_value(values['mean'], kind, language)} "
                f"[{format_value(values['ci_low'], kind, language)}; "
                f"{format_value(values['ci_high'], kind, language)}]"
            )
            if name != comparison.reference:
                verdict = _verdict(kpi, values["diff_ci_low"], values["diff_ci_high"])
                row[f"{name}: {text('diff_ci', language)}"] = (
                    f"{format_value(values['diff_vs_reference'], kind, language, signed=True)} "
                    f"[{format_value(values['diff_ci_low'], kind, language, signed=True)}; "
                    f"{format_value(values['diff_ci_high'], kind, language, signed=True)}]"
                    + (f" {text(verdict, language)}" if verdict and verdict != "unclear" else "")
                )
        rows.append(row)
    return pd.DataFrame(rows)


def _table_html(frame: pd.DataFrame) -> str:
    """An escaped HTML table (pandas escapes cells and headers)."""
    return frame.to_html(index=False, escape=True, border=0, classes="leadsim-table", na_rep="–")


def kpi_table_html(comparison: Comparison, kpis: Sequence[str] = TABLE_KPIS) -> str:
    """:func:`kpi_table` as an escaped HTML table."""
    return _table_html(kpi_table(comparison, kpis))


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
        source = _shown_path(Path(source))
    if row.line is not None:
        source = f"{source}:{row.line}"
    return source + (f" – {row.comment}" if row.comment else "")


def differing_parameters(
    scenarios: Mapping[str, ScenarioFile | Scenario], include_labels: bool = False
) -> pd.DataFrame:
    """Parameters whose effective value differs between scenarios, with value and source of each.

    Columns: ``parameter``, then per scenario ``<name>`` (the value as written in YAML) and
    ``<name> source`` (file:line and the comment, or the schema default). Scenario objects
    without files give values only. ``name`` and ``description`` are left out unless
    ``include_labels``.
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
        if not include_labels and path in ("name", "description"):
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
        record: dict[str, str] = {"parameter": path}
        for name, per_scenario in values.items():
            value = per_scenario.get(path, missing)
            record[name] = "–" if value is missing else format_yaml_value(value)
            if sources[name]:
                record[f"{name} source"] = sources[name].get(path, "")
        records.append(record)
    columns = ["parameter"]
    for name in values:
        columns.append(name)
        if sources[name]:
            columns.append(f"{name} source")
    return pd.DataFrame(records, columns=columns)


def differing_parameters_html(
    scenarios: Mapping[str, ScenarioFile | Scenario], language: str = "en"
) -> str:
    """:func:`differing_parameters` as an escaped HTML table: parameter, values, sources.

    The sources of all scenarios share one column, one line per scenario (its file:line and
    comment), so the table stays readable with long comments.
    """
    frame = differing_parameters(scenarios)
    if frame.empty:
        return f"<p>{_e(text('no_differences', language))}</p>"
    names = list(scenarios)
    has_sources = any(f"{name} source" in frame.columns for name in names)
    header = "".join(f"<th>{_e(c)}</th>" for c in [text("parameter", language), *names])
    if has_sources:
        header += f"<th>{_e(text('source', language))}</th>"
    body = []
    for record in frame.to_dict("records"):
        cells = [f"<td><code>{_e(record['parameter'])}</code></td>"]
        cells += [f"<td>{_e(record[name])}</td>" for name in names]
        if has_sources:
            lines = [
                f"<b>{_e(name)}</b>: {_e(record.get(f'{name} source', ''))}"
                for name in names
                if record.get(f"{name} source")
            ]
            cells.append(f'<td class="leadsim-source">{"<br>".join(lines)}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="leadsim-table"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def software_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape the results and the report."""
    versions = {"python": platform.python_version(), "leadsim": sim.__version__}
    for package in (
        "simpy",
        "numpy",
        "scipy",
        "pandas",
        "pydantic",
        "altair",
        "vl-convert-python",
        "papermill",
        "nbconvert",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def git_revision(root: Path = PROJECT_ROOT) -> dict[str, Any] | None:
    """The source tree's git commit and whether it had uncommitted changes (None without git)."""
    try:
        revision = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"revision": revision, "dirty": bool(status.strip())}


def _stress_items(comparison: Comparison) -> list[tuple[str, str, str, str]]:
    """(number, item en, item de, content) of the STRESS-DES checklist for this comparison."""
    language = comparison.language
    result = comparison.result
    first = comparison.scenario(comparison.reference)
    horizon = first.horizon
    names = ", ".join(comparison.names)
    versions = software_versions()
    git = git_revision()
    de = language == "de"
    runs = result.runs if isinstance(result.runs, pd.DataFrame) else pd.DataFrame()
    unfinished = (
        int((~runs["cohort_finished"].astype(bool)).sum()) if "cohort_finished" in runs else 0
    )
    hashes = "; ".join(f"{n}: {f.content_hash[:12]}" for n, f in comparison.scenarios.items())
    warmups = ", ".join(
        f"{n}: {format_value(comparison.scenario(n).horizon.warmup_days, 'count', language)}"
        for n in comparison.names
    )
    software = ", ".join(f"{k} {v}" for k, v in versions.items())
    items = [
        (
            "1.1",
            "Purpose of the model",
            "Zweck des Modells",
            "Verschiedene Organisationsformen zwischen Marketing und Vertrieb vergleichen: "
            "Geschwindigkeit der Leadbearbeitung, Verluste, Umsatz."
            if de
            else "Compare ways of organising marketing and sales around leads: speed of follow-up, "
            "losses, revenue.",
        ),
        (
            "1.2",
            "Model outputs",
            "Modellergebnisse",
            "Kennzahlen je Szenario und Replikation für die Kohorte der im Messfenster erzeugten "
            "Leads; Reaktionszeit = erster Kontaktversuch − Vertriebsreife."
            if de
            else "KPIs per scenario and replication for the cohort of leads created in the measurement "
            "window; response time = first contact attempt − sales-ready time.",
        ),
        (
            "1.3",
            "Experimentation aims",
            "Ziele der Experimente",
            f"Szenarien {names}; Referenz {comparison.reference}."
            if de
            else f"Scenarios {names}; reference {comparison.reference}.",
        ),
        (
            "2.1",
            "Base model overview",
            "Modellüberblick",
            "Ein Lead ist ein SimPy-Prozess: Entstehung je Kanal, Nurturing, Scoring und Übergabe, "
            "Interessenverfall, Kontaktversuche durch Vertriebsmitarbeiter im Geschäftskalender, "
            "Qualifizierung, Vertriebszyklus, Abschluss."
            if de
            else "One lead is one SimPy process: arrival per channel, nurturing, scoring and hand-off, "
            "decay of interest, contact attempts by reps working a business calendar, "
            "qualification, sales cycle, close.",
        ),
        (
            "2.3",
            "Scenario logic",
            "Szenariologik",
            "Szenarien sind YAML-Dateien, die eine Basis und Hebel-Overlays erweitern; die "
            "abweichenden Parameter stehen im Abschnitt Annahmen."
            if de
            else "Scenarios are YAML files extending a base and lever overlays; the parameters that "
            "differ are listed in the assumptions section.",
        ),
        (
            "3.1",
            "Data sources",
            "Datenquellen",
            "Jeder Parameterwert nennt im Kommentar seiner Datei eine Quelle oder ist als Annahme "
            f"markiert. Inhalts-Hashes: {hashes}."
            if de
            else "Each parameter's comment in its file names a source or marks it as an assumption. "
            f"Content hashes: {hashes}.",
        ),
        (
            "4.1",
            "Initialisation (warm-up)",
            "Initialisierung (Einschwingphase)",
            f"Einschwingphase in Tagen: {warmups}; Leads aus dieser Zeit werden simuliert, aber "
            "nicht gemessen."
            if de
            else f"Warm-up in days: {warmups}; leads created then are simulated but not measured.",
        ),
        (
            "4.2",
            "Run length",
            "Laufzeit",
            f"Messfenster {format_value(horizon.measurement_days, 'count', language)} Tage; danach "
            f"läuft die Simulation bis zu {format_value(horizon.drain_cap_days, 'count', language)} "
            f"Tage weiter, bis die Kohorte abgeschlossen ist (unvollständig in {unfinished} von "
            f"{len(runs)} Läufen)."
            if de
            else f"Measurement window {format_value(horizon.measurement_days, 'count', language)} days; "
            f"the run then continues for up to {format_value(horizon.drain_cap_days, 'count', language)} "
            f"days until the cohort has finished (unfinished in {unfinished} of {len(runs)} runs).",
        ),
        (
            "4.3",
            "Estimation approach",
            "Schätzverfahren",
            f"{result.replications} Replikationen je Szenario; 95-%-t-Intervalle; gepaarte "
            "Differenzen zur Referenz (gemeinsame Zufallszahlen)."
            if de
            else f"{result.replications} replications per scenario; 95 % t-intervals; paired "
            "differences against the reference (common random numbers).",
        ),
        ("5.1", "Software", "Software", software),
        (
            "5.2",
            "Random sampling",
            "Zufallszahlen",
            f"Startwert (seed) {result.seed}; numpy SeedSequence, ein Kind je Replikation, "
            "benannte Ströme je Aktivität: Szenarien teilen Zufallszahlen, wo sie Struktur teilen "
            "(CRN)."
            if de
            else f"Seed {result.seed}; numpy SeedSequence, one child per replication, named streams "
            "per activity, so scenarios share random numbers where they share structure (CRN).",
        ),
        (
            "5.3",
            "Model execution",
            "Modellausführung",
            "Ereignisdiskret (SimPy), Uhr in Stunden; Ergebnisse unabhängig von der Zahl der "
            f"Prozesse (workers: {comparison.workers or 'auto'})."
            if de
            else "Discrete-event (SimPy), clock in hours; results do not depend on the number of worker "
            f"processes (workers: {comparison.workers or 'auto'}).",
        ),
        (
            "5.4",
            "System specification",
            "Systemumgebung",
            f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU; Rechenzeit "
            f"{comparison.seconds:.0f} s."
            if de
            else f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; "
            f"experiment time {comparison.seconds:.0f} s.",
        ),
        (
            "6",
            "Code access",
            "Code",
            (
                f"git {git['revision'][:12]}"
                + (
                    " (mit lokalen Änderungen)"
                    if de and git["dirty"]
                    else " (with local changes)"
                    if git["dirty"]
                    else ""
                )
            )
            if git
            else ("keine git-Revision" if de else "no git revision"),
        ),
    ]
    return items


def method_appendix(comparison: Comparison) -> pd.DataFrame:
    """The STRESS-DES items of this comparison (replications, seed, warm-up, CRN, versions …)."""
    de = comparison.language == "de"
    return pd.DataFrame(
        [
            (number, item_de if de else item_en, content)
            for number, item_en, item_de, content in _stress_items(comparison)
        ],
        columns=[
            "STRESS-DES",
            text("item", comparison.language),
            text("content", comparison.language),
        ],
    )


def method_appendix_html(comparison: Comparison) -> str:
    """:func:`method_appendix` as an escaped HTML table."""
    return _table_html(method_appendix(comparison))


def calendars(comparison: Comparison) -> dict[str, Any]:
    """Each scenario's business calendar (for response times in business hours)."""
    return {name: comparison.scenario(name).calendar for name in comparison.names}


def sla_hours(comparison: Comparison) -> dict[str, float]:
    """Each scenario's first-response target in business hours."""
    return {
        name: comparison.scenario(name).sla.first_contact_business_hours
        for name in comparison.names
    }


# --------------------------------------------------------------------------- lever path


def lever_path(comparison: Comparison) -> list[str] | None:
    """Scenario names in path order when each scenario builds on the previous one, else None.

    Three or more scenarios form a lever path when every scenario's extends chain contains
    the previous scenario's file (it adds levers on top of it).
    """
    names = comparison.names
    if len(names) < 3:
        return None
    for before, after in itertools.pairwise(names):
        chain = [Path(p) for p in comparison.scenarios[after].resolved.chain]
        if comparison.scenarios[before].path not in chain:
            return None
    return names


def lever_overlays(reference: ScenarioFile, target: ScenarioFile) -> list[Path]:
    """The overlay files ``target`` adds on top of ``reference``, in extends order."""
    return lever_files_between(reference.resolved, target.resolved)


def _lever_label(path: Path) -> str:
    return "+ " + path.stem.replace("_", " ")


@dataclass(frozen=True)
class LeverAttribution:
    """KPI means along a lever path: the reference, each lever added in turn, the target."""

    target: str
    kpi: str
    steps: list[tuple[str, float]]
    residual: bool
    """Whether the target's own file changes simulated values beyond its levers (last step)."""


def attribute_levers(
    comparison: Comparison,
    kpi: str | None = None,
    workers: int | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> list[LeverAttribution]:
    """Attribute the difference to the reference lever by lever, for each scenario that can.

    Scenarios given as a lever path (see :func:`lever_path`) are used as they are. Otherwise,
    for each scenario that extends the reference plus overlay files, the reference with the
    first 1, 2, … overlays is simulated with the same seeds (common random numbers), so each
    bar is a paired effect. Interactions go to the lever added later (extends order).
    """
    kpi = kpi or next(
        (k for k in comparison.kpi_focus if kpi_vocabulary.get(k).kind == "money"), comparison.kpi_focus[0]
    )
    means = comparison.result.kpis.groupby("scenario", sort=False)[kpi].mean()
    path = lever_path(comparison)
    if path is not None:
        return [LeverAttribution(path[-1], kpi, [(n, float(means[n])) for n in path], False)]
    reference = comparison.scenarios[comparison.reference]
    plans: dict[str, list[tuple[str, Scenario]]] = {}
    residual: dict[str, bool] = {}
    for name in comparison.names[1:]:
        target = comparison.scenarios[name]
        overlays = lever_overlays(reference, target)
        if not overlays:
            continue
        steps: list[tuple[str, Scenario]] = [
            (
                _lever_label(overlays[count - 1]),
                compose(reference.path, overlays[:count], f"{name} step {count}"),
            )
            for count in range(1, len(overlays) + 1)
        ]
        residual[name] = scenario_content_hash(steps[-1][1]) != target.content_hash
        if not residual[name]:
            steps = steps[:-1]
        plans[name] = steps
    extra = {
        f"{name} step {i}": scenario
        for name, steps in plans.items()
        for i, (_, scenario) in enumerate(steps, start=1)
    }
    extra_means: dict[str, float] = {}
    if extra:
        result = run_experiment(
            extra,
            replications=comparison.result.replications,
            seed=comparison.result.seed,
            workers=workers if workers is not None else comparison.workers,
            cache_dir=cache_dir,
            progress=False,
        )
        extra_means = result.kpis.groupby("scenario", sort=False)[kpi].mean().to_dict()
    attributions = []
    for name, steps in plans.items():
        overlays = lever_overlays(reference, comparison.scenarios[name])
        values = [(comparison.reference, float(means[comparison.reference]))]
        for i, (label_text, _) in enumerate(steps, start=1):
            values.append((label_text, float(extra_means[f"{name} step {i}"])))
        last_label = f"+ {name}" if residual[name] else _lever_label(overlays[-1])
        values.append((last_label, float(means[name])))
        attributions.append(LeverAttribution(name, kpi, values, residual[name]))
    return attributions


# --------------------------------------------------------------------------- one scenario


def scenario_summary(comparison: Comparison, scenario: str | None = None) -> str:
    """Key figures of one scenario with their 95 % CIs, as an HTML list (for the deep dive)."""
    language = comparison.language
    name = scenario or comparison.reference
    items = []
    for kpi in comparison.kpi_focus:
        try:
            row = _row(comparison, kpi, name)
        except KeyError:
            continue
        kind = kpi_vocabulary.get(kpi).kind
        values = [
            format_value(row[c], kind, language, compact=True)
            for c in ("mean", "ci_low", "ci_high")
        ]
        items.append(
            f"<li>{_e(kpi_label(kpi, language))}: <b>{_e(values[0])}</b> "
            f"(95 % CI {_e(values[1])} – {_e(values[2])})</li>"
        )
    return f'<div class="leadsim-summary"><ul>{"".join(items)}</ul></div>'


def channel_table(leads: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Per channel, means per replication: leads, handed over, won, revenue, cost, cost per deal."""
    runs = max(1, int(leads["replication"].nunique())) if len(leads) else 1
    per_deal = "Lead cost per deal" if language == "en" else "Lead-Kosten je Abschluss"
    rows = []
    for channel, group in leads.groupby("channel", sort=False):
        won = group["outcome"] == "won"
        revenue = float(group.loc[won, "deal_value"].sum()) / runs
        cost = float(group["cost"].sum()) / runs
        deals = float(won.sum()) / runs
        rows.append(
            {
                charts.label("channel", language): str(channel),
                charts.label("leads", language): format_value(len(group) / runs, "count", language),
                charts.label("handed_over", language): format_value(
                    group["handoff_at"].notna().mean(), "share", language
                ),
                charts.label("won", language): format_value(deals, "count", language),
                kpi_label("conversion_rate", language): format_value(won.mean(), "share", language),
                kpi_label("revenue", language): format_value(revenue, "money", language),
                kpi_label("lead_cost", language): format_value(cost, "money", language),
                per_deal: format_value(cost / deals if deals else float("nan"), "money", language),
            }
        )
    return pd.DataFrame(rows)


def channel_table_html(leads: pd.DataFrame, language: str = "en") -> str:
    """:func:`channel_table` as an escaped HTML table."""
    return _table_html(channel_table(leads, language))


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
        return "–" if pd.isna(value) else format_value((value - created) / 24.0, "count", language)

    rows = []
    for _, lead in journeys.iterrows():
        created = float(lead["created_at"])
        won = lead["outcome"] == "won"
        rows.append(
            {
                charts.label("lead", language): f"#{lead['lead_id']}",
                charts.label("channel", language): lead["channel"],
                "fit": format_value(lead["fit"], "ratio", language),
                charts.label("sales_ready", language): day(lead["sales_ready_at"], created),
                charts.label("handed_over_event", language): day(lead["handoff_at"], created),
                charts.label("first_contact", language): day(lead["first_contact_at"], created),
                charts.label("closed", language): day(lead["closed_at"], created),
                charts.label("outcome", language): charts.label(str(lead["outcome"]), language),
                kpi_label("revenue", language): (
                    format_value(lead["deal_value"], "money", language) if won else "–"
                ),
            }
        )
    return pd.DataFrame(rows)


def journey_table_html(journeys: pd.DataFrame, language: str = "en") -> str:
    """:func:`journey_table` as an escaped HTML table."""
    return _table_html(journey_table(journeys, language))


def write_scenario_tables(comparison: Comparison, output_dir: str | os.PathLike[str]) -> list[Path]:
    """Tables of the deep dive: kpis.csv, summary.csv, weekly.csv, channels.csv, scenario.xlsx."""
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    frames = {
        "kpis": comparison.result.kpis,
        "summary": comparison.summary,
        "weekly": charts.weekly_data(comparison.result.weekly),
        "channels": channel_table(comparison.result.leads, comparison.language),
    }
    written = []
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
        written.append(folder / f"{name}.csv")
    with pd.ExcelWriter(folder / "scenario.xlsx", engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    written.append(folder / "scenario.xlsx")
    return written


# --------------------------------------------------------------------------- sensitivity


def _variants_summary(
    base_file: Path,
    variants: Mapping[str, Sequence[str]],
    kpi: str,
    replications: int,
    seed: int,
    workers: int | None,
    cache_dir: str | os.PathLike[str] | None,
) -> pd.DataFrame:
    """Mean and CI of ``kpi`` for each named list of overrides of one scenario file (CRN)."""
    scenarios = {
        name: resolve_scenario(base_file, list(overrides)).scenario
        for name, overrides in variants.items()
    }
    result = run_experiment(
        scenarios,
        replications=replications,
        seed=seed,
        workers=workers,
        cache_dir=cache_dir,
        progress=False,
    )
    return summarize(result.kpis, kpis_to_compare=[kpi]).set_index("scenario")


def _check_kpi(kpi: str) -> None:
    if kpi not in kpi_vocabulary.kpi_names():
        raise ReportError(f"unknown KPI {kpi!r}; allowed: {', '.join(kpi_vocabulary.kpi_names())}")


def one_at_a_time(
    scenario_file: str | os.PathLike[str],
    ranges: Mapping[str, Sequence[Any]],
    kpi: str = "revenue",
    replications: int = 3,
    seed: int = 0,
    workers: int | None = None,
    overrides: Sequence[str] = (),
    cache_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """One-at-a-time sensitivity: ``kpi`` with each parameter at its low and high value.

    ``ranges`` maps a parameter path (as for ``--set``, e.g. ``sales.reps``) to ``[low, high]``.
    All variants share the seeds (common random numbers). Columns: parameter, setting
    (low/high), parameter_value, value, ci_low, ci_high, base.
    """
    _check_kpi(kpi)
    path = find_scenario_file(scenario_file)
    if not isinstance(ranges, Mapping) or not ranges:
        raise ReportError(
            "ranges must map parameter paths to [low, high], e.g. {'sales.reps': [8, 12]}"
        )
    variants: dict[str, list[str]] = {"base": list(overrides)}
    meta = []
    for parameter, values in ranges.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) != 2:
            raise ReportError(f"ranges: {parameter}: give [low, high], got {values!r}")
        for setting, value in zip(("low", "high"), values, strict=True):
            name = f"{parameter}={value}"
            variants[name] = [*overrides, f"{parameter}={json.dumps(value)}"]
            meta.append((parameter, setting, value, name))
    summary = _variants_summary(path, variants, kpi, replications, seed, workers, cache_dir)
    base = float(summary.loc["base", "mean"])
    rows = [
        {
            "parameter": parameter,
            "setting": setting,
            "parameter_value": value,
            "value": float(summary.loc[name, "mean"]),
            "ci_low": float(summary.loc[name, "ci_low"]),
            "ci_high": float(summary.loc[name, "ci_high"]),
            "base": base,
        }
        for parameter, setting, value, name in meta
    ]
    return pd.DataFrame(rows)


def two_way_sweep(
    scenario_file: str | os.PathLike[str],
    x: str,
    x_values: Sequence[Any],
    y: str,
    y_values: Sequence[Any],
    kpi: str = "revenue",
    replications: int = 3,
    seed: int = 0,
    workers: int | None = None,
    overrides: Sequence[str] = (),
    cache_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """``kpi`` for every combination of two parameters' values: columns x, y, value, ci_low, ci_high."""
    _check_kpi(kpi)
    path = find_scenario_file(scenario_file)
    if x == y:
        raise ReportError(f"the sweep needs two different parameters, got {x!r} twice")
    if not x_values or not y_values:
        raise ReportError("the sweep needs at least one value for each parameter")
    variants = {
        f"{x}={xv}, {y}={yv}": [*overrides, f"{x}={json.dumps(xv)}", f"{y}={json.dumps(yv)}"]
        for xv in x_values
        for yv in y_values
    }
    summary = _variants_summary(path, variants, kpi, replications, seed, workers, cache_dir)
    rows = []
    for xv in x_values:
        for yv in y_values:
            row = summary.loc[f"{x}={xv}, {y}={yv}"]
            rows.append(
                {
                    x: xv,
                    y: yv,
                    "value": float(row["mean"]),
                    "ci_low": float(row["ci_low"]),
                    "ci_high": float(row["ci_high"]),
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- tables on disk


def write_tables(comparison: Comparison, output_dir: str | os.PathLike[str]) -> list[Path]:
    """Write kpis.csv, comparison.csv, assumptions.csv and comparison.xlsx into ``output_dir``."""
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    kpis = comparison.result.kpis
    summary = comparison.summary
    assumptions = differing_parameters(comparison.scenarios)
    method = method_appendix(comparison)
    written = []
    for name, frame in (
        ("kpis.csv", kpis),
        ("comparison.csv", summary),
        ("assumptions.csv", assumptions),
    ):
        frame.to_csv(folder / name, index=False)
        written.append(folder / name)
    workbook = folder / "comparison.xlsx"
    with pd.ExcelWriter(workbook, engine="openpyxl") as writer:
        kpi_table(comparison).to_excel(writer, sheet_name="summary", index=False)
        summary.to_excel(writer, sheet_name="comparison", index=False)
        kpis.to_excel(writer, sheet_name="kpis", index=False)
        assumptions.to_excel(writer, sheet_name="assumptions", index=False)
        method.to_excel(writer, sheet_name="method", index=False)
    written.append(workbook)
    return written


# --------------------------------------------------------------------------- HTML export


_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block data_svg scoped -%}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}" data-mime-type="image/svg+xml">
{{ output.data['image/svg+xml'] | leadsim_inline_svg }}
</div>
{%- endblock data_svg %}
"""

_UNSAFE_SVG = re.compile(
    r"<\s*(?:script|foreignObject|iframe)|\son[a-z]+\s*=|javascript:", re.IGNORECASE
)


def _inline_svg(svg: str) -> str:
    """A chart's SVG inline in the page (so it is real DOM); an image when it looks unsafe."""
    import base64

    content = re.sub(r"^\s*<\?xml[^>]*\?>", "", str(svg))
    if content.lstrip().startswith("<svg") and not _UNSAFE_SVG.search(content):
        return content
    encoded = base64.b64encode(str(svg).encode("utf-8")).decode("ascii")
    return f'<img alt="chart" src="data:image/svg+xml;base64,{encoded}">'


_URL = r"(?P<url>(?:https?:)?//[^\"'\s>)]+)"
_EXTERNAL = [
    re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*" + _URL, re.IGNORECASE),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?\s*" + _URL, re.IGNORECASE),
    re.compile(r"@import\s+(?:url\()?\s*[\"']?\s*" + _URL, re.IGNORECASE),
    re.compile(r"url\(\s*[\"']?\s*" + _URL, re.IGNORECASE),
    re.compile(r"\bimport\s*\(\s*[\"']" + _URL, re.IGNORECASE),
    re.compile(
        r"<(?:img|iframe|embed|object|source|video|audio)\b[^>]*\b(?:src|data)\s*=\s*[\"']?\s*"
        + _URL,
        re.IGNORECASE,
    ),
]


def external_references(page: str) -> list[str]:
    """Every URL of a script, style, font, image or module the HTML would fetch from the network.

    Links (``<a href>``) and XML namespaces are not fetched and not listed.
    """
    found: list[str] = []
    for pattern in _EXTERNAL:
        for match in pattern.finditer(page):
            if match.group("url") not in found:
                found.append(match.group("url"))
    return found


def notebook_to_html(notebook: Any, language: str = "en", title: str | None = None) -> str:
    """Self-contained HTML of an executed notebook: code hidden, nothing loaded from the web."""
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    if not isinstance(notebook, nbformat.NotebookNode):
        notebook = nbformat.read(str(notebook), as_version=4)
    if title:
        notebook.metadata["title"] = title
    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        extra_loaders=[jinja2.DictLoader({"leadsim_report.html.j2": _TEMPLATE})],
        template_file="leadsim_report.html.j2",
    )
    exporter.register_filter("leadsim_inline_svg", _inline_svg)
    exporter.mathjax_url = ""
    exporter.require_js_url = ""
    if hasattr(exporter, "language_code"):
        exporter.language_code = language
    remover = TagRemovePreprocessor(remove_cell_tags={_HIDE_TAG}, enabled=True)
    exporter.register_preprocessor(remover, enabled=True)
    body, _ = exporter.from_notebook_node(notebook)
    external = external_references(body)
    if external:
        raise ReportError(f"the HTML would load from the internet: {external[0][:120]}")
    return body


# --------------------------------------------------------------------------- make_report


def slugify(title: str, limit: int = 40) -> str:
    """A safe folder-name part from a title: lowercase ASCII letters, digits and hyphens."""
    german = str.maketrans(
        {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
    )
    normal = unicodedata.normalize("NFKD", title.translate(german))
    ascii_text = normal.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-")
    return slug or "report"


def notebook_path(notebook: str | os.PathLike[str]) -> Path:
    """The notebook file for a name in ``notebooks/`` (compare, scenario, sensitivity) or a path."""
    candidate = Path(notebook)
    if candidate.suffix == ".ipynb":
        if candidate.is_file():
            return Path(os.path.abspath(candidate))
        raise ReportError(f"notebook not found: {notebook}")
    path = NOTEBOOK_DIR / f"{notebook}.ipynb"
    if not path.is_file():
        raise ReportError(
            f"unknown notebook {str(notebook)!r}: choose one of {', '.join(NOTEBOOKS)} "
            "or give a path to an .ipynb file"
        )
    return path


def _plain(value: Any) -> Any:
    """A JSON-plain copy of a parameter value (papermill passes other types as strings)."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def _strip_ansi(value: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", value)


def _execution_error(error: Exception, notebook: str) -> ReportError:
    """The failing cell's error in one readable line (no traceback, no terminal colours)."""
    ename = getattr(error, "ename", type(error).__name__)
    evalue = _strip_ansi(str(getattr(error, "evalue", error))).strip()
    lines = [
        line.strip()
        for line in str(getattr(error, "source", "") or "").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    where = "a cell"
    if lines:
        first = lines[0] if len(lines[0]) <= 60 else lines[0][:57] + "..."
        where = f"the cell starting `{first}`"
    return ReportError(f"notebook {notebook} failed in {where}: {ename}: {evalue}")


def _claim_folder(out_root: Path, slug: str, now: dt.datetime) -> Path:
    """Create the empty report folder ``YYYY-MM-DD_HHMMSS_<slug>`` (``-2``, ``-3`` … when taken).

    ``mkdir`` is atomic, so two runs in the same second never get the same folder.
    """
    stamp = now.strftime("%Y-%m-%d_%H%M%S")
    base, suffix = f"{stamp}_{slug}", 1
    while True:
        folder = out_root / (base if suffix == 1 else f"{base}-{suffix}")
        try:
            folder.mkdir()
        except FileExistsError:
            suffix += 1
            continue
        return folder


def make_report(
    scenario_files: Sequence[str | os.PathLike[str]] = DEFAULT_SCENARIOS,
    out_root: str | os.PathLike[str] = Path("reports"),
    notebook: str | os.PathLike[str] = "compare",
    replications: int = 10,
    seed: int = 0,
    title: str | None = None,
    workers: int | None = None,
    language: str = "en",
    reference: str | None = None,
    kpi_focus: Sequence[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    attribute_levers: bool = True,
    cache_dir: str | os.PathLike[str] | None = ".leadsim-cache",
    start_timeout: int = 300,
    log: Any = None,
) -> Path:
    """Run a report notebook into a new dated folder under ``out_root``; return its report.html.

    The folder ``YYYY-MM-DD_HHMMSS_<slug of title>`` is built under a temporary name and
    renamed only when everything is written, so a failure leaves no partial folder and the
    index untouched. It holds ``report.html`` (self-contained, code hidden), the executed
    notebook, the notebook's tables and ``manifest.json``. ``reports/index.html`` is then
    rewritten. ``parameters`` are passed to the notebook as well (names are checked);
    ``attribute_levers`` turns on the lever-by-lever waterfall of the compare notebook.
    """
    started = time.perf_counter()
    now = dt.datetime.now()
    source = notebook_path(notebook)
    name = source.stem
    files = [find_scenario_file(f) for f in scenario_files]
    if not files:
        raise ReportError("no scenario files given")
    loaded = load_scenario_files(files)
    title = title if title is not None else _default_title(name, list(loaded))
    params: dict[str, Any] = {
        "replications": replications,
        "seed": seed,
        "title": title,
        "language": language,
        "workers": workers,
        "cache_dir": None if cache_dir is None else os.path.abspath(cache_dir),
    }
    known = _notebook_parameters(source)
    if "attribute_levers" in known:
        params["attribute_levers"] = bool(attribute_levers)
    if "scenario_files" in known:
        params["scenario_files"] = [str(f) for f in files]
        params["reference"] = reference
        if kpi_focus is not None:
            params["kpi_focus"] = list(kpi_focus)
    else:
        if len(files) != 1:
            raise ReportError(f"the {name} notebook takes one scenario file, got {len(files)}")
        params["scenario_file"] = str(files[0])
    params.update(parameters or {})
    params = {k: _plain(v) for k, v in params.items()}
    check_parameters(**params)
    unknown = sorted(set(params) - set(known) - {"output_dir"})
    if unknown:
        raise ReportError(
            f"notebook {name} has no parameter {', '.join(unknown)}; it takes: {', '.join(known)}"
        )
    root = Path(out_root)
    root.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=root))
    final: Path | None = None
    try:
        params["output_dir"] = "."  # the notebook runs in the temporary folder
        executed = temporary / f"{name}.ipynb"
        _echo(log, f"running notebook {name} ({', '.join(loaded)}; {replications} replications)")
        _execute(source, executed, params, start_timeout, name)
        _echo(log, "converting to HTML")
        page = notebook_to_html(executed, language=language, title=title)
        (temporary / "report.html").write_text(page, encoding="utf-8")
        final = _claim_folder(root, slugify(title), now)
        manifest = {
            "title": title,
            "notebook": name,
            "folder": final.name,
            "created": now.isoformat(timespec="seconds"),
            "seed": seed,
            "replications": replications,
            "language": language,
            "parameters": {k: v for k, v in params.items() if k not in ("output_dir", "cache_dir")},
            "scenarios": [
                {
                    "name": scenario_name,
                    "file": _shown_path(file.path),
                    "sha256": _sha256_file(file.path),
                    "content_hash": file.content_hash,
                    "chain": file.file_hashes(),
                    "description": file.description,
                }
                for scenario_name, file in loaded.items()
            ],
            "versions": software_versions(),
            "git": git_revision(),
            "duration_seconds": round(time.perf_counter() - started, 2),
            "files": sorted(p.name for p in temporary.iterdir()) + ["manifest.json"],
        }
        (temporary / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        # The claimed folder is still empty: rename(2) swaps it for the finished one at once.
        os.replace(temporary, final)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        if final is not None and final.is_dir() and not any(final.iterdir()):
            final.rmdir()
        raise
    write_index(root)
    return final / "report.html"


def _default_title(notebook: str, names: Sequence[str]) -> str:
    if notebook == "compare":
        return " vs ".join(names)
    return f"{notebook}: {', '.join(names)}"


def _echo(log: Any, message: str) -> None:
    if log is not None:
        log(message)


def _notebook_parameters(source: Path) -> list[str]:
    import papermill

    try:
        return list(papermill.inspect_notebook(str(source)))
    except Exception as error:  # noqa: BLE001 - any unreadable notebook is a report error
        raise ReportError(f"cannot read notebook {source}: {error}") from None


def _execute(
    source: Path, target: Path, params: Mapping[str, Any], start_timeout: int, name: str
) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            str(source),
            str(target),
            parameters=dict(params),
            kernel_name="python3",
            start_timeout=start_timeout,
            progress_bar=False,
            log_output=False,
            cwd=str(target.parent),
        )
    except PapermillExecutionError as error:
        raise _execution_error(error, name) from None
    except LeadsimError:
        raise
    except Exception as error:  # noqa: BLE001 - kernel start-up, missing kernelspec, …
        raise ReportError(
            f"notebook {name} could not run: {type(error).__name__}: {error}"
        ) from None


# --------------------------------------------------------------------------- index


def _report_folders(root: Path) -> list[Path]:
    return sorted(
        (
            p
            for p in root.iterdir()
            if p.is_dir() and REPORT_FOLDER.match(p.name) and (p / "report.html").is_file()
        ),
        key=lambda p: p.name,
        reverse=True,
    )


def write_index(out_root: str | os.PathLike[str] = Path("reports")) -> Path:
    """Rewrite ``index.html`` listing every report folder, newest first (atomically)."""
    root = Path(out_root)
    rows = []
    for folder in _report_folders(root):
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        scenarios = ", ".join(str(s.get("name", "")) for s in manifest.get("scenarios", []))
        href = quote(f"{folder.name}/report.html")
        rows.append(
            "<tr>"
            f"<td>{_e(manifest.get('created', folder.name[:17]))}</td>"
            f'<td><a href="{_e(href)}">{_e(manifest.get("title", folder.name))}</a></td>'
            f"<td>{_e(manifest.get('notebook', ''))}</td>"
            f"<td>{_e(scenarios)}</td>"
            f"<td>{_e(manifest.get('replications', ''))}</td>"
            f"<td>{_e(manifest.get('seed', ''))}</td>"
            "</tr>"
        )
    body = "\n".join(rows) if rows else '<tr><td colspan="6">No reports yet.</td></tr>'
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>leadsim reports</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; }}
th {{ background: #eef2f6; }}
</style></head>
<body><h1>leadsim reports</h1>
<p>Newest first. Each folder holds report.html, the executed notebook, the tables (CSV, Excel)
and manifest.json.</p>
<table><thead><tr><th>Created</th><th>Title</th><th>Notebook</th><th>Scenarios</th>
<th>Replications</th><th>Seed</th></tr></thead>
<tbody>
{body}
</tbody></table></body></html>
"""
    target = root / "index.html"
    handle, temporary = tempfile.mkstemp(dir=root, prefix=".index-", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(page)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


# --------------------------------------------------------------------------- reports.yaml


_JOB_KEYS = {
    "title",
    "notebook",
    "scenarios",
    "replications",
    "seed",
    "language",
    "reference",
    "kpi_focus",
    "workers",
    "parameters",
}


def _load_config(path: Path) -> dict[str, Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ReportError(
            f"{path}: cannot read the report configuration ({error.strerror})"
        ) from None
    except YAMLError as error:
        raise ReportError(f"{path}: YAML error: {error}") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: the top level must be a mapping with 'jobs:'")
    unknown = set(data) - {"out", "defaults", "jobs"}
    if unknown:
        raise ReportError(
            f"{path}: unknown key {', '.join(sorted(unknown))} (allowed: out, defaults, jobs)"
        )
    jobs = data.get("jobs")
    if not isinstance(jobs, list) or not jobs:
        raise ReportError(f"{path}: jobs: must be a non-empty list of report jobs")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ReportError(f"{path}: defaults: must be a mapping")
    for where, entry in [("defaults", defaults), *[(f"jobs[{i}]", j) for i, j in enumerate(jobs)]]:
        if not isinstance(entry, dict):
            raise ReportError(f"{path}: {where}: must be a mapping, got {entry!r}")
        extra = set(entry) - _JOB_KEYS
        if extra:
            raise ReportError(
                f"{path}: {where}: unknown key {', '.join(sorted(extra))} "
                f"(allowed: {', '.join(sorted(_JOB_KEYS))})"
            )
    return data


def run_report_config(
    config: str | os.PathLike[str],
    out_root: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = ".leadsim-cache",
    log: Any = None,
) -> list[Path]:
    """Run every job of a ``reports.yaml``; return the report.html paths.

    All jobs run even when one fails; then a ReportError lists the failed jobs (so a cron
    job exits non-zero while the good reports are kept). Paths in the file are relative to it.
    """
    path = Path(config)
    data = _load_config(path)
    base = path.parent
    root = out_root if out_root is not None else base / str(data.get("out", "reports"))
    defaults = data.get("defaults") or {}
    produced: list[Path] = []
    failures: list[str] = []
    for index, job in enumerate(data["jobs"]):
        merged = {**defaults, **job}
        scenarios = merged.pop("scenarios", list(DEFAULT_SCENARIOS))
        if isinstance(scenarios, str):
            scenarios = [scenarios]
        if not isinstance(scenarios, list) or not all(isinstance(s, str) for s in scenarios):
            failures.append(f"jobs[{index}]: scenarios: must be a list of file names")
            continue
        files = [
            str(base / s) if not Path(s).is_absolute() and (base / s).exists() else s
            for s in scenarios
        ]
        label = merged.get("title") or f"jobs[{index}]"
        try:
            report = make_report(
                files,
                out_root=root,
                notebook=merged.pop("notebook", "compare"),
                replications=merged.pop("replications", 10),
                seed=merged.pop("seed", 0),
                title=merged.pop("title", None),
                workers=merged.pop("workers", None),
                language=merged.pop("language", "en"),
                reference=merged.pop("reference", None),
                kpi_focus=merged.pop("kpi_focus", None),
                parameters=merged.pop("parameters", None),
                cache_dir=cache_dir,
                log=log,
            )
        except LeadsimError as error:
            failures.append(f"{path}: jobs[{index}] ({label}): {error}")
            _echo(log, f"FAILED {label}: {error}")
            continue
        produced.append(report)
        _echo(log, str(report))
    if failures:
        raise ReportError(
            f"{len(failures)} of {len(data['jobs'])} report jobs failed:\n" + "\n".join(failures)
        )
    return produced
