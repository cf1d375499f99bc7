"""The workshop's controls set the same parameters as the lever overlays, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from workshop_helpers import SCENARIOS

from sim.experiment.cache import scenario_content_hash
from sim.scenario.loader import ScenarioValidationError, load_scenario, resolve_scenario
from sim.workshop import app as workshop
from sim.workshop.app import (
    FROM_FILE,
    HANDOFF_CHOICES,
    RECYCLING_CHOICES,
    SHARED_LEAD_DEFINITION_CHOICES,
    SLA_CHOICES,
    Controls,
    WorkshopError,
    build_setup,
    controls_from_scenario,
    error_message,
    setup_diff,
    value_at,
)


def flat(data: Any, prefix: str = "") -> dict[str, Any]:
    """A YAML mapping as ``--set`` paths; a distribution mapping is one value."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and "distribution" not in value:
            out.update(flat(value, path + "."))
        else:
            out[path] = value
    return out


def lever(name: str) -> dict[str, Any]:
    """The parameters a lever overlay sets, as ``--set`` paths."""
    return flat(
        YAML(typ="safe", pure=True).load((SCENARIOS / "levers" / f"{name}.yaml").read_text())
    )


def same(left: Any, right: Any) -> bool:
    return workshop._same(left, right)


# ------------------------------------------------------------------ the mapping is the levers'


def test_sla_choice_sets_what_the_sla_lever_sets():
    assert SLA_CHOICES["4"] == lever("sla")


@pytest.mark.parametrize("hours", [1, 4, 24, 72])
def test_every_sla_deadline_is_the_sla_lever_with_its_own_deadline(hours):
    expected = {**lever("sla"), "sla.first_contact_business_hours": hours}
    assert SLA_CHOICES[str(hours)] == expected


def test_no_sla_means_no_agreement_and_first_come_first_served():
    assert SLA_CHOICES["off"] == {
        "sla.agreed": False,
        "sla.first_contact_business_hours": 24,
        "sales.queue": "fifo",
    }


def test_realtime_crm_is_the_crm_integration_lever():
    assert HANDOFF_CHOICES["realtime_crm"] == lever("crm_integration")


def test_lists_are_the_silo_setup_hand_off_with_their_interval():
    silo = flat(
        YAML(typ="safe", pure=True).load((SCENARIOS / "separate_departments.yaml").read_text())
    )
    daily = HANDOFF_CHOICES["daily_list"]
    for path in (
        "handoff.mode",
        "handoff.batch_every_hours",
        "handoff.admin_delay_hours",
        "handoff.automation_triggers",
    ):
        assert same(daily[path], silo[path]), path
    weekly = HANDOFF_CHOICES["weekly_list"]
    assert weekly == {**daily, "handoff.batch_every_hours": 168}


def test_shared_lead_definition_is_its_lever_and_off_is_the_silo_scoring():
    assert SHARED_LEAD_DEFINITION_CHOICES[True] == lever("shared_lead_definition")
    silo = flat(
        YAML(typ="safe", pure=True).load((SCENARIOS / "separate_departments.yaml").read_text())
    )
    assert SHARED_LEAD_DEFINITION_CHOICES[False] == {
        "qualification.scoring_noise": silo["qualification.scoring_noise"],
        "qualification.threshold": silo["qualification.threshold"],
    }


def test_recycling_and_common_goals_set_the_keys_of_their_levers():
    assert RECYCLING_CHOICES[True] == lever("recycling")
    # the lever also sets own-pipeline priority since model v2; the workshop slider moves its ignore share
    assert workshop.IGNORE_SHARE_PATH in set(lever("shared_goals"))


def test_every_choice_sets_only_paths_the_schema_knows():
    base = load_scenario(SCENARIOS / "base.yaml").model_dump(mode="json")
    for control, choice, settings in workshop.iter_choices():
        for path, value in settings.items():
            if value_at(base, path) is workshop._MISSING:
                # A new named entry (costs.org_costs_per_year.crm_integration): base does not
                # have it, so the loader itself must accept the path (it raises on unknown keys).
                load_scenario(SCENARIOS / "base.yaml", [f"{path}={json.dumps(value)}"])
                continue
            assert value_at(base, path) is not workshop._MISSING, (control, choice, path)


