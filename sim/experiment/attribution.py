"""Which remedy first? Split the gain of an org change into the contributions of its levers.

A target setup such as the customer-happiness team is the current setup plus a list of lever
overlays (``extends: [separate_departments.yaml, levers/sla.yaml, ...]``). Attribution runs the
current setup, the current setup plus each lever alone, and the cumulative path from the
current setup to the target with levers added largest first – all with common random numbers –
and reports each lever's effect on a KPI with paired 95 % confidence intervals. Levers
interact (a fast hand-off is worth more when sales does not ignore the lead), so the effect
alone and the step on the path differ; both are shown, plus the interaction remainder.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from ruamel.yaml import YAML

from sim import stats
from sim.errors import ScenarioError
from sim.scenario.loader import ResolvedScenario, load_scenario, resolve_scenario
from sim.scenario.schema import Scenario

ATTRIBUTION_COLUMNS = (
    "lever", "alone_mean", "alone_ci_low", "alone_ci_high",
    "step_mean", "step_ci_low", "step_ci_high", "order",
)


@dataclass(frozen=True)
class LeverPlan:
    """The scenarios an attribution needs: reference, each lever alone, the target."""

    reference_file: Path
    target_file: Path
    lever_files: tuple[Path, ...]


def lever_name(path: Path) -> str:
    """A lever's display name: its file stem (``levers/sla.yaml`` → ``sla``)."""
    return path.stem


def lever_files_between(reference: ResolvedScenario, target: ResolvedScenario) -> list[Path]:
    """The files ``target`` merges on top of ``reference`` (its lever overlays), in merge order.

    Empty unless ``target`` extends ``reference`` (directly or through its parents) and brings
    at least one more file besides itself.
    """
    reference_file, target_file = reference.chain[-1], target.chain[-1]
    if reference_file not in target.chain:
        return []
    return [path for path in target.chain if path not in reference.chain and path != target_file]


def plan_levers(reference_file: Path, target_file: Path, levers: Sequence[Path] = ()) -> LeverPlan:
    """Find the lever overlays that lead from ``reference_file`` to ``target_file``."""
    if levers:
        lever_files = tuple(Path(lever).resolve() for lever in levers)
    else:
        reference, target = resolve_scenario(reference_file), resolve_scenario(target_file)
        if reference.chain[-1] not in target.chain:
            raise ScenarioError(
                f"{target_file}: attribution needs a target that extends the reference "
                f"({reference_file}) plus lever overlays, but it merges "
                f"{', '.join(str(path) for path in target.chain[:-1]) or 'nothing'}; "
                "name the levers with --lever instead"
            )
        lever_files = tuple(lever_files_between(reference, target))
    if not lever_files:
        raise ScenarioError(f"{target_file}: no lever overlays found between the two scenarios")
    return LeverPlan(Path(reference_file).resolve(), Path(target_file).resolve(), lever_files)


def check_kpi(kpi: str) -> None:
    """Refuse a KPI name the statistics do not know, listing the allowed ones."""
    if kpi not in stats.KPI_DIRECTION:
        allowed = ", ".join(sorted(stats.KPI_DIRECTION))
        raise ScenarioError(f"--kpi {kpi!r} is not a KPI; allowed: {allowed}")


def compose(reference_file: Path, lever_files: Sequence[Path], name: str) -> Scenario:
    """The reference scenario with ``lever_files`` overlaid in order, as the loader merges them."""
    with tempfile.TemporaryDirectory(prefix="leadsim-attribution-") as folder:
        composed = Path(folder) / "composed.yaml"  # a fixed name: a scenario name is no path
        extends = [str(reference_file), *(str(lever) for lever in lever_files)]
        writer = YAML(typ="safe")
        writer.default_flow_style = False
        with composed.open("w", encoding="utf-8") as handle:
            writer.dump({"extends": extends, "name": name}, handle)
        return load_scenario(composed)


