"""How the served workshop is exposed: kernels bounded and culled, Host checked, no 500s, no referrer.

These tests start ``leadsim workshop`` on a small scenario and talk HTTP to it (no browser): a
plain ``GET /`` runs the page's notebook in a new kernel, exactly what a hidden frame in some
other web page could make the facilitator's browser do.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from browser_support import (
    kernel_processes,
    small_workshop_scenarios,
    start_workshop,
    stop_process_group,
)

pytestmark = pytest.mark.serial  # a Voila server on a port, kernels culled after seconds of idling

IDLE_TIMEOUT = 3
MAX_KERNELS = 3



def get(url: str, host: str | None = None) -> tuple[int, str]:
    status, text, _ = get_with_headers(url, host)
    return status, text


def get_with_headers(url: str, host: str | None = None) -> tuple[int, str, dict[str, str]]:
    """Status, body (an error's reason first) and headers of a GET, errors included."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=180) as answer:
            text = answer.read().decode("utf-8", errors="replace")
            return answer.status, text, dict(answer.headers)
    except urllib.error.HTTPError as error:
        text = (error.reason or "") + error.read().decode("utf-8", errors="replace")
        return error.code, text, dict(error.headers)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Path]]:
    folder = tmp_path_factory.mktemp("workshop-exposure")
    scenarios = small_workshop_scenarios(folder)
    server = start_workshop(
        folder, "--scenarios", str(scenarios), "--start", "small.yaml", "--replications", "2",
        "--workers", "1", "--no-cache", "--idle-timeout", str(IDLE_TIMEOUT),
        "--max-kernels", str(MAX_KERNELS),
    )  # fmt: skip
    try:
        yield server.url, server.process.pid, server.log
    finally:
        stop_process_group(server.process)


def test_the_page_and_an_error_say_no_referrer(served):
    url, _, _ = served
    deadline = time.monotonic() + 4 * IDLE_TIMEOUT + 10  # room under the cap (culled kernels)
    status, page, headers = get_with_headers(url)
    while status == 503 and time.monotonic() < deadline:
        time.sleep(0.5)
        status, page, headers = get_with_headers(url)
    assert status == 200 and "ws-app" in page
    assert headers.get("Referrer-Policy") == "no-referrer"
    status, _, headers = get_with_headers(url + "voila/templates/x")
    assert status == 404 and headers.get("Referrer-Policy") == "no-referrer"
    status, _, headers = get_with_headers(url, host="evil.example")
    assert status == 403 and headers.get("Referrer-Policy") == "no-referrer"


def test_ten_page_loads_leave_at_most_one_idle_kernel(served):
    url, pid, _ = served
    most = 0
    for _ in range(10):
        status, page = get(url)
        assert status == 200 and "ws-app" in page and "Traceback" not in page
        most = max(most, kernel_processes(pid))
    assert most <= MAX_KERNELS
    deadline = time.monotonic() + 4 * IDLE_TIMEOUT + 10
    while kernel_processes(pid) > 1 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert kernel_processes(pid) <= 1


def test_beyond_the_cap_the_page_says_why_instead_of_starting_a_kernel(served):
    url, _, _ = served

    with ThreadPoolExecutor(MAX_KERNELS + 2) as pool:
        answers = list(pool.map(lambda _: get(url), range(MAX_KERNELS + 2)))
    refused = [text for status, text in answers if status == 503]
    assert refused and all("the limit is 3" in text for text in refused)
    assert sum(status == 200 for status, _ in answers) <= MAX_KERNELS


def test_a_foreign_host_header_is_refused(served):
    url, _, _ = served
    status, _ = get(url, host="evil.example")
    assert status == 403
    port = url.rstrip("/").rsplit(":", 1)[1]
    kernel_api = url + "api/kernels/00000000-0000-0000-0000-000000000000"
    assert get(kernel_api, host=f"evil.example:{port}")[0] == 403
    assert get(url, host=f"localhost:{port}")[0] in (200, 503)  # the loopback name is fine


@pytest.mark.parametrize(
    "path",
    [
        "voila/templates/..",
        "voila/templates/x",
        "voila/templates/../../etc/passwd",
        # Encoded separators reach the handler decoded (tornado unquotes path arguments).
        "voila/templates/lab/static/..%2f..",
        "voila/templates/leadsim-workshop/static/..%2f..",
        "voila/templates/lab/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "voila/templates/..%2f..%2fetc/static/passwd",
    ],
)
def test_malformed_template_paths_are_not_found(served, path: str):
    url, _, log = served
    status, text = get(url + path)
    assert status == 404 and "Traceback" not in text
    wait_for_line(log, f"404 GET /{path} ")  # the request is in the log, the log is complete
    assert "Traceback" not in log.read_text(errors="replace")


def test_template_files_are_still_served(served):
    url, _, _ = served
    status, text = get(url + "voila/templates/lab/static/voila.js")
    assert status == 200 and len(text) > 1000


def wait_for_line(log: Path, text: str, seconds: float = 10.0) -> None:
    """Wait until the server's log holds ``text`` (it is written by another process)."""
    deadline = time.monotonic() + seconds
    while text not in log.read_text(errors="replace") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert text in log.read_text(errors="replace")
