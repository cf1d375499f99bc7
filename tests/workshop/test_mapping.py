"""The workshop's controls set the same parameters as the lever overlays, and nothing else."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from workshop_helpers import SCENARIOS

from sim.experiment.cache import scenario_content_hash
from sim.scenario.loader import ScenarioValidationError, load_scenario, resolve_scenario
from sim.workshop import control_table
from sim.workshop import session as workshop
from sim.workshop.config import WorkshopConfig, settings_text
from sim.workshop.control_table import ABSENT, WorkshopError, load_control_table
from sim.workshop.controls import FROM_FILE, controls_from_scenario
from sim.workshop.saving import setup_diff
from sim.workshop.session import build_setup, error_message
from sim.workshop.values import MISSING, complete_distribution, same, value_at


def flat(data: Any, prefix: str = "") -> dict[str, Any]:
    """A YAML mapping as ``--set`` paths; a distribution mapping is one value."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and "distribution" not in value:
            out.update(flat(value, path + "."))
        elif isinstance(value, list) and key == "channels":
            for item in value:
                out.update(flat({k: v for k, v in item.items() if k != "name"},
                                f"{path}.{item['name']}."))
        else:
            out[path] = value
    return out


def lever(name: str, folder: Path = SCENARIOS) -> dict[str, Any]:
    """The parameters a lever overlay sets, as ``--set`` paths."""
    overlay = YAML(typ="safe", pure=True).load((folder / "levers" / f"{name}.yaml").read_text())
    return flat({key: value for key, value in overlay.items() if key != "title"})  # a label


def silo() -> dict[str, Any]:
    return load_scenario(SCENARIOS / "separate_departments.yaml").model_dump(mode="json")


def settings(control: str, key: str, folder: Path | None = None) -> dict[str, Any]:
    return dict(load_control_table(folder).lever(control).choice(key).settings)


def assert_same_settings(got: dict[str, Any], wanted: dict[str, Any]) -> None:
    assert set(got) == set(wanted)
    for path, value in wanted.items():
        assert same(complete_distribution(value), complete_distribution(got[path])), path


# ------------------------------------------------------------------ the controls are the levers'


def test_there_is_one_control_per_lever_file_plus_reps_and_volume():
    table = load_control_table(SCENARIOS)
    stems = {path.stem for path in (SCENARIOS / "levers").glob("*.yaml")}
    assert {lever.name for lever in table.levers} == stems
    assert table.names()[-2:] == ("reps", "lead_volume")


def test_sla_choices_are_the_sla_lever_with_its_own_deadline():
    assert_same_settings(settings("sla", "4"), lever("sla"))
    for hours in (1, 24, 72):
        expected = {**lever("sla"), "sla.first_contact_business_hours": hours}
        assert_same_settings(settings("sla", str(hours)), expected)


def test_a_lever_off_is_the_silo_setup_for_the_same_keys():
    reference = silo()
    for key in ("sla", "shared_lead_definition", "recycling"):
        table = load_control_table()
        off = table.lever(key).choices[0].settings
        for path, value in off.items():
            if value is ABSENT:  # the lever's own cost entry: the silo has none
                assert value_at(reference, path) is MISSING, (key, path)
                continue
            assert same(value, value_at(reference, path)), (key, path)


def test_realtime_crm_is_the_crm_integration_lever_and_lists_are_the_silo_hand_off():
    assert_same_settings(settings("crm_integration", "realtime_crm"), lever("crm_integration"))
    daily = settings("crm_integration", "daily_list")
    assert daily["costs.org_costs_per_year.crm_integration"] is ABSENT  # no CRM, no CRM cost
    for path in ("handoff.mode", "handoff.batch_every_hours", "handoff.admin_delay_hours",
                 "handoff.automation_triggers"):
        assert same(daily[path], value_at(silo(), path)), path
    weekly = settings("crm_integration", "weekly_list")
    assert weekly == {**daily, "handoff.batch_every_hours": 168}


def test_yes_no_levers_are_their_files():
    for name in ("shared_lead_definition", "recycling", "shared_goals", "job_rotation"):
        assert_same_settings(settings(name, "yes"), lever(name))


