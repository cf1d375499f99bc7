"""Reports for management: org setups compared in a page that opens on any laptop, offline.

A consultant or a nightly job asks "what does the customer-happiness team buy us compared with
separate departments?". The answer is a report: an executive summary in plain words with the
key numbers and their uncertainty, the funnel, response times, the KPI table, what each lever
contributes, the capacity the change needs, the assumptions that differ and how the numbers
were made. The report presents: experiments, sweeps and attribution run in ``sim.experiment``.

Notebooks write ``from sim import report`` and call ``report.executive_summary(...)``;
``make_report`` runs a notebook into a dated folder, ``run_report_config`` runs a
``reports.yaml``.
"""

from sim.errors import ReportError
from sim.outputs import git_revision
from sim.report.board import (
    comparison_money,
    front_page_html,
    key_figures_table,
    money_table_html,
    three_sentences,
    why_notes,
)
from sim.report.build import make_report, slugify
from sim.report.comparison import (
    Comparison,
    calendars,
    kpi_row,
    response_markers,
    run_comparison,
    sla_hours,
    verdict,
)
from sim.report.content import (
    executive_summary,
    scenario_overview_html,
    scenario_summary,
    title_html,
)
from sim.report.excel import write_scenario_tables, write_tables
from sim.report.export import external_references, notebook_to_html
from sim.report.index import REPORT_FOLDER, JobStatus, write_index
from sim.report.jobs import run_report_config
from sim.report.levers import (
    LeverEffects,
    attribute_levers,
    lever_note,
    lever_overlays,
    lever_table,
    lever_table_html,
)
from sim.report.method import method_appendix, method_appendix_html, software_versions
from sim.report.notebooks import NOTEBOOKS, notebook_path
from sim.report.parameters import check_parameters
from sim.report.portfolio import (
    LeverPortfolio,
    check_portfolio_target,
    lever_portfolio,
    portfolio_note,
)
from sim.report.robustness import (
    assess_robustness,
    assumption_ranges,
    robustness_html,
    tornado_inputs,
)
from sim.report.scenarios import (
    DEFAULT_SCENARIOS,
    PROJECT_ROOT,
    ScenarioFile,
    find_scenario_file,
    load_scenario_files,
    starting_point,
)
from sim.report.tables import (
    channel_table,
    channel_table_html,
    differing_parameters,
    differing_parameters_html,
    funnel_table,
    funnel_table_html,
    journey_table,
    journey_table_html,
    kpi_table,
    kpi_table_html,
    lead_journeys,
)
from sim.report.texts import heading, note, text

__all__ = [
    "DEFAULT_SCENARIOS",
    "NOTEBOOKS",
    "PROJECT_ROOT",
    "REPORT_FOLDER",
    "Comparison",
    "JobStatus",
    "LeverEffects",
    "LeverPortfolio",
    "ReportError",
    "ScenarioFile",
    "assess_robustness",
    "assumption_ranges",
    "attribute_levers",
    "calendars",
    "channel_table",
    "channel_table_html",
    "check_parameters",
    "check_portfolio_target",
    "comparison_money",
    "differing_parameters",
    "differing_parameters_html",
    "executive_summary",
    "external_references",
    "find_scenario_file",
    "front_page_html",
    "funnel_table",
    "funnel_table_html",
    "git_revision",
    "heading",
    "journey_table",
    "journey_table_html",
    "key_figures_table",
    "kpi_row",
    "kpi_table",
    "kpi_table_html",
    "lead_journeys",
    "lever_note",
    "lever_overlays",
    "lever_portfolio",
    "lever_table",
    "lever_table_html",
    "load_scenario_files",
    "make_report",
    "method_appendix",
    "method_appendix_html",
    "money_table_html",
    "note",
    "notebook_path",
    "notebook_to_html",
    "portfolio_note",
    "response_markers",
    "robustness_html",
    "run_comparison",
    "run_report_config",
    "scenario_overview_html",
    "scenario_summary",
    "sla_hours",
    "slugify",
    "software_versions",
    "starting_point",
    "text",
    "three_sentences",
    "title_html",
    "tornado_inputs",
    "verdict",
    "why_notes",
    "write_index",
    "write_scenario_tables",
    "write_tables",
]
