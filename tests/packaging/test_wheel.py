"""The wheel stands on its own: installed outside the checkout, its commands find the bundled files.

A consultant installs leadsim with pip and runs it from any folder; the scenarios and notebooks
must come with the wheel (``sim/_bundled``), not from a source tree that is not there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the checkout with the freshly built wheel installed (no editable sim).

    The dependencies are borrowed from the test environment's site-packages through a path entry:
    a plain path entry does not run the ``.pth`` hooks of the editable install, so ``import sim``
    can only find the wheel.
    """
    base = tmp_path_factory.mktemp("wheel")
    wheels = base / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    (wheel,) = wheels.glob("leadsim-*.whl")
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    (Path(site) / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True, capture_output=True, text=True,
    )
    return env_dir


def _leadsim(env_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(
        [str(env_dir / "bin" / "leadsim"), *args], cwd=cwd, env=environment,
        capture_output=True, text=True, timeout=300, check=False,
    )


def test_the_wheel_carries_the_bundled_scenarios_and_runs_them(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c",
         "import sim, sim.bundled as b; print(sim.__file__); print(b.scenarios_dir())"],
        cwd=tmp_path, check=True, capture_output=True, text=True,
    ).stdout.split()
    assert not where[0].startswith(str(ROOT)), f"sim imported from the checkout: {where[0]}"
    base = Path(where[1]) / "base.yaml"
    assert base.is_file() and "_bundled" in str(base)

    validated = _leadsim(installed, "validate", str(base), cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr
    ran = _leadsim(
        installed, "run", str(base), "-r", "1", "--seed", "3", "--workers", "1", "--no-cache",
        "--set", "horizon.warmup_days=7", "--set", "horizon.measurement_days=14",
        "--out", str(tmp_path / "out"), cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "out" / "kpis.csv").is_file()
    helped = _leadsim(installed, "report", "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "report" in helped.stdout.lower(), helped.stderr
    version = _leadsim(installed, "--version", cwd=tmp_path)
    assert version.stdout.strip().startswith("leadsim ")


def test_the_wheel_carries_every_subpackage_of_the_checkout(installed: Path, tmp_path: Path) -> None:
    subpackages = sorted(
        "sim." + init.parent.name for init in (ROOT / "sim").glob("*/__init__.py")
    )
    imported = subprocess.run(
        [str(installed / "bin" / "python"), "-c",
         ("import importlib, sys\n"
          "for name in sys.argv[1:]:\n"
          "    print(name, importlib.import_module(name).__file__)"),
         *subpackages],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert imported.returncode == 0, imported.stderr
    for line in imported.stdout.splitlines():
        name, location = line.split(" ", 1)
        assert not location.startswith(str(ROOT)), f"{name} imported from the checkout: {location}"
    assert len(imported.stdout.splitlines()) == len(subpackages)
    for command in ("calibrate", "workshop", "attribute", "portfolio"):
        helped = _leadsim(installed, command, "--help", cwd=tmp_path)
        assert helped.returncode == 0, f"leadsim {command} --help: {helped.stderr}"
