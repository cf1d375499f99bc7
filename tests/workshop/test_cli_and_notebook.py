"""`leadsim workshop` refuses bad options cleanly; the committed notebook is a clean app shell."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import nbformat
from workshop_helpers import ROOT

from sim.cli.workshop import voila_command, voila_environment
from sim.workshop import RunSettings, WorkshopConfig

NOTEBOOK = ROOT / "notebooks" / "workshop.ipynb"


def test_a_port_in_use_is_a_clear_error(run_leadsim, tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_leadsim(
            "workshop",
            "--port",
            str(port),
            "--no-browser",
            "--scenarios",
            str(ROOT / "scenarios"),
            cwd=tmp_path,
        )
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use; choose another with --port" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_starting_file_is_a_clear_error(run_leadsim, tmp_path: Path):
    done = run_leadsim(
        "workshop",
        "--no-browser",
        "--scenarios",
        str(ROOT / "scenarios"),
        "--start",
        "nope.yaml",
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "starting file not found" in done.stderr and "nope.yaml" in done.stderr
    assert "Traceback" not in done.stderr


def test_voila_serves_only_on_localhost_with_code_hidden_and_no_cdn(tmp_path: Path):
    command = voila_command(8866)
    assert "--Voila.ip=127.0.0.1" in command
    assert "--Voila.port_retries=0" in command  # a taken port fails instead of moving elsewhere
    assert "--strip_sources=True" in command
    assert "--no-browser" in command
    assert "--template=leadsim-workshop" in command
    assert command[1:3] == ["-m", "sim.workshop.server"]
    assert "--MappingKernelManager.cull_idle_timeout=600" in command
    assert "--MappingKernelManager.cull_connected=False" in command
    assert any('"allow_remote_access": False' in part for part in command)
    template = ROOT / "notebooks" / "voila" / "templates" / "leadsim-workshop" / "index.html.j2"
    assert "'//cdn.' not in line" in template.read_text(encoding="utf-8")
    config = WorkshopConfig(scenarios_dir=tmp_path, run=RunSettings(replications=6, cache_dir=None))
    environment = voila_environment(config, {"JUPYTER_PATH": "/elsewhere", "HOME": "/home/x"})
    assert environment["JUPYTER_PATH"] == os.pathsep.join([str(ROOT / "notebooks"), "/elsewhere"])
    assert environment["LEADSIM_WORKSHOP_REPLICATIONS"] == "6"
    assert environment["LEADSIM_WORKSHOP_CACHE_DIR"] == "none"
    assert environment["HOME"] == "/home/x"


def test_committed_notebook_is_clean_and_only_launches_the_page():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.get("outputs") and cell.get("execution_count") is None for cell in code)
    assert "launch()" in "".join(cell.source for cell in code)


def test_the_default_cache_is_in_the_working_folder_never_in_the_package(tmp_path: Path, monkeypatch):
    import sim

    monkeypatch.chdir(tmp_path)
    config = WorkshopConfig()
    assert config.run.cache_dir == tmp_path / ".leadsim-cache"
    assert WorkshopConfig.from_environment({}).run.cache_dir == tmp_path / ".leadsim-cache"
    package = Path(sim.__file__).resolve().parent.parent
    assert package not in (config.run.cache_dir or tmp_path).parents
