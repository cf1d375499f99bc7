"""Workshop mode: change the levers people argue about, see the effect before the talk moves on.

In a management workshop a facilitator stands at a projector and someone asks "what if sales
had to call back within an hour?". This module turns the answer into a few clicks: a starting
scenario file, a handful of controls (response deadline, hand-off, shared lead definition, common
goals, reps, lead volume, recycling), and a comparison of the starting point with the edited setup
- each KPI with its change and a 95 % confidence interval of the paired difference, in words and
colour. Every control is translated into ``--set``-style overrides exactly as the lever overlays in
``scenarios/levers/`` set them (the mapping below is data, and tested against those files), both
setups run with common random numbers, and the starting point's result is kept in memory, so only
the edited setup is simulated on a click. "Save this setup" writes a scenario file that extends the
starting file with only the changed keys, so a workshop's conclusion can go straight into a report.

The page itself is ``notebooks/workshop.ipynb``, served by Voila (``leadsim workshop``); it only
creates a :class:`WorkshopApp`. Everything it shows is computed here, where it can be tested.

Example::

    from sim.workshop.app import Controls, RunSettings, build_setup, compare_setup
    setup = build_setup("scenarios/base.yaml", {"sla": "1"}, RunSettings())
    comparison = compare_setup(setup)
    [(change.label, change.words) for change in comparison.changes]
"""

from __future__ import annotations

import dataclasses
import html
import io
import json
import logging
import math
import os
import re
import tempfile
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from sim import stats
from sim.bundled import bundle_root
from sim.errors import LeadsimError, ScenarioError
from sim.metrics import funnel
from sim.scenario.loader import ScenarioValidationError, format_value, resolve_scenario
from sim.scenario.schema import Scenario

logger = logging.getLogger(__name__)

PROJECT_ROOT = bundle_root()
"""The source tree that holds ``sim/``, ``notebooks/`` and ``scenarios/``."""
NOTEBOOK = PROJECT_ROOT / "notebooks" / "workshop.ipynb"
WORKSHOP_FOLDER = "workshop"
"""Saved setups go into this sub-folder of the scenario folder."""

DEFAULT_START = "base.yaml"
DEFAULT_REPLICATIONS = 4
DEFAULT_SEED = 1
DEFAULT_WORKERS = 2
DEFAULT_MEASUREMENT_DAYS = 182.0
"""Workshop runs measure half a year of new leads (the files: a year), to answer within seconds."""

RESULT_KPIS = ("revenue", "won", "median_response_hours", "cold_share", "rep_utilization")
KPI_LABELS = {
    "revenue": "Revenue from won deals",
    "won": "Customers won",
    "median_response_hours": "Median time to first call",
    "cold_share": "Leads already cold at first call",
    "rep_utilization": "Sales rep utilisation",
}
FUNNEL_LABELS = {
    "leads": "New leads",
    "handed_over": "Handed to sales",
    "contacted": "Called",
    "reached": "Reached",
    "qualified": "Sales-qualified",
    "won": "Won",
}

ENV_PREFIX = "LEADSIM_WORKSHOP_"
"""``leadsim workshop`` passes its options to the notebook's kernel in environment variables."""


class WorkshopError(LeadsimError):
    """A workshop control holds a value that cannot be used (shown on the page, not raised)."""


# ================================================================== controls → parameters
#
# Each choice of a control sets scenario parameters the way the lever overlays do. Paths are
# ``--set`` paths; a value is what the YAML file would say. A control left at the value read from
# the starting file sets nothing, so the edited setup differs from the start only where asked.

SLA_HOURS = (1, 4, 24, 72)
"""Response deadlines offered, in business hours."""

SLA_CHOICES: dict[str, dict[str, Any]] = {
    # No agreement: first come, first served; 24 h stays the yardstick of sla_met_share (F16).
    "off": {
        "sla.agreed": False,
        "sla.first_contact_business_hours": 24,
        "sales.queue": "fifo",
    },
    # levers/sla.yaml with its deadline replaced: agreed SLA, earliest deadline first with escalation.
    **{
        str(hours): {
            "sla.agreed": True,
            "sla.first_contact_business_hours": hours,
            "sales.queue": "sla",
        }
        for hours in SLA_HOURS
    },
}

LIST_HANDLING = {"distribution": "lognormal", "mean": 4, "cv": 1.0}
"""Copying a list into the reps' own files (separate_departments.yaml)."""

HANDOFF_CHOICES: dict[str, dict[str, Any]] = {
    # The article's Excel list, exported once a week (domain README), handled by hand.
    "weekly_list": {
        "handoff.mode": "batch",
        "handoff.batch_every_hours": 168,
        "handoff.admin_delay_hours": LIST_HANDLING,
        "handoff.automation_triggers": False,
    },
    # separate_departments.yaml: a nightly list.
    "daily_list": {
        "handoff.mode": "batch",
        "handoff.batch_every_hours": 24,
        "handoff.admin_delay_hours": LIST_HANDLING,
        "handoff.automation_triggers": False,
    },
    # levers/crm_integration.yaml: an instant CRM task plus engagement-triggered follow-ups.
    "realtime_crm": {
        "handoff.mode": "realtime",
        "handoff.admin_delay_hours": {"distribution": "lognormal", "mean": 0.05, "cv": 1.0},
        "handoff.automation_triggers": True,
        "costs.org_costs_per_year.crm_integration": 60000,
    },
}

SHARED_LEAD_DEFINITION_CHOICES: dict[bool, dict[str, Any]] = {
    # levers/shared_lead_definition.yaml
    True: {"qualification.scoring_noise": 0.08, "qualification.threshold": 0.65},
    # Without a written definition marketing guesses readiness and the bar is low
    # (separate_departments.yaml); used only when the starting file has a definition.
    False: {"qualification.scoring_noise": 0.25, "qualification.threshold": 0.45},
}

RECYCLING_CHOICES: dict[bool, dict[str, Any]] = {
    True: {"sales.unqualified": "recycle"},  # levers/recycling.yaml
    False: {"sales.unqualified": "drop"},  # base.yaml, separate_departments.yaml
}

IGNORE_SHARE_PATH = "handoff.ignore_share"
"""Common goals: the share of marketing leads sales ignores (levers/shared_goals.yaml: 0.05)."""
REPS_PATH = "sales.reps"
LEAD_VOLUME_PATH = "channels.{channel}.leads_per_week"
"""Lead volume (marketing budget) multiplies every marketing-sourced channel's leads per week."""
LEAD_VOLUME_RANGE = (0.5, 2.0)
LEAD_VOLUME_STEPS = tuple(round(0.5 + 0.1 * step, 1) for step in range(16))
"""The multipliers the slider offers: ×0.5 to ×2.0 in steps of 0.1."""

CONTROL_LABELS = {
    "sla": "Response deadline (SLA)",
    "handoff": "Hand-off to sales",
    "shared_lead_definition": "Shared lead definition",
    "ignore_share": "Common goals: leads sales ignores",
    "reps": "Number of sales reps",
    "lead_volume": "Lead volume (marketing budget)",
    "recycling": "Recycle unready leads",
    "start": "Starting point",
}
CHOICE_LABELS = {
    "sla": {"off": "none", **{str(h): f"{h} h" for h in SLA_HOURS}},
    "handoff": {
        "weekly_list": "weekly list",
        "daily_list": "daily list",
        "realtime_crm": "real-time CRM",
    },
}
FROM_FILE = "file"
"""Control value meaning "as the starting file has it" (when it matches none of the choices)."""


@dataclass(frozen=True)
class Controls:
    """What the workshop controls say. ``reps`` may be the raw text typed into its box."""

    sla: str = "off"
    handoff: str = FROM_FILE
    shared_lead_definition: bool = False
    ignore_share: float = 0.0
    reps: int | str = 10
    lead_volume: float = 1.0
    recycling: bool = False

    def replace(self, **changes: Any) -> Controls:
        """A copy with some controls changed."""
        return dataclasses.replace(self, **changes)


