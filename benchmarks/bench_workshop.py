"""Click-to-result time of the workshop page for the base scenario.

A script, not a test (speed is measured by benchmarks, never by timed tests):

    .venv/bin/python benchmarks/bench_workshop.py                 # in-process, then in Chromium
    .venv/bin/python benchmarks/bench_workshop.py --no-browser    # only the in-process part
    .venv/bin/python benchmarks/bench_workshop.py --json out.json

In-process: exactly what a Run click executes (build the edited setup from the controls, run it,
compare with the starting point kept in memory, render the HTML), for several lever changes that
each need new simulations (the disk cache is off). The starting point's first run is timed
separately (it happens when the page opens or another starting file is picked). Settings are the
workshop's defaults (8 replications on 2 worker processes, the file's full year, figures shown
after 2, 4 and 8 replications) and, for comparison, half a year. Each click reports the time to
its first (preliminary) figures and to the final ones.

In Chromium: ``leadsim workshop`` on a free port, the page in headless Chromium, and for each
change the wall time from the click on Run until the page shows the result (``data-state=done``),
which adds the widget messages between browser and kernel to the in-process time. The CPU time
the worker processes spend per click is printed too: on an idle machine the click takes about
half of it (two workers) plus the fixed overhead.

With ``--look-ahead``: what a room sees when it talks between clicks (in-process, then – unless
``--no-browser`` – the same in Chromium: ``leadsim workshop`` with its cache, the look-ahead
waited for, then Reset and a click one control away, timed from Run to the final figures). The page opens (the
starting point runs), the look-ahead (:mod:`sim.workshop.look_ahead`) simulates every setup one
control away into a fresh disk cache and is timed to its end (how long the room must talk), then
each change of ``LOOKED_AHEAD`` is clicked (final figures from the cache). Last, with the
look-ahead running again, clicks on setups two controls away (not looked ahead) stop it and
run uncached, each paired with the same click with no look-ahead at all, to show the look-ahead
does not slow a click it did not foresee.

The machine is shared: the load average is printed next to every timing. Results go to
``docs/performance.md`` ("Workshop") by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import re
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "tests"):  # the package, and the shared browser/server helpers
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from browser_support import launch_chromium, start_workshop, stop_process_group

from sim import workshop

BASE = ROOT / "scenarios" / "base.yaml"
CHANGES: list[dict[str, Any]] = [
    {"sla": "1"},
    {"sla": "4"},
    {"sla": "24"},
    {"crm_integration": "realtime_crm"},
    {"reps": 12},
    {"shared_lead_definition": "yes"},
    {"recycling": "yes"},
    {"lead_volume": 1.2},
]
LOOKED_AHEAD: list[dict[str, Any]] = [  # one control away from base.yaml: looked ahead
    {"sla": "1"},
    {"sla": "4"},
    {"crm_integration": "realtime_crm"},
    {"reps": 11},
    {"shared_lead_definition": "yes"},
    {"recycling": "yes"},
    {"lead_volume": 1.1},
]
TWO_AWAY: list[dict[str, Any]] = [  # two controls away: not looked ahead
    {"sla": "1", "crm_integration": "realtime_crm"},
    {"reps": 12, "shared_goals": "yes"},
    {"recycling": "yes", "lead_volume": 1.2},
]
BROWSER_CLICKS: list[tuple[str, str]] = [  # (control class, button text)
    ("sla", "1 h"),
    ("sla", "4 h"),
    ("sla", "24 h"),
    ("sla", "72 h"),
    ("crm-integration", "real-time CRM"),
    ("crm-integration", "weekly list"),
]


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


def summary(times: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(times), 3),
        "min": round(min(times), 3),
        "max": round(max(times), 3),
        "n": len(times),
    }


def in_process(measurement_days: float | None, replications: int | None = None) -> dict[str, Any]:
    """Time the Run click's work for each change; the starting point's first run separately."""
    workshop.clear_memory_cache()
    run = workshop.RunSettings(measurement_days=measurement_days, cache_dir=None)
    if replications is not None:
        run = dataclasses.replace(run, replications=replications)
    started = time.perf_counter()
    start = workshop.load_start(BASE, run)
    start_first_figures = None
    for _ in workshop.run_scenario_in_steps(start.baseline, run):  # the page shows each step
        if start_first_figures is None:
            start_first_figures = time.perf_counter() - started
    first = time.perf_counter() - started
    print(
        f"  starting point ({run.replications} runs, on opening the page): first figures "
        f"{start_first_figures:.2f} s, all {first:.2f} s   load {load()}"
    )
    clicks, firsts, cpu = [], [], []
    for change in CHANGES:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        first_figures, elapsed, _ = click(start, change, run)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        worker_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        clicks.append(elapsed)
        firsts.append(first_figures)
        cpu.append(worker_cpu)
        print(
            f"  {json.dumps(change):36s} first figures {first_figures:5.2f} s, all {elapsed:5.2f} s   "
            f"worker CPU {worker_cpu:4.2f} s   load {load()}"
        )
    return {
        "measurement_days": measurement_days,
        "replications": run.replications,
        "refinement_steps": list(run.refinement_steps()),
        "starting_point_first_figures_seconds": round(start_first_figures or first, 3),
        "starting_point_seconds": round(first, 3),
        "first_figures_seconds": summary(firsts),
        "click_seconds": summary(clicks),
        "worker_cpu_seconds_per_click": summary(cpu),
    }


@contextlib.contextmanager
def workshop_page(*options: str) -> Iterator[tuple[Any, float]]:
    """``leadsim workshop OPTIONS`` on base.yaml's library, opened in headless Chromium.

    Yields the page once the starting point's figures are final, and the seconds that took
    (kernel start included); stops the server afterwards.
    """
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="leadsim-bench-") as folder:
        server = start_workshop(Path(folder), "--scenarios", str(ROOT / "scenarios"), *options)
        try:
            with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
                browser = launch_chromium(playwright, profile)
                page = browser.new_page()
                began = time.perf_counter()
                page.goto(server.url, timeout=180_000)
                page.wait_for_selector("#ws-status[data-state=idle]", timeout=180_000)
                yield page, time.perf_counter() - began
                browser.close()
        finally:
            stop_process_group(server.process)


def in_browser() -> dict[str, Any]:
    """Start ``leadsim workshop`` and time clicks on Run in headless Chromium."""
    with workshop_page("--no-cache") as (page, opened):
        print(f"  page open incl. kernel start and starting point: {opened:.2f} s   load {load()}")
        clicks, firsts = [], []
        for number, (control, label) in enumerate(BROWSER_CLICKS, start=1):
            page.locator(f".ws-control-{control}").get_by_role("button", name=label, exact=True).click()
            page.wait_for_selector("#ws-status[data-state=stale]")
            began = time.perf_counter()
            page.locator("button.ws-run").click()
            page.wait_for_selector(  # first figures shown (or all, in one step)
                f"#ws-status[data-run='{number}']:is([data-state=refining], [data-state=done])",
                timeout=120_000,
            )
            firsts.append(time.perf_counter() - began)
            page.wait_for_selector(f"#ws-status[data-state=done][data-run='{number}']", timeout=120_000)
            elapsed = time.perf_counter() - began
            clicks.append(elapsed)
            print(
                f"  click {control} = {label:14s} first figures {firsts[-1]:5.2f} s, all {elapsed:5.2f} s   "
                f"(kernel side {kernel_seconds(page)} s)   load {load()}"
            )
    return {
        "page_open_seconds": round(opened, 3),
        "first_figures_seconds": summary(firsts),
        "click_seconds": summary(clicks),
    }


def kernel_seconds(page: Any) -> str:
    """The kernel's own time for the last Run, from the status line ("Done in 8.1 s")."""
    kernel = re.search(r"Done in ([0-9.]+) s", page.inner_text("#ws-status"))
    return kernel.group(1) if kernel else "?"