def test_lever_values_change_with_the_file_and_new_levers_appear(tmp_path: Path):
    """The controls follow the lever files: an edited value and a new file need no Python change."""
    table = load_control_table()
    assert "sales.max_attempts" not in table.lever("sla").choice("4").settings  # the cadence's
    cadence = table.lever("follow_up_cadence")
    assert cadence.choice("yes").settings["sales.max_attempts"] == 6
    assert cadence.choice("no").settings["sales.max_attempts"] == 3  # the silo's
    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder, ignore=shutil.ignore_patterns("workshop", "examples"))
    cadence_file = folder / "levers" / "follow_up_cadence.yaml"
    cadence_file.write_text(cadence_file.read_text().replace("max_attempts: 6", "max_attempts: 5"))
    (folder / "levers" / "weekly_review.yaml").write_text(
        "# yaml-language-server: $schema=../schema.json\n"
        "# Weekly pipeline review: marketing re-scores its leads every week\n"
        "nurturing:\n  rescore_every_days: 7  # assumption: a weekly meeting\n"
    )
    edited = load_control_table(folder)
    assert edited.lever("follow_up_cadence").choice("yes").settings["sales.max_attempts"] == 5
    review = edited.lever("weekly_review")
    assert review.title == "Weekly pipeline review"
    assert dict(review.choice("yes").settings) == {"nurturing.rescore_every_days": 7}
    assert dict(review.choice("no").settings) == {"nurturing.rescore_every_days": 30}
    start = workshop.load_start(folder / "customer_happiness_team.yaml", workshop.RunSettings())
    # the team does not extend the new file: the review is off, the cadence on
    assert start.controls["weekly_review"] == "no" and start.controls["follow_up_cadence"] == "yes"


def test_a_lever_title_comes_from_the_first_comment_line(tmp_path: Path):
    file = tmp_path / "x.yaml"
    file.write_text("# yaml-language-server: $schema=../schema.json\n# Lever \"agreed capacity\" (domain README): more\n")
    assert control_table.lever_title(file) == "Agreed capacity"
    file.write_text("# Weekly pipeline review: sales and marketing meet\nsales: {reps: 3}\n")
    assert control_table.lever_title(file) == "Weekly pipeline review"


def test_every_choice_sets_only_paths_the_loader_accepts():
    base = load_scenario(SCENARIOS / "base.yaml").model_dump(mode="json")
    for lever_control in load_control_table().levers:
        for choice in lever_control.choices:
            for path, value in choice.settings.items():
                if value is ABSENT or value_at(base, path) is MISSING:
                    shown = 0 if value is ABSENT else value
                    load_scenario(SCENARIOS / "base.yaml", [f"{path}={json.dumps(shown)}"])
                    continue
                assert value_at(base, path) is not MISSING, (lever_control.name, path)


# ------------------------------------------------------------------ reading the starting file


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        # base.yaml has no SLA (the silo's settings) and an e-mail hand-off no choice describes
        ("base.yaml", {"sla": "off", "crm_integration": FROM_FILE, "recycling": "no",
                       "reps": 10}),
        ("separate_departments.yaml", {"sla": "off", "crm_integration": "daily_list",
                                       "shared_lead_definition": "no", "shared_goals": "no",
                                       "recycling": "no", "reps": 10}),
        ("customer_happiness_team.yaml", {"sla": "4", "crm_integration": "realtime_crm",
                                          "shared_lead_definition": "yes", "shared_goals": "yes",
                                          "recycling": "yes", "customer_success": "yes",
                                          "reps": 10}),
    ],
)  # fmt: skip
def test_controls_start_at_the_starting_files_values(file, expected):
    controls = controls_from_scenario(load_scenario(SCENARIOS / file), load_control_table())
    assert {name: controls[name] for name in expected} == expected
    assert controls["lead_volume"] == 1.0


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
        ("crm_integration", "weekly_list"),
        ("crm_integration", "realtime_crm"),
        ("shared_lead_definition", "yes"),
        ("recycling", "yes"),
    ],
)
def test_a_choice_sets_its_parameters_and_nothing_else(control, value, fast_run):
    setup = build_setup(SCENARIOS / "base.yaml", {control: value}, fast_run)
    settings = setup.settings[control]
    edited = setup.edited.model_dump(mode="json")
    for path, wanted in settings.items():
        got = value_at(edited, path)
        assert same(complete_distribution(wanted), got), path
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
            "crm_integration": "weekly_list",
            "reps": "12",
            "shared_goals": "yes",
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
        {"sla": "off", "follow_up_cadence": "no", "shared_lead_definition": "no", "recycling": "no"},
        fast_run,
    )
    edited = setup.edited
    assert edited.sla.agreed is False and edited.sales.queue == "fifo"
    assert edited.sales.max_attempts == 3  # the silo's cadence
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
    setup = build_setup(SCENARIOS / "base.yaml", {"shared_goals": "yes", "reps": 7}, fast_run)
    assert setup.edited.handoff.ignore_share == 0.05
    assert setup.edited.sales.reps == 7


