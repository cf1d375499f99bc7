"""Long commands tell the truth about time: a plan and an estimate before the first replication,
and an interrupt that says how many replications were cached and how to resume from them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.experiment import executors

pytestmark = pytest.mark.serial  # signals a run between its first and its last replication

PROJECT = Path(__file__).resolve().parents[2]
REPORT_FIXTURES = PROJECT / "tests" / "fixtures" / "reports"
SHORT = ["--set", "horizon.warmup_days=14", "--set", "horizon.measurement_days=120",
         "--set", "horizon.drain_cap_days=30"]
QUIET_MATHS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
INTERRUPTED = re.compile(r"interrupted – (\d+) replications? cached in (.+), run the same command again to resume")


def test_attribute_states_its_plan_and_estimate_before_the_first_replication(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    seen_before_first: list[str] = []

    def first_replication(task: executors.ReplicationTask) -> None:
        seen_before_first.append(capsys.readouterr().err)
        raise KeyboardInterrupt  # Ctrl-C during the first replication

    # --workers 1 runs replications in this process, through the module's run_replication.
    monkeypatch.setattr(executors, "run_replication", first_replication)
    with pytest.raises(SystemExit) as exited:
        main([
            "attribute", str(REPORT_FIXTURES / "weekly_list.yaml"), str(REPORT_FIXTURES / "one_team.yaml"),
            "--kpi", "won", "-r", "2", "--workers", "1", "--no-cache", "-o", str(tmp_path / "out"),
        ])
    assert seen_before_first, "no replication started"
    plan = seen_before_first[0]
    # Two levers: 2^2 lever combinations, each twice.
    assert "4 lever combinations × 2 replications = 8 replications" in plan, plan
    assert re.search(r"about [\d.]+ (seconds|minutes|hours) on 1 worker \(an estimate", plan), plan

    assert exited.value.code == 130
    after = capsys.readouterr().err
    assert "Traceback" not in after
    assert after.strip().splitlines()[-1] == (
        "interrupted – the run used no result cache (--no-cache), so nothing can be resumed"
    )
    assert not (tmp_path / "out").exists()  # an interrupted run leaves no output folder


def entries(folder: Path) -> list[Path]:
    """Finished cache entries (temporary files excluded)."""
    return sorted(folder.glob("*/*.rep"))


def run_command(out: Path, cache: Path) -> list[str]:
    """Six replications of the base company, shortened, on two workers."""
    return [sys.executable, "-m", "sim", "run", str(PROJECT / "scenarios" / "base.yaml"), "-r", "6", "-s", "3",
            *SHORT, "--workers", "2", "--cache-dir", str(cache), "-o", str(out)]


@pytest.fixture(autouse=True)
def ctrl_c_as_in_a_terminal() -> Iterator[None]:
    """Commands started here get Ctrl-C's default action, as a terminal's foreground job does.

    Tests started in the background by a non-interactive shell (``make test &``, some CI runners)
    inherit SIGINT ignored, and so would the commands they start – Python then installs no Ctrl-C
    handler and the signal these tests send is dropped by the environment, not by leadsim. A
    handled signal is reset to its default action in a started program.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def signal_after_first_replication(arguments: list[str], cache: Path, number: int) -> subprocess.CompletedProcess[str]:
    """Start the command and send it ``number`` (to the command only) once a replication is cached."""
    process = subprocess.Popen(arguments, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               encoding="utf-8", start_new_session=True, env={**os.environ, **QUIET_MATHS})
    deadline = time.monotonic() + 240
    try:
        while not entries(cache):
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "no replication was cached"
            time.sleep(0.005)
        process.send_signal(number)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    return subprocess.CompletedProcess(arguments, process.returncode, stdout, stderr)


@pytest.mark.parametrize(("number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_says_what_it_cached_and_the_same_command_resumes(
    number: signal.Signals, code: int, tmp_path: Path
) -> None:
    out, cache = tmp_path / "results", tmp_path / "cache"
    arguments = run_command(out, cache)
    interrupted = signal_after_first_replication(arguments, cache, number)

    assert interrupted.returncode == code, interrupted.stderr
    assert "Traceback" not in interrupted.stderr
    assert re.search(r"^6 replications of base: about .+ on 2 workers \(an estimate", interrupted.stderr, re.MULTILINE)
    last = interrupted.stderr.strip().splitlines()[-1]
    found = INTERRUPTED.fullmatch(last)
    assert found is not None, interrupted.stderr
    cached = int(found.group(1))
    assert found.group(2) == str(cache)
    # The count is what this run stored, and the workers stopped: nothing is written afterwards.
    time.sleep(0.5)
    assert 1 <= cached == len(entries(cache)) < 6
    assert not out.exists()

    resumed = subprocess.run(arguments, cwd=PROJECT, capture_output=True, text=True, encoding="utf-8",
                             timeout=300, check=False, env={**os.environ, **QUIET_MATHS})
    assert resumed.returncode == 0, resumed.stderr
    assert f"replications computed: {6 - cached}, from cache: {cached}" in resumed.stdout
    assert re.search(rf"6 replications of base, {cached} from the cache, {6 - cached} to run: about ",
                     resumed.stderr), resumed.stderr