def controls_from_scenario(scenario: Scenario) -> Controls:
    """The controls as the starting scenario has them (``FROM_FILE`` where no choice fits)."""
    sla = FROM_FILE
    if not scenario.sla.agreed:
        sla = "off"
    elif scenario.sla.first_contact_business_hours in SLA_HOURS:
        sla = str(int(scenario.sla.first_contact_business_hours))
    handoff = scenario.handoff
    handoff_choice = FROM_FILE
    if handoff.mode == "batch" and handoff.batch_every_hours == 168:
        handoff_choice = "weekly_list"
    elif handoff.mode == "batch" and handoff.batch_every_hours == 24:
        handoff_choice = "daily_list"
    elif handoff.mode == "realtime" and handoff.automation_triggers:
        handoff_choice = "realtime_crm"
    data = scenario.model_dump(mode="json")
    definition = SHARED_LEAD_DEFINITION_CHOICES[True]
    shared = all(_same(value_at(data, path), value) for path, value in definition.items())
    return Controls(
        sla=sla,
        handoff=handoff_choice,
        shared_lead_definition=shared,
        ignore_share=float(scenario.handoff.ignore_share),
        reps=int(scenario.sales.reps),
        lead_volume=1.0,
        recycling=scenario.sales.unqualified == "recycle",
    )


def describe_from_file(control: str, scenario: Scenario) -> str:
    """What the starting file does for a control whose value matches none of the choices."""
    if control == "sla":
        hours = scenario.sla.first_contact_business_hours
        return f"agreed {hours:g} h" if scenario.sla.agreed else "none"
    if control == "handoff":
        handoff = scenario.handoff
        delay = handoff.admin_delay_hours.mean
        if handoff.mode == "realtime":
            return f"as they come, ~{delay:g} h delay"
        return f"list every {handoff.batch_every_hours:g} h"
    return ""


def control_settings(
    controls: Controls, start: Controls, scenario: Scenario
) -> dict[str, dict[str, Any]]:
    """Per changed control, the parameters it sets (``--set`` path → value).

    Controls equal to ``start`` (the starting file's own values) set nothing. Raises
    :class:`WorkshopError` for a value no control offers (e.g. reps typed as text).
    """
    changed: dict[str, dict[str, Any]] = {}
    if controls.sla != start.sla:
        changed["sla"] = dict(_choice(SLA_CHOICES, controls.sla, "sla"))
    if controls.handoff != start.handoff:
        changed["handoff"] = dict(_choice(HANDOFF_CHOICES, controls.handoff, "handoff"))
    if bool(controls.shared_lead_definition) != bool(start.shared_lead_definition):
        changed["shared_lead_definition"] = dict(
            SHARED_LEAD_DEFINITION_CHOICES[bool(controls.shared_lead_definition)]
        )
    ignore_share = _number(controls.ignore_share, "ignore_share")
    if not math.isclose(ignore_share, start.ignore_share, abs_tol=1e-9):
        changed["ignore_share"] = {IGNORE_SHARE_PATH: round(ignore_share, 4)}
    reps = parse_reps(controls.reps)
    if reps != start.reps:
        changed["reps"] = {REPS_PATH: reps}
    volume = _number(controls.lead_volume, "lead_volume")
    if not math.isclose(volume, 1.0, abs_tol=1e-9):
        changed["lead_volume"] = lead_volume_settings(scenario, volume)
    if bool(controls.recycling) != bool(start.recycling):
        changed["recycling"] = dict(RECYCLING_CHOICES[bool(controls.recycling)])
    return changed


def lead_volume_settings(scenario: Scenario, multiplier: float) -> dict[str, Any]:
    """Leads per week of every marketing-sourced channel times ``multiplier`` (referrals stay)."""
    low, high = LEAD_VOLUME_RANGE
    if not low - 1e-9 <= multiplier <= high + 1e-9:
        raise WorkshopError(
            f"{CONTROL_LABELS['lead_volume']}: must be between ×{low:g} and ×{high:g} "
            f"(got ×{multiplier:g})"
        )
    return {
        LEAD_VOLUME_PATH.format(channel=channel.name): round(channel.leads_per_week * multiplier, 4)
        for channel in scenario.channels
        if channel.marketing_sourced
    }


def parse_reps(value: int | str) -> int:
    """The number of reps from the control: a whole number (its range is the schema's to check)."""
    if isinstance(value, bool):
        raise WorkshopError(f"{CONTROL_LABELS['reps']}: type a whole number such as 10")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        shown = text if len(text) <= 30 else text[:27] + "..."
        raise WorkshopError(
            f"{CONTROL_LABELS['reps']}: type a whole number such as 10 (you typed {shown!r})"
        ) from None


def _choice(table: Mapping[str, Mapping[str, Any]], key: str, control: str) -> Mapping[str, Any]:
    if key not in table:
        allowed = ", ".join(table)
        raise WorkshopError(
            f"{CONTROL_LABELS[control]}: unknown choice {key!r} (allowed: {allowed})"
        )
    return table[key]


def _number(value: Any, control: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise WorkshopError(
            f"{CONTROL_LABELS[control]}: must be a number (got {value!r})"
        ) from None
    if not math.isfinite(number):
        raise WorkshopError(f"{CONTROL_LABELS[control]}: must be a finite number (got {value!r})")
    return number


# =========================================================================== key paths


_MISSING = object()


def value_at(data: Mapping[str, Any], path: str) -> Any:
    """The value at a ``--set`` path in a dumped scenario (channels addressed by name)."""
    node: Any = data
    for part in path.split("."):
        if isinstance(node, list):
            node = next(
                (item for item in node if isinstance(item, Mapping) and item.get("name") == part),
                _MISSING,
            )
        elif isinstance(node, Mapping):
            node = node.get(part, _MISSING)
        else:
            return _MISSING
        if node is _MISSING:
            return _MISSING
    return node


def _same(left: Any, right: Any) -> bool:
    """Equal as scenario values: numbers compare by value, mappings key by key."""
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return math.isclose(float(left), float(right), rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        keys = set(left) | set(right)
        return all(_same(left.get(k), right.get(k)) for k in keys)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right))
    return bool(left == right)


def _complete_distribution(value: Any) -> Any:
    """A distribution mapping filled like the schema would (cv absent means none)."""
    if isinstance(value, Mapping) and "distribution" in value:
        return {
            "distribution": value["distribution"],
            "mean": value.get("mean"),
            "cv": value.get("cv"),
        }
    return value


def override_text(path: str, value: Any) -> str:
    """One ``--set`` override; the value in JSON, which YAML reads back unchanged."""
    return f"{path}={json.dumps(value, ensure_ascii=False)}"


# =========================================================================== setups


@dataclass(frozen=True)
class RunSettings:
    """How the workshop runs a setup: replications, seed, workers, horizon and result cache."""

    replications: int = DEFAULT_REPLICATIONS
    seed: int = DEFAULT_SEED
    workers: int = DEFAULT_WORKERS
    measurement_days: float | None = DEFAULT_MEASUREMENT_DAYS
    cache_dir: Path | None = None

    def horizon_overrides(self, scenario: Scenario) -> tuple[str, ...]:
        """``--set horizon.measurement_days=…`` when the workshop measures less than the file."""
        if self.measurement_days is None:
            return ()
        if self.measurement_days >= scenario.horizon.measurement_days:
            return ()
        return (f"horizon.measurement_days={self.measurement_days:g}",)


@dataclass(frozen=True)
class StartingPoint:
    """A starting scenario file, loaded once: as written, and with the workshop's horizon."""

    file: Path
    scenario: Scenario
    baseline: Scenario
    controls: Controls
    horizon_overrides: tuple[str, ...]
    chain: tuple[tuple[str, float], ...] = ()
    """The files it was loaded from, with their modification times."""


@dataclass(frozen=True)
class Setup:
    """The edited setup: the starting point plus the overrides its changed controls set."""

    start: StartingPoint
    controls: Controls
    settings: dict[str, dict[str, Any]]
    overrides: tuple[str, ...]
    edited: Scenario
    """The edited scenario as a file would hold it (the file's own horizon)."""
    edited_run: Scenario
    """The edited scenario with the workshop's horizon (what the workshop simulates)."""
    run: RunSettings

    @property
    def baseline(self) -> Scenario:
        """The starting scenario with the workshop's horizon."""
        return self.start.baseline

    @property
    def changed(self) -> bool:
        """Whether any parameter differs from the starting file."""
        return bool(self.overrides)

    def run_overrides(self) -> tuple[str, ...]:
        """All ``--set`` overrides the workshop applies to the starting file for the edited run."""
        return (*self.start.horizon_overrides, *self.overrides)


_STARTS: OrderedDict[tuple[Any, ...], StartingPoint] = OrderedDict()
_STARTS_KEPT = 16


