"""A run makes no reference cycles, so switching the cyclic garbage collector off for it is safe.

``LeadLifecycleModel.run`` turns Python's cyclic collector off while the clock runs (it cost up
to a third of the CPU at volume and found nothing). That is only sound while everything the run
makes is freed by reference counting: a cycle made per lead or per task would then pile up until
the run ends. These tests run every bundled setup and example, and base.yaml with each lever
overlay, with the collector off throughout, and count what only the collector could free.
"""

from __future__ import annotations

import gc
from collections import Counter
from pathlib import Path

import pytest

from sim.model.lifecycle import LeadLifecycleModel
from sim.scenario.loader import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SHORT = ("horizon.warmup_days=30", "horizon.measurement_days=120")
SETUPS = [
    *(SCENARIOS / f"{name}.yaml" for name in ("base", "separate_departments", "customer_happiness_team", "sdr_team")),
    *sorted((SCENARIOS / "examples").glob("*.yaml")),
]
LEVERS = sorted((SCENARIOS / "levers").glob("*.yaml"))


def _cyclic_garbage_of_a_run(model: LeadLifecycleModel) -> Counter[str]:
    """What the collector finds after ``model.run()`` with the collector off before, during and after."""
    gc.collect()
    was_on = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what it finds in gc.garbage, to name it
    try:
        model.run()
        gc.collect()
        found = Counter(
            getattr(item, "__qualname__", None) or type(item).__name__ for item in gc.garbage
        )
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_on:
            gc.enable()
    return found


@pytest.mark.parametrize("file", SETUPS, ids=lambda path: path.stem)
def test_a_bundled_setup_runs_without_reference_cycles(file: Path) -> None:
    model = LeadLifecycleModel(load_scenario(file, overrides=SHORT), seed=1, replication=0)
    found = _cyclic_garbage_of_a_run(model)
    assert not found, f"{file.name}: objects in reference cycles after a run: {found.most_common(8)}"


@pytest.mark.parametrize("lever", LEVERS, ids=lambda path: path.stem)
def test_base_with_each_lever_runs_without_reference_cycles(lever: Path, tmp_path: Path) -> None:
    composed = tmp_path / f"base+{lever.stem}.yaml"
    composed.write_text(f"extends:\n  - {SCENARIOS / 'base.yaml'}\n  - {lever}\nname: {composed.stem}\n")
    model = LeadLifecycleModel(load_scenario(composed, overrides=SHORT), seed=1, replication=0)
    found = _cyclic_garbage_of_a_run(model)
    assert not found, f"base + {lever.name}: objects in reference cycles after a run: {found.most_common(8)}"


@pytest.mark.parametrize("on_before", [True, False])
def test_a_run_leaves_the_collector_as_it_found_it(on_before: bool) -> None:
    model = LeadLifecycleModel(load_scenario(SCENARIOS / "base.yaml", overrides=SHORT), seed=1, replication=0)
    seen_during: list[bool] = []

    def watch():  # type: ignore[no-untyped-def]
        yield model.env.timeout(1.0)
        seen_during.append(gc.isenabled())

    model.env.process(watch())
    was_on = gc.isenabled()
    (gc.enable if on_before else gc.disable)()
    try:
        model.run()
        after = gc.isenabled()
    finally:
        (gc.enable if was_on else gc.disable)()
    assert seen_during == [False]
    assert after is on_before
