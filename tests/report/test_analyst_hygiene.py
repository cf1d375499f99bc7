"""What an analyst running reports from cron relies on: progress, a quiet log, readable files, checked parameters.

One real ``leadsim report`` run in a subprocess (as cron starts it, umask 022) of a setup the
workshop saved serves several tests: it must compare the setup with its starting point, print
progress with the time left, write no false-alarm ERROR line, and leave files colleagues can read.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from report_helpers import FIXTURES

from sim import report
from sim.errors import ReportError


@dataclass(frozen=True)
class CronRun:
    """A ``leadsim report`` run in a subprocess: its exit code, combined output and folders."""

    returncode: int
    output: str
    root: Path
    setup: Path


def _workshop_setup(folder: Path) -> Path:
    """A setup as the workshop saves it: the starting file plus the changed keys."""
    folder.mkdir(parents=True)
    setup = folder / "weekly-list-realtime.yaml"
    setup.write_text(
        "# Saved in the leadsim workshop on 2026-12-01: weekly_list.yaml with these changes\n"
        f"extends: {json.dumps(str(FIXTURES / 'weekly_list.yaml'))}\n"
        "name: weekly-list-realtime\n"
        "handoff:\n  mode: realtime\n",
        encoding="utf-8",
    )
    return setup


@pytest.fixture(scope="module")
def cron_run(tmp_path_factory: pytest.TempPathFactory) -> CronRun:
    """``leadsim report <workshop setup>`` under umask 022, stdout and stderr in one log."""
    base = tmp_path_factory.mktemp("cron")
    setup = _workshop_setup(base / "scenarios" / "workshop")
    root = base / "reports"
    completed = subprocess.run(
        [sys.executable, "-m", "sim", "report", str(setup), "--replications", "1",
         "--workers", "1", "--no-cache", "--no-levers", "--out", str(root)],
        cwd=base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600,
        preexec_fn=lambda: os.umask(0o022),
        check=False,
    )
    return CronRun(completed.returncode, completed.stdout, root, setup)


def _folder(run: CronRun) -> Path:
    return next(p for p in run.root.iterdir() if report.REPORT_FOLDER.match(p.name))


def test_a_successful_run_logs_no_error_line(cron_run: CronRun):
    assert cron_run.returncode == 0, cron_run.output
    lines = cron_run.output.replace("\r", "\n").splitlines()
    assert not [line for line in lines if "ERROR" in line]
    assert not [line for line in lines if "Unable to parse" in line or "WARNING" in line]


def test_the_run_prints_progress_with_time_left(cron_run: CronRun):
    updates = cron_run.output.replace("\r", "\n").splitlines()
    cells = [line for line in updates if line.startswith("Executing:")]
    replications = [line for line in updates if line.startswith("replications:")]
    assert cells and replications, cron_run.output
    # One cell can hold an hour of replications: the cell bar shows no time left, the replication bar does.
    assert not [line for line in cells if "left" in line or "<" in line]
    assert any(" left]" in line for line in replications), replications


def test_report_folders_and_files_follow_the_umask(cron_run: CronRun):
    folder = _folder(cron_run)
    for path in [cron_run.root, folder]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o755, path
    for path in [cron_run.root / "index.html", *folder.iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_the_index_follows_another_umask(tmp_path: Path):
    before = os.umask(0o027)
    try:
        index = report.write_index(tmp_path)
    finally:
        os.umask(before)
    assert stat.S_IMODE(index.stat().st_mode) == 0o640


def test_a_workshop_setup_is_compared_with_its_starting_point(cron_run: CronRun):
    folder = _folder(cron_run)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in manifest["scenarios"]] == ["weekly_list", "weekly-list-realtime"]
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "<b>weekly-list-realtime</b> compared with <b>weekly_list</b>" in page
    assert report.starting_point(cron_run.setup) == FIXTURES / "weekly_list.yaml"
    assert report.starting_point(FIXTURES / "realtime.yaml") is None  # not a workshop setup


# --------------------------------------------------------------------------- -p parameters


def test_unknown_report_parameters_exit_2_before_anything_runs(tmp_path: Path):
    def leadsim_report(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sim", "report", *args, "--out", str(tmp_path / "reports")],
            capture_output=True, text=True, timeout=120, check=False,
        )

    unknown = leadsim_report(str(FIXTURES / "weekly_list.yaml"), "-p", "colour=red")
    assert unknown.returncode == 2
    assert "has no parameter colour" in unknown.stderr and "Traceback" not in unknown.stderr
    malformed = leadsim_report("-p", "no-equals-sign")
    assert malformed.returncode == 2 and "key=value" in malformed.stderr
    assert not (tmp_path / "reports").exists()


def test_report_parameters_are_read_as_yaml():
    from sim.cli.report import parse_parameters

    assert parse_parameters(["replications=2", "title=Q3 review", "kpi_focus=[revenue, won]"]) == {
        "replications": 2,
        "title": "Q3 review",
        "kpi_focus": ["revenue", "won"],
    }


def test_job_parameters_are_checked_before_any_job_runs(tmp_path: Path):
    config = tmp_path / "reports.yaml"
    config.write_text(
        f"jobs:\n  - title: fine\n    scenarios: [{FIXTURES / 'weekly_list.yaml'}]\n"
        f"  - title: typo\n    notebook: scenario\n    scenarios: [{FIXTURES / 'weekly_list.yaml'}]\n"
        "    parameters: {journey: 2}\n",
        encoding="utf-8",
    )
    with pytest.raises(ReportError, match=r"jobs\[1\]: parameters: notebook scenario has no parameter journey"):
        report.run_report_config(config, out_root=tmp_path / "reports", cache_dir=None)
    assert not (tmp_path / "reports").exists()


# --------------------------------------------------------------------------- names are no paths


def _lever_setup(folder: Path, name: str) -> Path:
    """Weekly list plus one lever overlay, under a scenario name that looks like a path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"target-{uuid.uuid4().hex[:8]}.yaml"
    target.write_text(
        "extends:\n"
        f"  - {json.dumps(str(FIXTURES / 'weekly_list.yaml'))}\n"
        f"  - {json.dumps(str(FIXTURES / 'levers' / 'crm_tasks.yaml'))}\n"
        f"name: {json.dumps(name)}\n",
        encoding="utf-8",
    )
    return target


@pytest.mark.parametrize("kind", ["escaping", "slash"])
def test_scenario_names_never_become_paths(tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch):
    marker = f"leadsim-escape-{uuid.uuid4().hex[:8]}"
    name = f"../../../../{marker}" if kind == "escaping" else "Marketing/Sales one team"
    # Temporary folders four levels below the sandbox: a name used as a path would escape to
    # the sandbox (found below), not to the machine's /tmp.
    deep = tmp_path / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    target = _lever_setup(tmp_path / "scenarios", name)
    comparison = report.run_comparison(
        [str(FIXTURES / "weekly_list.yaml"), str(target)], replications=2, workers=1
    )
    effects = report.attribute_levers(comparison, kpi="won", workers=1)
    assert [e.target for e in effects] == [name]
    assert "crm_tasks" in set(effects[0].table["lever"])
    assert not list(tmp_path.rglob(f"{marker}*"))
    assert not list(tmp_path.rglob("*Sales one team*"))
    assert report.lever_table(effects[0]).shape[0] == len(effects[0].table)


def test_a_single_replication_report_skips_the_attribution():
    comparison = report.run_comparison(
        [str(FIXTURES / "weekly_list.yaml"), str(FIXTURES / "one_team.yaml")], replications=1, workers=1
    )
    assert report.attribute_levers(comparison) == []