def load_start(file: str | os.PathLike[str], run: RunSettings) -> StartingPoint:
    """Load a starting file; kept in memory while none of the files it extends changes."""
    path = Path(os.path.abspath(file))
    key = (str(path), run.measurement_days)
    cached = _STARTS.get(key)
    if cached is not None and all(_mtime(Path(name)) == mtime for name, mtime in cached.chain):
        _STARTS.move_to_end(key)
        return cached
    resolved = resolve_scenario(path)
    chain = tuple((str(p), _mtime(p)) for p in resolved.chain)
    scenario = resolved.scenario
    horizon = run.horizon_overrides(scenario)
    baseline = resolve_scenario(path, horizon).scenario if horizon else scenario
    start = StartingPoint(
        path, scenario, baseline, controls_from_scenario(scenario), horizon, chain
    )
    _STARTS[key] = start
    while len(_STARTS) > _STARTS_KEPT:
        _STARTS.popitem(last=False)
    return start


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return math.nan


def build_setup(
    start_file: str | os.PathLike[str] | StartingPoint,
    controls: Controls | Mapping[str, Any] | None = None,
    run: RunSettings | None = None,
) -> Setup:
    """The edited setup for ``controls`` (a :class:`Controls`, or only the changed controls).

    Raises :class:`WorkshopError` or :class:`sim.scenario.loader.ScenarioValidationError` (with
    problems named by control) for values the controls or the schema do not allow.
    """
    run = run or RunSettings()
    start = start_file if isinstance(start_file, StartingPoint) else load_start(start_file, run)
    if controls is None:
        controls = start.controls
    elif not isinstance(controls, Controls):
        controls = start.controls.replace(**dict(controls))
    settings = control_settings(controls, start.controls, start.scenario)
    data = start.scenario.model_dump(mode="json")
    overrides: list[str] = []
    for values in settings.values():
        for path, value in values.items():
            current = value_at(data, path)
            if current is _MISSING or not _same(_complete_distribution(value), current):
                overrides.append(override_text(path, value))
    try:
        edited_run = (
            resolve_scenario(start.file, (*start.horizon_overrides, *overrides)).scenario
            if overrides
            else start.baseline
        )
    except ScenarioValidationError as error:
        raise ScenarioValidationError(
            [
                dataclasses.replace(p, location=_control_for(p.path) or p.location)
                for p in error.problems
            ]
        ) from None
    # No control touches the horizon: the file's version is the run's with the file's horizon.
    edited = (
        edited_run.model_copy(update={"horizon": start.scenario.horizon})
        if overrides
        else start.scenario
    )
    return Setup(start, controls, settings, tuple(overrides), edited, edited_run, run)


def _control_for(path: str) -> str | None:
    """The label of the control that sets a parameter path, if any."""
    for control, paths in _CONTROL_PATHS.items():
        if path in paths or any(path.startswith(p + ".") for p in paths):
            return CONTROL_LABELS[control]
    if path.startswith("channels.") and path.endswith(".leads_per_week"):
        return CONTROL_LABELS["lead_volume"]
    return None


_CONTROL_PATHS = {
    "sla": {p for choice in SLA_CHOICES.values() for p in choice},
    "handoff": {p for choice in HANDOFF_CHOICES.values() for p in choice},
    "shared_lead_definition": {p for c in SHARED_LEAD_DEFINITION_CHOICES.values() for p in c},
    "ignore_share": {IGNORE_SHARE_PATH},
    "reps": {REPS_PATH},
    "recycling": {p for c in RECYCLING_CHOICES.values() for p in c},
}


def error_message(error: BaseException) -> str:
    """A message for the page: which control or file, what is wrong, in plain words."""
    if isinstance(error, ScenarioValidationError):
        lines = []
        for problem in error.problems:
            # A control's value (build_setup names the control), or a line of a scenario file.
            if problem.location in CONTROL_LABELS.values():
                where = problem.location
            elif problem.path:
                where = f"{problem.location}: {problem.path}"
            else:
                where = problem.location
            lines.append(f"{where}: {_plain_bounds(problem.message)}")
        return "\n".join(lines)
    return _plain_bounds(str(error))


def _plain_bounds(text: str) -> str:
    """'an integer >= 1 (got -3)' → 'a whole number of at least 1 (you typed -3)'."""
    text = text.replace("an integer >= ", "a whole number of at least ")
    text = text.replace("an integer", "a whole number")
    text = re.sub(r">= (\S+)", r"at least \1", text)
    text = re.sub(r"<= (\S+)", r"at most \1", text)
    return text.replace("(got ", "(you typed ")


def describe_changes(setup: Setup) -> list[str]:
    """The changed controls in words: ``["Response deadline (SLA): 1 h", ...]``."""
    start = setup.start.controls
    controls = setup.controls
    words: list[str] = []
    for name in setup.settings:
        value = getattr(controls, name)
        before = getattr(start, name)
        words.append(
            f"{CONTROL_LABELS[name]}: {_control_words(name, before, setup)} → "
            f"{_control_words(name, value, setup)}"
        )
    return words


def _control_words(name: str, value: Any, setup: Setup) -> str:
    if name in CHOICE_LABELS:
        if value == FROM_FILE:
            return describe_from_file(name, setup.start.scenario)
        return CHOICE_LABELS[name].get(str(value), str(value))
    if name in ("shared_lead_definition", "recycling"):
        return "yes" if value else "no"
    if name == "ignore_share":
        return f"{100 * float(value):.0f} %"
    if name == "lead_volume":
        return f"×{float(value):g}"
    return str(value)


# =========================================================================== running


@dataclass(frozen=True)
class RunSummary:
    """What the page needs from one scenario's replications: KPI rows and the mean funnel."""

    kpis: pd.DataFrame
    funnel: pd.DataFrame
    seconds: float
    computed: int
    from_cache: int


_RESULTS: OrderedDict[tuple[Any, ...], RunSummary] = OrderedDict()
_RESULTS_KEPT = 24


def clear_memory_cache() -> None:
    """Forget kept starting points and results (for tests and benchmarks)."""
    _RESULTS.clear()
    _STARTS.clear()


def run_scenario(scenario: Scenario, run: RunSettings) -> RunSummary:
    """Replications ``0 .. run.replications - 1`` of one scenario (kept in memory by content)."""
    from sim.experiment.cache import scenario_content_hash
    from sim.experiment.runner import run_experiment

    key = (scenario_content_hash(scenario), run.seed, run.replications)
    cached = _RESULTS.get(key)
    if cached is not None:
        _RESULTS.move_to_end(key)
        return dataclasses.replace(cached, seconds=0.0, computed=0, from_cache=run.replications)
    started = time.perf_counter()
    result = run_experiment(
        {"run": scenario},
        replications=run.replications,
        seed=run.seed,
        workers=run.workers,
        cache_dir=run.cache_dir,
        progress=False,
    )
    summary = RunSummary(
        kpis=result.kpis.drop(columns=["scenario"]).reset_index(drop=True),
        funnel=mean_funnel(result.leads, run.replications),
        seconds=time.perf_counter() - started,
        computed=result.cache.misses,
        from_cache=result.cache.hits,
    )
    _RESULTS[key] = summary
    while len(_RESULTS) > _RESULTS_KEPT:
        _RESULTS.popitem(last=False)
    return summary


def mean_funnel(leads: pd.DataFrame, replications: int) -> pd.DataFrame:
    """Leads per funnel step, averaged over replications (columns ``step``, ``leads``).

    The steps a lead passes in order (``FUNNEL_LABELS``); the stage steps MQL and SQL of
    :func:`sim.metrics.funnel` are left out, because marketing hands over some leads before they
    reach the SQL stage and a funnel that widens again confuses more than it tells.
    """
    table = funnel(leads)
    table = table[table["step"].isin(list(FUNNEL_LABELS))].reset_index(drop=True)
    table["leads"] = table["leads"] / replications
    return table


@dataclass(frozen=True)
class KpiChange:
    """One KPI, starting point against edited setup, with the paired difference and its CI."""

    kpi: str
    baseline: float
    edited: float
    difference: float
    ci_low: float
    ci_high: float

    @property
    def label(self) -> str:
        """The KPI's name on the page."""
        return KPI_LABELS.get(self.kpi, self.kpi)

    @property
    def tone(self) -> str:
        """better / worse / changed (no good direction) / unclear (CI includes 0) / same."""
        if _zero(self.difference) and (
            math.isnan(self.ci_low) or (_zero(self.ci_low) and _zero(self.ci_high))
        ):
            return "same"
        if math.isnan(self.ci_low) or math.isnan(self.ci_high) or self.ci_low <= 0 <= self.ci_high:
            return "unclear"
        direction = stats.KPI_DIRECTION.get(self.kpi, 0)
        if direction == 0:
            return "changed"
        return "better" if direction * self.difference > 0 else "worse"

    @property
    def words(self) -> str:
        """The change in words: '€0.42 M more (+21 %)', '4.2 h faster'."""
        return change_words(self.kpi, self.difference, self.baseline)

    @property
    def verdict(self) -> str:
        """How sure we are, in words."""
        return {
            "same": "no change",
            "unclear": "could be chance (the 95 % interval includes no change)",
            "better": "clearly better",
            "worse": "clearly worse",
            "changed": "a clear change",
        }[self.tone]

    @property
    def interval(self) -> str:
        """'95 % CI: +€0.30 M to +€0.64 M'."""
        if math.isnan(self.ci_low) or math.isnan(self.ci_high):
            return "95 % CI: needs at least two replications"
        return (
            f"95 % CI: {format_difference(self.kpi, self.ci_low)} to "
            f"{format_difference(self.kpi, self.ci_high)}"
        )


