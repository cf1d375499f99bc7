"""docs/assumptions.md must match the scenario files it is generated from."""

from __future__ import annotations

from pathlib import Path

from sim.scenario.assumptions import BUNDLED_SCENARIOS, assumptions_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_committed_register_is_up_to_date(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    committed = (ROOT / "docs" / "assumptions.md").read_text(encoding="utf-8")
    assert committed == assumptions_markdown(BUNDLED_SCENARIOS), (
        "docs/assumptions.md is stale: run `leadsim assumptions --write docs/assumptions.md`"
    )


def test_register_lists_every_changed_lever_value(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    text = assumptions_markdown(BUNDLED_SCENARIOS)
    row = next(line for line in text.splitlines() if line.startswith("| `handoff.mode`"))
    assert "| realtime |" in row and "| batch |" in row and "| yes |" in row