def attribution_scenarios(plan: LeverPlan) -> dict[str, Scenario]:
    """Reference, each lever alone (``+lever``) and the target, keyed by display name."""
    scenarios: dict[str, Scenario] = {"reference": load_scenario(plan.reference_file)}
    for lever in plan.lever_files:
        scenarios[f"+{lever_name(lever)}"] = compose(plan.reference_file, [lever], f"+{lever_name(lever)}")
    scenarios["target"] = load_scenario(plan.target_file)
    return scenarios


def path_scenarios(plan: LeverPlan, order: Sequence[Path]) -> dict[str, Scenario]:
    """The cumulative path: reference + first lever, + second, … in ``order``."""
    path: dict[str, Scenario] = {}
    for count in range(1, len(order) + 1):
        levers = list(order[:count])
        name = "path:" + "+".join(lever_name(lever) for lever in levers)
        path[name] = compose(plan.reference_file, levers, name)
    return path


def _values(kpis: pd.DataFrame, scenario: str, kpi: str) -> pd.Series:
    rows = kpis[kpis["scenario"] == scenario].sort_values("replication")
    return rows[kpi].astype(float).reset_index(drop=True)


def lever_effects(
    kpis: pd.DataFrame, lever_names: Sequence[str], path_names: Sequence[str], kpi: str
) -> pd.DataFrame:
    """Per lever: effect alone vs the reference and step on the cumulative path, with paired CIs.

    ``kpis`` holds rows for ``reference``, ``+<lever>`` for each lever, the path scenarios in
    order (``path_names``, one per lever, aligned with ``lever_names``) and ``target``.
    """
    reference = _values(kpis, "reference", kpi)
    rows: list[dict[str, Any]] = []
    previous = reference
    for order, (lever, step_name) in enumerate(zip(lever_names, path_names, strict=True), start=1):
        alone = stats.paired_difference(_values(kpis, f"+{lever}", kpi), reference)
        current = _values(kpis, step_name, kpi)
        step = stats.paired_difference(current, previous)
        previous = current
        rows.append(
            {
                "lever": lever, "alone_mean": alone[0], "alone_ci_low": alone[1],
                "alone_ci_high": alone[2], "step_mean": step[0], "step_ci_low": step[1],
                "step_ci_high": step[2], "order": order,
            }
        )
    remainder = stats.paired_difference(_values(kpis, "target", kpi), previous)
    rows.append(
        {
            "lever": "target's own settings", "alone_mean": float("nan"),
            "alone_ci_low": float("nan"), "alone_ci_high": float("nan"),
            "step_mean": remainder[0], "step_ci_low": remainder[1], "step_ci_high": remainder[2],
            "order": len(lever_names) + 1,
        }
    )
    return pd.DataFrame(rows, columns=list(ATTRIBUTION_COLUMNS))


def order_by_effect(kpis: pd.DataFrame, plan: LeverPlan, kpi: str) -> list[Path]:
    """Levers sorted by their effect alone, largest improvement first (the KPI's direction)."""
    direction = stats.KPI_DIRECTION.get(kpi, 1) or 1
    reference = _values(kpis, "reference", kpi).mean()
    gains = {
        lever: direction * (_values(kpis, f"+{lever_name(lever)}", kpi).mean() - reference)
        for lever in plan.lever_files
    }
    return sorted(plan.lever_files, key=lambda lever: (-gains[lever], lever_name(lever)))


def attribute(
    reference_file: Path,
    target_file: Path,
    kpi: str = "revenue",
    replications: int = 10,
    seed: int = 0,
    levers: Sequence[Path] = (),
    **experiment_options: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the attribution; return (lever effects table, all KPI rows)."""
    from sim.experiment.runner import run_experiment

    check_kpi(kpi)
    plan = plan_levers(reference_file, target_file, levers)
    first = run_experiment(attribution_scenarios(plan), replications, seed, **experiment_options)
    order = order_by_effect(first.kpis, plan, kpi)
    path = path_scenarios(plan, order)
    second = run_experiment(path, replications, seed, **experiment_options)
    kpis = pd.concat([first.kpis, second.kpis], ignore_index=True)
    effects = lever_effects(kpis, [lever_name(lever) for lever in order], list(path), kpi)
    return effects, kpis