def _zero(value: float) -> bool:
    return not math.isnan(value) and abs(value) < 1e-12


@dataclass(frozen=True)
class Comparison:
    """The starting point and the edited setup, run with common random numbers."""

    setup: Setup
    baseline: RunSummary
    edited: RunSummary
    changes: tuple[KpiChange, ...]
    seconds: float

    def change(self, kpi: str) -> KpiChange:
        """The change of one KPI."""
        return next(change for change in self.changes if change.kpi == kpi)


def compare_runs(
    baseline: RunSummary, edited: RunSummary, kpis: Sequence[str] = RESULT_KPIS
) -> tuple[KpiChange, ...]:
    """Mean per setup and the paired difference (replication by replication) with its 95 % CI."""
    table = pd.concat(
        [baseline.kpis.assign(scenario="baseline"), edited.kpis.assign(scenario="edited")],
        ignore_index=True,
    )
    summary = stats.summarize(table, reference="baseline", kpis_to_compare=list(kpis))
    changes = []
    for kpi in kpis:
        rows = summary[summary["kpi"] == kpi].set_index("scenario")
        changes.append(
            KpiChange(
                kpi=kpi,
                baseline=float(rows.loc["baseline", "mean"]),
                edited=float(rows.loc["edited", "mean"]),
                difference=float(rows.loc["edited", "diff_vs_reference"]),
                ci_low=float(rows.loc["edited", "diff_ci_low"]),
                ci_high=float(rows.loc["edited", "diff_ci_high"]),
            )
        )
    return tuple(changes)


def compare_setup(setup: Setup) -> Comparison:
    """Run the starting point (kept in memory) and the edited setup; compare them."""
    started = time.perf_counter()
    baseline = run_scenario(setup.baseline, setup.run)
    edited = run_scenario(setup.edited_run, setup.run)
    return Comparison(
        setup, baseline, edited, compare_runs(baseline, edited), time.perf_counter() - started
    )


# =========================================================================== numbers in words


def format_kpi(kpi: str, value: float) -> str:
    """A KPI value as a manager reads it: €1.93 M, 42.8, 12.7 h, 38.9 %."""
    if value is None or math.isnan(value):
        return "–"
    if kpi == "revenue":
        return _money(value)
    if kpi.endswith("_hours"):
        return _duration(value)
    if kpi.endswith("_share") or kpi in ("rep_utilization", "conversion_rate", "roi"):
        return f"{100 * value:.1f} %"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def format_difference(kpi: str, value: float) -> str:
    """A signed difference: +€0.42 M, −4.2 h, +3.1 pts."""
    if value is None or math.isnan(value):
        return "–"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    size = abs(value)
    if kpi.endswith("_share") or kpi in ("rep_utilization", "conversion_rate", "roi"):
        return f"{sign}{100 * size:.1f} pts"
    return f"{sign}{format_kpi(kpi, size)}"


def _money(value: float) -> str:
    sign = "−" if value < 0 else ""
    size = abs(value)
    if size >= 1e6:
        return f"{sign}€{size / 1e6:.2f} M"
    if size >= 1e3:
        return f"{sign}€{size / 1e3:.0f} k"
    return f"{sign}€{size:.0f}"


def _duration(hours: float) -> str:
    sign = "−" if hours < 0 else ""
    size = abs(hours)
    if size < 1:
        return f"{sign}{size * 60:.0f} min"
    if size < 48:
        return f"{sign}{size:.1f} h"
    return f"{sign}{size / 24:.1f} days"


def change_words(kpi: str, difference: float, baseline: float) -> str:
    """The change in words, e.g. '€0.42 M more (+21 %)', '4.2 h faster', '3.1 points fewer'."""
    if difference is None or math.isnan(difference):
        return "cannot be compared"
    if _zero(difference):
        return "no change"
    if format_difference(kpi, difference)[1:] in ("0.0 pts", "0 min", "€0", "0.0"):
        return f"about the same ({format_difference(kpi, difference)})"
    up = difference > 0
    size = abs(difference)
    relative = ""
    if baseline and not math.isnan(baseline) and kpi in ("revenue", "won"):
        relative = f" ({'+' if up else '−'}{100 * size / abs(baseline):.0f} %)"
    if kpi == "revenue":
        return f"{_money(size)} {'more' if up else 'less'}{relative}"
    if kpi == "won":
        return f"{size:.1f} {'more' if up else 'fewer'} customers{relative}"
    if kpi.endswith("_hours"):
        return f"{_duration(size)} {'slower' if up else 'faster'}"
    if kpi == "cold_share":
        return f"{100 * size:.1f} points {'more' if up else 'fewer'} cold leads"
    if kpi == "rep_utilization":
        return f"reps {100 * size:.1f} points {'busier' if up else 'less busy'}"
    return f"{format_difference(kpi, difference)}"


# =========================================================================== HTML for the page

STYLE = """
<style>
.ws-app { font-size: 20px; line-height: 1.35; color: #1d2330;
  --jp-widgets-font-size: 18px; --jp-widgets-inline-height: 38px;
  --jp-widgets-inline-label-width: 0px; max-width: 1400px; }
.ws-app h1 { font-size: 38px; margin: 4px 0 2px 0; }
.ws-app .ws-sub { font-size: 18px; color: #4a5366; }
.ws-app .widget-toggle-button, .ws-app button, .ws-app select, .ws-app input,
.ws-app .widget-readout { font-size: 18px !important; }
.ws-app .ws-label { font-weight: 700; font-size: 20px; line-height: 1.2; }
.ws-app .ws-hint { font-size: 15px; color: #5b6478; line-height: 1.25; margin-bottom: 2px; }
.ws-app .ws-row { padding: 5px 10px; margin-bottom: 4px; border-left: 6px solid transparent; }
.ws-app .ws-h2 { font-size: 24px; margin: 16px 0 4px 0; }
.ws-app .ws-row.ws-changed { border-left-color: #e8a317; background: #fff8e6; }
.ws-app .ws-run button, .ws-app button.ws-run { font-size: 22px !important; font-weight: 700; }
.ws-status { font-size: 20px; padding: 6px 12px; border-radius: 6px; display: inline-block; }
.ws-status[data-state=running] { background: #fff3cd; color: #7a5b00; }
.ws-status[data-state=done] { background: #e3f4e8; color: #1d6b35; }
.ws-status[data-state=error] { background: #fde2e1; color: #9b1c1c; }
.ws-status[data-state=stale] { background: #eef1f6; color: #3e4a61; }
.ws-spinner { display: inline-block; width: 18px; height: 18px; border: 3px solid #c9a227;
  border-top-color: transparent; border-radius: 50%; animation: ws-spin 0.8s linear infinite;
  vertical-align: -3px; margin-right: 8px; }
@keyframes ws-spin { to { transform: rotate(360deg); } }
.ws-message { font-size: 20px; padding: 12px 16px; border-radius: 6px; white-space: pre-line; }
.ws-message[data-kind=error] { background: #fde2e1; color: #9b1c1c; border: 2px solid #e4a3a1; }
.ws-message[data-kind=info] { background: #e7f0fb; color: #17406d; border: 2px solid #a9c4e6; }
.ws-results { border-collapse: collapse; width: 100%; font-size: 22px; margin-top: 8px; }
.ws-results th, .ws-results td { padding: 10px 14px; border-bottom: 1px solid #d9dee8;
  text-align: left; vertical-align: top; }
.ws-results thead th { font-size: 18px; color: #4a5366; font-weight: 600; }
.ws-results .ws-value { font-size: 28px; font-weight: 700; white-space: nowrap; }
.ws-results td.ws-baseline, .ws-results th.ws-baseline { background: #f3f5f9; }
.ws-results td.ws-edited, .ws-results th.ws-edited { background: #f6fbff; }
.ws-results { table-layout: fixed; }
.ws-results .ws-file { font-size: 15px; color: #6b7385; overflow-wrap: break-word; }
.ws-app .ws-stale { opacity: 0.4; transition: opacity 0.2s; }
.ws-results th[scope=row] { font-size: 20px; }
.ws-change .ws-words { font-weight: 700; font-size: 21px; line-height: 1.25; }
.ws-change .ws-ci { font-size: 15px; color: #5b6478; line-height: 1.25; margin-top: 2px; }
.ws-results th { line-height: 1.2; }
.ws-tone-better { color: #17803d; } .ws-tone-worse { color: #c0262d; }
.ws-tone-unclear, .ws-tone-same { color: #6b7385; } .ws-tone-changed { color: #1f5fa8; }
.ws-funnel { width: 100%; border-collapse: collapse; font-size: 18px; margin-top: 6px; }
.ws-funnel td { padding: 3px 8px; vertical-align: middle; }
.ws-funnel .ws-step { width: 230px; font-weight: 600; }
.ws-bar { height: 16px; border-radius: 3px; display: inline-block; min-width: 2px;
  vertical-align: middle; }
.ws-bar-baseline { background: #8a96ad; } .ws-bar-edited { background: #e8871e; }
.ws-bar-label { font-size: 16px; margin-left: 8px; color: #39414f; }
.ws-legend span { display: inline-block; margin-right: 18px; font-size: 17px; }
.ws-legend i { display: inline-block; width: 16px; height: 16px; border-radius: 3px;
  vertical-align: -2px; margin-right: 6px; }
.ws-muted { color: #6b7385; }
</style>
"""


