"""List items by index in ``--set`` and in sampled worlds: the same scenario as editing the file by hand.

The range files address the selling tasks as ``selling.tasks.0.at_cycle_share`` (as ``leadsim
explain`` shows them), and every sampled world applies its values as overrides, so an override
path must reach into a list; a bad index is refused with the path, the value and the list's size.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.scenario.loader import explain_rows, load_scenario, resolve_scenario, with_overrides

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "base.yaml"


def _hand_edited(tmp_path: Path, pattern: str, replacement: str) -> Path:
    """A copy of base.yaml with one line changed (the first match of ``pattern``), as a user would edit it."""
    text = BASE.read_text(encoding="utf-8")
    edited, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert count == 1, pattern
    copy = tmp_path / "base.yaml"  # same file name, so the scenario's name is the same
    copy.write_text(edited, encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("override", "pattern", "replacement"),
    [
        # the first selling task (discovery) and a key nested below the third (proposal)
        ("selling.tasks.0.at_cycle_share=0.12", r"^(      at_cycle_share:) 0\.05\b", r"\1 0.12"),
        ("selling.tasks.2.hours.mean=7.5", r"(- name: proposal[^\n]*\n(?:[^\n]*\n){2}\s+mean:) \d+", r"\1 7.5"),
        # an item of a list of numbers, inside a channel addressed by name
        ("channels.web_inquiry.weekday_profile.5=0.7",
         r"^(    weekday_profile: \[1\.2, 1\.2, 1\.2, 1\.1, 1\.0,) 0\.2,", r"\1 0.7,"),
    ],
)
def test_an_indexed_override_equals_editing_the_file(tmp_path, override, pattern, replacement):
    by_hand = load_scenario(_hand_edited(tmp_path, pattern, replacement))
    by_set = load_scenario(BASE, [override])
    assert by_set == by_hand
    assert by_set.model_dump() == by_hand.model_dump()
    assert by_set != load_scenario(BASE)  # the override did change something
    resolved = resolve_scenario(BASE)
    assert with_overrides(resolved, BASE, [override]) == by_hand  # the path a sampled world takes


def test_an_indexed_override_is_shown_as_set_by_the_override():
    rows = {row.path: row for row in explain_rows(resolve_scenario(BASE, ["selling.tasks.1.hours.mean=9"]))}
    assert rows["selling.tasks.1.hours.mean"].source_file == "--set"
    assert rows["selling.tasks.1.hours.cv"].source_file.endswith("base.yaml")  # its neighbours keep theirs


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("selling.tasks.7.at_cycle_share=0.3",
         ("--set selling.tasks.7.at_cycle_share=0.3: selling.tasks.7: index 7 is out of range – "
         "'selling.tasks' has 4 items (indexes 0–3)")),
        ("selling.tasks.demo.at_cycle_share=0.3",
         ("--set selling.tasks.demo.at_cycle_share=0.3: selling.tasks.demo: 'selling.tasks' is a list of 4 items "
         "(indexes 0–3); address an item by its index")),
        ("selling.tasks.-1.hours.mean=3", "'selling.tasks' is a list of 4 items (indexes 0–3)"),
        ("channels.web_inquiry.weekday_profile.7=1", ("index 7 is out of range – "
         "'channels.web_inquiry.weekday_profile' has 7 items (indexes 0–6)")),
        ("calendar.holidays.0=2026-01-01", "the files do not set the list 'calendar.holidays'"),
        ("selling.tasks.0.hourz=3", "selling.tasks.0.hourz: unknown key 'hourz' – did you mean 'hours'?"),
    ],
)
def test_a_bad_index_is_refused_with_path_value_and_size(run_leadsim, override, expected):
    with pytest.raises(ScenarioError) as raised:
        load_scenario(BASE, [override])
    assert expected in str(raised.value)
    result = run_leadsim("validate", str(BASE), "--set", override)
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # one paragraph


def test_an_indexed_value_is_still_checked_against_the_schema(run_leadsim):
    result = run_leadsim("validate", str(BASE), "--set", "selling.tasks.0.at_cycle_share=1.5")
    assert result.returncode == 2
    assert "selling.tasks.0.at_cycle_share: must be a number between 0 and 1 (got 1.5)" in result.stderr
