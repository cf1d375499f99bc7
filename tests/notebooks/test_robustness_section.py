"""The compare notebook's "How robust is this conclusion?" section: off by default, with a tornado when on."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "reports"

RANGES = """\
channels.web_inquiry.leads_per_week: {range: [10, 20], reason: "volume swings"}
handoff.ignore_share: {range: [0.05, 0.4], reason: "how much of the list sales skips"}
sales.reps: {range: [2, 4], reason: "head count"}
"""


def execute(tmp_path: Path, **parameters: object) -> nbformat.NotebookNode:
    """Run the compare notebook with plain parameters into ``tmp_path``."""
    output = tmp_path / "compare.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "compare.ipynb"), str(output), parameters=parameters,
        kernel_name="python3", start_timeout=180, progress_bar=False, cwd=str(tmp_path),
    )
    return nbformat.read(output, as_version=4)


def outputs(notebook: nbformat.NotebookNode, mimetype: str) -> list[str]:
    return [
        output["data"][mimetype]
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if mimetype in output.get("data", {})
    ]


def _library(folder: Path) -> tuple[Path, Path]:
    shutil.copytree(FIXTURES, folder / "lib")
    (folder / "lib" / "ranges").mkdir()
    (folder / "lib" / "ranges" / "weekly_list.ranges.yaml").write_text(RANGES, encoding="utf-8")
    return folder / "lib" / "weekly_list.yaml", folder / "lib" / "one_team.yaml"


def test_robustness_section_with_tornado_and_break_even_table(tmp_path):
    reference, team = _library(tmp_path)
    notebook = execute(
        tmp_path, scenario_files=[str(reference), str(team)], replications=2, seed=5,
        workers=1, robustness_samples=16, robustness_replications=2,
    )
    html = "".join(outputs(notebook, "text/html"))
    assert "How robust is this conclusion?" in html
    assert "16 sampled worlds" in html and "decision flips at" in html
    assert "handoff.ignore_share" in html
    tornado = [svg for svg in outputs(notebook, "image/svg+xml") if "difference B − A" in svg]
    assert len(tornado) == 1
    # The front page links the section and quotes the assumption-driven range next to the noise.
    assert '<a href="#robustness">' in html and 'id="robustness"' in html
    assert "5 %–95 % of sampled worlds" in html


def test_robustness_section_says_when_it_is_off(tmp_path):
    reference, team = _library(tmp_path)
    notebook = execute(tmp_path, scenario_files=[str(reference), str(team)], replications=2, seed=5, workers=1)
    html = "".join(outputs(notebook, "text/html"))
    assert "How robust is this conclusion?" in html
    assert "off by default" in html


def test_sensitivity_states_run_length_and_replications(tmp_path):
    output = tmp_path / "sensitivity.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "sensitivity.ipynb"), str(output),
        parameters={
            "scenario_file": str(FIXTURES / "weekly_list.yaml"), "kpi": "won",
            "ranges": {"sales.reps": [1, 6]}, "sweep_x": "sales.reps", "sweep_x_values": [1, 6],
            "sweep_y": "handoff.batch_every_hours", "sweep_y_values": [24, 168],
            "overrides": {"horizon.measurement_days": 60}, "replications": 2, "workers": 1,
        },
        kernel_name="python3", start_timeout=180, progress_bar=False, cwd=str(tmp_path),
    )
    notebook = nbformat.read(output, as_version=4)
    html = "".join(outputs(notebook, "text/html"))
    assert "Run length: 14 days warm-up, then the leads of 60 measured days" in html
    assert "2 replications per variant" in html
    assert "95 % confidence intervals" in html