def _attr(value: float) -> str:
    """A float for a data attribute: repr keeps every digit (``nan`` when undefined)."""
    return "nan" if value is None or math.isnan(value) else repr(float(value))


def _breakable(text: str) -> str:
    """Let a long file name wrap after ``_``, ``-``, ``/`` and ``.`` (escaped text in, HTML out)."""
    return re.sub(r"([_/.-])", r"\1<wbr>", text)


def _kpi_id(kpi: str) -> str:
    return kpi.replace("_", "-")


def render_results(
    baseline: RunSummary,
    comparison: Comparison | None,
    start_name: str,
    run_number: int = 0,
) -> str:
    """The KPI table: starting point left, edited setup right, the difference in words, coloured."""
    esc = html.escape
    head = (
        f'<table class="ws-results" id="ws-results" data-run="{run_number}">'
        '<colgroup><col style="width:23%"><col style="width:19%"><col style="width:19%">'
        '<col style="width:39%"></colgroup>'
        "<thead><tr><th></th>"
        '<th class="ws-baseline">Starting point<br>'
        f'<span class="ws-file">{_breakable(esc(start_name))}</span></th>'
        '<th class="ws-edited">Your setup</th><th>Difference</th></tr></thead><tbody>'
    )
    rows = []
    baseline_means = {kpi: float(baseline.kpis[kpi].mean()) for kpi in RESULT_KPIS}
    for kpi in RESULT_KPIS:
        ident = _kpi_id(kpi)
        base_value = baseline_means[kpi] if comparison is None else comparison.change(kpi).baseline
        cells = [
            f'<tr id="ws-row-{ident}" data-kpi="{kpi}"><th scope="row">{esc(KPI_LABELS[kpi])}</th>',
            (
                f'<td id="ws-{ident}-baseline" class="ws-value ws-baseline" '
                f'data-value="{_attr(base_value)}">{esc(format_kpi(kpi, base_value))}</td>'
            ),
        ]
        if comparison is None:
            cells.append(
                f'<td id="ws-{ident}-edited" class="ws-value ws-edited ws-muted" '
                'data-value="">–</td>'
            )
            cells.append(f'<td id="ws-{ident}-change" class="ws-change ws-muted">press Run</td>')
        else:
            change = comparison.change(kpi)
            cells.append(
                f'<td id="ws-{ident}-edited" class="ws-value ws-edited" '
                f'data-value="{_attr(change.edited)}">'
                f"{esc(format_kpi(kpi, change.edited))}</td>"
            )
            cells.append(
                f'<td id="ws-{ident}-change" class="ws-change ws-tone-{change.tone}" '
                f'data-tone="{change.tone}" data-diff="{_attr(change.difference)}" '
                f'data-ci-low="{_attr(change.ci_low)}" data-ci-high="{_attr(change.ci_high)}">'
                f'<div class="ws-words">{esc(change.words)}</div>'
                f'<div class="ws-ci">{esc(change.verdict)} · {esc(change.interval)}</div></td>'
            )
        rows.append("".join(cells) + "</tr>")
    return head + "".join(rows) + "</tbody></table>"


def render_funnel(baseline: RunSummary, edited: RunSummary | None) -> str:
    """The funnel of both setups as horizontal bars (HTML and CSS only: works offline)."""
    base = baseline.funnel.set_index("step")["leads"]
    other = edited.funnel.set_index("step")["leads"] if edited is not None else None
    peak = max(float(base.max()), float(other.max()) if other is not None else 0.0, 1e-9)
    legend = (
        '<div class="ws-legend"><span><i class="ws-bar-baseline"></i>starting point</span>'
        + ('<span><i class="ws-bar-edited"></i>your setup</span>' if other is not None else "")
        + '<span class="ws-muted">leads per replication (mean)</span></div>'
    )
    rows = []
    for step in base.index:
        label = FUNNEL_LABELS.get(step, step)
        bars = [_bar(step, "baseline", float(base[step]), peak)]
        if other is not None:
            bars.append(_bar(step, "edited", float(other[step]), peak))
        rows.append(
            f'<tr data-step="{html.escape(step)}"><td class="ws-step">{html.escape(label)}</td>'
            f"<td>{'<br>'.join(bars)}</td></tr>"
        )
    return f'<div id="ws-funnel">{legend}<table class="ws-funnel">{"".join(rows)}</table></div>'


def _bar(step: str, side: str, value: float, peak: float) -> str:
    width = 0.0 if peak <= 0 else 75.0 * value / peak
    return (
        f'<span class="ws-bar ws-bar-{side}" style="width:{width:.2f}%"></span>'
        f'<span class="ws-bar-label" id="ws-funnel-{_kpi_id(step)}-{side}" '
        f'data-value="{_attr(value)}">'
        f"{value:,.0f}</span>"
    )


def status_html(state: str, text: str, run_number: int = 0) -> str:
    """The status line; ``data-state`` is idle, running, done, stale or error."""
    spinner = '<span class="ws-spinner"></span>' if state == "running" else ""
    return (
        f'<div id="ws-status" class="ws-status" data-state="{state}" data-run="{run_number}">'
        f"{spinner}{html.escape(text)}</div>"
    )


def message_html(kind: str, text: str) -> str:
    """An error or info box (``data-kind``); empty text hides it."""
    if not text:
        return '<div id="ws-message" data-kind="none"></div>'
    return f'<div id="ws-message" class="ws-message" data-kind="{kind}">{html.escape(text)}</div>'


# =========================================================================== saving a setup


@dataclass(frozen=True)
class SavedSetup:
    """A setup written as a scenario file, and how to reproduce the workshop's figures."""

    path: Path
    text: str
    command: str


