"""Issue 17 items 1, 5 and 6: results are claimed atomically, replaced whole, named safely, never lost."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from sim import outputs
from sim.cli import experiment as cli_experiment
from sim.errors import OutputError


def _start_run(workdir: Path, out: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", "run", "small.yaml", "-r", "2", "--workers", "1", "--no-cache",
         "--out", out, *extra],
        cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_two_concurrent_runs_into_one_out_exactly_one_succeeds(workdir: Path) -> None:
    first, second = _start_run(workdir, "shared"), _start_run(workdir, "shared")
    results = [process.communicate(timeout=300) for process in (first, second)]
    codes = sorted(process.returncode for process in (first, second))
    assert codes == [0, 2], results
    loser_err = next(err for (_, err), p in zip(results, (first, second), strict=True) if p.returncode == 2)
    assert "already exists" in loser_err and "Traceback" not in loser_err
    files = sorted(path.name for path in (workdir / "shared").iterdir())
    assert files == ["kpis.csv", "leads.parquet", "manifest.json", "scenario.yaml"]


def test_the_out_folder_is_claimed_before_the_simulation(workdir: Path, cli, monkeypatch) -> None:
    seen: list[bool] = []
    real = cli_experiment._experiment

    def spy(resolved, options):
        seen.append((workdir / "claimed").is_dir())
        return real(resolved, options)

    monkeypatch.setattr(cli_experiment, "_experiment", spy)
    outcome = cli("run", "small.yaml", "-r", "1", "--workers", "1", "--no-cache", "--out", "claimed")
    assert outcome.code == 0, outcome.err
    assert seen == [True]


def test_force_replaces_the_folder_as_a_whole(workdir: Path, cli) -> None:
    out = workdir / "results"
    out.mkdir()
    (out / "leads.csv").write_text("yesterday's leads")
    (out / "old").mkdir()
    (out / "old" / "stale.yaml").write_text("x")
    outcome = cli("run", "small.yaml", "-r", "1", "--workers", "1", "--no-cache", "--out", "results",
                  "--force")
    assert outcome.code == 0, outcome.err
    assert sorted(path.name for path in out.iterdir()) == [
        "kpis.csv", "leads.parquet", "manifest.json", "scenario.yaml",
    ]
    assert not [path for path in workdir.iterdir() if path.name.startswith(".results.")]


def test_a_failed_run_leaves_no_folder_and_force_keeps_the_old_one(workdir: Path, cli, monkeypatch) -> None:
    def broken(resolved, options):
        raise OutputError("simulated failure")

    monkeypatch.setattr(cli_experiment, "_experiment", broken)
    assert cli("run", "small.yaml", "-r", "1", "--workers", "1", "--out", "fresh").code == 2
    assert not (workdir / "fresh").exists()
    (workdir / "kept").mkdir()
    (workdir / "kept" / "kpis.csv").write_text("keep me")
    assert cli("run", "small.yaml", "-r", "1", "--workers", "1", "--out", "kept", "--force").code == 2
    assert (workdir / "kept" / "kpis.csv").read_text() == "keep me"
    assert sorted(path.name for path in workdir.iterdir()) == ["kept", "small.yaml"]


def test_result_files_honour_the_umask(workdir: Path, cli) -> None:
    previous = os.umask(0o027)
    try:
        outcome = cli("run", "small.yaml", "-r", "1", "--workers", "1", "--no-cache", "--out", "masked")
    finally:
        os.umask(previous)
    assert outcome.code == 0, outcome.err
    assert (workdir / "masked" / "kpis.csv").stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Marketing/Sales one team", "Marketing_Sales_one_team"),
        ("../../../../tmp/x", "tmp_x"),
        ("/etc/passwd", "etc_passwd"),
        ("..", "unnamed"),
        ("", "unnamed"),
        (".hidden", "hidden"),
        ("a\x00b\nc\\d", "a_b_c_d"),
        ("Vertrieb & Marketing – gemeinsam", "Vertrieb_Marketing_gemeinsam"),
        ("con", "con_file"),  # a Windows device name
        ("Équipe commerciale 東京", "Équipe_commerciale_東京"),
    ],
)
def test_slug_turns_user_text_into_one_safe_file_name(text: str, expected: str) -> None:
    name = outputs.slug(text)
    assert name == expected
    assert "/" not in name and "\\" not in name and "\x00" not in name and ".." not in name
    assert not name.startswith(".") and name


def test_a_scenario_name_never_becomes_a_path(workdir: Path, cli) -> None:
    # The output folder sits deep in the sandbox, so a name used as a path would land inside
    # it (and be found below) instead of probing the machine's /tmp.
    (workdir / "evil.yaml").write_text('extends: small.yaml\nname: "../../../../../evil-leadsim"\n')
    (workdir / "slash.yaml").write_text('extends: small.yaml\nname: "Marketing/Sales one team"\n')
    out = workdir / "a" / "b" / "c" / "cmp"
    outcome = cli("compare", "small.yaml", "evil.yaml", "slash.yaml", "-r", "2", "--workers", "1",
                  "--no-cache", "--out", str(out))
    assert outcome.code == 0, outcome.err
    written = sorted(path.relative_to(out).as_posix() for path in out.rglob("*.yaml"))
    assert written == ["scenarios/Marketing_Sales_one_team.yaml", "scenarios/evil-leadsim.yaml",
                       "scenarios/small.yaml"]
    escaped = [path for path in workdir.rglob("*evil-leadsim*") if path.parent != out / "scenarios"]
    assert escaped == []


@pytest.mark.parametrize("name", ["../../../../leadsim-composed-evil", "Marketing/Sales one team", "/abs"])
def test_composed_scenarios_are_written_under_a_fixed_name(
    workdir: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.experiment.attribution import compose

    # Temporary folders four levels below the sandbox: a name used as a path would escape to it.
    deep = workdir / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    lever = workdir / "lever.yaml"
    lever.write_text("sales:\n  reps: 4\n")
    composed = compose(workdir / "small.yaml", [lever], name)
    assert composed.name == name and composed.sales.reps == 4
    assert not list(workdir.rglob("*leadsim-composed-evil*"))
    assert not list(workdir.rglob("*Sales one team*"))
