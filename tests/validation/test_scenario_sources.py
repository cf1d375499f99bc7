"""Every number in the bundled scenario files says where it comes from.

A consultant defends a what-if result by the inputs behind it: each value in ``scenarios/``
carries an end-of-line comment naming its docs/sources.md id (``# source: F7 ...``) or saying why it
is a plausible assumption (``# assumption: ...``). ``leadsim explain`` and docs/assumptions.md
show these comments; this test keeps them complete.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "scenarios"
FILES = sorted(SCENARIOS_DIR.glob("*.yaml")) + sorted(SCENARIOS_DIR.glob("levers/*.yaml"))
SOURCE = re.compile(r"#\s*(source|assumption):\s*\S")
# Labels, not parameters: they name things rather than quantify them.
NOT_PARAMETERS = {"name", "title", "description", "extends"}


def _leaves(node: Any) -> Iterator[tuple[str, int]]:
    """(key, 0-based line) of every scalar or one-line list value in a YAML mapping tree."""
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            line = node.lc.key(key)[0]
            if isinstance(value, CommentedMap):
                yield from _leaves(value)
            elif isinstance(value, CommentedSeq) and any(
                isinstance(item, (CommentedMap, CommentedSeq)) for item in value
            ):
                for item in value:
                    yield from _leaves(item)
            elif key not in NOT_PARAMETERS:
                yield str(key), line


def test_the_bundled_scenario_files_exist() -> None:
    """The company, both org setups and the eight lever overlays of the article are bundled."""
    names = {path.relative_to(SCENARIOS_DIR).as_posix() for path in FILES}
    levers = {
        "information_exchange",
        "shared_lead_definition",
        "capacity_agreement",
        "sla",
        "shared_goals",
        "job_rotation",
        "crm_integration",
        "recycling",
    }
    expected = {"base.yaml", "separate_departments.yaml", "customer_happiness_team.yaml"}
    assert expected | {f"levers/{name}.yaml" for name in levers} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.relative_to(SCENARIOS_DIR).as_posix())
def test_every_value_names_its_source_or_assumption(path: Path) -> None:
    """Each value's line ends in ``# source: ...`` or ``# assumption: ...``."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# yaml-language-server: $schema="), "first line: schema hint"
    data = YAML(typ="rt").load(text)
    leaves = list(_leaves(data))  # empty for a pure composition (customer_happiness_team)
    missing = [
        f"{path.name}:{line + 1}: {key}" for key, line in leaves if not SOURCE.search(lines[line])
    ]
    assert not missing, "values without '# source:' or '# assumption:':\n" + "\n".join(missing)


def test_the_checker_finds_a_value_without_a_source(tmp_path: Path) -> None:
    """The walker sees nested and channel values, so a missing comment cannot slip through."""
    sample = (
        "channels:\n"
        "  - name: web\n"
        "    fit:\n"
        "      alpha: 2  # source: F12\n"
        "      beta: 3\n"
        "    hour_profile: [1, 2]  # assumption: flat\n"
    )
    lines = sample.splitlines()
    leaves = list(_leaves(YAML(typ="rt").load(sample)))
    assert [key for key, line in leaves if not SOURCE.search(lines[line])] == ["beta"]
    assert {key for key, _ in leaves} == {"alpha", "beta", "hour_profile"}