def slugify(text: str) -> str:
    """A file name from a name typed on the page: lower case, a-z 0-9 and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")
    return slug[:60].strip("-")


def suggest_name(setup: Setup) -> str:
    """A file name from the starting file and the changed controls (``base-sla-1h-reps-12``)."""
    parts = [setup.start.file.stem]
    controls = setup.controls
    short = {
        "sla": lambda: f"sla-{controls.sla}h" if controls.sla != "off" else "no-sla",
        "handoff": lambda: str(controls.handoff).replace("_", "-"),
        "shared_lead_definition": lambda: (
            "definition" if controls.shared_lead_definition else "no-definition"
        ),
        "ignore_share": lambda: f"ignore-{100 * float(controls.ignore_share):.0f}",
        "reps": lambda: f"reps-{parse_reps(controls.reps)}",
        "lead_volume": lambda: f"volume-{float(controls.lead_volume):g}".replace(".", "-"),
        "recycling": lambda: "recycling" if controls.recycling else "no-recycling",
    }
    for name in setup.settings:
        parts.append(short[name]())
    return slugify("-".join(parts)) or "workshop-setup"


def setup_diff(start: Scenario, edited: Scenario) -> list[tuple[tuple[Any, ...], Any, Any]]:
    """Parameters that differ: (key path with channel names, old value, new value).

    A distribution (a mapping with ``distribution``) and a list count as one value.
    """
    old = start.model_dump(mode="json", exclude={"name", "description"})
    new = edited.model_dump(mode="json", exclude={"name", "description"})
    differences: list[tuple[tuple[Any, ...], Any, Any]] = []
    _diff(old, new, (), differences)
    return differences


def _diff(
    old: Any, new: Any, path: tuple[Any, ...], out: list[tuple[tuple[Any, ...], Any, Any]]
) -> None:
    if path == ("channels",) and isinstance(old, list) and isinstance(new, list):
        old_by_name = {item["name"]: item for item in old}
        for item in new:
            if item["name"] not in old_by_name:
                raise WorkshopError(f"cannot save a setup that adds channel {item['name']!r}")
            _diff(old_by_name[item["name"]], item, (*path, item["name"]), out)
        return
    if isinstance(old, dict) and isinstance(new, dict) and "distribution" not in new:
        for key in new:
            _diff(old.get(key), new[key], (*path, key), out)
        return
    if not _same(old, new):
        out.append((path, old, new))


def render_setup_yaml(setup: Setup, name: str, file: Path, today: date | None = None) -> str:
    """The scenario file for ``setup``: ``extends:`` the starting file, then only changed keys."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    today = today or date.today()
    folder = file.parent
    start = setup.start.file
    extends = Path(os.path.relpath(start, folder)).as_posix()
    changes = describe_changes(setup)
    description = f"Workshop setup ({today.isoformat()}): {start.name} with " + "; ".join(
        f"{CONTROL_LABELS[name]} {_control_words(name, getattr(setup.controls, name), setup)}"
        for name in setup.settings
    )
    document = CommentedMap()
    document["extends"] = extends
    document["name"] = name
    document["description"] = description
    when = f"set in the workshop on {today.isoformat()}"
    comments: list[tuple[Any, Any, str, int]] = []
    for path, old, new in setup_diff(setup.start.scenario, setup.edited):
        node: Any = document
        rest = path
        if path[0] == "channels":
            channels = document.setdefault("channels", CommentedSeq())
            entry = next((item for item in channels if item.get("name") == path[1]), None)
            if entry is None:
                entry = CommentedMap([("name", path[1])])
                channels.append(entry)
            node, rest = entry, path[2:]
        for part in rest[:-1]:
            node = node.setdefault(part, CommentedMap())
        node[rest[-1]] = _yaml_value(new)
        width = 2 * (len(path) - 1) + len(str(rest[-1])) + 2 + len(format_value(new))
        comments.append((node, rest[-1], f"{when} (was {format_value(old)})", width))
    column = max((width for *_, width in comments), default=0) + 2
    for node, key, text, _ in comments:
        node.yaml_add_eol_comment(text, key, column=column)
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 4096  # one line per key, so each key keeps its comment
    stream = io.StringIO()
    schema = next(
        (
            d / "schema.json"
            for d in (start.parent, start.parent.parent)
            if (d / "schema.json").is_file()
        ),
        None,
    )
    if schema is not None:
        stream.write(
            f"# yaml-language-server: $schema={Path(os.path.relpath(schema, folder)).as_posix()}\n"
        )
    stream.write(
        f"# Saved in the leadsim workshop on {today.isoformat()}: {extends} with these changes\n"
    )
    for line in changes:
        stream.write(f"#   {line}\n")
    stream.write("# Only the keys below differ from the starting file. The workshop's figures:\n")
    stream.write(f"#   {reproduce_command(file, setup)}\n")
    yaml.dump(document, stream)
    return stream.getvalue()


def _yaml_value(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, dict):
        mapping = CommentedMap(
            (k, _yaml_value(v)) for k, v in value.items() if not (k == "cv" and v is None)
        )
        mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        sequence = CommentedSeq(value)
        sequence.fa.set_flow_style()
        return sequence
    return value


def reproduce_command(file: Path, setup: Setup) -> str:
    """``leadsim run FILE`` with the workshop's replications, seed and horizon."""
    shown = _shown_path(file)
    parts = [
        "leadsim run",
        shown,
        f"--replications {setup.run.replications}",
        f"--seed {setup.run.seed}",
    ]
    parts.extend(f"--set {text}" for text in setup.start.horizon_overrides)
    return " ".join(parts)


def _shown_path(path: Path) -> str:
    absolute = Path(os.path.abspath(path))
    for root in (Path.cwd(), PROJECT_ROOT):
        try:
            return absolute.relative_to(root).as_posix()
        except ValueError:
            continue
    return str(absolute)


def save_setup(
    setup: Setup, folder: str | os.PathLike[str], name: str = "", today: date | None = None
) -> SavedSetup:
    """Write ``setup`` to ``folder/<slug>.yaml``; never overwrite (``-2``, ``-3``… appended).

    The file is written to a temporary name, checked (it must load and give exactly the edited
    scenario) and only then hard-linked to its name - which fails instead of overwriting if the
    name was taken meanwhile - so a failure leaves no file behind and no file is replaced.
    """
    if not setup.changed:
        raise WorkshopError(
            f"nothing to save: this setup is the same as {setup.start.file.name} – "
            "change a lever first"
        )
    slug = slugify(name) or suggest_name(setup)
    target_folder = Path(folder)
    try:
        target_folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WorkshopError(f"cannot create {target_folder}: {error.strerror or error}") from None
    for suffix in range(1, 1000):
        candidate = target_folder / (f"{slug}.yaml" if suffix == 1 else f"{slug}-{suffix}.yaml")
        if candidate.exists():
            continue
        text = render_setup_yaml(setup, candidate.stem, candidate, today)
        handle, temporary = tempfile.mkstemp(dir=target_folder, prefix=f".{slug}.", suffix=".part")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            _check_saved(Path(temporary), setup)
            try:
                os.link(temporary, candidate)
            except FileExistsError:
                continue  # taken between the check and now: try the next name
            except OSError as error:
                raise WorkshopError(
                    f"cannot write {candidate}: {error.strerror or error}"
                ) from None
        finally:
            Path(temporary).unlink(missing_ok=True)
        return SavedSetup(candidate, text, reproduce_command(candidate, setup))
    raise WorkshopError(f"cannot find a free file name for {slug} in {target_folder}")


def _check_saved(path: Path, setup: Setup) -> None:
    """The written file must load and give exactly the edited scenario (labels aside)."""
    from sim.experiment.cache import scenario_content_hash

    try:
        saved = resolve_scenario(path).scenario
    except ScenarioError as error:  # a bug here, never the user's input
        raise WorkshopError(f"the saved setup does not load: {error}") from error
    if scenario_content_hash(saved) != scenario_content_hash(setup.edited):
        differences = [".".join(map(str, p)) for p, _, _ in setup_diff(setup.edited, saved)]
        raise WorkshopError(
            f"the saved setup differs from the workshop's in: {', '.join(differences)}"
        )


# =========================================================================== configuration


