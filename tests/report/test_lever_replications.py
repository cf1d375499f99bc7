"""A report compares over more replications than it attributes the levers over, and says so.

The lever attribution simulates every combination of a setup's levers, so it costs far more than
the comparison; a report therefore compares its setups over 30 replications (its summary's
intervals half as wide as with 10) and attributes over the comparison's first 10. The first ones
are the same leads, so the levers add up to the comparison's difference over those replications.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from report_helpers import FIXTURES, report_app
from typer.testing import CliRunner

from sim import report
from sim.errors import ReportError
from sim.report import build, notebooks


def test_reports_compare_over_30_replications_and_sensitivity_over_10(tmp_path: Path) -> None:
    assert notebooks.report_replications(notebooks.notebook_path("compare")) == 30
    assert notebooks.report_replications(notebooks.notebook_path("scenario")) == 30
    assert notebooks.report_replications(notebooks.notebook_path("sensitivity")) == 10
    copy = tmp_path / "compare.ipynb"
    copy.write_bytes(notebooks.notebook_path("compare").read_bytes())
    assert notebooks.report_replications(copy) == notebooks.DEFAULT_REPORT_REPLICATIONS == 10


class _Stop(Exception):
    """Raised in place of running the notebook, once its parameters are seen."""


def _parameters_of_a_report(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **arguments: Any) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def capture(source: Path, executed: Path, params: dict[str, Any], *rest: Any) -> None:
        seen.update(params)
        raise _Stop

    monkeypatch.setattr(build, "execute_notebook", capture)
    with pytest.raises(_Stop):
        report.make_report(
            [str(FIXTURES / "weekly_list.yaml"), str(FIXTURES / "one_team.yaml")],
            out_root=tmp_path / "reports", cache_dir=None, **arguments,
        )
    return seen


def test_a_report_runs_its_notebook_with_the_notebooks_default_unless_told(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert _parameters_of_a_report(monkeypatch, tmp_path)["replications"] == 30
    assert _parameters_of_a_report(monkeypatch, tmp_path, replications=4)["replications"] == 4
    given = _parameters_of_a_report(monkeypatch, tmp_path, parameters={"replications": 5, "lever_replications": 3})
    assert (given["replications"], given["lever_replications"]) == (5, 3)


def test_the_command_passes_lever_replications_to_the_notebook(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []

    def capture(*args: Any, **kwargs: Any) -> Path:
        calls.append(kwargs)
        return tmp_path / "report.html"

    monkeypatch.setattr(report, "make_report", capture)
    result: Result = CliRunner().invoke(report_app(), ["report", "--lever-replications", "4", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert calls[0]["replications"] is None  # the notebook's own report default, as the cap
    # Exactly four per lever combination (no practical band); the comparison still by precision.
    assert calls[0]["parameters"] == {"lever_replications": 4, "precision": 0.1}
    refused = CliRunner().invoke(report_app(), ["report", "--lever-replications", "1", "--out", str(tmp_path)])
    assert refused.exit_code == 2


@pytest.fixture(scope="module")
def three_replications() -> report.Comparison:
    return report.run_comparison(
        [str(FIXTURES / "weekly_list.yaml"), str(FIXTURES / "one_team.yaml")], replications=3, seed=2, workers=1
    )


def test_levers_are_attributed_over_the_comparisons_first_replications(three_replications: report.Comparison) -> None:
    comparison = three_replications
    effects = report.attribute_levers(comparison, kpi="won", workers=1, replications=2)
    assert [(e.replications, e.comparison_replications) for e in effects] == [(2, 3)]
    attributed = effects[0]
    assert attributed.runs is not None and attributed.runs.replications == 2
    # The first two replications are the comparison's own leads: the levers add up to its
    # difference over them (Shapley values are efficient), not to the one over all three.
    kpi_table = comparison.result.kpis
    first_two = kpi_table[kpi_table["replication"] < 2].pivot(index="replication", columns="scenario", values="won")
    difference = (first_two[comparison.names[1]] - first_two[comparison.reference]).mean()
    assert attributed.table["shapley_mean"].sum() == pytest.approx(difference, rel=1e-9, abs=1e-9)
    note = report.lever_note(attributed)
    assert "first 2 of 3 replications" in note
    assert "Die Hebel werden über die ersten 2 der 3 Replikationen" in report.lever_note(attributed, "de")


def test_all_replications_when_there_are_no_more_than_asked(three_replications: report.Comparison) -> None:
    effects = report.attribute_levers(three_replications, kpi="won", workers=1, replications=10)
    assert [(e.replications, e.comparison_replications) for e in effects] == [(3, 3)]
    assert "replications" not in report.lever_note(effects[0])
    everything = report.attribute_levers(three_replications, kpi="won", workers=1, replications=None)
    assert everything[0].replications == 3


@pytest.mark.parametrize("value", [1, 0, 2.5, True, "3"])
def test_a_bad_lever_replication_count_is_refused(three_replications: report.Comparison, value: Any) -> None:
    with pytest.raises(ReportError, match="lever_replications must be a whole number >= 2"):
        report.attribute_levers(three_replications, kpi="won", workers=1, replications=value)
