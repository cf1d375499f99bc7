"""Report parameters (``-p``, reports.yaml) are held to limits before any notebook or simulation runs."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from safety_helpers import SMALL_YAML, Outcome, assert_clean_refusal, run_bounded

from sim.errors import ReportError
from sim.report import build, jobs
from sim.report.parameters import MAX_REPLICATIONS, MAX_ROBUSTNESS_SAMPLES, check_parameters


def flow_alias_bomb(levels: int) -> str:
    """``[&a [x,…], &b [*a,…], …]``: nine aliases per level, 9**levels values once expanded."""
    names = "abcdefghijklmnop"[:levels]
    items = [f"&{names[0]} [x,x,x,x,x,x,x,x,x]"]
    for previous, name in itertools.pairwise(names):
        items.append(f"&{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "[" + ",".join(items) + "]"


@pytest.fixture
def notebook_runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Parameters of every notebook started; starting one fails at once instead of simulating."""
    started: list[dict[str, Any]] = []

    def fake_execute(source: Path, target: Path, params: dict[str, Any], *args: Any) -> None:
        started.append(dict(params))
        raise ReportError("the notebook was started")

    monkeypatch.setattr(build, "execute_notebook", fake_execute)
    return started


def test_an_alias_bomb_in_a_p_value_is_refused_before_the_notebook(
    workdir: Path, cli: Callable[..., Outcome], notebook_runs: list[dict[str, Any]]
) -> None:
    bomb = flow_alias_bomb(6)  # 531,441 values: small enough that the old code survives it
    outcome = cli("report", "small.yaml", "--no-levers", "-p", f"portfolio_target={bomb}")
    assert_clean_refusal(outcome, "-p portfolio_target=[&a [x,x,x", "50,000 values", "aliases")
    assert bomb not in outcome.err  # the value is quoted cut short
    assert len(outcome.err.strip().splitlines()) == 1  # one paragraph
    assert notebook_runs == []
    assert not (workdir / "reports").exists()


def test_the_full_alias_bomb_exits_2_in_a_bounded_process(workdir: Path) -> None:
    bomb = flow_alias_bomb(9)  # 9**9 values from 280 characters
    outcome = run_bounded("report", "small.yaml", "-p", f"title={bomb}", cwd=workdir, timeout=90)
    assert_clean_refusal(outcome, "-p title=", "expands to more than 50,000 values")
    assert not (workdir / "reports").exists()


@pytest.mark.parametrize(
    ("value", "fragments"),
    [
        ("x" * 10_001, ("-p title=xxx", "10,001 characters", "at most 10,000 characters")),
        ("[" * 40 + "]" * 40, ("nested more than 32 levels",)),
        ("1" * 60, ("a number with 60 characters", "at most 50 digits")),
        ("[&a [*a]]", ("refers to itself",)),
    ],
    ids=["long", "deep", "digits", "self-alias"],
)
def test_p_values_meet_the_scenario_limits(
    workdir: Path, cli: Callable[..., Outcome], notebook_runs: list[dict[str, Any]],
    value: str, fragments: tuple[str, ...],
) -> None:
    outcome = cli("report", "small.yaml", "-p", f"title={value}")
    assert_clean_refusal(outcome, *fragments)
    assert notebook_runs == []


def test_huge_robustness_samples_are_refused_before_the_comparison(workdir: Path) -> None:
    (workdir / "more_reps.yaml").write_text(SMALL_YAML.replace("reps: 3", "reps: 4"))
    outcome = run_bounded(
        "report", "small.yaml", "more_reps.yaml", "-r", "2", "-w", "1", "--no-levers",
        "--no-progress", "-p", "robustness_samples=100000000", cwd=workdir, timeout=300,
    )
    assert_clean_refusal(outcome, "robustness_samples", f"at most {MAX_ROBUSTNESS_SAMPLES:,}")
    assert "100,000,000" in outcome.err
    assert not (workdir / "reports").exists()
    cache = workdir / ".leadsim-cache"
    assert not cache.exists() or not any(cache.iterdir())  # nothing was simulated


def test_kpi_focus_text_names_kpis_not_letters(
    workdir: Path, cli: Callable[..., Outcome], notebook_runs: list[dict[str, Any]]
) -> None:
    outcome = cli("report", "small.yaml", "-p", "kpi_focus=nope")
    assert_clean_refusal(outcome, "unknown KPI 'nope'", "allowed:", "revenue", "conversion_rate")
    assert "'n', 'o'" not in outcome.err
    assert notebook_runs == []