@dataclass(frozen=True)
class WorkshopConfig:
    """Where the scenario files are, which one to start from, and how to run."""

    scenarios_dir: Path = PROJECT_ROOT / "scenarios"
    start: str = DEFAULT_START
    run: RunSettings = field(
        default_factory=lambda: RunSettings(cache_dir=PROJECT_ROOT / ".leadsim-cache")
    )

    @property
    def save_dir(self) -> Path:
        """Where saved setups go."""
        return self.scenarios_dir / WORKSHOP_FOLDER

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> WorkshopConfig:
        """The configuration ``leadsim workshop`` passed in ``LEADSIM_WORKSHOP_*`` variables."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(ENV_PREFIX + name)
            return value if value not in (None, "") else None

        def whole(name: str, default: int, minimum: int) -> int:
            text = get(name)
            if text is None:
                return default
            try:
                value = int(text)
            except ValueError:
                value = minimum - 1
            if value < minimum:
                raise WorkshopError(
                    f"{ENV_PREFIX}{name} must be a whole number >= {minimum}, got {text!r}"
                )
            return value

        days_text = get("MEASUREMENT_DAYS")
        measurement_days: float | None = DEFAULT_MEASUREMENT_DAYS
        if days_text is not None:
            try:
                days = float(days_text)
            except ValueError:
                days = math.nan
            if not math.isfinite(days) or days < 0:
                raise WorkshopError(
                    f"{ENV_PREFIX}MEASUREMENT_DAYS must be a number of days >= 0, got {days_text!r}"
                )
            measurement_days = None if days == 0 else days
        cache_text = get("CACHE_DIR")
        cache_dir: Path | None = PROJECT_ROOT / ".leadsim-cache"
        if cache_text is not None:
            cache_dir = None if cache_text.lower() == "none" else Path(cache_text)
        run = RunSettings(
            replications=whole("REPLICATIONS", DEFAULT_REPLICATIONS, 1),
            seed=whole("SEED", DEFAULT_SEED, 0),
            workers=whole("WORKERS", DEFAULT_WORKERS, 1),
            measurement_days=measurement_days,
            cache_dir=cache_dir,
        )
        scenarios = get("SCENARIOS")
        return cls(
            scenarios_dir=Path(scenarios) if scenarios else PROJECT_ROOT / "scenarios",
            start=get("START") or DEFAULT_START,
            run=run,
        )

    def environment(self) -> dict[str, str]:
        """The variables that give this configuration to a notebook kernel."""
        run = self.run
        return {
            ENV_PREFIX + "SCENARIOS": str(Path(os.path.abspath(self.scenarios_dir))),
            ENV_PREFIX + "START": self.start,
            ENV_PREFIX + "REPLICATIONS": str(run.replications),
            ENV_PREFIX + "SEED": str(run.seed),
            ENV_PREFIX + "WORKERS": str(run.workers),
            ENV_PREFIX + "MEASUREMENT_DAYS": "0"
            if run.measurement_days is None
            else f"{run.measurement_days:g}",
            ENV_PREFIX + "CACHE_DIR": "none"
            if run.cache_dir is None
            else str(Path(os.path.abspath(run.cache_dir))),
        }


def scenario_files(folder: Path) -> list[Path]:
    """Starting points: the scenario files in ``folder`` and saved workshop setups."""
    files = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    files += sorted(p for p in (folder / WORKSHOP_FOLDER).glob("*.yaml") if p.is_file())
    return files


def settings_text(run: RunSettings, start: StartingPoint) -> str:
    """The run settings in one sentence for the page."""
    days = start.baseline.horizon.measurement_days
    text = (
        f"Each result: {run.replications} simulated runs with the same leads for both setups "
        f"(seed {run.seed}), measuring the leads created in {days:g} days"
    )
    if start.horizon_overrides:
        text += (
            f" – shortened from the file's {start.scenario.horizon.measurement_days:g} days "
            "to answer within seconds (reports use the full horizon)"
        )
    return text + "."


# =========================================================================== the page


class WorkshopApp:
    """The interactive page: controls, Run, results, funnel and Save (ipywidgets)."""

    def __init__(self, config: WorkshopConfig | None = None) -> None:
        import ipywidgets as widgets

        self.widgets = widgets
        self.config = config or WorkshopConfig()
        self.run_number = 0
        self.start: StartingPoint | None = None
        self.baseline: RunSummary | None = None
        self.comparison: Comparison | None = None
        self._quiet = False
        self._build()

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        w = self.widgets
        self.header = w.HTML(STYLE + "<h1>What if…? Marketing & sales workshop</h1>")
        self.settings_line = w.HTML('<div class="ws-sub" id="ws-settings"></div>')
        files = scenario_files(self.config.scenarios_dir)
        options = [(self._file_label(p), str(p)) for p in files]
        wanted = self.config.scenarios_dir / self.config.start
        value = str(wanted) if wanted.is_file() else (options[0][1] if options else None)
        if value is not None and value not in [v for _, v in options]:
            options.insert(0, (self._file_label(wanted), value))
        self.start_picker = w.Dropdown(options=options, value=value, layout=w.Layout(width="95%"))
        self.sla = w.ToggleButtons(options=[], style={"button_width": "auto"})
        self.handoff = w.ToggleButtons(options=[], style={"button_width": "auto"})
        self.definition = w.ToggleButtons(
            options=[("no", False), ("yes", True)], style={"button_width": "auto"}
        )
        self.ignore_share = w.FloatSlider(
            min=0.0,
            max=1.0,
            step=0.05,
            readout_format=".0%",
            continuous_update=False,
            layout=w.Layout(width="95%"),
        )
        self.reps = w.Text(value="10", layout=w.Layout(width="120px"), continuous_update=True)
        self.volume = w.SelectionSlider(
            options=[(f"×{value:.1f}", value) for value in LEAD_VOLUME_STEPS],
            value=1.0,
            continuous_update=False,
            layout=w.Layout(width="95%"),
        )
        self.recycling = w.ToggleButtons(
            options=[("no: drop them", False), ("yes: back to nurturing", True)],
            style={"button_width": "auto"},
        )
        self.controls_widgets = {
            "sla": self.sla,
            "handoff": self.handoff,
            "shared_lead_definition": self.definition,
            "ignore_share": self.ignore_share,
            "reps": self.reps,
            "lead_volume": self.volume,
            "recycling": self.recycling,
        }
        hints = {
            "sla": "First call within this many business hours; earliest deadline first.",
            "handoff": "How a sales-ready lead reaches a rep.",
            "shared_lead_definition": "A written definition of a sales-ready lead.",
            "ignore_share": "Share of marketing's leads sales never works.",
            "reps": "Account executives working the leads (a whole number).",
            "lead_volume": "Marketing's leads per week, × today's volume.",
            "recycling": "Reached but not ready: back to nurturing instead of dropped.",
        }
        self.rows: dict[str, Any] = {}
        rows = [self._row("start", self.start_picker, "The scenario file both setups start from.")]
        for name, widget in self.controls_widgets.items():
            widget.add_class(f"ws-control-{name.replace('_', '-')}")
            rows.append(self._row(name, widget, hints[name]))
        self.start_picker.add_class("ws-control-start")
        self.run_button = w.Button(
            description="Run ▶",
            button_style="primary",
            layout=w.Layout(width="180px", height="52px"),
        )
        self.run_button.add_class("ws-run")
        self.reset_button = w.Button(
            description="Reset levers", layout=w.Layout(width="180px", height="52px")
        )
        self.reset_button.add_class("ws-reset")
        self.status = w.HTML(status_html("idle", "Starting…"))
        self.status.add_class("ws-status-box")
        self.message = w.HTML(message_html("none", ""))
        self.results = w.HTML()
        self.funnel = w.HTML()
        self.save_name = w.Text(
            placeholder="name of the setup (optional)", layout=w.Layout(width="360px")
        )
        self.save_name.add_class("ws-save-name")
        self.save_button = w.Button(
            description="Save this setup", layout=w.Layout(width="220px", height="46px")
        )
        self.save_button.add_class("ws-save")
        self.save_message = w.HTML('<div id="ws-saved" data-path=""></div>')
        self.results.layout = w.Layout(width="100%")
        self.funnel.layout = w.Layout(width="100%")
        self.reset_button.layout.margin = "0 0 0 12px"
        buttons = w.HBox([self.run_button, self.reset_button])
        left = w.VBox([*rows], layout=w.Layout(width="42%", padding="0 20px 0 0"))
        right = w.VBox(
            [
                buttons,
                self.status,
                self.message,
                self.results,
                w.HTML('<h2 class="ws-h2">Funnel: where the leads go</h2>'),
                self.funnel,
                w.HBox([self.save_name, self.save_button], layout=w.Layout(align_items="center")),
                self.save_message,
            ],
            layout=w.Layout(width="58%"),
        )
        self.view = w.VBox(
            [self.header, self.settings_line, w.HBox([left, right], layout=w.Layout(width="100%"))]
        )
        self.view.add_class("ws-app")
        self.run_button.on_click(self._on_run)
        self.reset_button.on_click(self._on_reset)
        self.save_button.on_click(self._on_save)
        self.start_picker.observe(self._on_start_change, names="value")
        for widget in self.controls_widgets.values():
            widget.observe(self._on_control_change, names="value")

    def _row(self, name: str, widget: Any, hint: str) -> Any:
        w = self.widgets
        label = w.HTML(
            f'<div class="ws-label">{html.escape(CONTROL_LABELS[name])}</div>'
            f'<div class="ws-hint">{html.escape(hint)}</div>'
        )
        row = w.VBox([label, widget])
        row.add_class("ws-row")
        row.add_class(f"ws-row-{name.replace('_', '-')}")
        self.rows[name] = row
        return row

    def _file_label(self, path: Path) -> str:
        try:
            return path.relative_to(self.config.scenarios_dir).as_posix()
        except ValueError:
            return str(path)

    # ------------------------------------------------------------------ public

    def show(self) -> None:
        """Display the page and compute the starting point's results."""
        from IPython.display import display

        display(self.view)
        self.load_start()

    def current_controls(self) -> Controls:
        """The controls as set on the page."""
        return Controls(
            sla=str(self.sla.value),
            handoff=str(self.handoff.value),
            shared_lead_definition=bool(self.definition.value),
            ignore_share=round(float(self.ignore_share.value), 4),
            reps=self.reps.value,
            lead_volume=round(float(self.volume.value), 4),
            recycling=bool(self.recycling.value),
        )

    def load_start(self) -> None:
        """Load the picked starting file, set the controls to its values and run its baseline."""
        self.comparison = None
        self._set_message("none", "")
        self._set_status("running", "Computing the starting point…")
        try:
            if not self.start_picker.value:
                raise WorkshopError(f"no scenario files in {self.config.scenarios_dir}")
            self.start = load_start(self.start_picker.value, self.config.run)
            self._set_controls(self.start)
            sentence = html.escape(settings_text(self.config.run, self.start))
            self.settings_line.value = f'<div class="ws-sub" id="ws-settings">{sentence}</div>'
            self.baseline = run_scenario(self.start.baseline, self.config.run)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message on the page
            self.start = None
            self.baseline = None
            self._fail(error)
            return
        self.results.value = render_results(
            self.baseline, None, self._file_label(self.start.file), self.run_number
        )
        self.funnel.value = render_funnel(self.baseline, None)
        self._set_status("idle", "Change a lever and press Run.")

    def run(self) -> Comparison | None:
        """Run the edited setup against the starting point and show the result."""
        if self.start is None:
            self.load_start()
            if self.start is None:
                return None
        self.run_number += 1
        self.run_button.disabled = True
        self.run_button.description = "Running…"
        self._set_message("none", "")
        self._set_status("running", f"Running {self.config.run.replications} simulations…")
        started = time.perf_counter()
        try:
            setup = build_setup(self.start, self.current_controls(), self.config.run)
            comparison = compare_setup(setup)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message on the page
            self._fail(error)
            return None
        finally:
            self.run_button.disabled = False
            self.run_button.description = "Run ▶"
        self.comparison = comparison
        self.baseline = comparison.baseline
        self.results.value = render_results(
            comparison.baseline, comparison, self._file_label(self.start.file), self.run_number
        )
        self.funnel.value = render_funnel(comparison.baseline, comparison.edited)
        elapsed = time.perf_counter() - started
        changes = describe_changes(setup)
        what = "; ".join(changes) if changes else "no lever changed – both setups are the same"
        self._set_status("done", f"Done in {elapsed:.1f} s. {what}")
        return comparison

    def save(self) -> SavedSetup | None:
        """Save the current controls as a scenario file in the workshop folder."""
        if self.start is None:
            return None
        try:
            setup = build_setup(self.start, self.current_controls(), self.config.run)
            saved = save_setup(setup, self.config.save_dir, self.save_name.value)
        except Exception as error:  # noqa: BLE001
            self._fail(error, status=False)
            return None
        shown = self._file_label(saved.path)
        self.save_message.value = (
            '<div id="ws-saved" class="ws-message" data-kind="info" '
            f'data-path="{html.escape(str(saved.path))}">'
            f"Saved as {html.escape(shown)}.\n"
            f"The workshop's figures: {html.escape(saved.command)}\n"
            f"Full report: leadsim report {html.escape(_shown_path(saved.path))}</div>"
        )
        self._refresh_files()
        return saved

    # ------------------------------------------------------------------ events

    def _on_run(self, _button: Any) -> None:
        self.run()

    def _on_save(self, _button: Any) -> None:
        self.save()

    def _on_reset(self, _button: Any) -> None:
        if self.start is not None:
            self._set_controls(self.start)
            self._set_message("none", "")

    def _on_start_change(self, _change: Mapping[str, Any]) -> None:
        if not self._quiet:
            self.baseline = None
            self.load_start()

    def _on_control_change(self, _change: Mapping[str, Any]) -> None:
        if self._quiet or self.start is None:
            return
        self._mark_changed()
        self._set_status("stale", "Levers changed – press Run to see the effect.")

    # ------------------------------------------------------------------ helpers

    def _set_controls(self, start: StartingPoint) -> None:
        controls = start.controls
        self._quiet = True
        try:
            self.sla.options = self._options("sla", start)
            self.sla.value = controls.sla
            self.handoff.options = self._options("handoff", start)
            self.handoff.value = controls.handoff
            self.definition.value = controls.shared_lead_definition
            self.ignore_share.value = controls.ignore_share
            self.reps.value = str(controls.reps)
            self.volume.value = 1.0
            self.recycling.value = controls.recycling
        finally:
            self._quiet = False
        self._mark_changed()

    def _options(self, control: str, start: StartingPoint) -> list[tuple[str, str]]:
        options = [(label, key) for key, label in CHOICE_LABELS[control].items()]
        if getattr(start.controls, control) == FROM_FILE:
            options.insert(
                0, (f"as in file: {describe_from_file(control, start.scenario)}", FROM_FILE)
            )
        return options

    def _mark_changed(self) -> None:
        if self.start is None:
            return
        now = self.current_controls()
        for name, row in self.rows.items():
            if name == "start":
                continue
            before = getattr(self.start.controls, name)
            value = getattr(now, name)
            if name == "reps":
                differs = str(value).strip() != str(before)
            elif name in ("ignore_share", "lead_volume"):
                differs = not math.isclose(float(value), float(before), abs_tol=1e-9)
            else:
                differs = value != before
            if differs:
                row.add_class("ws-changed")
            else:
                row.remove_class("ws-changed")

    def _refresh_files(self) -> None:
        current = self.start_picker.value
        options = [(self._file_label(p), str(p)) for p in scenario_files(self.config.scenarios_dir)]
        self._quiet = True
        try:
            self.start_picker.options = options
            self.start_picker.value = (
                current if current in [v for _, v in options] else options[0][1]
            )
        finally:
            self._quiet = False

    def _set_status(self, state: str, text: str) -> None:
        self.status.value = status_html(state, text, self.run_number)
        for widget in (self.results, self.funnel):  # figures of another setup are greyed out
            if state in ("running", "stale", "error"):
                widget.add_class("ws-stale")
            else:
                widget.remove_class("ws-stale")

    def _set_message(self, kind: str, text: str) -> None:
        self.message.value = message_html(kind, text)

    def _fail(self, error: BaseException, status: bool = True) -> None:
        if isinstance(error, LeadsimError):
            text = error_message(error)
        else:
            logger.exception("workshop: unexpected error")
            text = (
                f"Something went wrong ({type(error).__name__}: {error}). "
                "Check the settings and try again."
            )
        self._set_message(
            "error",
            f"Cannot run this setup.\n{text}" if status else f"Cannot save this setup.\n{text}",
        )
        if status:
            self._set_status("error", "Not run – see the message below.")


