"""Scenario loading: inheritance, channel merge by name, overrides, provenance, range errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args, get_origin

import annotated_types
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from ruamel.yaml import YAML

from sim import ScenarioError
from sim.scenario.loader import (
    DEFAULT_SOURCE,
    ScenarioValidationError,
    dump_resolved_yaml,
    explain_rows,
    load_scenario,
    resolve_scenario,
    scenario_json_schema,
)
from sim.scenario.messages import _strip  # the loader's own schema walker (Annotated/Optional)
from sim.scenario.schema import Scenario

MINIMAL = "channels:\n  - name: web_inquiry\n    leads_per_week: 10\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- merging


def test_minimal_scenario_takes_name_from_file(tmp_path):
    scenario = load_scenario(write(tmp_path, "tiny_shop.yaml", MINIMAL))
    assert scenario.name == "tiny_shop"
    assert scenario.channel("web_inquiry").leads_per_week == 10
    assert scenario.sales == Scenario.model_fields["sales"].default


def test_child_name_is_not_inherited_from_parent(tmp_path):
    write(tmp_path, "base.yaml", "name: base\n" + MINIMAL)
    child = write(tmp_path, "lever.yaml", "extends: base.yaml\n")
    assert load_scenario(child).name == "lever"


def test_channels_merge_by_name_and_new_ones_append(tmp_path):
    write(
        tmp_path,
        "base.yaml",
        "channels:\n"
        "  - name: web_inquiry\n    leads_per_week: 10\n    cost_per_lead: 40\n"
        "  - name: trade_fair\n    leads_per_week: 2\n",
    )
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\n"
        "channels:\n"
        "  - name: web_inquiry\n    leads_per_week: 30\n    decay: {hot_half_life_hours: 4}\n"
        "  - name: webinar\n    leads_per_week: 5\n",
    )
    scenario = load_scenario(child)
    assert [c.name for c in scenario.channels] == ["web_inquiry", "trade_fair", "webinar"]
    web = scenario.channel("web_inquiry")
    assert (web.leads_per_week, web.cost_per_lead) == (30, 40)
    assert web.decay.hot_half_life_hours == 4
    assert scenario.channel("trade_fair").leads_per_week == 2


def test_dicts_merge_and_other_lists_are_replaced(tmp_path):
    write(
        tmp_path,
        "base.yaml",
        MINIMAL + "calendar:\n  work_days: [mon, tue, wed]\n  start_hour: 9\n"
        "sales:\n  reps: 3\n  queue: lifo\n",
    )
    child = write(
        tmp_path, "child.yaml", "extends: base.yaml\ncalendar:\n  work_days: [sat]\nsales:\n  reps: 7\n"
    )
    scenario = load_scenario(child)
    assert scenario.calendar.work_days == ("sat",)
    assert scenario.calendar.start_hour == 9
    assert (scenario.sales.reps, scenario.sales.queue) == (7, "lifo")


def test_several_parents_merge_in_order(tmp_path):
    write(tmp_path, "base.yaml", MINIMAL + "sales:\n  reps: 3\n")
    write(tmp_path, "more_reps.yaml", "sales:\n  reps: 9\n  queue: sla\n")
    write(tmp_path, "fewer_reps.yaml", "sales:\n  reps: 4\n")
    child = write(
        tmp_path, "combo.yaml", "extends: [base.yaml, more_reps.yaml, fewer_reps.yaml]\n"
    )
    resolved = resolve_scenario(child)
    assert (resolved.scenario.sales.reps, resolved.scenario.sales.queue) == (4, "sla")
    assert [p.name for p in resolved.chain] == [
        "base.yaml", "more_reps.yaml", "fewer_reps.yaml", "combo.yaml"
    ]


def test_partial_section_keeps_schema_defaults(tmp_path):
    """Setting only the mean keeps the default lognormal shape (defaults act as a parent)."""
    path = write(tmp_path, "s.yaml", MINIMAL + "conversion:\n  sales_cycle_days: {mean: 60}\n")
    cycle = load_scenario(path).conversion.sales_cycle_days
    assert (cycle.distribution, cycle.mean, cycle.cv) == ("lognormal", 60, 0.5)
    fit = load_scenario(path, ["channels.web_inquiry.fit.alpha=3"]).channel("web_inquiry").fit
    assert (fit.alpha, fit.beta) == (3, 2)


def test_a_new_distribution_replaces_the_default(tmp_path):
    path = write(
        tmp_path, "s.yaml", MINIMAL + "conversion:\n  deal_value: {distribution: fixed, mean: 5}\n"
    )
    deal = load_scenario(path).conversion.deal_value
    assert (deal.distribution, deal.mean, deal.cv) == ("fixed", 5, None)


# --------------------------------------------------------------------------- overrides


def test_set_overrides_by_channel_name_and_nested_keys(tmp_path):
    path = write(tmp_path, "s.yaml", MINIMAL + "  - name: trade_fair\n    leads_per_week: 1\n")
    scenario = load_scenario(
        path,
        [
            "channels.web_inquiry.leads_per_week=80",
            "sales.reps=12",
            "calendar.work_days=[mon, wed]",
            "handoff.mode=batch",
            "sla.agreed=true",
        ],
    )
    assert scenario.channel("web_inquiry").leads_per_week == 80
    assert scenario.channel("trade_fair").leads_per_week == 1
    assert scenario.sales.reps == 12
    assert scenario.calendar.work_days == ("mon", "wed")
    assert scenario.handoff.mode == "batch"
    assert scenario.sla.agreed is True


def test_set_provenance_and_last_one_wins(tmp_path):
    path = write(tmp_path, "s.yaml", MINIMAL + "sales:\n  reps: 3  # today\n")
    resolved = resolve_scenario(path, ["sales.reps=4", "sales.reps=5"])
    assert resolved.scenario.sales.reps == 5
    rows = {row.path: row for row in explain_rows(resolved)}
    assert rows["sales.reps"].source_file == "--set"
    assert rows["sales.reps"].comment == "sales.reps=5"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("sales.repz=1", "did you mean 'reps'?"),
        ("channels.webinquiry.leads_per_week=1", "did you mean 'web_inquiry'?"),
        ("channels.web_inquiry.leads_per_wek=1", "did you mean 'leads_per_week'?"),
        ("extends=x.yaml", "unknown key 'extends'"),
        ("sales.reps=0", "sales.reps: must be an integer between 1 and 1000 (got 0)"),
    ],
)
def test_bad_overrides(setting, message, tmp_path):
    path = write(tmp_path, "s.yaml", MINIMAL)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, [setting])
    assert message in str(caught.value)
    assert f"--set {setting}" in str(caught.value)


# --------------------------------------------------------------------------- provenance and output


def test_validation_error_points_at_the_file_that_set_the_value(tmp_path):
    write(tmp_path, "base.yaml", MINIMAL + "sales:\n  reps: 3\n")
    child = write(tmp_path, "child.yaml", "extends: base.yaml\n\nsales:\n    reps: -3\n")
    with pytest.raises(ScenarioValidationError) as caught:
        load_scenario(child)
    [problem] = caught.value.problems
    assert problem.location.endswith("child.yaml:4:5")
    assert problem.path == "sales.reps"
    assert str(problem).endswith("child.yaml:4:5: sales.reps: must be an integer between 1 and 1000 (got -3)")


def test_explain_rows_cover_every_leaf_with_defaults(fixtures_dir):
    rows = explain_rows(resolve_scenario(fixtures_dir / "minimal.yaml"))
    paths = [row.path for row in rows]
    assert len(paths) == len(set(paths))
    assert "sales.reps" in paths and "conversion.deal_value.cv" in paths
    by_path = {row.path: row for row in rows}
    assert by_path["sales.reps"].source_file == DEFAULT_SOURCE
    assert by_path["channels.web_inquiry.leads_per_week"].line == 4


def test_dump_resolved_yaml_round_trips(fixtures_dir, tmp_path):
    resolved = resolve_scenario(fixtures_dir / "child.yaml", ["sales.reps=11"])
    text = dump_resolved_yaml(resolved)
    assert "# --set sales.reps=11" in text
    dumped = write(tmp_path, "resolved.yaml", text)
    assert load_scenario(dumped) == resolved.scenario


def test_json_schema_allows_extends():
    schema = scenario_json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "extends" in schema["properties"]


# --------------------------------------------------------------------------- every bound is enforced


def _bounded_fields(model: type[BaseModel], prefix: tuple[str, ...]) -> list[tuple]:
    """(path, type, bound kind, bound) for every numeric field with a ge/gt/le/lt limit."""
    found = []
    for name, info in model.model_fields.items():
        core, metadata = _strip(info.annotation)
        path = (*prefix, name)
        if isinstance(core, type) and issubclass(core, BaseModel):
            found += _bounded_fields(core, path)
            continue
        if get_origin(core) is tuple:
            item, _ = _strip(get_args(core)[0])
            if isinstance(item, type) and issubclass(item, BaseModel):
                found += _bounded_fields(item, (*path, "web_inquiry"))
            continue
        for constraint in [*info.metadata, *metadata]:
            for kind in ("ge", "gt", "le", "lt"):
                if isinstance(constraint, getattr(annotated_types, kind.title())):
                    found.append((path, core, kind, getattr(constraint, kind)))
    return found


BOUNDED = _bounded_fields(Scenario, ())


def test_the_schema_has_bounded_fields_everywhere():
    paths = {".".join(path) for path, *_ in BOUNDED}
    assert {"sales.reps", "channels.web_inquiry.leads_per_week",
            "channels.web_inquiry.decay.floor", "conversion.win_probability"} <= paths


def _out_of_range(core: type, kind: str, bound: float) -> st.SearchStrategy:
    if core is int:
        return {
            "ge": st.integers(max_value=int(bound) - 1, min_value=-10**9),
            "gt": st.integers(max_value=int(bound), min_value=-10**9),
            "le": st.integers(min_value=int(bound) + 1, max_value=10**9),
            "lt": st.integers(min_value=int(bound), max_value=10**9),
        }[kind]
    finite = {"allow_nan": False, "allow_infinity": False}
    return {
        "ge": st.floats(min_value=-1e9, max_value=bound, exclude_max=True, **finite),
        "gt": st.floats(min_value=-1e9, max_value=bound, **finite),
        "le": st.floats(min_value=bound, max_value=max(1e9, 10 * bound), exclude_min=True, **finite),
        "lt": st.floats(min_value=bound, max_value=max(1e9, 10 * bound), **finite),
    }[kind]


# A valid first entry of each list of sections; "web_inquiry" in a path names that entry.
LIST_ENTRIES: dict[str, dict] = {
    "channels": {"name": "web_inquiry", "leads_per_week": 10},
    "tasks": {"name": "web_inquiry", "hours": {"mean": 1.0}, "at_cycle_share": 0.5},
}


def _scenario_with(path: tuple[str, ...], value: Any) -> dict:
    data: dict = {"channels": [dict(LIST_ENTRIES["channels"])]}
    node = data
    keys = list(path[:-1])
    for index, key in enumerate(keys):
        if key == "web_inquiry":
            continue
        if index + 1 < len(keys) and keys[index + 1] == "web_inquiry":
            entries = node.setdefault(key, [dict(LIST_ENTRIES[key])])
            node = entries[0]
        else:
            node = node.setdefault(key, {})
    node[path[-1]] = value
    return data


def _assert_rejected(folder: Path, path: tuple[str, ...], value: Any) -> None:
    file = folder / "bounded.yaml"
    with file.open("w", encoding="utf-8") as stream:
        YAML(typ="safe", pure=True).dump(_scenario_with(path, value), stream)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    dotted = ".".join(path).replace("tasks.web_inquiry", "tasks.0")  # list entries without a name: by index
    assert re.search(rf"bounded\.yaml:\d+:\d+: {re.escape(dotted)}: ", str(caught.value)), (
        str(caught.value)
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), field=st.sampled_from(BOUNDED))
def test_out_of_range_values_are_rejected_naming_the_field(data, field, tmp_path_factory):
    path, core, kind, bound = field
    value = data.draw(_out_of_range(core, kind, bound), label=".".join(path))
    _assert_rejected(tmp_path_factory.mktemp("bounds"), path, value)


@pytest.mark.parametrize("field", BOUNDED, ids=lambda f: f"{'.'.join(f[0])}-{f[2]}")
def test_just_outside_each_bound_is_rejected(field, tmp_path):
    path, core, kind, bound = field
    # the smallest step a float can take at the bound (1e-9 vanishes next to 1e12)
    step = 1 if core is int else max(1e-9, abs(bound) * 1e-12)
    value = {"ge": bound - step, "gt": bound, "le": bound + step, "lt": bound}[kind]
    _assert_rejected(tmp_path, path, value)
