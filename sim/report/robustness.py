"""The report's "How robust is this conclusion?" section: shares, break-even table, tornado data.

Presentation only: the sampled worlds are run by :func:`sim.experiment.robustness.run_robustness`.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim import kpis as kpi_vocabulary
from sim.report.comparison import Comparison
from sim.report.texts import escape


def assess_robustness(
    comparison: Comparison, samples: int, replications: int = 2, seed: int = 0, **experiment_options: Any
) -> Any:
    """Run the robustness design on the report's setups (reference first); ``None`` when samples is 0."""
    from sim.experiment.progress import terminal_progress
    from sim.experiment.robustness import run_robustness

    if not samples:
        return None
    ordered = [comparison.reference, *(name for name in comparison.scenarios if name != comparison.reference)]
    files = [comparison.scenarios[name].path for name in ordered]
    with terminal_progress() as progress:
        return run_robustness(
            files, samples=samples, replications=replications, seed=seed, progress=progress, **experiment_options
        )


def assumption_ranges(result: Any, comparison: Comparison) -> dict[str, tuple[float, float]]:
    """Per alternative of ``comparison``, the 5 %–95 % range of its difference to the reference
    across the sampled worlds (for the front page). The setups ran in the order
    :func:`assess_robustness` gave them, so they map to the comparison's names by position.
    """
    ordered = [comparison.reference, *(name for name in comparison.scenarios if name != comparison.reference)]
    by_setup = dict(zip(result.setups, ordered, strict=True))
    ranges = {}
    for row in result.summary.itertuples():
        if isinstance(getattr(row, "versus", None), str):
            ranges[by_setup[row.setup]] = (float(row.difference_p05), float(row.difference_p95))
    return ranges


def _money(value: float) -> str:
    return "–" if math.isnan(value) else kpi_vocabulary.format_number(value, "money", signed=True)


def robustness_html(result: Any, language: str = "en") -> str:
    """The share of worlds each setup is best / better, and the break-even table, as HTML."""
    german = language == "de"
    head = ("Setup", "beste in", "besser als Referenz in", "Unterschied 5 % … 95 % der Welten") if german else (
        "setup", "best in", "better than the reference in", "difference, 5 % … 95 % of worlds")
    rows = []
    for row in result.summary.itertuples():
        versus = isinstance(getattr(row, "versus", None), str)
        rows.append(
            f"<tr><td>{escape(row.setup)}</td><td>{row.share_best:.0%}</td>"
            f"<td>{f'{row.share_better:.0%}' if versus else ''}</td>"
            f"<td>{f'{_money(row.difference_p05)} … {_money(row.difference_p95)}' if versus else ''}</td></tr>"
        )
    table = "<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>"
    measure = "Morris mu* ± 95 %" if result.design == "morris" else "Sobol S1 ± 95 %"
    flip_head = ("Annahme", "Wert", "Spanne", measure, "kippt bei") if german else (
        "assumption", "value", "range", measure, "decision flips at")
    flips = []
    for row in result.break_even.itertuples():
        flip = ("nicht in der Spanne" if german else "not within the range") if math.isnan(row.break_even) else (
            f"{row.break_even:.4g} ({row.break_even_ci_low:.4g} … {row.break_even_ci_high:.4g})")
        flips.append(
            f"<tr><td>{escape(row.parameter)}</td><td>{row.value:.4g}</td><td>{row.low:.4g} … {row.high:.4g}</td>"
            f"<td>{row.importance:.3g} ± {row.importance_conf:.2g}</td><td>{escape(flip)}</td></tr>"
        )
    flip_table = "<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in flip_head) + "</tr>" + "".join(flips) + "</table>"
    return table + flip_table


def tornado_inputs(result: Any) -> tuple[pd.DataFrame, float]:
    """The break-even rows and mean difference of the first comparison (for the tornado chart)."""
    comparison = str(result.break_even["comparison"].iloc[0])
    rows = result.break_even[result.break_even["comparison"] == comparison]
    summary = result.summary.dropna(subset=["difference_mean"])
    return rows, float(summary["difference_mean"].iloc[0])
