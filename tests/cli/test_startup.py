"""``leadsim --help``, ``validate`` and ``explain`` start fast: pandas, SciPy and SimPy stay unimported.

Start-up time is measured in benchmarks; what this test defends is the cause of slow start-up –
a heavy import on the way to the command – which a module-level import anywhere in ``sim.cli``
would bring back.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "scipy", "simpy", "pyarrow", "altair", "papermill", "distributed")
PROBE = """
import sys
from sim.cli.main import main
try:
    main({args!r})
except SystemExit:
    pass
print("IMPORTED:" + ",".join(name for name in {heavy!r} if name in sys.modules))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["run", "--help"],
        ["validate", str(ROOT / "scenarios" / "base.yaml")],
        ["explain", str(ROOT / "scenarios" / "base.yaml")],
    ],
)
def test_light_commands_import_no_heavy_library(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    line = done.stdout.strip().splitlines()[-1]
    assert line == "IMPORTED:", f"{args} imported {line.removeprefix('IMPORTED:')}\n{done.stderr}"