# ------------------------------------------------------------------ reading the starting file


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        (
            "base.yaml",
            Controls(
                sla="off",
                handoff=FROM_FILE,
                shared_lead_definition=False,
                ignore_share=0.10,
                reps=10,
                recycling=False,
            ),
        ),
        (
            "separate_departments.yaml",
            Controls(
                sla="off",
                handoff="daily_list",
                shared_lead_definition=False,
                ignore_share=0.25,
                reps=10,
                recycling=False,
            ),
        ),
        (
            "customer_happiness_team.yaml",
            Controls(
                sla="4",
                handoff="realtime_crm",
                shared_lead_definition=True,
                ignore_share=0.05,
                reps=10,
                recycling=True,
            ),
        ),
    ],
)
def test_controls_start_at_the_starting_files_values(file, expected):
    assert controls_from_scenario(load_scenario(SCENARIOS / file)) == expected


def test_untouched_controls_change_nothing(fast_run):
    for file in ("base.yaml", "separate_departments.yaml", "customer_happiness_team.yaml"):
        setup = build_setup(SCENARIOS / file, None, fast_run)
        assert setup.overrides == ()
        assert not setup.changed
        assert scenario_content_hash(setup.edited) == scenario_content_hash(setup.start.scenario)


# ------------------------------------------------------------------ controls → overrides


@pytest.mark.parametrize(
    ("control", "value"),
    [
        ("sla", "1"),
        ("sla", "72"),
        ("handoff", "weekly_list"),
        ("handoff", "realtime_crm"),
        ("shared_lead_definition", True),
        ("recycling", True),
    ],
)
def test_a_choice_sets_its_parameters_and_nothing_else(control, value, fast_run):
    setup = build_setup(SCENARIOS / "base.yaml", {control: value}, fast_run)
    settings = setup.settings[control]
    edited = setup.edited.model_dump(mode="json")
    for path, wanted in settings.items():
        got = value_at(edited, path)
        assert same(workshop._complete_distribution(wanted), got), path
    changed = {
        ".".join(map(str, path)) for path, _, _ in setup_diff(setup.start.scenario, setup.edited)
    }
    assert changed and changed <= set(settings)
    assert list(setup.settings) == [control]


def test_overrides_are_set_options_that_load_scenario_accepts(fast_run):
    setup = build_setup(
        SCENARIOS / "base.yaml",
        {
            "sla": "1",
            "handoff": "weekly_list",
            "reps": "12",
            "ignore_share": 0.05,
            "lead_volume": 1.3,
        },
        fast_run,
    )
    assert "sla.first_contact_business_hours=1" in setup.overrides
    assert "sales.reps=12" in setup.overrides
    assert "handoff.ignore_share=0.05" in setup.overrides
    direct = load_scenario(SCENARIOS / "base.yaml", setup.overrides)
    assert scenario_content_hash(direct) == scenario_content_hash(setup.edited)
    with_horizon = load_scenario(SCENARIOS / "base.yaml", setup.run_overrides())
    assert with_horizon.horizon.measurement_days == 28
    assert scenario_content_hash(with_horizon) == scenario_content_hash(setup.edited_run)


def test_parameters_the_start_already_has_are_not_overridden(fast_run):
    # The customer happiness team already has the SLA lever: a 1 h deadline changes only the hours.
    setup = build_setup(SCENARIOS / "customer_happiness_team.yaml", {"sla": "1"}, fast_run)
    assert setup.overrides == ("sla.first_contact_business_hours=1",)


def test_switching_a_lever_off_restores_the_silo_values(fast_run):
    setup = build_setup(
        SCENARIOS / "customer_happiness_team.yaml",
        {"sla": "off", "shared_lead_definition": False, "recycling": False},
        fast_run,
    )
    edited = setup.edited
    assert edited.sla.agreed is False and edited.sales.queue == "fifo"
    assert edited.qualification.scoring_noise == 0.25 and edited.qualification.threshold == 0.45
    assert edited.sales.unqualified == "drop"


def test_lead_volume_scales_marketing_channels_only(fast_run):
    base = load_scenario(SCENARIOS / "base.yaml")
    setup = build_setup(SCENARIOS / "base.yaml", {"lead_volume": 1.5}, fast_run)
    for channel in base.channels:
        edited = setup.edited.channel(channel.name).leads_per_week
        factor = 1.5 if channel.marketing_sourced else 1.0
        assert edited == pytest.approx(channel.leads_per_week * factor), channel.name
    assert not base.channel("referral").marketing_sourced


def test_common_goals_and_reps_set_their_parameters(fast_run):
    setup = build_setup(SCENARIOS / "base.yaml", {"ignore_share": 0.0, "reps": 7}, fast_run)
    assert setup.edited.handoff.ignore_share == 0.0
    assert setup.edited.sales.reps == 7


