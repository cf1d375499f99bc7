"""A generated report in a real browser with no network: every chart drawn, no errors, no fetches."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import nbformat
import pytest
from browser_support import launch_chromium
from report_helpers import HOSTILE, BuiltReport

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EXTERNAL_ASSET = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//"""
    r"""|import\s*\(\s*["'](?:https?:)?//""",
    re.IGNORECASE,
)


def chart_count(notebook_path: Path) -> int:
    notebook = nbformat.read(notebook_path, as_version=4)
    return sum(
        "image/svg+xml" in output.get("data", {})
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


def assert_no_internet_assets(page: str) -> None:
    """No script, style, font or module from http(s):// (or protocol-relative //), no empty src."""
    assert EXTERNAL_ASSET.findall(page) == []
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']\s*["']""", page)


def test_report_html_references_no_internet_script_style_or_font(built_report: BuiltReport):
    assert_no_internet_assets(built_report.html.read_text(encoding="utf-8"))


def test_report_renders_offline_in_chromium(built_report: BuiltReport):
    assert_no_internet_assets(built_report.html.read_text(encoding="utf-8"))
    from playwright import sync_api
    expected_charts = chart_count(built_report.html.parent / "compare.ipynb")
    assert expected_charts >= 7
    ARTIFACTS.mkdir(exist_ok=True)
    blocked: list[str] = []
    console_errors: list[str] = []
    page_errors: list[str] = []
    dialogs: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="leadsim-chromium-") as profile,
        sync_api.sync_playwright() as playwright,
    ):
        browser = launch_chromium(
            playwright, profile, viewport={"width": 1200, "height": 900}, offline=True
        )
        try:
            page = browser.new_page()

            def route(request_route):
                url = request_route.request.url
                if url.startswith(("file:", "data:", "about:")):
                    request_route.continue_()
                else:
                    blocked.append(url)
                    request_route.abort()

            page.route("**/*", route)
            page.on(
                "console",
                lambda message: message.type == "error" and console_errors.append(message.text),
            )
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(built_report.html.as_uri(), wait_until="load")
            charts = page.locator(".jp-RenderedSVG > svg")
            assert charts.count() == expected_charts
            for index in range(expected_charts):
                box = charts.nth(index).bounding_box()
                assert box is not None and box["width"] > 100 and box["height"] > 50, index
                assert charts.nth(index).locator("path, rect, line").count() > 5, index
            text = page.inner_text("body")
            assert HOSTILE in text  # shown as text ...
            assert page.locator("script").count() == 0  # ... never run as a script
            assert "Zusammenfassung für das Management" in text
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        finally:
            browser.close()
    assert blocked == []
    assert console_errors == []
    assert page_errors == []
    assert dialogs == []
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
