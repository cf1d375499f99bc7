"""Reports: dated folders that are complete or absent, escaped text, offline HTML, a correct index."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import nbformat
import openpyxl
import pytest
from report_helpers import FIXTURES, HOSTILE, BuiltReport, report_app
from typer.testing import CliRunner

from sim import report
from sim.errors import LeadsimError, ReportError, ScenarioError
from sim.outputs import claim_dated_folder

# --------------------------------------------------------------------------- small pieces


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Weekly org comparison", "weekly-org-comparison"),
        ("../../etc/passwd", "etc-passwd"),
        ("Größe & Übergabe: Q3/2026", "größe-übergabe-q3-2026"),  # Unicode kept (one slug)
        ("<script>", "script"),
        ("", "report"),
        ("////", "report"),
    ],
)
def test_slugify_makes_safe_folder_names(title, slug):
    assert report.slugify(title) == slug
    assert re.fullmatch(r"[\w-]+", report.slugify(title)) and ".." not in report.slugify(title)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"language": "fr"}, "language must be one of en, de"),
        ({"replications": 0}, "replications must be a whole number >= 1"),
        ({"replications": "3"}, "replications must be a whole number"),
        ({"seed": -1}, "seed must be"),
        ({"scenario_files": "a.yaml"}, "scenario_files must be a list"),
        (
            {"scenario_files": ["does/not/exist.yaml"]},
            "scenario file not found: does/not/exist.yaml",
        ),
        ({"kpi_focus": ["revenue", "happiness"]}, "unknown KPI 'happiness'"),
        ({"workers": 0}, "workers must be"),
        ({"output_dir": 5}, "output_dir must be"),
    ],
)
def test_check_parameters_names_the_problem(params, message):
    with pytest.raises(ReportError, match=re.escape(message)):
        report.check_parameters(**params)


def test_scenario_files_are_found_from_the_project_root(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    found = report.find_scenario_file("tests/fixtures/reports/weekly_list.yaml")
    assert found == FIXTURES / "weekly_list.yaml"


def test_external_references_finds_what_a_browser_would_fetch():
    page = """
    <script src="https://cdn.example/vega.js"></script>
    <link rel="stylesheet" href="http://fonts.example/css">
    <style>@import url("https://fonts.example/x.css"); @font-face { src: url(https://f/x.woff) }</style>
    <script type="module">await import("https://cdn.example/m.mjs")</script>
    <img src="//cdn.example/pic.png">
    <svg xmlns="http://www.w3.org/2000/svg"></svg>
    <a href="https://example.org/docs">a link is not fetched</a>
    """
    assert report.external_references(page) == [
        "https://cdn.example/vega.js",
        "http://fonts.example/css",
        "https://fonts.example/x.css",
        "https://f/x.woff",
        "https://cdn.example/m.mjs",
        "//cdn.example/pic.png",
    ]


def test_differing_parameters_name_values_and_sources():
    scenarios = report.load_scenario_files(
        [FIXTURES / "weekly_list.yaml", FIXTURES / "one_team.yaml"]
    )
    table = report.differing_parameters(scenarios).set_index("parameter")
    assert set(table.index) == {"handoff.mode", "handoff.ignore_share", "sales.own_workload_hours_per_week"}
    assert table.loc["handoff.mode", "weekly_list"] == "batch"
    assert table.loc["handoff.mode", "one_team"] == "realtime"
    assert table.loc["handoff.mode", "one_team source"].startswith(
        "tests/fixtures/reports/levers/crm_tasks.yaml:3 – CRM task"
    )
    html_table = report.differing_parameters_html(scenarios)
    assert "<code>handoff.mode</code>" in html_table


def test_lever_overlays_follow_the_extends_order():
    scenarios = report.load_scenario_files(
        [FIXTURES / "weekly_list.yaml", FIXTURES / "one_team.yaml", FIXTURES / "realtime.yaml"]
    )
    overlays = report.lever_overlays(scenarios["weekly_list"], scenarios["one_team"])
    assert [p.name for p in overlays] == ["crm_tasks.yaml", "shared_goals.yaml"]
    assert report.lever_overlays(scenarios["weekly_list"], scenarios["realtime"]) == []
    assert report.lever_overlays(scenarios["one_team"], scenarios["weekly_list"]) == []


@pytest.fixture(scope="module")
def comparison() -> report.Comparison:
    return report.run_comparison(
        [str(FIXTURES / "weekly_list.yaml"), str(FIXTURES / "realtime.yaml")],
        replications=2,
        seed=1,
        workers=1,
    )


def test_the_reference_can_be_any_scenario():
    other = report.run_comparison(
        [str(FIXTURES / "weekly_list.yaml"), str(FIXTURES / "realtime.yaml")],
        reference="realtime",
        replications=2,  # enough for an attribution, so an empty one means "no overlays"
        workers=1,
    )
    assert other.names == ["realtime", "weekly_list"]
    assert list(other.result.scenarios) == ["realtime", "weekly_list"]
    assert "<b>weekly_list</b> compared with <b>realtime</b>" in report.executive_summary(other)
    assert report.attribute_levers(other) == []  # weekly_list adds no overlay to realtime
    with pytest.raises(ReportError, match="reference 'nope' is not one of the scenarios"):
        report.run_comparison([str(FIXTURES / "weekly_list.yaml")], reference="nope")


def test_executive_summary_escapes_scenario_text_and_gives_cis(comparison):
    summary = report.executive_summary(comparison)
    assert "<b>realtime</b>" in summary and "<b>weekly_list</b>" in summary
    assert "95 % CI" in summary
    assert "Revenue" in summary and "Median first response" in summary
    overview = report.scenario_overview_html(comparison.scenarios, comparison.reference)
    assert HOSTILE not in overview
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in overview


def test_kpi_table_has_a_ci_and_a_difference_per_scenario(comparison):
    table = report.kpi_table(comparison)
    assert list(table.columns) == [
        "Key figure",
        "weekly_list: mean [95 % CI]",
        "realtime: mean [95 % CI]",
        "realtime: Δ vs. reference [95 % CI]",
    ]
    revenue = table.set_index("Key figure").loc["Revenue"]
    # a CI bound may be negative with few replications (written with a minus sign)
    assert re.fullmatch(r"−?€[\d,]+ \[−?€[\d,]+; −?€[\d,]+\]", revenue["weekly_list: mean [95 % CI]"])


def test_method_appendix_lists_the_stress_des_items(comparison):
    appendix = report.method_appendix(comparison)
    items = dict(zip(appendix["STRESS-DES"], appendix["This report"], strict=True))
    assert "2 replications" in items["4.3"]
    assert "Seed 1" in items["5.2"] and "CRN" in items["5.2"]
    assert "Warm-up in days: weekly_list: 14" in items["4.1"]
    assert "simpy" in items["5.1"] and "pandas" in items["5.1"]


def test_write_tables(comparison, tmp_path):
    written = report.write_tables(comparison, tmp_path / "tables")
    assert {p.name for p in written} == {
        "kpis.csv",
        "comparison.csv",
        "money.csv",
        "assumptions.csv",
        "comparison.xlsx",
    }
    workbook = openpyxl.load_workbook(tmp_path / "tables" / "comparison.xlsx")
    assert workbook.sheetnames == ["summary", "funnel", "assumptions", "comparison", "money", "kpis", "method"]


# --------------------------------------------------------------------------- the built report


def test_report_command_prints_the_new_report(built_report: BuiltReport):
    folder = built_report.html.parent
    assert built_report.html.name == "report.html"
    assert folder.parent == built_report.root
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}_\d{6}_wochenliste-vs-ein-team-etc", folder.name)
    assert sorted(p.name for p in folder.iterdir()) == [
        "assumptions.csv",
        "compare.ipynb",
        "comparison.csv",
        "comparison.xlsx",
        "kpis.csv",
        "manifest.json",
        "money.csv",
        "report.html",
    ]
    assert not [p for p in built_report.root.iterdir() if p.name.startswith(".")]


def test_manifest_records_what_made_the_report(built_report: BuiltReport):
    manifest = json.loads((built_report.html.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 3 and manifest["replications"] == 2
    assert manifest["notebook"] == "compare"
    weekly = manifest["scenarios"][0]
    assert weekly["name"] == "weekly_list"
    assert (
        weekly["sha256"] == hashlib.sha256((FIXTURES / "weekly_list.yaml").read_bytes()).hexdigest()
    )
    assert len(manifest["scenarios"][1]["chain"]) == 4
    assert {"python", "leadsim", "simpy", "numpy", "pandas", "altair"} <= set(manifest["versions"])
    assert manifest["duration_seconds"] > 0
    assert "git" in manifest


def test_report_is_german_escaped_and_has_the_lever_effects(built_report: BuiltReport):
    page = built_report.html.read_text(encoding="utf-8")
    assert '<html lang="de">' in page
    assert "Zusammenfassung für das Management" in page
    assert "Was jeder Hebel beiträgt" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert HOSTILE not in page
    assert "<script" not in page  # no JavaScript at all: charts are inline SVG
    assert "remove-cell" not in page and "Cells tagged" not in page  # notes for notebook users
    assert report.external_references(page) == []
    notebook = nbformat.read(built_report.html.parent / "compare.ipynb", as_version=4)
    svgs = sum(
        "image/svg+xml" in output.get("data", {})
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
    assert svgs == 8  # funnel, losses, response time, decay, differences, lever effects, portfolio, capacity
    assert page.count('class="jp-RenderedSVG') == svgs


def test_index_lists_reports_newest_first(built_report: BuiltReport, tmp_path):
    index = (built_report.root / "index.html").read_text(encoding="utf-8")
    href = f"{built_report.html.parent.name}/report.html"
    assert f'href="{href}"' in index
    assert "Wochenliste vs. ein Team / ../../etc" in index


# --------------------------------------------------------------------------- failures


def test_a_failing_notebook_leaves_nothing_behind(built_report: BuiltReport, tmp_path):
    failing = tmp_path / "failing.ipynb"
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell(
        'scenario_files = []\nreplications = 1\nseed = 0\ntitle = ""\nlanguage = "en"\n'
        "workers = None\ncache_dir = None\nreference = None\noutput_dir = None"
    )
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [
        parameters,
        nbformat.v4.new_code_cell(
            "open(output_dir + '/partial.csv', 'w').write('x')\nRED = '\\x1b[31m'"
        ),
        nbformat.v4.new_code_cell(
            "# terminal colours must not reach the message\n"
            'raise ValueError("the funnel has no leads: " + RED + "boom")'
        ),
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, failing)
    index_before = (built_report.root / "index.html").read_bytes()
    folders_before = sorted(p.name for p in built_report.root.iterdir())
    with pytest.raises(ReportError) as caught:
        report.make_report(
            [str(FIXTURES / "weekly_list.yaml")],
            out_root=built_report.root,
            notebook=failing,
            replications=1,
            cache_dir=None,
        )
    message = str(caught.value)
    assert message == (
        "notebook failing failed in the cell starting "
        '`raise ValueError("the funnel has no leads: " + RED + "boom")`: '
        "ValueError: the funnel has no leads: boom"
    )
    assert "Traceback" not in message and "\x1b" not in message
    assert sorted(p.name for p in built_report.root.iterdir()) == folders_before
    assert (built_report.root / "index.html").read_bytes() == index_before


def test_a_bad_scenario_fails_before_anything_is_written(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("channels:\n  - name: web\n    leads_per_week: -3\n", encoding="utf-8")
    out = tmp_path / "reports"
    with pytest.raises(ScenarioError, match=r"bad.yaml:3"):
        report.make_report([str(bad)], out_root=out, replications=1, cache_dir=None)
    assert not out.exists()


def test_unknown_notebook_and_parameters_are_refused(tmp_path):
    with pytest.raises(ReportError, match="unknown notebook 'summary'"):
        report.make_report(
            [str(FIXTURES / "weekly_list.yaml")], out_root=tmp_path, notebook="summary"
        )
    with pytest.raises(ReportError, match="has no parameter colour"):
        report.make_report(
            [str(FIXTURES / "weekly_list.yaml")],
            out_root=tmp_path,
            parameters={"colour": "red"},
            cache_dir=None,
        )
    with pytest.raises(ReportError, match="takes one scenario file, got 2"):
        report.make_report(
            [str(FIXTURES / "weekly_list.yaml"), str(FIXTURES / "realtime.yaml")],
            out_root=tmp_path,
            notebook="scenario",
        )
    assert not [p for p in tmp_path.iterdir() if p.name != "index.html"]


# --------------------------------------------------------------------------- reports.yaml


def test_config_runs_every_job_and_reports_the_failed_ones(built_report: BuiltReport, tmp_path):
    config = tmp_path / "reports.yaml"
    config.write_text(
        f"""
out: {built_report.root}
defaults:
  replications: 3
  workers: 1
jobs:
  - title: Realtime deep dive
    notebook: scenario
    scenarios: [{FIXTURES / "realtime.yaml"}]
    parameters: {{journeys: 2, replications: 1}}
  - title: Broken job
    scenarios: [missing.yaml]
""",
        encoding="utf-8",
    )
    logged: list[str] = []
    with pytest.raises(ReportError) as caught:
        report.run_report_config(config, cache_dir=None, log=logged.append)
    message = str(caught.value)
    assert message.startswith("1 of 2 report jobs failed")
    assert "jobs[1] (Broken job): scenario file not found: missing.yaml" in message
    folders = sorted(
        p.name for p in built_report.root.iterdir() if report.REPORT_FOLDER.match(p.name)
    )
    assert len(folders) == 2 and folders[-1].endswith("_realtime-deep-dive")
    index = (built_report.root / "index.html").read_text(encoding="utf-8")
    assert index.index("Realtime deep dive") < index.index("Wochenliste")  # newest first
    deep_dive = (built_report.root / folders[-1] / "report.html").read_text(encoding="utf-8")
    assert "A few lead journeys" in deep_dive
    manifest = json.loads((built_report.root / folders[-1] / "manifest.json").read_text("utf-8"))
    assert manifest["replications"] == 1  # the job's parameters win over its defaults
    assert manifest["parameters"]["journeys"] == 2
    # The index lists every job of the run with its status, the failure with its reason …
    assert '<tr class="job-ok"><td>Realtime deep dive</td><td>ok</td>' in index
    assert '<tr class="job-failed"><td>Broken job</td><td>failed</td>' in index
    assert "scenario file not found: missing.yaml" in index
    # … and links every report's page, workbook and CSV tables.
    for name in ("report.html", "scenario.xlsx", "channels.csv", "kpis.csv"):
        assert f'href="{folders[-1]}/{name}"' in index


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("jobs: []\n", "jobs: must be a non-empty list"),
        ("jobz: [1]\n", "unknown key jobz"),
        ("jobs:\n  - title: x\n    replication: 3\n", "jobs[0]: unknown key replication"),
        ("jobs: [\n", "YAML error"),
    ],
)
def test_config_errors_name_the_key(tmp_path, content, message):
    config = tmp_path / "reports.yaml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(ReportError, match=re.escape(message)):
        report.run_report_config(config)


def test_cli_errors_are_leadsim_errors(tmp_path):
    result = CliRunner().invoke(report_app(), ["report", "--config", str(tmp_path / "none.yaml")])
    assert result.exit_code != 0
    assert isinstance(result.exception, LeadsimError)
    assert "cannot read the report configuration" in str(result.exception)
    result = CliRunner().invoke(report_app(), ["report", "--replications", "0"])
    assert result.exit_code == 2
    assert "replications" in result.output


def test_the_leadsim_command_has_the_report_command():
    from sim.cli.main import app

    names = {command.name or command.callback.__name__ for command in app.registered_commands}
    assert "report" in names
    result = CliRunner().invoke(app, ["report", "--help"])
    assert result.exit_code == 0 and "--replications" in result.output


def test_reports_readme_describes_the_folders():
    readme = Path(report.PROJECT_ROOT / "reports" / "README.md").read_text(encoding="utf-8")
    for name in ("report.html", "manifest.json", "index.html", "comparison.xlsx"):
        assert name in readme


def test_report_folders_are_never_reused(tmp_path):
    now = dt.datetime(2026, 3, 2, 6, 0, 5)
    names = [claim_dated_folder(tmp_path, "weekly", now).name for _ in range(3)]
    assert names == [
        "2026-03-02_060005_weekly",
        "2026-03-02_060005_weekly-2",
        "2026-03-02_060005_weekly-3",
    ]


def test_index_escapes_titles_and_skips_other_folders(tmp_path):
    good = tmp_path / "2026-03-02_060005_x"
    good.mkdir()
    (good / "report.html").write_text("<html></html>", encoding="utf-8")
    (good / "manifest.json").write_text(
        json.dumps({"title": HOSTILE, "scenarios": [{"name": "a&b"}]}), encoding="utf-8"
    )
    (tmp_path / ".tmp-report-abc").mkdir()
    (tmp_path / "notes").mkdir()
    index = report.write_index(tmp_path).read_text(encoding="utf-8")
    assert HOSTILE not in index and "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert "a&amp;b" in index
    assert index.count("<tr><td>") == 1 and ".tmp-report" not in index and "notes" not in index


def test_the_command_and_the_library_agree_on_the_default_scenarios():
    from sim.cli import report as cli_report

    assert cli_report.DEFAULT_SCENARIOS == report.DEFAULT_SCENARIOS
    for path in report.DEFAULT_SCENARIOS:
        assert (report.PROJECT_ROOT / path).is_file()
