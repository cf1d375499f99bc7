"""leadsim run / compare / warmup: the files an analyst gets, and folders that are never overwritten."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from sim.cli.experiment import register
from sim.cli.output_folder import choose_out_dir
from sim.cli.settings import parse_replications
from sim.errors import ExperimentError, LeadsimError, OutputError
from sim.experiment.runner import run_experiment
from sim.stats import COMPARISON_COLUMNS

SMALL_YAML = """\
horizon: {warmup_days: 7, measurement_days: 56, drain_cap_days: 60}
channels:
  - name: web_inquiry
    leads_per_week: 40
sales:
  reps: 3
"""


@pytest.fixture
def app() -> typer.Typer:
    """A leadsim-like app with the experiment commands registered."""
    application = typer.Typer()

    @application.callback()
    def _root() -> None:
        """leadsim"""

    register(application)
    return application


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with two scenario files (three and four reps)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "today.yaml").write_text(SMALL_YAML, encoding="utf-8")
    (tmp_path / "more_reps.yaml").write_text(SMALL_YAML.replace("reps: 3", "reps: 4"), encoding="utf-8")
    return tmp_path


def invoke(app: typer.Typer, *args: str):
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, (SystemExit, LeadsimError)):
        raise result.exception
    return result


def no_temporaries(folder: Path) -> bool:
    return not [path for path in folder.rglob("*") if path.name.startswith(".tmp-")]


def test_run_writes_leads_kpis_scenario_and_manifest(app, workdir: Path) -> None:
    result = invoke(app, "run", "today.yaml", "-r", "3", "--seed", "7", "--workers", "1",
                    "--out", "results", "--csv")
    assert result.exit_code == 0, result.output
    out = workdir / "results"
    assert sorted(path.name for path in out.iterdir()) == [
        "kpis.csv", "leads.csv", "leads.parquet", "manifest.json", "scenario.yaml",
    ]
    assert no_temporaries(out)
    kpis = pd.read_csv(out / "kpis.csv")
    leads = pd.read_parquet(out / "leads.parquet")
    assert kpis["replication"].tolist() == [0, 1, 2]
    assert set(leads["scenario"]) == {"today"}
    assert len(pd.read_csv(out / "leads.csv")) == len(leads)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["replications"] == 3
    assert manifest["leadsim_version"] and manifest["started_at"] and manifest["finished_at"]
    assert manifest["scenarios"][0]["name"] == "today"
    assert len(manifest["scenarios"][0]["content_sha256"]) == 64
    assert "reps: 3" in (out / "scenario.yaml").read_text()
    assert "revenue" in result.output  # the KPI summary table


def test_run_results_match_the_python_api(app, workdir: Path) -> None:
    invoke(app, "run", "today.yaml", "-r", "2", "--seed", "3", "--workers", "1", "--out", "r", "--no-cache")
    from sim.scenario.loader import load_scenario

    expected = run_experiment([load_scenario("today.yaml")], replications=2, seed=3, workers=1, cache_dir=None)
    written = pd.read_parquet(workdir / "r" / "leads.parquet")
    pd.testing.assert_frame_equal(written, expected.leads, check_dtype=False)
    assert not (workdir / ".leadsim-cache").exists()


def test_a_folder_with_results_is_never_overwritten(app, workdir: Path) -> None:
    out = workdir / "results"
    out.mkdir()
    (out / "yesterday.csv").write_text("keep me")
    refused = invoke(app, "run", "today.yaml", "-r", "1", "--workers", "1", "--out", "results")
    assert isinstance(refused.exception, OutputError)
    assert "already exists" in str(refused.exception) and "--force" in str(refused.exception)
    assert [path.name for path in out.iterdir()] == ["yesterday.csv"]
    forced = invoke(app, "run", "today.yaml", "-r", "1", "--workers", "1", "--out", "results", "--force")
    assert forced.exit_code == 0, forced.output
    # --force replaces the folder as a whole: no old file survives beside the new manifest
    assert (out / "manifest.json").exists() and not (out / "yesterday.csv").exists()


def test_default_out_folders_are_timestamped_and_fresh(workdir: Path) -> None:
    first = choose_out_dir(None, "run", force=False)
    assert first.parent == Path("out") and first.name.startswith("run-")
    first.mkdir(parents=True)
    (first / "kpis.csv").write_text("x")
    second = choose_out_dir(None, "run", force=False)
    assert second != first and not second.exists()


def test_compare_writes_the_comparison_and_the_resolved_scenarios(app, workdir: Path) -> None:
    result = invoke(app, "compare", "today.yaml", "more_reps.yaml", "today.yaml", "-r", "3",
                    "--workers", "1", "--out", "cmp")
    assert result.exit_code == 0, result.output
    out = workdir / "cmp"
    comparison = pd.read_csv(out / "comparison.csv")
    assert tuple(comparison.columns) == COMPARISON_COLUMNS
    assert comparison["scenario"].unique().tolist() == ["today", "more_reps", "today-2"]
    assert sorted(path.name for path in (out / "scenarios").iterdir()) == [
        "more_reps.yaml", "today-2.yaml", "today.yaml",
    ]
    kpis = pd.read_csv(out / "kpis.csv")
    assert len(kpis) == 9
    assert set(pd.read_parquet(out / "leads.parquet")["scenario"]) == {"today", "more_reps", "today-2"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert [item["name"] for item in manifest["scenarios"]] == ["today", "more_reps", "today-2"]
    assert manifest["scenarios"][0]["content_sha256"] == manifest["scenarios"][2]["content_sha256"]
    assert "Δ vs reference" in result.output
    revenue = comparison[(comparison["kpi"] == "revenue") & (comparison["scenario"] == "today-2")]
    assert revenue["diff_vs_reference"].item() == 0.0


def test_compare_auto_reports_the_replications_needed(app, workdir: Path) -> None:
    result = invoke(app, "compare", "today.yaml", "more_reps.yaml", "--replications", "auto",
                    "--precision", "0.05", "--precision-kpi", "leads", "--max-replications", "40",
                    "--workers", "1", "--out", "auto")
    assert result.exit_code == 0, result.output
    manifest = json.loads((workdir / "auto" / "manifest.json").read_text())
    needed = manifest["replications_needed"]
    assert manifest["replications_mode"] == "auto" and manifest["precision"]["reached"] is True
    assert f"precision reached after {needed} replications" in result.output
    assert len(pd.read_csv(workdir / "auto" / "kpis.csv")) == 2 * manifest["replications"]


def test_warmup_prints_the_series_and_the_mser5_point(app, workdir: Path) -> None:
    result = invoke(app, "warmup", "today.yaml", "-r", "2", "--workers", "1", "--kpi", "handoffs")
    assert result.exit_code == 0, result.output
    assert "MSER-5 truncation point: week" in result.output
    assert "scenario warm-up: 7 days" in result.output
    bad = invoke(app, "warmup", "today.yaml", "--kpi", "happiness")
    assert isinstance(bad.exception, ExperimentError) and "mean_queue_length" in str(bad.exception)


@pytest.mark.parametrize("text", ["0", "-3", "ten", "2.5"])
def test_bad_replications_are_rejected(text: str) -> None:
    with pytest.raises(ExperimentError, match="--replications must be a whole number >= 1 or 'auto'"):
        parse_replications(text)
    assert parse_replications("AUTO") is None and parse_replications("12") == 12


def test_bad_scenario_file_is_a_scenario_error_and_writes_nothing(app, workdir: Path) -> None:
    (workdir / "broken.yaml").write_text("channels: []\n")
    result = invoke(app, "run", "broken.yaml", "-r", "1", "--out", "never")
    assert isinstance(result.exception, LeadsimError)
    assert not (workdir / "never").exists()
