"""The report and the charts present: they run no experiment, sweep or attribution of their own.

Experiments belong to ``sim.experiment``; a report module that ran one would duplicate seeds,
caching and common random numbers and could not be tested as an experiment design. Checked on
the source (imports and calls), together with the size rule: one concern per module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sim

PACKAGE = Path(sim.__file__).resolve().parent
PRESENTATION = sorted([*(PACKAGE / "report").glob("*.py"), *(PACKAGE / "charts").glob("*.py")])
EXPERIMENT_RUNNERS = {
    "run_experiment", "run_until_precision", "one_at_a_time", "two_way_sweep", "compose",
    "subset_scenarios", "run_subsets",
}


def _names_used(tree: ast.AST) -> set[str]:
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            used.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.FunctionDef):
            used.add(node.name)
    return used


@pytest.mark.parametrize("path", PRESENTATION, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_presentation_modules_run_no_experiment(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not _names_used(tree) & EXPERIMENT_RUNNERS
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "sim.experiment.runner" not in imported


@pytest.mark.parametrize("path", PRESENTATION, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_presentation_modules_stay_small(path: Path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 600
