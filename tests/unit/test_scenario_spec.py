"""ScenarioSpec: a scenario plus overlays and overrides, composed in memory as a composition file would be.

Each lever subset composed in memory must equal the one loaded from the composition file that
attribution used to write (``extends: [reference, *levers]`` plus ``name:``): the same model
parameters and the same origin (file, line, column, comment) for every value. Parsed files are
cached per process by content, so an edited file is read again and the cache is never changed
by merging.
"""

from __future__ import annotations

import copy
import os
import random
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from sim.errors import ScenarioError
from sim.experiment.attribution import plan_levers, subset_label, subset_spec
from sim.scenario.loader import _parse_text, _parsed_file, explain_rows, resolve_scenario
from sim.scenario.overrides import Override, as_overrides, parse_set
from sim.scenario.records import Origin
from sim.scenario.spec import SPEC_SOURCE, ScenarioSpec

ROOT = Path(__file__).resolve().parents[2]
SILO = ROOT / "scenarios" / "separate_departments.yaml"
TEAM = ROOT / "scenarios" / "customer_happiness_team.yaml"
SUBSETS = 100


def _write_composition(path: Path, reference: Path, levers: list[Path], name: str) -> None:
    """The composition file attribution wrote before specs: the reference, the levers, a name."""
    writer = YAML(typ="safe")
    writer.default_flow_style = False
    with path.open("w", encoding="utf-8") as handle:
        writer.dump({"extends": [str(reference), *(str(lever) for lever in levers)], "name": name}, handle)


def _lever_subsets(names: list[str], count: int) -> list[frozenset[str]]:
    rng = random.Random(20261207)
    found = [frozenset(), frozenset(names)]
    while len(found) < count:
        subset = frozenset(name for name in names if rng.random() < 0.5)
        if subset not in found:
            found.append(subset)
    return found


def test_lever_subsets_in_memory_equal_the_composition_files(tmp_path: Path) -> None:
    plan = plan_levers(SILO, TEAM)
    names = plan.names
    assert len(names) >= 7  # enough levers for 100 distinct subsets
    for index, subset in enumerate(_lever_subsets(names, SUBSETS)):
        chosen = [file for file, name in zip(plan.lever_files, names, strict=True) if name in subset]
        file = tmp_path / f"subset_{index:03d}.yaml"
        _write_composition(file, plan.reference_file, chosen, subset_label(subset, names))
        from_file = resolve_scenario(file)
        in_memory = subset_spec(plan, subset).resolve()

        assert in_memory.scenario == from_file.scenario
        assert in_memory.scenario.model_dump(mode="json") == from_file.scenario.model_dump(mode="json")
        assert in_memory.data == from_file.data
        # Every value keeps its file, line, column and comment; only the name comes from the spec
        # instead of the composition file's second line.
        expected = {path: origin for path, origin in from_file.provenance.items() if path != ("name",)}
        actual = {path: origin for path, origin in in_memory.provenance.items() if path != ("name",)}
        assert actual == expected
        assert in_memory.provenance[("name",)].file == SPEC_SOURCE
        assert in_memory.chain == from_file.chain[:-1]  # all but the composition file itself
        assert from_file.chain[-1] == file


def test_a_spec_without_overlays_or_name_is_the_file_as_written() -> None:
    by_spec = ScenarioSpec.of(TEAM).resolve()
    by_file = resolve_scenario(TEAM)
    assert by_spec.scenario == by_file.scenario
    assert by_spec.provenance == by_file.provenance
    assert by_spec.chain == by_file.chain
    assert by_spec.scenario.title == by_file.scenario.title


def test_a_composition_without_name_is_named_after_its_files() -> None:
    lever = ROOT / "scenarios" / "levers" / "sla.yaml"
    spec = ScenarioSpec.of(SILO, [lever])
    assert spec.load().name == "separate_departments+sla"
    rows = {row.path: row for row in explain_rows(spec.resolve())}
    assert rows["name"].source_file == SPEC_SOURCE


def test_a_missing_overlay_is_named() -> None:
    with pytest.raises(ScenarioError, match="no_such_lever.yaml: scenario file not found"):
        ScenarioSpec.of(SILO, [ROOT / "scenarios" / "levers" / "no_such_lever.yaml"], "x").load()


# --------------------------------------------------------------------------- the parse cache


def _scenario_text(reps: int) -> str:
    return (
        "channels:\n  - name: web\n    leads_per_week: 10\n    cost_per_lead: 50\n"
        f"sales:\n  reps: {reps}  # the team\n"
    )


