"""A KPI that cannot be computed is empty with a reason, in kpis.csv and the console."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from sim.kpis import kpi_notes, with_notes


def test_zero_leads_give_empty_kpis_with_reasons(workdir: Path, cli) -> None:
    (workdir / "empty.yaml").write_text("extends: small.yaml\nchannels:\n  - name: web_inquiry\n    leads_per_week: 0\n")
    outcome = cli("run", "empty.yaml", "-r", "2", "--workers", "1", "--no-cache", "--out", "o")
    assert outcome.code == 0, outcome.err
    kpis = pd.read_csv(workdir / "o" / "kpis.csv")
    assert kpis["median_response_hours"].isna().all()
    assert kpis["notes"].str.contains("median_response_hours: no lead was contacted").all()
    assert kpis["notes"].str.contains("conversion_rate: no lead was created").all()
    console = " ".join(outcome.out.split())
    assert "median_response_hours is empty (–): no lead was contacted (in 2 of 2 replications)" in console


def test_notes_are_empty_when_every_kpi_has_a_value(workdir: Path, cli) -> None:
    outcome = cli("run", "small.yaml", "-r", "1", "--workers", "1", "--no-cache", "--out", "o")
    assert outcome.code == 0, outcome.err
    kpis = pd.read_csv(workdir / "o" / "kpis.csv", keep_default_na=False)
    contacted = kpis["median_response_hours"] != ""
    assert (kpis.loc[contacted, "notes"].str.contains("median_response_hours") == False).all()


def test_kpi_notes_name_each_empty_kpi() -> None:
    row = {"scenario": "x", "leads": 0, "conversion_rate": math.nan, "roi": 0.5,
           "ignored_share": float("nan"), "cold_share": None}
    assert kpi_notes(row) == (
        "conversion_rate: no lead was created in the measurement window; "
        "ignored_share: no marketing lead was handed over to sales; cold_share: no lead was contacted"
    )
    assert kpi_notes({"roi": 1.0, "scenario": "nan"}) == ""
    full = {"scenario": "y", "leads": 3, "conversion_rate": 0.1, "roi": 2.0, "ignored_share": 0.0,
            "cold_share": 0.2}
    table = with_notes(pd.DataFrame([row, full]))
    assert list(table["notes"].str.len() > 0) == [True, False]


def test_all_leads_ignored_gives_response_kpis_with_reasons(workdir: Path, cli) -> None:
    outcome = cli("run", "small.yaml", "--set", "handoff.ignore_share=1", "-r", "1", "--workers", "1",
                  "--no-cache", "--out", "o")
    assert outcome.code == 0, outcome.err
    kpis = pd.read_csv(workdir / "o" / "kpis.csv")
    assert kpis["median_response_hours"].isna().all() and kpis["cold_share"].isna().all()
    assert kpis["notes"].str.contains("median_response_hours: no lead was contacted").all()
    assert "median_response_hours is empty (–): no lead was contacted" in " ".join(outcome.out.split())
