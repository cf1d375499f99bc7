"""Display names: every scenario and lever has a human title, used instead of its file name."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest
from report_helpers import FIXTURES
from ruamel.yaml import YAML

from sim import charts, report
from sim.report.scenarios import PROJECT_ROOT
from sim.scenario.loader import file_title, load_scenario
from sim.workshop.control_table import lever_title

BUNDLED = sorted(
    path for path in (PROJECT_ROOT / "scenarios").rglob("*.yaml")
    # Range files are companions of a scenario file (sim.scenario.ranges), not scenarios.
    if not {"workshop", "ranges"} & set(path.relative_to(PROJECT_ROOT / "scenarios").parts)
)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda path: path.relative_to(PROJECT_ROOT).as_posix())
def test_every_bundled_file_has_its_own_title(path: Path):
    own = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    assert isinstance(own.get("title"), str) and own["title"].strip(), f"{path.name}: no title"
    assert file_title(path) == own["title"]


def test_a_title_is_not_inherited_and_falls_back_to_the_file_name(tmp_path: Path):
    silo = PROJECT_ROOT / "scenarios" / "separate_departments.yaml"
    assert load_scenario(silo).display_title == "Separate departments (today's silo)"
    team = load_scenario(PROJECT_ROOT / "scenarios" / "customer_happiness_team.yaml")
    assert team.display_title == "Customer happiness team (all levers)"  # not its last lever's
    child = tmp_path / "my_variant.yaml"
    child.write_text(f"extends: {silo.as_posix()}\nsales: {{reps: 8}}\n", encoding="utf-8")
    assert load_scenario(child).title == ""
    assert load_scenario(child).display_title == "my_variant"
    assert file_title(child) == "my_variant"
    assert load_scenario(child, ["title=Eight reps"]).display_title == "Eight reps"


def test_the_workshop_names_levers_by_their_titles():
    levers = PROJECT_ROOT / "scenarios" / "levers"
    assert lever_title(levers / "sla.yaml") == file_title(levers / "sla.yaml")


def test_reports_show_titles_in_summary_tables_charts_and_lever_effects(tmp_path: Path):
    shutil.copy(FIXTURES / "weekly_list.yaml", tmp_path / "weekly_list.yaml")
    (tmp_path / "levers").mkdir()
    (tmp_path / "levers" / "instant.yaml").write_text(
        "title: Instant CRM task\nhandoff: {mode: realtime}\n", encoding="utf-8"
    )
    (tmp_path / "levers" / "goals.yaml").write_text(
        "title: Shared goals\nhandoff: {ignore_share: 0.0}\n", encoding="utf-8"
    )
    (tmp_path / "team.yaml").write_text(
        "extends: [weekly_list.yaml, levers/instant.yaml, levers/goals.yaml]\nname: team\n"
        "title: One team <b>&</b> CRM\n",
        encoding="utf-8",
    )
    comparison = report.run_comparison(
        [tmp_path / "weekly_list.yaml", tmp_path / "team.yaml"], reference="weekly_list",
        replications=2, seed=2, workers=1,
    )
    title = "One team <b>&</b> CRM"
    assert comparison.names == ["weekly_list", title]  # no title: the file name
    assert html.escape(title) in report.executive_summary(comparison)
    assert html.escape(title) in report.scenario_overview_html(comparison.scenarios, comparison.reference)
    assert any(title in column for column in report.kpi_table(comparison).columns)
    legend = charts.funnel_chart(charts.funnel_data(comparison.result.leads)).to_dict()
    assert title in str(legend)
    assert "team" not in set(comparison.result.kpis["scenario"])
    effects = report.attribute_levers(comparison)
    assert effects and set(effects[0].table["lever"]) >= {"Instant CRM task", "Shared goals"}