# ------------------------------------------------------------------ bad values


def test_negative_reps_are_refused_by_the_schema_with_the_controls_name(fast_run):
    with pytest.raises(ScenarioValidationError) as caught:
        build_setup(SCENARIOS / "base.yaml", {"reps": "-3"}, fast_run)
    message = error_message(caught.value)
    assert message == "Number of sales reps: must be a whole number of at least 1 (you typed -3)"


@pytest.mark.parametrize("typed", ["abc", "2.5", "", "1e3"])
def test_reps_that_are_not_whole_numbers_get_a_plain_message(typed, fast_run):
    with pytest.raises(WorkshopError) as caught:
        build_setup(SCENARIOS / "base.yaml", {"reps": typed}, fast_run)
    assert str(caught.value).startswith("Number of sales reps: type a whole number")


def test_out_of_range_control_values_name_the_control(fast_run):
    with pytest.raises(ScenarioValidationError) as caught:
        build_setup(SCENARIOS / "base.yaml", {"ignore_share": 1.5}, fast_run)
    assert error_message(caught.value).startswith("Common goals: leads sales ignores: ")
    with pytest.raises(WorkshopError, match="Lead volume"):
        build_setup(SCENARIOS / "base.yaml", {"lead_volume": 5.0}, fast_run)
    with pytest.raises(WorkshopError, match="unknown choice"):
        build_setup(SCENARIOS / "base.yaml", {"sla": "2"}, fast_run)


def test_a_bad_value_in_the_starting_file_names_the_file_and_line(tmp_path: Path, fast_run):
    bad = tmp_path / "bad.yaml"
    bad.write_text("channels:\n  - name: web\n    leads_per_week: 5\nsales:\n  reps: 0\n")
    with pytest.raises(ScenarioValidationError) as caught:
        build_setup(bad, None, fast_run)
    message = error_message(caught.value)
    assert message.startswith("bad.yaml:5:") or "/bad.yaml:5:" in message
    assert "sales.reps: must be a whole number of at least 1 (you typed 0)" in message


def test_a_broken_starting_file_is_a_scenario_error(tmp_path: Path, fast_run):
    broken = tmp_path / "broken.yaml"
    broken.write_text("channels: [\n", encoding="utf-8")
    with pytest.raises(workshop.LeadsimError) as caught:
        build_setup(broken, None, fast_run)
    assert "broken.yaml" in error_message(caught.value)


# ------------------------------------------------------------------ the run horizon


def test_workshop_horizon_is_shortened_only_when_the_file_is_longer(small_dir):
    run = workshop.RunSettings(measurement_days=182)
    start = workshop.load_start(small_dir / "small.yaml", run)
    assert start.horizon_overrides == ()  # the file measures 56 days already
    base = workshop.load_start(SCENARIOS / "base.yaml", run)
    assert base.horizon_overrides == ("horizon.measurement_days=182",)
    assert base.baseline.horizon.measurement_days == 182
    assert base.scenario.horizon.measurement_days == 365
    text = workshop.settings_text(run, base)
    assert "182 days" in text and "shortened from the file's 365 days" in text


def test_configuration_round_trips_through_the_environment(tmp_path: Path):
    config = workshop.WorkshopConfig(
        scenarios_dir=tmp_path,
        start="x.yaml",
        run=workshop.RunSettings(
            replications=6, seed=9, workers=1, measurement_days=None, cache_dir=None
        ),
    )
    assert workshop.WorkshopConfig.from_environment(config.environment()) == config
    with pytest.raises(WorkshopError, match="REPLICATIONS"):
        workshop.WorkshopConfig.from_environment({"LEADSIM_WORKSHOP_REPLICATIONS": "0"})


@pytest.mark.parametrize(
    "file", ["base.yaml", "separate_departments.yaml", "customer_happiness_team.yaml"]
)
def test_every_choice_gives_valid_overrides_for_every_bundled_setup(file, fast_run):
    for control, choice, _ in workshop.iter_choices():
        setup = build_setup(SCENARIOS / file, {control: choice}, fast_run)  # resolves the overrides
        assert getattr(setup.controls, control) == choice


def test_the_edited_file_scenario_is_the_run_scenario_with_the_files_horizon(fast_run):
    setup = build_setup(SCENARIOS / "base.yaml", {"sla": "4", "recycling": True}, fast_run)
    resolved = resolve_scenario(SCENARIOS / "base.yaml", setup.overrides).scenario
    assert scenario_content_hash(setup.edited) == scenario_content_hash(resolved)
