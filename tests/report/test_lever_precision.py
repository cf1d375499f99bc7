"""The report's lever section by precision: how many replications it took, and for each lever whether
its value is distinguishable from zero."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import Result
from report_helpers import FIXTURES, report_app
from typer.testing import CliRunner

from sim import report
from sim.experiment import shapley


@pytest.fixture(scope="module")
def comparison() -> report.Comparison:
    return report.run_comparison(
        [str(FIXTURES / "weekly_list.yaml"), str(FIXTURES / "one_team.yaml")], replications=4, seed=0, workers=1
    )


def test_the_lever_section_says_what_it_took_and_what_is_distinguishable(comparison: report.Comparison) -> None:
    (effects,) = report.attribute_levers(comparison, kpi="won", workers=1, replications=10, band=0.3)
    runs = effects.runs
    assert runs is not None and runs.cap == 4 and runs.replications in (2, 3, 4)  # capped by the comparison's 4
    assert runs.resolution is not None
    zero = effects.distinguishable()
    assert set(zero) == set(effects.table["lever"])
    table = report.lever_table(effects)
    column = table["Distinguishable from zero?"].tolist()
    for lever, answer in zip(table["Lever"], column, strict=True):
        assert answer == {"nonzero": "yes", "negligible": answer, "open": "no"}[zero[lever]]
        low, high = effects.table.set_index("lever").loc[lever, ["shapley_ci_low", "shapley_ci_high"]]
        assert (answer == "yes") == (low > 0 or high < 0)
    note = report.lever_note(effects)
    assert f"took {runs.replications} replications per lever combination (at most 4)" in note
    assert "±30 % of the total difference" in note
    assert ("Left open" in note) == bool(runs.resolution.unresolved)
    assert "Von null unterscheidbar?" in report.lever_table(effects, "de").columns


def test_without_a_band_exactly_the_replications_asked(comparison: report.Comparison) -> None:
    (effects,) = report.attribute_levers(comparison, kpi="won", workers=1, replications=3)
    assert effects.replications == 3 and effects.band is None
    assert effects.runs is not None and effects.runs.cap is None and effects.runs.resolution is None
    assert "replications per lever combination (at most" not in report.lever_note(effects)
    # Without a band a lever is distinguishable from zero or not; nothing is called negligible.
    assert shapley.NEGLIGIBLE not in effects.distinguishable().values()


def _parameters(tmp_path: Any, monkeypatch: pytest.MonkeyPatch, *arguments: str) -> tuple[Result, dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def capture(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return tmp_path / "report.html"

    monkeypatch.setattr(report, "make_report", capture)
    result = CliRunner().invoke(report_app(), ["report", *arguments, "--out", str(tmp_path)])
    return result, calls[0] if calls else {}


def test_the_command_runs_by_precision_unless_given_a_number(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    result, call = _parameters(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert call["replications"] is None  # the notebook's report default (30) as the cap
    assert call["parameters"] == {"precision": 0.1, "lever_band": 0.03}
    result, call = _parameters(tmp_path, monkeypatch, "-r", "auto", "--precision", "0.05", "--max-replications", "20")
    assert (call["replications"], call["parameters"]) == (20, {"precision": 0.05, "lever_band": 0.03})
    result, call = _parameters(tmp_path, monkeypatch, "-r", "12")
    assert (call["replications"], call["parameters"]) == (12, {})  # exactly 12, no adaptivity
    for wrong in (["-r", "0"], ["-r", "many"], ["-r", "5", "--precision", "0.1"]):
        result, _ = _parameters(tmp_path, monkeypatch, *wrong)
        assert result.exit_code == 2, wrong
    result, call = _parameters(tmp_path, monkeypatch, "--notebook", "sensitivity")
    assert (call["replications"], call["parameters"]) == (None, {})


def test_the_notebook_states_the_precision_and_the_lever_replications(tmp_path: Any) -> None:
    import nbformat
    import papermill

    output = tmp_path / "compare.ipynb"
    papermill.execute_notebook(
        str(report.notebook_path("compare")), str(output), kernel_name="python3",
        start_timeout=180, progress_bar=False, cwd=str(tmp_path),
        parameters={
            "scenario_files": [str(FIXTURES / "weekly_list.yaml"), str(FIXTURES / "one_team.yaml")],
            "replications": 6, "precision": 0.05, "seed": 0, "workers": 1, "attribute_levers": True,
            "lever_replications": 4, "lever_band": 0.3, "kpi_focus": ["won", "net_contribution_per_year"],
        },
    )
    notebook = nbformat.read(output, as_version=4)
    html = "".join(
        out["data"]["text/html"] for cell in notebook.cells for out in cell.get("outputs", [])
        if "text/html" in out.get("data", {})
    )
    # ±5 % is out of reach for this noisy pair within 6 replications: it says so, with what it reached.
    assert "stopped at its cap of 6 replications per setup" in html
    assert "(target ±5.0 %)" in html
    assert "replications per lever combination (at most 4)" in html
    assert "Distinguishable from zero?" in html


def test_the_precision_sentence_names_each_setups_precision_and_a_nil_difference() -> None:
    from types import SimpleNamespace

    from sim.experiment.comparison import CAPPED, NIL, REACHED, ComparisonPrecision, SetupPrecision
    from sim.report.method import precision_sentences

    found = ComparisonPrecision(
        "net_contribution_per_year", 0.1, 30, 30,
        (SetupPrecision("team", 4.58e6, 0.24e6, REACHED), SetupPrecision("sdr", 0.70e6, 0.098e6, CAPPED),
         SetupPrecision("same", 1.0e3, 2.0e3, NIL)),
        zero_band=50_000.0,
    )
    comparison = SimpleNamespace(precision=found, language="en")
    sentences = precision_sentences(comparison)  # type: ignore[arg-type]
    assert sentences[0] == (
        "The comparison stopped at its cap of 30 replications per setup with the net benefit per year "
        "known to within ±5.2 % (team), ±14 % (sdr) of its value (target ±10 %)."
    )
    assert sentences[1].startswith("The net benefit per year of same lies within ±€50,000 of zero")
