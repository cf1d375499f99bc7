"""The workshop's Voila server: Voila with unknown template paths answered 404 instead of 500.

``leadsim workshop`` runs ``python -m sim.workshop.server`` with Voila's own options. Voila's
template file handler fails with an internal error on a path that is not
``<template>/static/<file>`` (``/voila/templates/..``); a handler registered in front of it,
through Voila's ``init_handlers`` hook, answers such paths with a plain 404.
"""

from __future__ import annotations

from typing import Any

import tornado.web
from jupyter_server.utils import url_path_join
from voila.app import Voila


class NotFoundHandler(tornado.web.RequestHandler):
    """404 for every method: the path names nothing the workshop serves."""

    def prepare(self) -> None:
        """Answer before any handler logic runs."""
        raise tornado.web.HTTPError(404)


class WorkshopVoila(Voila):  # type: ignore[misc]
    """Voila, with template paths other than ``<template>/static/<file>`` not found."""

    def init_handlers(self) -> list[Any]:
        """Voila's handlers behind one that turns malformed template paths into 404."""
        pattern = url_path_join(self.server_url, r"/voila/templates/(?![^/]+/static/[^/]).*")
        return [(pattern, NotFoundHandler), *super().init_handlers()]


main = WorkshopVoila.launch_instance

if __name__ == "__main__":
    main()
