"""Tornado charts carry error bars: the robustness tornado and the one-at-a-time tornado."""

from __future__ import annotations

import pandas as pd

from sim.charts import robustness_tornado_chart, robustness_tornado_data, tornado_chart


def _marks(chart) -> list[str]:
    spec = chart.to_dict()
    marks = []
    for layer in spec.get("layer", []):
        mark = layer.get("mark")
        marks.append(mark["type"] if isinstance(mark, dict) else mark)
    return marks


def test_robustness_tornado_data_has_both_ends_with_intervals():
    break_even = pd.DataFrame([{
        "parameter": "sales.reps", "low": 8, "high": 12, "at_low": -10.0, "at_low_ci_low": -12.0,
        "at_low_ci_high": -8.0, "at_high": 30.0, "at_high_ci_low": 25.0, "at_high_ci_high": 35.0,
    }])
    data = robustness_tornado_data(break_even, mean_difference=10.0)
    assert list(data["setting"]) == ["low", "high"]
    assert list(data["value"]) == [-10.0, 30.0]
    assert list(data["ci_low"]) == [-12.0, 25.0] and list(data["ci_high"]) == [-8.0, 35.0]
    assert set(data["base"]) == {10.0}
    assert data["parameter"].iloc[0] == "sales.reps (8 – 12)"
    assert "errorbar" in _marks(robustness_tornado_chart(data))


def test_one_at_a_time_tornado_draws_error_bars():
    data = pd.DataFrame({
        "parameter": ["sales.reps", "sales.reps"], "setting": ["low", "high"], "parameter_value": [7, 13],
        "value": [1.0e6, 1.4e6], "ci_low": [0.9e6, 1.3e6], "ci_high": [1.1e6, 1.5e6], "base": [1.2e6, 1.2e6],
    })
    assert "errorbar" in _marks(tornado_chart(data))