def launch(environ: Mapping[str, str] | None = None) -> WorkshopApp:
    """Build the page from ``LEADSIM_WORKSHOP_*`` settings and show it (the notebook calls this)."""
    try:
        config = WorkshopConfig.from_environment(environ)
    except WorkshopError as error:
        from IPython.display import HTML, display

        display(HTML(STYLE + f'<div class="ws-app">{message_html("error", str(error))}</div>'))
        config = WorkshopConfig()
    app = WorkshopApp(config)
    app.show()
    return app


def iter_choices() -> Iterable[tuple[str, Any, Mapping[str, Any]]]:
    """Every (control, choice, parameters) of the choice controls, for documentation and tests."""
    tables: tuple[tuple[str, Mapping[Any, Mapping[str, Any]]], ...] = (
        ("sla", SLA_CHOICES),
        ("handoff", HANDOFF_CHOICES),
        ("shared_lead_definition", SHARED_LEAD_DEFINITION_CHOICES),
        ("recycling", RECYCLING_CHOICES),
    )
    for control, table in tables:
        for choice, values in table.items():
            yield control, choice, values


__all__ = [
    "Comparison",
    "Controls",
    "KpiChange",
    "RunSettings",
    "RunSummary",
    "SavedSetup",
    "Setup",
    "StartingPoint",
    "WorkshopApp",
    "WorkshopConfig",
    "WorkshopError",
    "build_setup",
    "compare_runs",
    "compare_setup",
    "control_settings",
    "controls_from_scenario",
    "error_message",
    "format_kpi",
    "launch",
    "load_start",
    "render_funnel",
    "render_results",
    "render_setup_yaml",
    "run_scenario",
    "save_setup",
    "setup_diff",
]
