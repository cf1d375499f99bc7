"""reports.yaml is checked by its pydantic schema before any job runs: one paragraph per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ReportError
from sim.report import jobs


def _problem(tmp_path: Path, content: str) -> str:
    config = tmp_path / "reports.yaml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(ReportError) as raised:
        jobs.run_report_config(config, out_root=tmp_path / "out", cache_dir=None)
    return str(raised.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("jobs: []\n", "reports.yaml:1: jobs: must be a non-empty list of report jobs, got []"),
        ("out: r\n", "reports.yaml:1: jobs: must be a non-empty list of report jobs"),
        ("jobz: [1]\n", "reports.yaml:1: unknown key jobz (allowed: out, defaults, jobs)"),
        (
            "jobs:\n  - title: x\n    replication: 3\n    colour: red\n",
            "reports.yaml:3: jobs[0]: unknown key colour, replication (allowed: export, kpi_focus,",
        ),
        ("jobs:\n  - 5\n", "reports.yaml:2: jobs[0]: must be a mapping of job keys, got 5"),
        (
            "jobs:\n  - title: a\n  - title: b\n    parameters: 5\n",
            "reports.yaml:4: jobs[1]: parameters: must be a mapping of notebook parameters, got 5",
        ),
        ("defaults: 3\njobs:\n  - title: x\n", "reports.yaml:1: defaults: must be a mapping of job keys, got 3"),
        ("jobs:\n  - export: ''\n", "reports.yaml:2: jobs[0]: export: must be a file name or glob pattern, got ''"),
    ],
)
def test_a_wrong_key_or_value_names_file_line_key_value_and_what_is_allowed(
    tmp_path: Path, content: str, expected: str
) -> None:
    message = _problem(tmp_path, content)
    assert expected in message
    assert "\n" not in message and "validation error" not in message  # one paragraph, no pydantic dump
    assert not (tmp_path / "out").exists()  # nothing ran


def test_one_scenario_file_and_a_numeric_title_are_read_as_written(tmp_path: Path) -> None:
    config = tmp_path / "reports.yaml"
    config.write_text("jobs:\n  - scenarios: a.yaml\n    title: 2027\n", encoding="utf-8")
    loaded = jobs._load_config(config)
    assert loaded["jobs"] == [{"scenarios": ["a.yaml"], "title": "2027"}]
