"""The bundled range files sampled end to end: every world is a valid scenario, and the command runs.

The constructed tests (test_robustness.py) use small files of their own; these use the library a
user gets, so a range the loader cannot apply (a list item, a value beyond the schema) fails here
and not in front of a board.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiment.robustness import plan_setups, to_values, unit_sample, world_scenario
from sim.scenario.loader import display_path
from sim.scenario.ranges import RANGES_SUFFIX, load_ranges
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
RANGE_FILES = sorted(SCENARIOS.glob("**/ranges/*" + RANGES_SUFFIX))
SETUPS = [SCENARIOS / name for name in ("separate_departments.yaml", "customer_happiness_team.yaml", "sdr_team.yaml", "base.yaml")]
# The shortest run the bundled files allow: no warm-up, four weeks of leads, four weeks to finish.
SHORT = ("--set", "horizon.warmup_days=0", "--set", "horizon.measurement_days=28", "--set", "horizon.drain_cap_days=28")


def _scenario_of(range_file: Path) -> Path:
    return range_file.parent.parent / (range_file.name.removesuffix(RANGES_SUFFIX) + ".yaml")


def test_the_library_has_range_files_for_its_base_setups_and_levers():
    assert len(RANGE_FILES) >= 10
    assert SCENARIOS / "ranges" / "base.ranges.yaml" in RANGE_FILES


@pytest.mark.parametrize("range_file", RANGE_FILES, ids=lambda path: display_path(path))
def test_each_bundled_range_file_loads(range_file):
    entries = load_ranges(_scenario_of(range_file))
    assert entries, range_file
    assert any(entry.spec.range is not None for entry in entries.values())


def test_every_sampled_world_of_the_bundled_setups_is_a_valid_scenario():
    setups, parameters = plan_setups(SETUPS)
    used = {Path(parameter.origin.file).resolve() for parameter in parameters}
    assert used == {path.resolve() for path in RANGE_FILES}  # every range file is sampled by some setup
    assert any(parameter.path.startswith("selling.tasks.") for parameter in parameters)  # list items too
    unit = unit_sample(parameters, 16, "lhs", 0)
    # and the corners: every assumption at its low end, every one at its high end
    unit = np.vstack([unit, np.zeros(len(parameters)), np.ones(len(parameters))])
    values = to_values(unit, parameters)
    for sample, row in enumerate(values):
        for setup in setups:
            world = world_scenario(setup, parameters, row, sample)
            assert isinstance(world, Scenario)
            dumped = pd.json_normalize(world.model_dump(mode="json")).iloc[0]
            for parameter, value in zip(parameters, row, strict=True):
                if parameter.key in setup.parameter_keys and parameter.path in dumped.index:
                    assert dumped[parameter.path] == pytest.approx(value), (setup.name, parameter.path)


def test_robustness_runs_on_the_bundled_pair(tmp_path):
    """The README's example, with the fewest worlds and replications the command accepts and a short horizon."""
    result = subprocess.run(
        [sys.executable, "-m", "sim", "robustness", "scenarios/separate_departments.yaml",
         "scenarios/customer_happiness_team.yaml", "--samples", "16", "-r", "2", *SHORT,
         "--cache-dir", str(tmp_path / "cache"), "-o", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    samples = pd.read_csv(tmp_path / "out" / "robustness_samples.csv")
    assert len(samples) == 16
    share = samples["selling.tasks.0.at_cycle_share"]
    assert share.between(0, 0.15).all() and share.nunique() == 16  # a list item, sampled
    parameters = pd.read_csv(tmp_path / "out" / "robustness_parameters.csv")
    assert {"scenarios/ranges/base.ranges.yaml", "scenarios/levers/ranges/sla.ranges.yaml"} <= {
        location.rsplit(":", 2)[0] for location in parameters["range_file_line"]
    }
