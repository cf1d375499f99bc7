"""``leadsim workshop``: serve the interactive what-if page on this machine for a workshop.

The facilitator runs one command before the meeting; it starts Voila on
``notebooks/workshop.ipynb`` (code hidden) on 127.0.0.1, waits until the page answers, prints its
address and opens it in the browser. Ctrl-C stops the server and its kernels. With ``--lan``
participants follow on their own laptops: the server listens on the network behind a generated
access token, and the address with the token is printed as text and as a QR code. The page's settings
(scenario folder, starting file, replications, seed, horizon, cache) reach the notebook's kernel as
``LEADSIM_WORKSHOP_*`` environment variables (see :class:`sim.workshop.config.WorkshopConfig`).
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import webbrowser
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from sim.bundled import notebooks_dir, scenarios_dir
from sim.errors import LeadsimError
from sim.workshop.config import DEFAULT_START, WorkshopConfig, default_cache_dir
from sim.workshop.settings import (
    DEFAULT_MEASUREMENT_DAYS,
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    DEFAULT_WORKERS,
    RunSettings,
)

HOST = "127.0.0.1"
LAN_HOST = "0.0.0.0"
"""``--lan``: every interface, so laptops in the room reach the page (behind a token)."""
NOTEBOOK = notebooks_dir() / "workshop.ipynb"
IDLE_TIMEOUT_SECONDS = 600
"""A kernel whose page never connected (a crawler, a hidden frame) is shut down after this."""
MAX_KERNELS = 12
"""Pages open at once (see sim.workshop.kernels)."""
READY_TIMEOUT_SECONDS = 120.0
"""How long to wait for Voila to listen (a busy machine imports slowly)."""
KERNEL_START_TIMEOUT_SECONDS = 180
STOP_TIMEOUT_SECONDS = 15.0


class WorkshopServerError(LeadsimError):
    """The workshop server cannot start (port taken, Voila missing, notebook missing)."""


TEMPLATE = "leadsim-workshop"
"""Voila's lab template without its CDN stylesheets (notebooks/voila/templates/leadsim-workshop)."""
TEMPLATE_ROOT = NOTEBOOK.parent
"""Put on ``JUPYTER_PATH`` so that Voila finds ``voila/templates/leadsim-workshop`` there."""