def test_an_edited_file_is_read_again_even_with_the_same_size_and_time(tmp_path: Path) -> None:
    file = tmp_path / "edited.yaml"
    file.write_text(_scenario_text(5), encoding="utf-8")
    stamp = file.stat()
    assert ScenarioSpec.of(file).load().sales.reps == 5
    file.write_text(_scenario_text(6), encoding="utf-8")  # same size
    os.utime(file, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # and the same modification time
    assert file.stat().st_size == stamp.st_size
    assert ScenarioSpec.of(file).load().sales.reps == 6
    assert resolve_scenario(file).provenance[("sales", "reps")].comment == "the team"


def test_a_file_is_parsed_once_for_many_compositions() -> None:
    plan = plan_levers(SILO, TEAM)
    subsets = _lever_subsets(plan.names, 20)
    subset_spec(plan, subsets[0]).load()
    before = _parse_text.cache_info()
    for subset in subsets[1:]:
        subset_spec(plan, subset).load()
    after = _parse_text.cache_info()
    assert after.misses == before.misses  # every file's text was parsed already
    assert after.hits > before.hits


def test_merging_and_overrides_never_change_a_cached_parse(tmp_path: Path) -> None:
    file = tmp_path / "base.yaml"
    file.write_text(_scenario_text(5), encoding="utf-8")
    lever = tmp_path / "lever.yaml"
    lever.write_text("sales:\n  reps: 7\nchannels:\n  - name: web\n    leads_per_week: 3\n", encoding="utf-8")
    shared = [_parsed_file(file), _parsed_file(lever)]  # the cache's own objects
    before = copy.deepcopy(shared)

    changed = ScenarioSpec.of(file, overrides=[
        "sales.reps=9", "channels.web.leads_per_week=99", "channels.web.name=renamed",
    ]).resolve()
    assert changed.scenario.sales.reps == 9
    composed = ScenarioSpec.of(file, [lever], "both").resolve()
    composed.data["sales"]["reps"] = 1000  # a caller changing its result changes nothing shared
    composed.data["channels"][0]["leads_per_week"] = 1000

    assert [_parsed_file(file), _parsed_file(lever)] == before
    assert shared == before
    again = ScenarioSpec.of(file).load()
    assert (again.sales.reps, again.channels[0].leads_per_week) == (5, 10)
    assert ScenarioSpec.of(file, [lever], "both").load().sales.reps == 7


# --------------------------------------------------------------------------- overrides


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sales.reps", "--set sales.reps: expected path.to.key=value, e.g. --set sales.reps=8"),
        ("=3", "--set =3: expected path.to.key=value"),
        ("sales..reps=3", "--set sales..reps=3: 'sales..reps' has an empty part between dots"),
        ("sales.queue=[fifo", "--set sales.queue=[fifo: sales.queue: the value is not valid YAML"),
    ],
)
def test_set_texts_are_refused_with_the_command_line_messages(text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_set(text)
    assert message in str(caught.value)


def test_a_set_text_becomes_a_structured_override() -> None:
    found = parse_set("channels.web_inquiry.leads_per_week= 30")
    assert found == Override(("channels", "web_inquiry", "leads_per_week"), 30, "channels.web_inquiry.leads_per_week= 30")
    assert parse_set("sales.queue=[a, b]").value == ["a", "b"]
    assert as_overrides(["sales.reps=8", found]) == (parse_set("sales.reps=8"), found)


def test_an_override_in_code_equals_the_same_set_text() -> None:
    texts = ["sales.reps=11", "channels.web_inquiry.leads_per_week=31.5", "handoff.ignore_share=0.05"]
    in_code = [Override.at("sales.reps", 11), Override.at("channels.web_inquiry.leads_per_week", 31.5),
               Override.at("handoff.ignore_share", 0.05)]
    assert [override.origin for override in in_code] == texts
    by_text = resolve_scenario(TEAM, texts)
    by_code = ScenarioSpec.of(TEAM).with_overrides(in_code).resolve()
    assert by_code.scenario == by_text.scenario
    assert by_code.provenance == by_text.provenance
    assert by_code.overrides == by_text.overrides == tuple(texts)
    assert by_code.provenance[("sales", "reps")] == Origin("--set", override="sales.reps=11")


def test_a_bad_override_in_code_is_named_by_its_origin() -> None:
    spec = ScenarioSpec.of(TEAM, overrides=[Override.at("sales.repz", 3)])
    with pytest.raises(ScenarioError, match=r"--set sales.repz=3: sales.repz: .*did you mean 'reps'"):
        spec.load()
    invalid = ScenarioSpec.of(TEAM, overrides=[Override(("sales", "reps"), -3, "sampled world 4: sales.reps")])
    with pytest.raises(ScenarioError, match=r"--set sampled world 4: sales.reps: sales.reps: must be an integer"):
        invalid.load()
    with pytest.raises(ScenarioError, match="empty part between dots"):
        Override.at("sales..reps", 3)


def test_with_overrides_leaves_the_spec_unchanged() -> None:
    spec = ScenarioSpec.of(TEAM)
    more = spec.with_overrides(["sales.reps=13"])
    assert spec.overrides == ()
    assert more.overrides == (parse_set("sales.reps=13"),)
    assert more.load().sales.reps == 13
    assert spec.load() == resolve_scenario(TEAM).scenario
