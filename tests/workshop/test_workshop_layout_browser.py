"""The workshop page on a projector: 1024×768, 1280×720 and 1920×1080 without overlap.

One short Voila server (two replications, four measured weeks: the layout does not depend on the
figures), one Run with the SLA at 4 h so every result row holds its real text, then for each
viewport: the bounding boxes of the result elements (table rows, tray, funnel, buttons, control
rows) must not overlap, the main figures (revenue, cost, net benefit, payback) must lie inside
the first screen, and nothing may stick out to the right. Screenshots are kept as artefacts.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import chromium_executable, launch_chromium, start_workshop, stop_process_group
from workshop_helpers import ARTIFACTS, SCENARIOS

pytestmark = [pytest.mark.browser, pytest.mark.serial]  # a Voila server on a port, driven by headless Chromium

PAGE_TIMEOUT_MS = 180_000
RUN_TIMEOUT_MS = 120_000
VIEWPORTS = ((1024, 768), (1280, 720), (1920, 1080))
MAIN_FIGURES = (
    "#ws-row-total-revenue-per-year",
    "#ws-row-cost-per-year",
    "#ws-row-net-benefit-per-year",
    "#ws-row-payback-months",
)
RESULT_ELEMENTS = (
    "#ws-results tbody tr, #ws-results thead tr, #ws-results caption, #ws-tray, #ws-funnel, "
    "#ws-status, #ws-message.ws-message, #ws-saved.ws-message, button.ws-run, button.ws-reset, "
    ".ws-save, .ws-keep, .ws-row, .ws-save-name, .ws-option-name, .ws-h2, #ws-settings, h1, "
    "button.ws-report, #ws-report.ws-message, button.ws-cheapest, .ws-cheapest-target, "
    "#ws-cheapest, .ws-tray-picker, button.ws-bring-back, button.ws-remove-option"
)
TO_TOP = """() => { window.scrollTo(0, 0);
  document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; }); }"""
"""The first screen as people see it on opening the page (Voila scrolls an inner container)."""
BOXES = """(selector) => {
  const found = Array.from(document.querySelectorAll(selector));
  const shown = found.filter(e => { const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0; });
  const boxes = shown.map(e => { const r = e.getBoundingClientRect();
    return {name: e.id || e.className || e.tagName, x: r.left, y: r.top + window.scrollY,
            right: r.right, bottom: r.bottom + window.scrollY}; });
  const overlaps = [];
  for (let i = 0; i < shown.length; i++) {
    for (let j = i + 1; j < shown.length; j++) {
      if (shown[i].contains(shown[j]) || shown[j].contains(shown[i])) continue;
      const a = boxes[i], b = boxes[j];
      const w = Math.min(a.right, b.right) - Math.max(a.x, b.x);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.y, b.y);
      if (w > 0.5 && h > 0.5) overlaps.push([a, b]);
    }
  }
  return {count: shown.length, overlaps: overlaps,
          width: document.documentElement.scrollWidth, inner: window.innerWidth};
}"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    chromium_executable()
    folder = tmp_path_factory.mktemp("workshop-layout")
    scenarios = folder / "scenarios"
    shutil.copytree(SCENARIOS, scenarios, ignore=shutil.ignore_patterns("workshop", "examples"))
    running = start_workshop(
        folder, "--scenarios", str(scenarios), "--no-cache", "--replications", "2",
        "--measurement-days", "28", "--workers", "1",
    )  # fmt: skip
    try:
        with (
            tempfile.TemporaryDirectory(prefix="leadsim-chromium-") as profile,
            sync_playwright() as playwright,
        ):
            browser = launch_chromium(playwright, profile, viewport={"width": 1280, "height": 720})
            try:
                tab = browser.new_page()
                tab.set_default_timeout(RUN_TIMEOUT_MS)
                tab.goto(running.url, timeout=PAGE_TIMEOUT_MS)
                tab.wait_for_selector("#ws-status[data-state=idle]", timeout=PAGE_TIMEOUT_MS)
                tab.locator(".ws-control-sla").get_by_role("button", name="4 h", exact=True).click()
                tab.locator("button.ws-run").click()
                tab.wait_for_selector("#ws-status[data-state=done]", timeout=RUN_TIMEOUT_MS)
                tab.locator(".ws-option-name input").fill("SLA 4 h")
                tab.locator("button.ws-keep").click()
                tab.wait_for_selector("#ws-tray[data-options='1']", timeout=RUN_TIMEOUT_MS)
                yield tab
            finally:
                browser.close()
    finally:
        stop_process_group(running.process)


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_results_do_not_overlap_and_the_main_figures_are_above_the_fold(page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate(TO_TOP)
    page.wait_for_timeout(300)  # let the layout settle after the resize
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"workshop-{width}x{height}.png"))
    page.screenshot(path=str(ARTIFACTS / f"workshop-{width}x{height}-full.png"), full_page=True)
    found = page.evaluate(BOXES, RESULT_ELEMENTS)
    assert found["count"] > 30  # rows, tray, funnel and controls were all found
    assert found["overlaps"] == [], found["overlaps"][:3]
    assert found["width"] <= width, "the page is wider than the screen"
    for selector in MAIN_FIGURES:
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (selector, box, height)
        assert box["x"] + box["width"] <= width, (selector, box)
    assert "–" not in page.inner_text("#ws-row-net-benefit-per-year")  # a figure, not a dash
    assert "annualised" in page.inner_text("#ws-results caption")
    assert "28 days" in page.inner_text("#ws-results caption")  # the shortened horizon is named
