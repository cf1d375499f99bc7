"""`leadsim attribute`: lever contributions written as a table, bad input as a clean error."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

REPORT_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"


def test_attribute_writes_one_row_per_lever_and_the_steps_add_up(run_leadsim, tmp_path: Path) -> None:
    out = tmp_path / "attribution"
    completed = run_leadsim(
        "attribute", str(REPORT_FIXTURES / "weekly_list.yaml"), str(REPORT_FIXTURES / "one_team.yaml"),
        "--kpi", "won", "--replications", "3", "--seed", "4", "--workers", "1", "--no-cache",
        "--out", str(out),
    )
    assert completed.returncode == 0, completed.stderr
    effects = pd.read_csv(out / "attribution.csv")
    assert set(effects["lever"]) == {"crm_tasks", "shared_goals", "target's own settings"}
    kpis = pd.read_csv(out / "kpis.csv")
    means = kpis.groupby("scenario")["won"].mean()
    # The steps on the cumulative path telescope to the whole difference FROM → TO.
    assert effects["step_mean"].sum() == pytest.approx(means["target"] - means["reference"])
    # Levers are ordered by their effect alone, largest first.
    alone = effects["alone_mean"].dropna().tolist()
    assert alone == sorted(alone, reverse=True)


def test_attribute_rejects_an_unknown_kpi(run_leadsim, tmp_path: Path) -> None:
    completed = run_leadsim(
        "attribute", str(REPORT_FIXTURES / "weekly_list.yaml"), str(REPORT_FIXTURES / "one_team.yaml"),
        "--kpi", "revenu", "--replications", "2", "--out", str(tmp_path / "x"),
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "'revenu' is not a KPI" in completed.stderr
    assert not (tmp_path / "x").exists()  # nothing written for a run that never started
