"""Issue 17 items 4 and 8: absurd or lax values exit 2 with file:line before anything is simulated."""

from __future__ import annotations

from pathlib import Path

import pytest
from safety_helpers import assert_clean_refusal

from sim.errors import ExperimentError
from sim.experiment import budget
from sim.experiment import executors as runner_module
from sim.scenario.loader import load_scenario


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to simulate fails the test: refusals must come first."""

    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a replication was simulated")

    monkeypatch.setattr(runner_module, "simulate", forbidden)


@pytest.mark.parametrize(
    ("override", "fragments"),
    [
        ("sales.reps=10000000", ("sales.reps", "between 1 and 1000", "(got 10000000)", "–")),
        ("channels.web_inquiry.leads_per_week=1e7", ("leads_per_week", "between 0 and 100000")),
        ("horizon.measurement_days=1e308", ("horizon.measurement_days", "<= 3650", "10 years")),
        ("channels.web_inquiry.leads_per_week=1e308", ("leads_per_week", "between 0 and 100000")),
        ("sales.max_attempts=1000000", ("sales.max_attempts", "between 1 and 100")),
        ("sales.own_workload_task_hours.mean=1e-9", ("own_workload_task_hours", "at least 0.01", "36 seconds")),
        ("nurturing.rescore_every_days=1e-9", ("rescore_every_days", "between 0.01", "15 minutes")),
    ],
)
def test_absurd_values_exit_2_before_simulating(
    workdir: Path, cli, no_simulation: None, override: str, fragments: tuple[str, ...]
) -> None:
    for command in ("validate", "run"):
        args = [command, "small.yaml", "--set", override]
        if command == "run":
            args += ["-r", "1", "--workers", "1", "--no-cache", "--out", "out"]
        assert_clean_refusal(cli(*args), f"--set {override}", *fragments)
    assert not (workdir / "out").exists()


def test_absurd_values_in_a_file_name_the_line(workdir: Path, cli) -> None:
    (workdir / "absurd.yaml").write_text(
        "extends: small.yaml\nhorizon:\n  measurement_days: 1e308\nsales:\n  reps: 10000000\n"
    )
    outcome = cli("validate", "absurd.yaml")
    assert_clean_refusal(outcome, "absurd.yaml:3:3: horizon.measurement_days", "absurd.yaml:5:3: sales.reps")


def test_a_run_estimated_too_large_is_refused_unless_confirmed(
    workdir: Path, cli, no_simulation: None
) -> None:
    args = ("run", "small.yaml", "--set", "channels.web_inquiry.leads_per_week=90000", "-r", "50",
            "--workers", "1", "--no-cache", "--out", "big")
    outcome = cli(*args)
    assert_clean_refusal(outcome, "very large", "million leads", "--yes")
    assert not (workdir / "big").exists()
    # with --yes the run goes ahead: it reaches the simulation (forbidden here, so it fails there)
    assert "a replication was simulated" in cli(*args, "--yes").err


def test_the_estimate_counts_leads_weeks_replications_and_scenarios(small) -> None:
    weeks = (small.horizon.warmup_days + small.horizon.measurement_days) / 7
    size = budget.estimate([small, small], replications=10)
    assert size.leads == pytest.approx(2 * 10 * 40 * weeks)
    budget.check_budget(size, yes=False)  # an ordinary run passes
    with pytest.raises(ExperimentError, match="very large"):
        budget.check_budget(budget.estimate([small], replications=10**6), yes=False)
    budget.check_budget(budget.estimate([small], replications=10**6), yes=True)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("  reps: true", "small.yaml:6:3: sales.reps: must be an integer between 1 and 1000 (got true)"),
        ("  reps: '5'", "small.yaml:6:3: sales.reps: must be an integer between 1 and 1000 (got '5')"),
        ("  reps: \"5\"", "small.yaml:6:3: sales.reps: must be an integer"),
        ("  own_workload_hours_per_week: false", "small.yaml:6:3: sales.own_workload_hours_per_week: must be a number"),
        ("  rep_cost_per_year: '80000'", "small.yaml:6:3: sales.rep_cost_per_year: must be a number"),
    ],
)
def test_booleans_and_quoted_numbers_are_refused_with_file_and_line(
    workdir: Path, cli, line: str, expected: str
) -> None:
    text = (workdir / "small.yaml").read_text().replace("  reps: 3", line)
    (workdir / "small.yaml").write_text(text)
    assert_clean_refusal(cli("validate", "small.yaml"), expected)


@pytest.mark.parametrize("value", ["true", "'5'", "yes"])
def test_booleans_and_quoted_numbers_are_refused_in_set(workdir: Path, cli, value: str) -> None:
    outcome = cli("validate", "small.yaml", "--set", f"sales.reps={value}")
    assert_clean_refusal(outcome, f"--set sales.reps={value}: sales.reps: must be an integer")


def test_integers_remain_valid_numbers(workdir: Path) -> None:
    (workdir / "ints.yaml").write_text(
        "extends: small.yaml\nhorizon: {warmup_days: 7, measurement_days: 28}\n"
        "sales: {rep_cost_per_year: 80000, own_workload_hours_per_week: 0}\n"
    )
    scenario = load_scenario(workdir / "ints.yaml")
    assert scenario.horizon.measurement_days == 28.0 and scenario.sales.rep_cost_per_year == 80000.0