BROWSER_LOOKED_AHEAD: list[tuple[str, str]] = [  # one control away from base.yaml
    ("sla", "1 h"),
    ("sla", "4 h"),
    ("crm-integration", "real-time CRM"),
    ("recycling", "yes: back to nurturing"),
    ("customer-success", "yes"),
]


def look_ahead_processes() -> int:
    """How many look-ahead processes (``python -m sim.workshop.look_ahead``) run on this machine."""
    count = 0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"sim.workshop.look_ahead" in cmdline.read_bytes():
                count += 1
        except OSError:
            continue
    return count


def in_browser_look_ahead() -> dict[str, Any]:
    """``leadsim workshop`` with its cache and look-ahead: clicks one control away, in Chromium."""
    with tempfile.TemporaryDirectory(prefix="leadsim-bench-cache-") as cache, workshop_page(
        "--cache-dir", cache
    ) as (page, _):
        began = time.perf_counter()
        while look_ahead_processes() and time.perf_counter() - began < 1800:
            time.sleep(1)
        ahead = time.perf_counter() - began
        print(f"  look-ahead from the starting point done after {ahead:.0f} s   load {load()}")
        clicks = []
        for number, (control, label) in enumerate(BROWSER_LOOKED_AHEAD, start=1):
            page.locator("button.ws-reset").click()  # back to the starting point's levers
            page.locator(f".ws-control-{control}").get_by_role("button", name=label, exact=True).click()
            page.wait_for_selector("#ws-status[data-state=stale]")
            began = time.perf_counter()
            page.locator("button.ws-run").click()
            page.wait_for_selector(f"#ws-status[data-state=done][data-run='{number}']", timeout=120_000)
            clicks.append(time.perf_counter() - began)
            print(
                f"  looked ahead: click {control} = {label:24s} final figures {clicks[-1]:5.2f} s   "
                f"(kernel side {kernel_seconds(page)} s)   load {load()}"
            )
    return {"look_ahead_seconds": round(ahead, 1), "looked_ahead_click_seconds": summary(clicks)}


