"""The report notebooks run with papermill on other parameters, and with nbval on their defaults."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
import pytest
from papermill.exceptions import PapermillExecutionError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
FIXTURES = ROOT / "tests" / "fixtures" / "reports"


def execute(name: str, tmp_path: Path, **parameters: object) -> nbformat.NotebookNode:
    """Run ``notebooks/<name>.ipynb`` with JSON-plain parameters into ``tmp_path``."""
    json.dumps(parameters)  # parameters must be plain JSON values
    output = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(output),
        parameters=parameters,
        kernel_name="python3",
        start_timeout=180,
        progress_bar=False,
        cwd=str(tmp_path),
    )
    return nbformat.read(output, as_version=4)


def outputs(notebook: nbformat.NotebookNode, mimetype: str) -> list[str]:
    return [
        output["data"][mimetype]
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if mimetype in output.get("data", {})
    ]


@pytest.mark.parametrize("name", ["compare", "scenario", "sensitivity"])
def test_committed_notebooks_are_clean(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert all(
        not cell.get("outputs") and cell.get("execution_count") is None
        for cell in notebook.cells
        if cell.cell_type == "code"
    )
    tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1
    parameters = papermill.inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb"))
    assert {"replications", "seed", "title", "language", "output_dir", "workers"} <= set(parameters)


def test_compare_in_german_with_lever_attribution(tmp_path):
    notebook = execute(
        "compare",
        tmp_path,
        scenario_files=[str(FIXTURES / "weekly_list.yaml"), str(FIXTURES / "one_team.yaml")],
        replications=2,
        seed=5,
        title="Vergleich",
        kpi_focus=["revenue", "cold_share"],
        language="de",
        output_dir=str(tmp_path / "tables"),
        workers=1,
        attribute_levers=True,
        portfolio_target=1,
    )
    html = "".join(outputs(notebook, "text/html"))
    assert "Zusammenfassung für das Management" in html
    assert "Umsatz" in html and "Beim Erstkontakt erkaltet" in html
    assert "95-%-KI" in html
    svgs = outputs(notebook, "image/svg+xml")
    assert len(svgs) == 8
    assert any("crm_tasks" in svg and "shared_goals" in svg for svg in svgs)  # lever effects
    assert sum("Pareto-Front" in svg for svg in svgs) == 1  # the lever portfolio of the same runs
    assert "Pareto-Front" in html  # its note
    written = sorted(p.name for p in (tmp_path / "tables").iterdir())
    assert written == ["assumptions.csv", "comparison.csv", "comparison.xlsx", "kpis.csv", "money.csv"]


def test_scenario_deep_dive(tmp_path):
    notebook = execute(
        "scenario",
        tmp_path,
        scenario_file=str(FIXTURES / "realtime.yaml"),
        replications=2,
        seed=2,
        journeys=3,
        output_dir=str(tmp_path / "tables"),
        workers=1,
    )
    html = "".join(outputs(notebook, "text/html"))
    assert "A few lead journeys" in html and "web_inquiry" in html
    assert len(outputs(notebook, "image/svg+xml")) == 7
    assert (tmp_path / "tables" / "scenario.xlsx").is_file()
    assert (tmp_path / "tables" / "channels.csv").is_file()


def test_sensitivity_on_a_small_scenario(tmp_path):
    notebook = execute(
        "sensitivity",
        tmp_path,
        scenario_file=str(FIXTURES / "weekly_list.yaml"),
        kpi="won",
        ranges={"sales.reps": [1, 6], "handoff.ignore_share": [0.0, 0.5]},
        sweep_x="sales.reps",
        sweep_x_values=[1, 6],
        sweep_y="handoff.batch_every_hours",
        sweep_y_values=[24, 168],
        overrides={"horizon.measurement_days": 60},
        replications=1,
        language="de",
        output_dir=str(tmp_path / "tables"),
        workers=1,
    )
    assert len(outputs(notebook, "image/svg+xml")) == 2
    html = "".join(outputs(notebook, "text/html"))
    assert "Ein Parameter nach dem anderen" in html
    assert (tmp_path / "tables" / "sweep.csv").read_text().count("\n") == 5


def test_bad_parameters_stop_in_the_validation_cell(tmp_path):
    with pytest.raises(PapermillExecutionError) as caught:
        execute("compare", tmp_path, language="fr", replications=1)
    assert caught.value.ename == "ReportError"
    assert "language must be one of en, de, got 'fr'" in caught.value.evalue


# Each notebook runs once with its default parameters: nbval over notebooks/ in make test
# (`pytest … tests notebooks --nbval-lax`, with --dist loadfile all of a notebook's cells in order on
# one worker, one kernel). The tests here and in test_robustness_section.py run the notebooks only
# on other parameters (small fixtures, German, attribution, robustness on and off), never on the
# defaults again.
