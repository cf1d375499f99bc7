"""The calibration notebook is committed clean and runs with papermill on another CRM layout."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "calibration.ipynb"
EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"


def test_committed_notebook_is_clean_and_parameterised() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert all(not cell.get("outputs") and cell.get("execution_count") is None
               for cell in notebook.cells if cell.cell_type == "code")
    assert sum("parameters" in cell.metadata.get("tags", []) for cell in notebook.cells) == 1
    assert {"export_file", "profile", "timezone", "fit", "output_dir"} <= set(papermill.inspect_notebook(str(NOTEBOOK)))


def test_salesforce_export_through_the_notebook(tmp_path: Path) -> None:
    output = tmp_path / "calibration.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(output), kernel_name="python3", start_timeout=180, progress_bar=False, cwd=str(tmp_path),
        parameters={"export_file": str(EXPORTS / "salesforce_leads.csv"), "profile": "salesforce",
                    "timezone": "America/New_York", "output_dir": str(tmp_path / "files")},
    )
    executed = nbformat.read(output, as_version=4)
    data = [out.get("data", {}) for cell in executed.cells for out in cell.get("outputs", [])]
    assert any("image/svg+xml" in item for item in data)  # the offline fit chart
    assert any("Privacy" in item.get("text/markdown", "") for item in data)
    assert sorted(path.name for path in (tmp_path / "files").iterdir()) == ["fit.csv", "scenario.yaml"]
