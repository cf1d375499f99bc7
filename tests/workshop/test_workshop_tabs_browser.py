"""Closing the workshop page in Chromium frees its kernel within seconds, not after the idle timeout.

A room reloads its pages: each load starts a kernel (≈ 250 MB) and the server runs at most
``--max-kernels`` of them, so a closed tab has to give its kernel back at once. The server runs
with the default idle timeout (600 s), so the idle culler cannot be what frees them.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import (
    WorkshopServer,
    chromium_executable,
    kernel_processes,
    launch_chromium,
    small_workshop_scenarios,
    start_workshop,
    stop_process_group,
)

pytestmark = [pytest.mark.browser, pytest.mark.serial]  # a Voila server on a port, driven by headless Chromium

PAGE_TIMEOUT_MS = 180_000  # kernel start plus the starting point's figures on a busy machine
FREED_WITHIN_SECONDS = 20
TABS = 10



def kernel_model(url: str, kernel_id: str) -> dict[str, Any] | None:
    """The server's model of one kernel (its REST endpoint), or None when it no longer runs."""
    try:
        with urllib.request.urlopen(f"{url}api/kernels/{kernel_id}", timeout=30) as answer:
            model: dict[str, Any] = json.load(answer)
            return model
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkshopServer]:
    chromium_executable()
    folder = tmp_path_factory.mktemp("workshop-tabs")
    scenarios = small_workshop_scenarios(folder)
    # The default --idle-timeout (600 s) and --max-kernels (12).
    running = start_workshop(
        folder, "--scenarios", str(scenarios), "--start", "small.yaml", "--replications", "1",
        "--workers", "1", "--no-cache",
    )  # fmt: skip
    try:
        yield running
    finally:
        stop_process_group(running.process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="leadsim-chromium-") as profile,
        sync_playwright() as playwright,
    ):
        context = launch_chromium(playwright, profile)
        try:
            yield context
        finally:
            context.close()


def open_page(browser: Any, url: str) -> tuple[Any, list[str]]:
    """A new tab showing the workshop page with its figures; the ids of the kernels it talks to."""
    tab = browser.new_page()
    kernel_ids: list[str] = []
    tab.on(
        "websocket",
        lambda socket: kernel_ids.extend(re.findall(r"/api/kernels/([0-9a-f-]{36})/", socket.url)),
    )
    tab.goto(url, timeout=PAGE_TIMEOUT_MS)
    tab.wait_for_selector("#ws-status[data-state=idle]", timeout=PAGE_TIMEOUT_MS)
    assert "Traceback" not in tab.inner_text("body")
    return tab, kernel_ids


def wait_for(condition: Any, seconds: float) -> None:
    """Poll ``condition`` until it holds or ``seconds`` have passed (the caller asserts)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.5)


def test_ten_tabs_opened_and_closed_leave_at_most_one_kernel(server, browser):
    most = 0
    for _ in range(TABS):
        tab, _ = open_page(browser, server.url)
        most = max(most, kernel_processes(server.process.pid))
        tab.close(run_before_unload=True)
    assert most >= 1  # the pages did run kernels
    wait_for(lambda: kernel_processes(server.process.pid) <= 1, FREED_WITHIN_SECONDS)
    assert kernel_processes(server.process.pid) <= 1
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log


def test_a_tab_closed_without_its_beacon_frees_its_kernel_and_an_open_tab_keeps_its_own(
    server, browser
):
    kept, kept_ids = open_page(browser, server.url)
    closed_ids: list[str] = []
    for _ in range(2):
        # No beforeunload: as when a browser skips it (a crash, a killed tab, a phone).
        tab, ids = open_page(browser, server.url)
        closed_ids += ids
        tab.close(run_before_unload=False)
    assert kept_ids and len(closed_ids) >= 2
    wait_for(
        lambda: all(kernel_model(server.url, kernel) is None for kernel in closed_ids),
        FREED_WITHIN_SECONDS,
    )
    assert [kernel for kernel in closed_ids if kernel_model(server.url, kernel) is not None] == []
    model = kernel_model(server.url, kept_ids[0])
    assert model is not None and model["connections"] >= 1
    kept.close(run_before_unload=True)
