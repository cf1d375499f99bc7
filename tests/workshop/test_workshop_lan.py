"""``leadsim workshop --lan``: participants' laptops reach the page, strangers without the token do not.

The server listens on every interface behind a generated token, printed with a QR code; the
default stays on 127.0.0.1 without a token (tests/workshop/test_workshop_server.py).
"""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import small_workshop_scenarios, start_workshop, stop_process_group

from sim.cli.workshop import LAN_HOST, lan_address, voila_command

pytestmark = pytest.mark.serial  # a Voila server listening on the network


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=180) as answer:
            return answer.status, answer.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def lan_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    folder = tmp_path_factory.mktemp("workshop-lan")
    scenarios = small_workshop_scenarios(folder)
    server = start_workshop(
        folder, "--scenarios", str(scenarios), "--start", "small.yaml", "--replications", "1",
        "--workers", "1", "--no-cache", "--lan",
    )  # fmt: skip
    try:
        printed = server.log.read_text(errors="replace")
        (token,) = set(re.findall(r"\?token=([A-Za-z0-9_-]+)", printed))
        yield server.url, token, server.log
    finally:
        stop_process_group(server.process)


def test_the_lan_address_with_its_token_is_printed_with_a_qr_code(lan_server) -> None:
    url, token, log = lan_server
    printed = log.read_text(errors="replace")
    port = url.rstrip("/").rsplit(":", 1)[1]
    assert f"Participants open: http://{lan_address()}:{port}/?token={token}" in printed
    assert "\u2588" in printed or "\u2580" in printed  # the QR code's block characters
    assert len(token) >= 20


def test_without_the_token_the_page_is_refused(lan_server) -> None:
    url, token, _ = lan_server
    status, page = get(url)
    assert status in (401, 403) or "ws-app" not in page
    assert get(url + "?token=wrong" + token[:4])[1].count("ws-app") == 0


def test_with_the_token_the_page_runs_from_another_address(lan_server) -> None:
    url, token, _ = lan_server
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    address = lan_address()
    with socket.create_connection((address, port), timeout=10):
        pass  # listening beyond loopback
    status, page = get(f"http://{address}:{port}/?token={token}")
    assert status == 200 and "ws-app" in page and "Traceback" not in page


def test_failed_requests_do_not_write_the_token_into_the_log(lan_server) -> None:
    url, token, log = lan_server
    failing = [  # each answers 4xx or 5xx, which the server logs with its URL
        f"{url}voila/files/secret.png?token={token}",
        f"{url}voila/templates/x?token={token}",
        f"{url}voila/templates/lab/static/..%2f..?token={token}",
        f"{url}api/kernels/00000000-0000-0000-0000-000000000000?token={token}",
    ]
    assert all(get(address)[0] >= 400 for address in failing)
    assert "ws-app" not in get(f"{url}?token=wrong{token}")[1]
    request = urllib.request.Request(f"{url}voila/api/shutdown/x?token={token}", method="POST")
    try:
        urllib.request.urlopen(request, timeout=60)
    except urllib.error.HTTPError:
        pass
    deadline = time.monotonic() + 10  # the log is written by another process
    while "GET /voila/templates/x" not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, "the failed requests never reached the log"
        time.sleep(0.2)
    time.sleep(1)  # the last requests' lines
    printed = log.read_text(errors="replace").splitlines()
    # The invitation lines are the one place the token belongs: the facilitator hands it out.
    rest = [
        line for line in printed
        if not line.startswith(("Participants open: ", "Workshop page: "))
    ]  # fmt: skip
    assert len(rest) < len(printed)
    assert [line for line in rest if token in line] == []


def test_only_lan_mode_listens_beyond_loopback_and_asks_for_a_token() -> None:
    local = voila_command(8866)
    assert "--Voila.ip=127.0.0.1" in local and not any("token" in part for part in local)
    assert any('"allow_remote_access": False' in part for part in local)
    lan = voila_command(8866, lan_token="secret-token")
    assert f"--Voila.ip={LAN_HOST}" in lan and "--Voila.token=secret-token" in lan