def test_kpi_focus_text_reaches_the_notebook_as_a_list(
    workdir: Path, cli: Callable[..., Outcome], notebook_runs: list[dict[str, Any]]
) -> None:
    cli("report", "small.yaml", "--no-levers", "-p", "kpi_focus=revenue, won")
    assert [run["kpi_focus"] for run in notebook_runs] == [["revenue", "won"]]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"replications": MAX_REPLICATIONS + 1}, f"replications must be a whole number >= 1 and at most {MAX_REPLICATIONS}"),
        ({"lever_replications": 10**9}, "lever_replications must be a whole number >= 2 and at most"),
        ({"workers": 100_000}, "workers must be a whole number >= 1 and at most 256"),
        ({"seed": 2**64}, "seed must be a whole number >= 0 and at most"),
        ({"robustness_samples": 8}, "robustness_samples must be a whole number >= 16"),
        ({"robustness_samples": 4_096, "robustness_replications": 20}, "= 81,920"),
        ({"robustness_replications": 1_000}, "robustness_replications must be a whole number >= 2 and at most 20"),
        ({"check_replications": 10**6}, "check_replications must be"),
        ({"fit_days": 1e9}, "fit_days must be a number from 0 to 3,650"),
        ({"sweep_x_values": list(range(51))}, "sweep_x_values must hold at most 50 values"),
        ({"ranges": {f"p{i}": [0, 1] for i in range(101)}}, "ranges must name at most 100"),
        ({"kpi_focus": "revenue"}, "kpi_focus must be a list of KPI names such as ['revenue']"),
        ({"kpi_focus": "nope"}, "unknown KPI 'nope'; allowed:"),
    ],
)
def test_every_size_has_an_upper_bound(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ReportError) as raised:
        check_parameters(**params)
    assert message in str(raised.value)


def test_generous_sizes_pass() -> None:
    check_parameters(
        replications=MAX_REPLICATIONS, lever_replications=10, robustness_samples=64,
        robustness_replications=2, workers=8, seed=2**40, kpi_focus=["revenue"],
    )


def test_reports_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "reports.yaml"
    config.write_text(f"jobs:\n  - title: x\n    parameters: {{portfolio_target: {flow_alias_bomb(6)}}}\n")
    with pytest.raises(ReportError, match="expands to more than 50,000 values"):
        jobs.run_report_config(config)
    assert not (tmp_path / "reports").exists()


def test_reports_yaml_sizes_are_checked_before_the_first_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    monkeypatch.setattr(jobs, "make_report", lambda *args, **kwargs: made.append("job") or tmp_path)
    config = tmp_path / "reports.yaml"
    config.write_text(
        "jobs:\n  - title: fine\n  - title: typo\n    parameters: {robustness_samples: 100000000}\n"
    )
    with pytest.raises(ReportError, match=r"jobs\[1\]: robustness_samples must be .* at most 4,096"):
        jobs.run_report_config(config)
    assert made == []


def test_reports_yaml_kpi_focus_text_is_a_kpi_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    focus: list[Any] = []

    def fake_make_report(*args: Any, **kwargs: Any) -> Path:
        focus.append((kwargs["kpi_focus"], kwargs["parameters"]))
        return tmp_path / "r" / "report.html"

    monkeypatch.setattr(jobs, "make_report", fake_make_report)
    config = tmp_path / "reports.yaml"
    config.write_text(
        "jobs:\n  - title: a\n    kpi_focus: revenue\n"
        "  - title: b\n    parameters: {kpi_focus: 'won, revenue'}\n"
    )
    jobs.run_report_config(config, out_root=tmp_path / "out")
    assert focus == [(["revenue"], None), (None, {"kpi_focus": ["won", "revenue"]})]


def test_make_report_takes_kpi_focus_text_as_kpi_names(
    workdir: Path, notebook_runs: list[dict[str, Any]]
) -> None:
    with pytest.raises(ReportError, match="the notebook was started"):
        build.make_report(["small.yaml"], out_root=workdir / "reports", kpi_focus="revenue, won",
                          attribute_levers=False, cache_dir=None)
    assert [run["kpi_focus"] for run in notebook_runs] == [["revenue", "won"]]