# ------------------------------------------------------------------ bad values


def test_negative_reps_are_refused_by_the_schema_with_the_controls_name(fast_run):
    with pytest.raises(ScenarioValidationError) as caught:
        build_setup(SCENARIOS / "base.yaml", {"reps": "-3"}, fast_run)
    message = error_message(caught.value)
    assert message == "Number of sales reps: must be a whole number between 1 and 1000 (you typed -3)"


@pytest.mark.parametrize("typed", ["abc", "2.5", "", "1e3"])
def test_reps_that_are_not_whole_numbers_get_a_plain_message(typed, fast_run):
    with pytest.raises(WorkshopError) as caught:
        build_setup(SCENARIOS / "base.yaml", {"reps": typed}, fast_run)
    assert str(caught.value).startswith("Number of sales reps: type a whole number")


def test_out_of_range_control_values_name_the_control(fast_run):
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
    assert "sales.reps: must be a whole number between 1 and 1000 (you typed 0)" in message


def test_a_broken_starting_file_is_a_scenario_error(tmp_path: Path, fast_run):
    broken = tmp_path / "broken.yaml"
    broken.write_text("channels: [\n", encoding="utf-8")
    with pytest.raises(control_table.LeadsimError) as caught:
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
    text = settings_text(run, base)
    assert "182 days" in text and "shortened from the file's 365 days" in text


def test_configuration_round_trips_through_the_environment(tmp_path: Path):
    config = WorkshopConfig(
        scenarios_dir=tmp_path,
        start="x.yaml",
        run=workshop.RunSettings(
            replications=6, seed=9, workers=1, measurement_days=None, cache_dir=None
        ),
        look_ahead=False,
    )
    assert WorkshopConfig.from_environment(config.environment()) == config
    assert WorkshopConfig.from_environment({}).look_ahead  # on unless switched off
    with pytest.raises(WorkshopError, match="REPLICATIONS"):
        WorkshopConfig.from_environment({"LEADSIM_WORKSHOP_REPLICATIONS": "0"})
    with pytest.raises(WorkshopError, match="LOOK_AHEAD must be 0 or 1, got 'yes'"):
        WorkshopConfig.from_environment({"LEADSIM_WORKSHOP_LOOK_AHEAD": "yes"})


@pytest.mark.parametrize(
    "file", ["base.yaml", "separate_departments.yaml", "customer_happiness_team.yaml"]
)
def test_every_choice_gives_valid_overrides_for_every_bundled_setup(file, fast_run):
    for lever_control in load_control_table().levers:
        for choice in lever_control.choices:
            setup = build_setup(SCENARIOS / file, {lever_control.name: choice.key}, fast_run)
            assert setup.controls[lever_control.name] == choice.key


def test_the_edited_file_scenario_is_the_run_scenario_with_the_files_horizon(fast_run):
    setup = build_setup(SCENARIOS / "base.yaml", {"sla": "4", "recycling": "yes"}, fast_run)
    resolved = resolve_scenario(SCENARIOS / "base.yaml", setup.overrides).scenario
    assert scenario_content_hash(setup.edited) == scenario_content_hash(resolved)