def voila_command(
    port: int,
    notebook: Path = NOTEBOOK,
    idle_timeout: int = IDLE_TIMEOUT_SECONDS,
    max_kernels: int = MAX_KERNELS,
    lan_token: str | None = None,
) -> list[str]:
    """The Voila command line: localhost only without a token, code hidden, no port hopping.

    Kernels: a closed page shuts its kernel down (Voila's close beacon, or the page's connection
    closed for a few seconds, see sim.workshop.kernels); a kernel whose page never connected is
    culled after ``idle_timeout`` seconds idle (a connected page keeps its kernel however long the
    discussion takes); at most ``max_kernels`` run at once. Requests whose
    ``Host`` is not this machine's loopback name are refused (no DNS rebinding: Voila turns the
    check off by default, ``allow_remote_access``), and so are cross-site kernel requests.
    With ``lan_token`` the server listens on every interface and every request needs the token
    (in the URL once, then the login cookie): the Host check cannot know the room's addresses,
    and a page elsewhere cannot know the token.
    """
    interval = max(1, min(60, idle_timeout // 2))
    remote = "True" if lan_token is not None else "False"
    command = [
        sys.executable, "-m", "sim.workshop.server", str(notebook),
        f"--port={port}",
        "--no-browser",
        f"--Voila.ip={HOST if lan_token is None else LAN_HOST}",
        "--Voila.port_retries=0",
        "--strip_sources=True",
        "--theme=light",
        f"--VoilaExecutor.startup_timeout={KERNEL_START_TIMEOUT_SECONDS}",
        ("--VoilaConfiguration.multi_kernel_manager_class="
        "sim.workshop.kernels.WorkshopKernelManager"),
        f"--WorkshopKernelManager.max_kernels={max_kernels}",
        f"--MappingKernelManager.cull_idle_timeout={idle_timeout}",
        f"--MappingKernelManager.cull_interval={interval}",
        "--MappingKernelManager.cull_connected=False",
        "--MappingKernelManager.cull_busy=False",
        ('--Voila.tornado_settings={"allow_remote_access": ' + remote + ','
        ' "local_hostnames": ["localhost"]}'),
    ]  # fmt: skip
    if lan_token is not None:
        command.append(f"--Voila.token={lan_token}")
    if (TEMPLATE_ROOT / "voila" / "templates" / TEMPLATE / "index.html.j2").is_file():
        command.append(f"--template={TEMPLATE}")
    return command


def voila_environment(
    config: WorkshopConfig, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The server's environment: the page's settings for the kernels, and the template's folder."""
    environment = dict(os.environ if base is None else base)
    environment.update(config.environment())
    inherited = [path for path in environment.get("JUPYTER_PATH", "").split(os.pathsep) if path]
    environment["JUPYTER_PATH"] = os.pathsep.join([str(TEMPLATE_ROOT), *inherited])
    return environment


def check_port(port: int, host: str = HOST) -> None:
    """Fail with a clear message when the port is out of range or already in use."""
    if not 1 <= port <= 65535:
        raise WorkshopServerError(f"--port must be between 1 and 65535, got {port}")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise WorkshopServerError(
                f"port {port} on {host} is already in use; choose another with --port"
            ) from None


def lan_address() -> str:
    """This machine's address on the local network (the interface of its default route).

    Connecting a UDP socket sends nothing; it only asks the kernel which interface it would
    use. Without a network the loopback address is all there is.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed, never contacted
            return str(probe.getsockname()[0])
        except OSError:
            return HOST


def lan_invitation(url: str) -> str:
    """The address participants open, as text and as a QR code for phones and laptops."""
    import io

    import segno

    drawing = io.StringIO()
    segno.make(url, error="m").terminal(out=drawing, compact=True)
    return f"{drawing.getvalue()}\nParticipants open: {url}\n"


def wait_until_listening(process: subprocess.Popen[bytes], port: int, timeout: float) -> None:
    """Wait until the server accepts connections (TCP: loading the page would start a kernel)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise WorkshopServerError(
                f"Voila stopped during start-up (exit code {process.returncode}); "
                "see its messages above"
            )
        try:
            with socket.create_connection((HOST, port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.2)
    raise WorkshopServerError(f"Voila did not answer on port {port} within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop Voila politely (it shuts its kernels down), then for good."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _raise_interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops the workshop like Ctrl-C: Voila and its kernels go with it."""
    raise KeyboardInterrupt


def workshop_command(
    port: Annotated[int, typer.Option("--port", "-p", help="Port on 127.0.0.1.")] = 8866,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open a browser.")
    ] = False,
    scenarios: Annotated[
        Path | None,
        typer.Option(
            "--scenarios", help="Folder of starting scenario files (default: scenarios/)."
        ),
    ] = None,
    start: Annotated[
        str, typer.Option("--start", help="Starting file in that folder.")
    ] = DEFAULT_START,
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=1, help="Replications per setup.")
    ] = DEFAULT_REPLICATIONS,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0, help="Root seed.")] = DEFAULT_SEED,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, help="Worker processes per run.")
    ] = DEFAULT_WORKERS,
    measurement_days: Annotated[
        float,
        typer.Option(
            "--measurement-days",
            min=0,
            help="Measured days of new leads (less than the file's = faster; 0, the default: as in the file).",
        ),
    ] = DEFAULT_MEASUREMENT_DAYS or 0.0,
    cache_dir: Annotated[
        Path | None,
        typer.Option("--cache-dir", help="Result cache folder (default: .leadsim-cache/)."),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not use the result cache.")
    ] = False,
    look_ahead: Annotated[
        bool | None,
        typer.Option(
            "--look-ahead/--no-look-ahead",
            help="While the page is idle, simulate the setups one control away at the lowest CPU "
            "priority, so their Run reads the cache (needs the result cache). Default: on, "
            "off with --lan (each participant's page would run its own).",
            show_default=False,
        ),
    ] = None,
    idle_timeout: Annotated[
        int,
        typer.Option(
            "--idle-timeout", min=1, help="Seconds before the kernel of an unopened page stops."
        ),
    ] = IDLE_TIMEOUT_SECONDS,
    max_kernels: Annotated[
        int, typer.Option("--max-kernels", min=1, help="Pages open at the same time.")
    ] = MAX_KERNELS,
    lan: Annotated[
        bool,
        typer.Option(
            "--lan",
            help="Listen on the network behind a generated access token (printed with a QR code).",
        ),
    ] = False,
) -> None:
    """Serve the interactive what-if page (Voila) on 127.0.0.1 and print its address."""
    if importlib.util.find_spec("voila") is None or importlib.util.find_spec("ipywidgets") is None:
        raise WorkshopServerError(
            "the workshop needs voila and ipywidgets: pip install voila ipywidgets"
        )
    if not NOTEBOOK.is_file():
        raise WorkshopServerError(f"workshop notebook not found: {NOTEBOOK}")
    folder = scenarios or (
        Path("scenarios") if Path("scenarios").is_dir() else scenarios_dir()
    )
    if not folder.is_dir():
        raise WorkshopServerError(f"scenario folder not found: {folder} (use --scenarios DIR)")
    if not (folder / start).is_file():
        raise WorkshopServerError(f"starting file not found: {folder / start} (use --start FILE)")
    config = WorkshopConfig(
        scenarios_dir=folder.resolve(),
        start=start,
        run=RunSettings(
            replications=replications,
            seed=seed,
            workers=workers,
            measurement_days=None if measurement_days == 0 else measurement_days,
            cache_dir=None if no_cache else (cache_dir or default_cache_dir()).resolve(),
        ),
        look_ahead=not lan if look_ahead is None else look_ahead,
    )
    token = secrets.token_urlsafe(16) if lan else None
    check_port(port, HOST if token is None else LAN_HOST)
    environment = voila_environment(config)
    process = subprocess.Popen(
        voila_command(port, idle_timeout=idle_timeout, max_kernels=max_kernels, lan_token=token),
        env=environment,
    )
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        wait_until_listening(process, port, READY_TIMEOUT_SECONDS)
        query = "" if token is None else f"?token={token}"
        url = f"http://{HOST}:{port}/{query}"
        if token is not None:
            typer.echo(lan_invitation(f"http://{lan_address()}:{port}/{query}"))
        typer.echo(f"Workshop page: {url}  (Ctrl-C stops it)", err=False)
        sys.stdout.flush()
        if not no_browser:
            webbrowser.open(url)
        process.wait()
    except KeyboardInterrupt:
        typer.echo("stopping the workshop server…", err=True)
    finally:
        stop(process)
        signal.signal(signal.SIGTERM, previous)
    if process.returncode not in (0, -signal.SIGTERM, -signal.SIGINT, None):
        raise WorkshopServerError(f"Voila ended with exit code {process.returncode}")


def register(app: typer.Typer) -> None:
    """Add ``workshop`` to the ``leadsim`` command."""
    app.command("workshop")(workshop_command)
