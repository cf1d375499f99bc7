"""Issue 17 item 6: every command against unwritable, missing and special paths exits 2 with a message."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from safety_helpers import assert_clean_refusal, run_bounded

from sim import outputs
from sim.experiment import executors as runner_module

RUN = ("-r", "1", "--workers", "1", "--no-cache")


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to simulate fails the test: path problems must be found first."""

    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a replication was simulated")

    monkeypatch.setattr(runner_module, "simulate", forbidden)


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch, workdir: Path) -> Path:
    """A folder the user may not write into (tests run as root, so permission bits do not bite)."""
    folder = workdir / "locked"
    folder.mkdir()
    real_access = os.access

    def access(path: object, mode: int, *args: object, **kwargs: object) -> bool:
        if Path(os.fspath(path)).resolve() == folder.resolve() and mode & os.W_OK:  # type: ignore[arg-type]
            return False
        return real_access(path, mode, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(outputs.os, "access", access)
    return folder


def _special(workdir: Path) -> dict[str, str]:
    (workdir / "a_file").write_text("x")
    os.mkfifo(workdir / "fifo")
    return {
        "under_a_file": "a_file/out",
        "a_file": "a_file",
        "device": "/dev/null",
        "fifo": "fifo",
    }


@pytest.mark.parametrize("kind", ["missing.yaml", "folder", "fifo", "device"])
@pytest.mark.parametrize("command", ["validate", "explain", "run", "compare", "warmup", "assumptions"])
def test_every_command_refuses_bad_scenario_paths(workdir: Path, cli, no_simulation, command, kind) -> None:
    os.mkfifo(workdir / "fifo")
    (workdir / "folder").mkdir()
    path = {"missing.yaml": "missing.yaml", "folder": "folder", "fifo": "fifo", "device": "/dev/zero"}[kind]
    args = [command, path]
    if command in ("run", "compare"):
        args += [*RUN, "--out", "out"]
    if command == "warmup":
        args += ["-r", "1", "--workers", "1", "--no-cache"]
    outcome = cli(*args)
    assert_clean_refusal(outcome)
    assert outcome.err.strip() and len(outcome.err) < 1000
    assert not (workdir / "out").exists()


@pytest.mark.parametrize("target", ["under_a_file", "a_file", "device", "fifo"])
@pytest.mark.parametrize("command", ["run", "compare", "attribute"])
def test_experiment_commands_refuse_bad_out_paths(workdir: Path, cli, no_simulation, command, target) -> None:
    out = _special(workdir)[target]
    files = {"run": ["small.yaml"], "compare": ["small.yaml", "small.yaml"],
             "attribute": ["small.yaml", "small.yaml"]}[command]
    extra = ["-r", "2", "--workers", "1", "--no-cache"] if command == "attribute" else list(RUN)
    outcome = cli(command, *files, *extra, "--out", out)
    assert_clean_refusal(outcome, out)


def test_run_into_an_unwritable_folder_fails_before_simulating(workdir: Path, cli, no_simulation, read_only) -> None:
    outcome = cli("run", "small.yaml", *RUN, "--out", "locked/out")
    assert_clean_refusal(outcome, "cannot write into folder", "locked")


def test_bad_cache_dir_is_a_message(workdir: Path, cli, no_simulation) -> None:
    (workdir / "a_file").write_text("x")
    outcome = cli("run", "small.yaml", "-r", "1", "--workers", "1", "--cache-dir", "a_file/cache", "--out", "o")
    assert_clean_refusal(outcome, "cache folder")


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("folder", "is a folder"),
        ("missing/ASSUMPTIONS.md", "does not exist"),
        ("a_file/ASSUMPTIONS.md", "is a file, not a folder"),
        ("fifo", "special file"),
        ("locked/ASSUMPTIONS.md", "cannot write into folder"),
    ],
)
def test_assumptions_write_refuses_bad_targets(workdir: Path, cli, read_only, target, fragment) -> None:
    (workdir / "folder").mkdir()
    (workdir / "a_file").write_text("x")
    os.mkfifo(workdir / "fifo")
    outcome = cli("assumptions", "small.yaml", "--write", target)
    assert_clean_refusal(outcome, fragment)


def test_assumptions_write_still_writes(workdir: Path, cli) -> None:
    outcome = cli("assumptions", "small.yaml", "--write", "ASSUMPTIONS.md")
    assert outcome.code == 0, outcome.err
    assert (workdir / "ASSUMPTIONS.md").read_text().strip()


@pytest.mark.parametrize("target", ["locked", "a_file/reports", "/dev/null"])
def test_report_refuses_an_unwritable_out_before_simulating(
    workdir: Path, cli, read_only, monkeypatch, target
) -> None:
    from sim.report import build

    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the report ran")

    monkeypatch.setattr(build, "make_report", forbidden)
    (workdir / "a_file").write_text("x")
    outcome = cli("report", "small.yaml", "--out", target)
    assert_clean_refusal(outcome, "--out folder")


def test_a_garbage_scheduler_exits_2_at_once_without_a_stray_traceback(workdir: Path) -> None:
    started = time.monotonic()
    outcome = run_bounded("run", "small.yaml", "-r", "1", "--scheduler", "garbage://x", "--out", "o",
                          cwd=workdir)
    assert_clean_refusal(outcome, "garbage://x", "tcp://")
    assert "Client" not in outcome.err
    assert time.monotonic() - started < 60  # it used to wait 20 s for the connection
    assert not (workdir / "o").exists()
