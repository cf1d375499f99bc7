"""Claims name their owner: a claim left by a killed run is taken over, a live run's claim is not.

Also: a killed report's temporary folder is removed by a later report, --force through a symbolic
link leaves nothing behind, and an existing file as --out gets advice that works.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from sim import outputs
from sim.outputs import CLAIM_FILE
from sim.report import build

PROJECT = Path(__file__).resolve().parents[2]
RUN = ("run", "small.yaml", "-r", "1", "--workers", "1", "--no-cache")
RESULT_FILES = ["kpis.csv", "leads.parquet", "manifest.json", "scenario.yaml"]


def record_of_a_finished_process() -> dict[str, Any]:
    """The owner record a process wrote before it ended (its pid now names nothing, or something else)."""
    done = subprocess.run(
        [sys.executable, "-c", "import json; from sim.outputs import owner_record; print(json.dumps(owner_record()))"],
        capture_output=True, text=True, check=True, timeout=60,
    )
    return json.loads(done.stdout)


def write_claim(folder: Path, owner: dict[str, Any]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / CLAIM_FILE).write_text(json.dumps(owner))


def test_a_claim_left_by_a_dead_process_is_taken_over_without_force(workdir: Path, cli) -> None:
    out = workdir / "results"
    write_claim(out, record_of_a_finished_process())
    (out / "kpis.csv").write_text("half of a killed run's table")  # the dead run's unfinished files
    (out / ".tmp-x1.part").write_text("half")
    outcome = cli(*RUN, "--out", "results")
    assert outcome.code == 0, outcome.err
    assert sorted(path.name for path in out.iterdir()) == RESULT_FILES
    assert "half" not in (out / "kpis.csv").read_text()


def test_a_claim_whose_pid_was_reused_is_taken_over(workdir: Path, cli) -> None:
    owner = outputs.owner_record()  # this very pid is alive, but it is not the process that claimed
    owner["started"] = str(int(owner["started"]) - 1)
    owner["token"] = "0" * 32
    write_claim(workdir / "results", owner)
    outcome = cli(*RUN, "--out", "results")
    assert outcome.code == 0, outcome.err
    assert sorted(path.name for path in (workdir / "results").iterdir()) == RESULT_FILES


SLEEPER = """
import json, time
from sim.outputs import owner_record
print(json.dumps(owner_record()), flush=True)
time.sleep(120)
"""


def test_a_claim_of_a_live_process_still_refuses(workdir: Path, cli) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", SLEEPER], stdout=subprocess.PIPE, text=True)
    try:
        assert sleeper.stdout is not None
        write_claim(workdir / "busy", json.loads(sleeper.stdout.readline()))
        outcome = cli(*RUN, "--out", "busy")
    finally:
        sleeper.kill()
        sleeper.wait(timeout=30)
    assert outcome.code == 2
    assert "already exists" in outcome.err and f"pid {sleeper.pid}" in outcome.err
    assert "Traceback" not in outcome.err
    assert [path.name for path in (workdir / "busy").iterdir()] == [CLAIM_FILE]


def test_a_dead_runs_complete_results_are_never_taken_over(workdir: Path, cli) -> None:
    out = workdir / "done"
    write_claim(out, record_of_a_finished_process())  # killed after its manifest, before releasing
    (out / "kpis.csv").write_text("complete")
    (out / "manifest.json").write_text("{}")
    outcome = cli(*RUN, "--out", "done")
    assert outcome.code == 2
    assert "already exists and is not empty" in outcome.err
    assert (out / "kpis.csv").read_text() == "complete"


def test_a_claim_is_never_half_written(tmp_path: Path) -> None:
    folder = outputs.claim_folder(tmp_path / "claimed")
    owner = json.loads((folder / CLAIM_FILE).read_text())
    assert owner["pid"] == os.getpid() and owner["host"] and owner["token"]
    assert [path.name for path in folder.iterdir()] == [CLAIM_FILE]


KILLED_REPORT = """
import os, signal, sys
from sim.report import build
def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
build.execute_notebook = killed
build.make_report([sys.argv[1]], out_root=sys.argv[2], cache_dir=None)
"""


class _Stop(Exception):
    """Raised in place of running the report notebook."""


def test_a_killed_reports_temporary_folder_is_removed_by_the_next_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, scenario = tmp_path / "reports", str(PROJECT / "scenarios" / "base.yaml")
    killed = subprocess.run([sys.executable, "-c", KILLED_REPORT, scenario, str(root)], timeout=120, check=False)
    assert killed.returncode == -signal.SIGKILL
    left = [path for path in root.iterdir() if path.name.startswith(build.TEMP_PREFIX)]
    assert len(left) == 1
    live = root / f"{build.TEMP_PREFIX}live"  # a report still running in this process
    live.mkdir()
    outputs.mark_owner(live)
    starting = root / f"{build.TEMP_PREFIX}starting"  # made, but its owner not yet recorded
    starting.mkdir()
    forgotten = root / f"{build.TEMP_PREFIX}forgotten"  # no owner, untouched for two days
    forgotten.mkdir()
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(forgotten, (two_days_ago, two_days_ago))

    def stop(*args: Any) -> None:
        raise _Stop

    monkeypatch.setattr(build, "execute_notebook", stop)
    with pytest.raises(_Stop):
        build.make_report([scenario], out_root=root, cache_dir=None)
    assert sorted(path.name for path in root.iterdir()) == sorted([live.name, starting.name])


def test_force_through_a_symbolic_link_leaves_nothing_behind(workdir: Path, cli) -> None:
    target = workdir / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_text("not leadsim's")
    (workdir / "link").symlink_to(target)
    outcome = cli(*RUN, "--out", "link", "--force")
    assert outcome.code == 0, outcome.err
    assert sorted(path.name for path in workdir.iterdir()) == ["elsewhere", "link", "small.yaml"]
    assert not (workdir / "link").is_symlink()
    assert sorted(path.name for path in (workdir / "link").iterdir()) == RESULT_FILES
    assert (target / "keep.txt").read_text() == "not leadsim's"


def test_a_stale_force_folder_is_removed_by_the_next_force(workdir: Path, cli) -> None:
    stale = workdir / ".results.new-dead0001"  # a --force run killed before its swap
    write_claim(stale, record_of_a_finished_process())
    (stale / "kpis.csv").write_text("half")
    outcome = cli(*RUN, "--out", "results", "--force")
    assert outcome.code == 0, outcome.err
    assert sorted(path.name for path in workdir.iterdir()) == ["results", "small.yaml"]


def test_an_existing_file_as_out_gets_advice_that_works(workdir: Path, cli) -> None:
    (workdir / "notes.txt").write_text("my notes")
    plain = cli(*RUN, "--out", "notes.txt")
    forced = cli(*RUN, "--out", "notes.txt", "--force")
    for outcome in (plain, forced):
        assert outcome.code == 2
        assert "is a file, not a folder" in outcome.err and "Traceback" not in outcome.err
        assert "pass --force" not in outcome.err  # --force refuses a file too
    assert (workdir / "notes.txt").read_text() == "my notes"


def test_of_two_runs_taking_over_one_stale_claim_exactly_one_proceeds(workdir: Path) -> None:
    write_claim(workdir / "shared", record_of_a_finished_process())
    runs = [
        subprocess.Popen([sys.executable, "-m", "sim", *RUN, "--out", "shared"], cwd=workdir,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [process.communicate(timeout=300) for process in runs]
    assert sorted(process.returncode for process in runs) == [0, 2], results
    assert all("Traceback" not in err for _, err in results)
    assert sorted(path.name for path in (workdir / "shared").iterdir()) == RESULT_FILES
