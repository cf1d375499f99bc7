"""Saving a workshop setup: extends the starting file, only the changed keys, never overwrites."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from sim.experiment.cache import scenario_content_hash
from sim.scenario.loader import resolve_scenario
from sim.workshop import saving
from sim.workshop.config import scenario_files
from sim.workshop.control_table import WorkshopError
from sim.workshop.saving import save_setup, setup_diff, slugify
from sim.workshop.session import RunSettings, Setup, build_setup

DAY = date(2026, 3, 14)


def leaves(data: Any, prefix: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Any]:
    """Leaf values of a saved file; channels by name, distributions as one value."""
    out: dict[tuple[Any, ...], Any] = {}
    for key, value in data.items():
        path = (*prefix, key)
        if key == "channels":
            for channel in value:
                out.update(
                    leaves(
                        {k: v for k, v in channel.items() if k != "name"}, (*path, channel["name"])
                    )
                )
        elif isinstance(value, dict) and "distribution" not in value:
            out.update(leaves(value, path))
        else:
            out[path] = value
    return out


@pytest.fixture
def setup(scenario_copy: Path, fast_run: RunSettings) -> Setup:
    return build_setup(
        scenario_copy / "base.yaml",
        {
            "sla": "1",
            "crm_integration": "realtime_crm",
            "reps": "12",
            "lead_volume": 1.2,
            "recycling": "yes",
        },
        fast_run,
    )


def test_saved_file_extends_the_start_and_holds_only_the_changed_keys(setup, scenario_copy):
    saved = save_setup(setup, scenario_copy / "workshop", "Board decision", today=DAY)
    assert saved.path == scenario_copy / "workshop" / "board-decision.yaml"
    text = saved.path.read_text(encoding="utf-8")
    assert text == saved.text
    data = YAML(typ="safe", pure=True).load(text)
    assert data["extends"] == "../base.yaml"
    assert data["name"] == "board-decision"
    written = leaves({k: v for k, v in data.items() if k not in ("extends", "name", "description")})
    changed = {path for path, _, _ in setup_diff(setup.start.scenario, setup.edited)}
    assert set(written) == changed
    assert ("sales", "reps") in written and written[("sales", "reps")] == 12
    assert ("channels", "referral", "leads_per_week") not in written  # not marketing's channel
    assert text.startswith("# yaml-language-server: $schema=../schema.json\n")


def test_every_written_key_says_it_was_set_in_the_workshop_on_that_day(setup, scenario_copy):
    saved = save_setup(setup, scenario_copy / "workshop", "", today=DAY)
    body = [
        line
        for line in saved.text.splitlines()
        if line
        and not line.startswith("#")
        and not line.startswith(("extends:", "name:", "description:"))
        and not line.rstrip().endswith(":")
        and not line.lstrip().startswith("- name:")
    ]
    assert body
    for line in body:
        assert "# set in the workshop on 2026-03-14 (was " in line, line


def test_saved_file_loads_to_exactly_the_edited_setup(setup, scenario_copy):
    saved = save_setup(setup, scenario_copy / "workshop", "plan", today=DAY)
    loaded = resolve_scenario(saved.path).scenario
    assert scenario_content_hash(loaded) == scenario_content_hash(setup.edited)
    assert loaded.name == "plan"
    assert "--replications 3 --seed 5 --set horizon.measurement_days=28" in saved.command


def test_an_existing_file_is_never_overwritten(setup, scenario_copy):
    folder = scenario_copy / "workshop"
    folder.mkdir()
    (folder / "plan.yaml").write_text("# someone else's file\n", encoding="utf-8")
    first = save_setup(setup, folder, "plan", today=DAY)
    second = save_setup(setup, folder, "plan", today=DAY)
    assert (first.path.name, second.path.name) == ("plan-2.yaml", "plan-3.yaml")
    assert (folder / "plan.yaml").read_text(encoding="utf-8") == "# someone else's file\n"
    assert resolve_scenario(second.path).scenario.name == "plan-3"


def test_a_name_taken_while_saving_moves_on_to_the_next(setup, scenario_copy, monkeypatch):
    folder = scenario_copy / "workshop"
    real_link = os.link

    def racing_link(source: str, target: os.PathLike[str]) -> None:
        if Path(target).name == "plan.yaml" and not Path(target).exists():
            Path(target).write_text(
                "# written by another facilitator meanwhile\n", encoding="utf-8"
            )
        real_link(source, target)

    monkeypatch.setattr(saving.os, "link", racing_link)
    saved = save_setup(setup, folder, "plan", today=DAY)
    assert saved.path.name == "plan-2.yaml"
    assert (folder / "plan.yaml").read_text(encoding="utf-8").startswith("# written by another")
    assert resolve_scenario(saved.path).scenario.name == "plan-2"


def test_a_failed_save_leaves_nothing_behind(setup, scenario_copy, monkeypatch):
    folder = scenario_copy / "workshop"

    def broken_check(path: Path, setup: Setup) -> None:
        raise WorkshopError("the saved setup differs from the workshop's in: sales.reps")

    monkeypatch.setattr(saving, "_check_saved", broken_check)
    with pytest.raises(WorkshopError):
        save_setup(setup, folder, "plan", today=DAY)
    assert list(folder.iterdir()) == []


def test_no_temporary_files_remain_after_saving(setup, scenario_copy):
    folder = scenario_copy / "workshop"
    save_setup(setup, folder, "plan", today=DAY)
    assert sorted(p.name for p in folder.iterdir()) == ["plan.yaml"]


def test_nothing_to_save_when_no_lever_changed(scenario_copy, fast_run):
    unchanged = build_setup(scenario_copy / "base.yaml", None, fast_run)
    with pytest.raises(WorkshopError, match="nothing to save"):
        save_setup(unchanged, scenario_copy / "workshop", "plan", today=DAY)
    assert not (scenario_copy / "workshop").exists()


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("Q3 plan: SLA/1h!", "q3-plan-sla-1h"),
        ("  ../../etc/passwd ", "etc-passwd"),
        ("Ärger", "ärger"),
        ("évolution 2027", "évolution-2027"),  # Unicode kept
        ("E\u0301volution", "\u00e9volution"),  # decomposed (macOS) → composed
        ("プラン A", "プラン-a"),
        ("con", "con-setup"),  # a Windows device name
        ("a" * 300, "a" * 120),
    ],
)
def test_typed_names_become_safe_file_names(typed, slug):
    assert slugify(typed) == slug


def test_an_empty_name_is_derived_from_the_changes(setup, scenario_copy):
    saved = save_setup(setup, scenario_copy / "workshop", "   ", today=DAY)
    assert saved.path.name.startswith("base-sla-1-crm-integration-realtime-crm-")


def test_a_saved_setup_can_be_the_next_starting_point(setup, scenario_copy, fast_run):
    first = save_setup(setup, scenario_copy / "workshop", "step-one", today=DAY)
    assert first.path in scenario_files(scenario_copy)
    second_setup = build_setup(first.path, {"shared_lead_definition": "yes"}, fast_run)
    second = save_setup(second_setup, scenario_copy / "workshop", "step-two", today=DAY)
    data = YAML(typ="safe", pure=True).load(second.text)
    assert data["extends"] == "step-one.yaml"
    assert set(
        leaves({k: v for k, v in data.items() if k not in ("extends", "name", "description")})
    ) == {
        ("qualification", "scoring_noise"),
        ("qualification", "threshold"),
        ("costs", "org_costs_one_off", "shared_lead_definition"),  # the lever's one-off price
    }
    loaded = resolve_scenario(second.path).scenario
    assert scenario_content_hash(loaded) == scenario_content_hash(second_setup.edited)
    assert loaded.sales.reps == 12 and loaded.qualification.scoring_noise == 0.08