def click(start: Any, change: dict[str, Any], run: Any) -> tuple[float, float, Any]:
    """One Run click's work (build, compare step by step, render): seconds to first and final figures, and the setup."""
    began = time.perf_counter()
    setup = workshop.build_setup(start, start.controls.replace(**change), run)
    first_figures = None
    for comparison in workshop.compare_setup_in_steps(setup):
        workshop.render_results(comparison.baseline, comparison, "base.yaml")
        workshop.render_funnel(comparison.baseline, comparison.edited)
        if first_figures is None:
            first_figures = time.perf_counter() - began
    return first_figures or 0.0, time.perf_counter() - began, setup


def forget(scenario: Any, run: Any) -> None:
    """Drop one result from the page's memory, so the next click on it simulates again."""
    from sim.experiment.cache import scenario_content_hash
    from sim.workshop import session

    session._RESULTS.pop((scenario_content_hash(scenario), run.seed, run.replications), None)


def with_look_ahead() -> dict[str, Any]:
    """Clicks after the look-ahead ran, and clicks it did not foresee while it runs (defaults)."""
    from sim.workshop.look_ahead import LookAhead, neighbour_controls

    workshop.clear_memory_cache()
    with tempfile.TemporaryDirectory() as cache:
        run = workshop.RunSettings(cache_dir=Path(cache))
        start = workshop.load_start(BASE, run)
        for _ in workshop.run_scenario_in_steps(start.baseline, run):  # the page opens
            pass
        look_ahead = LookAhead(run)
        neighbours = len(list(neighbour_controls(start, start.controls)))
        began = time.perf_counter()
        look_ahead.start(start.file, BASE.parent, start.controls)
        look_ahead.wait()
        ahead = time.perf_counter() - began
        print(f"  look-ahead: {neighbours} setups one control away, {run.replications} runs each, "
              f"done after {ahead:.0f} s   load {load()}")  # fmt: skip
        looked: list[float] = []
        for change in LOOKED_AHEAD:
            _, final, _ = click(start, change, run)
            looked.append(final)
            print(f"  looked ahead {json.dumps(change):48s} final figures {final:5.2f} s   load {load()}")
        # Clicks the look-ahead did not foresee, each twice in turn (order alternating): with no
        # look-ahead, and stopping a busy one first. Uncached clicks; the edited result is
        # forgotten after each, so both simulate.
        cold = dataclasses.replace(run, cache_dir=None)
        times: dict[str, dict[str, list[float]]] = {
            kind: {"first": [], "final": []} for kind in ("alone", "after stopping the look-ahead")
        }
        for index, change in enumerate(TWO_AWAY * 2):
            kinds = ["alone", "after stopping the look-ahead"]
            for kind in kinds if index % 2 == 0 else kinds[::-1]:
                stop_seconds = 0.0
                if kind != "alone":
                    look_ahead.start(start.file, BASE.parent, start.controls)
                    time.sleep(5)  # its workers are busy when the click comes
                    stopped = time.perf_counter()
                    look_ahead.stop()  # what the page does first on a Run
                    stop_seconds = time.perf_counter() - stopped
                first, final, setup = click(start, change, cold)
                forget(setup.edited_run, cold)
                times[kind]["first"].append(first + stop_seconds)
                times[kind]["final"].append(final + stop_seconds)
                print(f"  not foreseen, {kind:30s} {json.dumps(change):48s} first figures "
                      f"{first + stop_seconds:5.2f} s, all {final + stop_seconds:5.2f} s   load {load()}")  # fmt: skip
    return {
        "replications": run.replications,
        "neighbours": neighbours,
        "look_ahead_seconds": round(ahead, 1),
        "looked_ahead_click_seconds": summary(looked),
        "not_foreseen": {
            kind: {part: summary(values) for part, values in parts.items()} for kind, parts in times.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium measurement")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--full-year", type=int, metavar="REPLICATIONS",
                        help="only the file's full horizon with this many replications, in-process")
    parser.add_argument("--look-ahead", action="store_true",
                        help="only clicks after and during the look-ahead (the defaults), in-process and in Chromium")
    args = parser.parse_args()
    if args.look_ahead:
        print("in-process, the workshop's defaults, with the look-ahead:")
        result = {"look_ahead": with_look_ahead()}
        if not args.no_browser:
            print("Chromium, leadsim workshop (its defaults: cache and look-ahead):")
            result["browser_look_ahead"] = in_browser_look_ahead()
        result["load_at_end"] = load()
        finish(result, args.json)
        return
    if args.full_year:
        print(f"in-process, the file's horizon, {args.full_year} replications:")
        finish({"full_year": in_process(None, args.full_year), "load_at_end": load()}, args.json)
        return
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load {load()}"
    )
    results: dict[str, Any] = {"cores": os.cpu_count(), "load_at_start": load()}
    print("in-process, the workshop's defaults (the file's horizon, 365 days):")
    results["workshop_defaults"] = in_process(workshop.DEFAULT_MEASUREMENT_DAYS)
    print("in-process, half a year (182 days), for comparison:")
    results["half_year"] = in_process(182.0)
    if not args.no_browser:
        print("Chromium, leadsim workshop (its defaults, no disk cache):")
        results["browser"] = in_browser()
    results["load_at_end"] = load()
    finish(results, args.json)


def finish(results: dict[str, Any], json_path: Path | None) -> None:
    """Print the results as JSON, and write them to ``json_path`` if given."""
    text = json.dumps(results, indent=2)
    print(text)
    if json_path:
        json_path.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
