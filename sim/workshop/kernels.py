"""How many page kernels the workshop server keeps: one per open page, a cap, and a friendly no.

Voila starts a Python kernel for every request of the page. A page that was open and went away
frees its kernel within seconds: when the kernel's last websocket closes and no page reconnects
within ``disconnect_grace`` seconds, the kernel is shut down. This does not rely on the browser's
``beforeunload`` beacon (Voila's own "close → shutdown" request), which a browser may skip or
the server may refuse. A request that never opens the page (a crawler, a hidden frame) has no
websocket; the server culls its kernel after an idle timeout (``leadsim workshop`` sets
``MappingKernelManager.cull_idle_timeout``). The cap here keeps a burst of such requests from
filling the facilitator's memory before the culler runs: beyond it the page says why it cannot
open instead of starting yet another kernel.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import IOLoop
from tornado.web import HTTPError
from traitlets import Float, Integer, TraitError

DEFAULT_MAX_KERNELS = 12
"""About 250 MB each: a room of a dozen laptops fits on a facilitator's notebook."""

DEFAULT_DISCONNECT_GRACE_SECONDS = 5.0
"""Long enough for the page's own reconnect after a short network blip (its first tries come
within about 1 and 3 s), short enough that a room reloading its pages never meets the cap."""


class WorkshopKernelManager(AsyncMappingKernelManager):  # type: ignore[misc]
    """Voila's kernel manager: a cap on the kernels running at once, and closed pages freed."""

    max_kernels = Integer(
        DEFAULT_MAX_KERNELS, config=True, help="Most page kernels running at the same time."
    )

    disconnect_grace = Float(
        DEFAULT_DISCONNECT_GRACE_SECONDS,
        config=True,
        help="Seconds a kernel whose last page connection closed waits for a reconnect.",
    )

    _starting = 0
    """Kernels being started right now (requests arrive together: count them before they run)."""

    _pending_shutdowns: dict[str, object] | None = None
    """Kernel id → the timer that shuts it down unless its page reconnects first."""

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        """Start a kernel for a new page, unless the cap is reached (then HTTP 503 with a reason)."""
        running = len(self.list_kernel_ids()) + self._starting
        if running >= self.max_kernels:
            raise HTTPError(
                503,
                reason=(
                    f"The workshop page is open {running} times already (the limit is "
                    f"{self.max_kernels}). Close a tab you no longer use, or wait a few "
                    "minutes, then reload."
                ),
            )
        self._starting += 1
        try:
            kernel_id: str = await super().start_kernel(*args, **kwargs)
        finally:
            self._starting -= 1
        return kernel_id

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Cull an idle kernel; one still starting (no activity recorded yet) is not idle."""
        try:
            getattr(self.get_kernel(kernel_id), "last_activity")  # noqa: B009 - unset while the kernel starts
        except (KeyError, TraitError):
            # jupyter-server's culler would log a traceback for it (its last_activity is None).
            return
        await super().cull_kernel_if_idle(kernel_id)

    def notify_connect(self, kernel_id: str) -> None:
        """Count a page's connection; a reconnect within the grace keeps its kernel."""
        super().notify_connect(kernel_id)
        self._cancel_shutdown(kernel_id)

    def notify_disconnect(self, kernel_id: str) -> None:
        """Count a closed connection; the last one closed starts the grace before the shutdown."""
        super().notify_disconnect(kernel_id)
        if self._connections(kernel_id) != 0:
            return
        self._cancel_shutdown(kernel_id)
        if self._pending_shutdowns is None:
            self._pending_shutdowns = {}
        self._pending_shutdowns[kernel_id] = IOLoop.current().call_later(
            self.disconnect_grace, self._shut_down_if_still_closed, kernel_id
        )

    def _connections(self, kernel_id: str) -> int | None:
        """Open websockets of the kernel, or None when it no longer runs."""
        if kernel_id not in self:
            return None
        return int(self.kernel_model(kernel_id)["connections"])

    def _cancel_shutdown(self, kernel_id: str) -> None:
        """Forget a pending shutdown (the page came back, or a newer close restarts the grace)."""
        if self._pending_shutdowns is not None and kernel_id in self._pending_shutdowns:
            IOLoop.current().remove_timeout(self._pending_shutdowns.pop(kernel_id))

    def _shut_down_if_still_closed(self, kernel_id: str) -> None:
        """The grace is over: shut the kernel down unless a page connected to it meanwhile."""
        if self._pending_shutdowns is not None:
            self._pending_shutdowns.pop(kernel_id, None)
        if self._connections(kernel_id) != 0:
            return
        self.log.info(
            "Kernel %s: its page closed %g s ago, shutting it down",
            kernel_id,
            self.disconnect_grace,
        )
        IOLoop.current().spawn_callback(self._shut_down_quietly, kernel_id)

    async def _shut_down_quietly(self, kernel_id: str) -> None:
        """Shut a kernel down; one that another request is already shutting down is left to it."""
        try:
            await self.shutdown_kernel(kernel_id)
        except (KeyError, HTTPError):
            self.log.debug("Kernel %s was already shut down", kernel_id)
