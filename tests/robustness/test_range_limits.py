"""A range may not leave what a scenario file may say: both ends are checked against the schema.

Every sampled world is a scenario, so a range end beyond the schema's limit (more than 100,000
leads a week per channel, a share above 1, more than 1,000 reps) would only fail – or run for
hours – mid-experiment. ``validate``, ``explain`` and ``robustness`` refuse it up front, naming
the range file's line, the key, the end and what is allowed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.ranges import load_ranges
from sim.scenario.records import ScenarioValidationError

SCENARIO = """\
horizon: {warmup_days: 7, measurement_days: 28, drain_cap_days: 28}  # assumption: a short test run
channels:
  - name: web_inquiry
    leads_per_week: 20  # assumption: test volume
    decay: {cold_below: 0.2}  # assumption: test threshold
sales:
  reps: 3  # assumption: small team
costs:
  org_costs_per_year: {crm: 1000}  # assumption: a licence
"""


def _files(folder: Path, line: str) -> Path:
    (folder / "ranges").mkdir()
    (folder / "a.yaml").write_text(SCENARIO, encoding="utf-8")
    (folder / "b.yaml").write_text("extends: a.yaml\nhandoff:\n  mode: realtime  # assumption: CRM task\n", encoding="utf-8")
    (folder / "ranges" / "a.ranges.yaml").write_text(f"# header line\n{line}\n", encoding="utf-8")
    return folder / "a.yaml"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('channels.web_inquiry.leads_per_week: {range: [14, 10000000], reason: "volume"}',
         ("channels.web_inquiry.leads_per_week: range [14, 10000000]: its high end 10000000 is outside what a "
         "scenario may set here; allowed: a number between 0 and 100000 (more leads a week per channel")),
        ('channels.web_inquiry.decay.cold_below: {range: [0.1, 1.2], reason: "a guess"}',
         ("channels.web_inquiry.decay.cold_below: range [0.1, 1.2]: its high end 1.2 is outside what a scenario "
         "may set here; allowed: a number between 0 and 1 – narrow the range")),
        ('sales.reps: {range: [0, 5], reason: "head count"}',
         ("sales.reps: range [0, 5]: its low end 0 is outside what a scenario may set here; allowed: an integer "
         "between 1 and 1000")),
        ('sales.reps: {range: [2, 1001.4], reason: "head count"}',
         "sales.reps: range [2, 1001.4]: its high end 1001.4 (sampled as 1001) is outside"),
        ('costs.org_costs_per_year.crm: {range: [-500, 2000], reason: "a quote"}',
         ("costs.org_costs_per_year.crm: range [-500, 2000]: its low end -500 is outside what a scenario may set "
         "here; allowed: a number between 0 and 1e+12")),
    ],
)
def test_a_range_beyond_the_schema_is_refused_by_validate_and_robustness(tmp_path, run_leadsim, line, expected):
    scenario = _files(tmp_path, line)
    with pytest.raises(ScenarioValidationError, match="ranges.yaml:2:1"):
        load_ranges(scenario)
    for command in (["validate", "a.yaml"], ["robustness", "a.yaml", "b.yaml", "--samples", "16", "-o", "out"]):
        result = run_leadsim(*command, cwd=tmp_path)
        assert result.returncode == 2, (command, result.stdout)
        assert "Traceback" not in result.stderr
        assert f"ranges/a.ranges.yaml:2:1: {expected}" in result.stderr, result.stderr  # file:line: key: …
        assert len(result.stderr.strip().splitlines()) == 1  # one paragraph
    assert not (tmp_path / "out").exists()


def test_whole_numbers_are_checked_as_sampled(tmp_path):
    """An integer's range is sampled rounded inward, so [0.4, 5] means 1 … 5 reps – allowed."""
    scenario = _files(tmp_path, 'sales.reps: {range: [0.4, 5], reason: "head count"}')
    assert load_ranges(scenario)["sales.reps"].spec.range == (0.4, 5.0)


def test_ranges_within_the_schema_pass(tmp_path, run_leadsim):
    _files(tmp_path, 'channels.web_inquiry.leads_per_week: {range: [14, 100000], reason: "up to the limit"}')
    result = run_leadsim("validate", "a.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
