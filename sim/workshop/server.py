"""The workshop's Voila server: Voila with safer answers, quieter logs and freed kernels.

``leadsim workshop`` runs ``python -m sim.workshop.server`` with Voila's own options. On top of
Voila, through its ``init_handlers`` hook and tornado's public hooks:

- template file paths that are not ``<template>/static/<file>`` once decoded
  (``/voila/templates/..``, ``/voila/templates/lab/static/..%2f..``) answer a plain 404; Voila's
  own handler fails on them with an internal error and a traceback in the log;
- the page sets the ``_xsrf`` cookie that Voila's "tab closed → shut the kernel down" beacon
  sends back; without it the server refuses the beacon (403) and the kernel stays;
- every response carries ``Referrer-Policy: no-referrer``, so the address with the ``--lan``
  token never travels in a ``Referer`` header;
- the access token never reaches the log: tornado and jupyter-server write request URLs, with
  their query, into the log for every failed request.
"""

from __future__ import annotations

import logging
import posixpath
import re
import sys
from typing import Any

import tornado.web
from tornado.httputil import HTTPHeaders
from voila.app import Voila
from voila.static_file_handler import TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler

TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
"""A template's folder name: no separator, no ``..``, nothing that leaves the template folders."""
TOKEN_PARAMETER = re.compile(r"(token(?:=|%3D))[^&\s'\"#;,)]+", re.IGNORECASE)
"""``token=<value>`` in a URL (also URL-encoded, as in a login redirect's ``next=``)."""
REDACTED = "[secret]"


def is_template_file(path: str) -> bool:
    """Whether a decoded template path names a file under ``<template>/static/`` and nothing else."""
    parts = path.split("/", 2)
    if len(parts) != 3 or parts[1] != "static" or not TEMPLATE_NAME.fullmatch(parts[0]):
        return False
    inner = parts[2]
    if not inner or "\\" in inner or "\0" in inner or inner.startswith("/"):
        return False
    normal = posixpath.normpath(inner)
    return normal not in (".", "..") and not normal.startswith("../")


class TemplateFileHandler(TemplateStaticFileHandler):  # type: ignore[misc]
    """Voila's template file handler, with paths it cannot serve answered 404 before it runs."""

    def prepare(self) -> None:
        """404 for a path that is not a file under ``<template>/static/`` (tornado decoded it)."""
        if not self.path_args or not is_template_file(self.path_args[0] or ""):
            raise tornado.web.HTTPError(404)


class PageHandler(TornadoVoilaHandler):  # type: ignore[misc]
    """Voila's page, which also sets the ``_xsrf`` cookie its close beacon must send back."""

    async def get(self, path: str | None = None) -> None:
        """Set the cookie before the page streams out (headers go with the first chunk)."""
        self.xsrf_token  # noqa: B018 - reading the token sets the cookie
        await super().get(path=path)


class NoReferrer(tornado.web.OutputTransform):
    """``Referrer-Policy: no-referrer`` on every response: pages, files, errors, redirects."""

    def transform_first_chunk(
        self, status_code: int, headers: HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, HTTPHeaders, bytes]:
        """Add the header; the response is otherwise unchanged."""
        headers["Referrer-Policy"] = "no-referrer"
        return status_code, headers, chunk


class SecretFilter(logging.Filter):
    """Replaces the access token, and any ``token=`` value, in log records before they are written."""

    def __init__(self, token: str | None) -> None:
        """Remember the server's own token (``None`` or empty: only ``token=`` values)."""
        super().__init__()
        self.token = token or None

    def redact(self, text: str) -> str:
        """The text with every secret replaced."""
        if self.token:
            text = text.replace(self.token, REDACTED)
        return TOKEN_PARAMETER.sub(rf"\g<1>{REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message (and traceback text) in place; never drop a record."""
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record: the handler reports it as it would
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def hide_secrets_in_logs(token: str | None) -> SecretFilter:
    """Put a :class:`SecretFilter` on every log handler of this process.

    tornado's loggers have no handler of their own: their warnings (every failed request, with
    its URL) reach Python's last-resort handler. A root handler like it (warnings and up, the
    bare message) takes its place, so that it can carry the filter too.
    """
    secret_filter = SecretFilter(token)
    root = logging.getLogger()
    if not root.handlers:
        fallback = logging.StreamHandler(sys.stderr)
        fallback.setLevel(logging.WARNING)
        root.addHandler(fallback)
    loggers = [root, *logging.root.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            handler.addFilter(secret_filter)
    return secret_filter


class WorkshopVoila(Voila):  # type: ignore[misc]
    """Voila with the workshop's handlers, response header and log filter (see the module)."""

    def init_handlers(self) -> list[Any]:
        """Voila's handlers, with its template file handler and page handler replaced."""
        replaced: dict[type, type] = {
            TemplateStaticFileHandler: TemplateFileHandler,
            TornadoVoilaHandler: PageHandler,
        }
        handlers = []
        for pattern, handler, *options in super().init_handlers():
            handlers.append((pattern, replaced.get(handler, handler), *options))
        return handlers

    def listen(self) -> None:
        """Add the response header and the log filter, then listen as Voila does."""
        self.app.add_transform(NoReferrer)
        hide_secrets_in_logs(self.token)
        super().listen()


main = WorkshopVoila.launch_instance

if __name__ == "__main__":
    main()
