"""``leadsim explain`` shows where each value came from; ``leadsim schema`` matches the repo."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "scenarios" / "schema.json"


def explain_csv(run_leadsim, *args: str, cwd: Path) -> dict[str, dict[str, str]]:
    result = run_leadsim("explain", *args, "--format", "csv", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return {row["parameter"]: row for row in csv.DictReader(io.StringIO(result.stdout))}


def test_explain_names_the_file_through_two_levels_of_extends(fixtures_dir, run_leadsim):
    rows = explain_csv(run_leadsim, "child.yaml", cwd=fixtures_dir)

    def source(key: str) -> tuple[str, str, str]:
        row = rows[key]
        return row["source"], row["line"], row["comment"]

    assert rows["name"]["value"] == "child"
    assert source("description")[0] == "grandparent.yaml"
    assert source("channels.web_inquiry.cost_per_lead") == (
        "grandparent.yaml", "6", "paid search average"
    )
    assert source("channels.web_inquiry.leads_per_week") == (
        "parent.yaml", "9", "campaign doubles volume"
    )
    assert rows["channels.web_inquiry.leads_per_week"]["value"] == "20"
    assert source("channels.trade_fair.leads_per_week") == ("grandparent.yaml", "8", "")
    assert source("sales.reps") == ("parent.yaml", "4", "two hires planned")
    assert source("sales.queue") == ("child.yaml", "3", "earliest deadline first")
    assert source("handoff.mode") == ("parent.yaml", "6", "weekly Excel export")
    assert source("channels.demo_request.leads_per_week") == ("child.yaml", "6", "")
    assert source("sales.max_attempts") == ("default (sim/scenario/schema.py)", "", "")


def test_explain_shows_set_overrides(fixtures_dir, run_leadsim):
    rows = explain_csv(
        run_leadsim, "child.yaml", "--set", "channels.trade_fair.leads_per_week=5",
        cwd=fixtures_dir,
    )
    row = rows["channels.trade_fair.leads_per_week"]
    assert (row["value"], row["source"]) == ("5", "'--set")  # quoted: a leading "-" starts a formula


def test_explain_table_and_markdown(fixtures_dir, run_leadsim):
    table = run_leadsim("explain", "child.yaml", cwd=fixtures_dir)
    assert table.returncode == 0, table.stderr
    assert "earliest deadline first" in table.stdout
    markdown = run_leadsim("explain", "child.yaml", "--format", "markdown", cwd=fixtures_dir)
    assert markdown.returncode == 0, markdown.stderr
    assert "| sales.queue | sla | child.yaml:3 | earliest deadline first |" in markdown.stdout


def test_schema_command_prints_json_schema(run_leadsim):
    result = run_leadsim("schema")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["title"] == "leadsim scenario"
    assert "extends" in schema["properties"]
    assert "channels" in schema["properties"]


def test_committed_schema_is_up_to_date(run_leadsim):
    result = run_leadsim("schema")
    assert result.returncode == 0, result.stderr
    assert SCHEMA_FILE.read_text(encoding="utf-8") == result.stdout, (
        "scenarios/schema.json is stale: run `leadsim schema > scenarios/schema.json`"
    )


def test_python_dash_m_and_help(run_leadsim):
    result = run_leadsim("--help")
    assert result.returncode == 0
    for command in ("validate", "schema", "explain"):
        assert command in result.stdout


def test_example_scenarios_validate(run_leadsim):
    examples = sorted((SCHEMA_FILE.parent / "examples").glob("*.yaml"))
    assert examples
    result = run_leadsim("validate", *map(str, examples))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("OK ") == len(examples)
