"""How many page kernels the workshop server keeps: one per open page, a cap, and a friendly no.

Voila starts a Python kernel for every request of the page. A closed tab tells Voila to shut its
kernel down; a request that never opens the page (a crawler, a hidden frame, a closed laptop) is
culled by the server after an idle timeout (``leadsim workshop`` sets
``MappingKernelManager.cull_idle_timeout``). The cap here keeps a burst of such requests from
filling the facilitator's memory before the culler runs: beyond it the page says why it cannot
open instead of starting yet another kernel.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.web import HTTPError
from traitlets import Integer

DEFAULT_MAX_KERNELS = 12
"""About 250 MB each: a room of a dozen laptops fits on a facilitator's notebook."""


class WorkshopKernelManager(AsyncMappingKernelManager):  # type: ignore[misc]
    """Voila's kernel manager with a cap on the number of kernels running at once."""

    max_kernels = Integer(
        DEFAULT_MAX_KERNELS, config=True, help="Most page kernels running at the same time."
    )

    _starting = 0
    """Kernels being started right now (requests arrive together: count them before they run)."""

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
