"""Headless Debian Chromium and a local `leadsim workshop` server, for browser tests and benchmarks.

A plain module (conftest files cannot be imported); the test folders and `benchmarks/` share it so
that the flags that keep Chromium off the network and the server start-up live in one place.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Root needs --no-sandbox; the rest keep Chromium from calling home on a machine without network.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)


def chromium_executable() -> str:
    """Debian's Chromium; missing is an error (installed by `make browser`), never a skip."""
    if not Path(CHROMIUM).is_file():
        raise FileNotFoundError("chromium is not installed: run `make browser` (apt-get install chromium)")
    return CHROMIUM


def launch_chromium(playwright: Any, profile: str | Path, **options: Any) -> Any:
    """A headless persistent Chromium context in ``profile`` (Playwright's sync API)."""
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=chromium_executable(),
        headless=True,
        args=list(CHROMIUM_ARGS),
        **options,
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class WorkshopServer:
    """A running `leadsim workshop` process (its own process group) and where it answers."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path


def small_workshop_scenarios(folder: Path) -> Path:
    """A scenario folder with one small starting file (``small.yaml``) for serving tests."""
    scenarios = folder / "scenarios"
    scenarios.mkdir()
    (scenarios / "small.yaml").write_text(
        "name: small\nhorizon: {warmup_days: 7, measurement_days: 28, drain_cap_days: 30}\n"
        "channels:\n  - name: web_inquiry\n    leads_per_week: 20\nsales: {reps: 2}\n",
        encoding="utf-8",
    )
    return scenarios


def start_workshop(folder: Path, *options: str, timeout_seconds: float = 120.0) -> WorkshopServer:
    """Start `python -m sim workshop` in ``folder`` on a free port; return once it prints its URL."""
    port = free_port()
    log = folder / "server.log"
    command = [sys.executable, "-m", "sim", "workshop", "--port", str(port), "--no-browser", *options]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=folder, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout_seconds
    try:
        while f"Workshop page: {url}" not in log.read_text(errors="replace"):
            if process.poll() is not None:
                raise RuntimeError(f"leadsim workshop exited:\n{log.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"no URL after {timeout_seconds:g} s:\n{log.read_text(errors='replace')}"
                )
            time.sleep(0.25)
    except BaseException:
        stop_process_group(process)
        raise
    return WorkshopServer(url, process, log)


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group (Voila shuts its kernels down), SIGKILL if it hangs."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


def kernel_processes(server_pid: int) -> int:
    """Kernel processes the workshop server runs right now."""
    import psutil

    try:
        children = psutil.Process(server_pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    count = 0
    for child in children:
        try:
            count += "ipykernel_launcher" in " ".join(child.cmdline())
        except psutil.Error:
            continue
    return count
