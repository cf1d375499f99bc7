"""Opening a file whose path came from outside: regular files only, and never more than a limit.

A path a user types, a pattern matches or a shared folder holds can name a FIFO (opening it
waits for a writer that never comes), a device such as ``/dev/zero`` (reading it never ends) or a
file far larger than anything leadsim expects. Every reader of such a path opens it through
:func:`open_regular`: the type is checked before the open, the open never blocks (``O_NONBLOCK``),
and the type and size are checked again on the open handle, so a file swapped in between is
caught too.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path


class NotRegularFileError(ValueError):
    """The path names a directory, FIFO, device, socket or (when not followed) a symbolic link."""


class FileTooLargeError(ValueError):
    """The file is larger than the caller's limit."""

    def __init__(self, message: str, size: int, limit: int) -> None:
        super().__init__(message)
        self.size = size
        self.limit = limit


def kind_of(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words for a message ('a FIFO (named pipe)')."""
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _check(mode: int, size: int, max_bytes: int) -> None:
    if not stat.S_ISREG(mode):
        raise NotRegularFileError(f"{kind_of(mode)}, not a regular file")
    if size > max_bytes:
        raise FileTooLargeError(f"{size:,} bytes, more than the limit of {max_bytes:,} bytes", size, max_bytes)


def open_regular(path: str | os.PathLike[str], max_bytes: int, *, follow_symlinks: bool = False) -> io.BufferedReader:
    """Open ``path`` for binary reading if it is a regular file of at most ``max_bytes``.

    Raises NotRegularFileError or FileTooLargeError (both ValueError), or OSError from the system.
    ``follow_symlinks=False`` also refuses a symbolic link (for folders others can write into).
    """
    info = os.stat(path) if follow_symlinks else os.lstat(path)
    _check(info.st_mode, info.st_size, max_bytes)
    # O_NONBLOCK: a FIFO swapped in after the check must not block the open; fstat re-checks.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow_symlinks else getattr(os, "O_NOFOLLOW", 0))
    handle = os.open(path, flags)
    try:
        info = os.fstat(handle)
        _check(info.st_mode, info.st_size, max_bytes)
        return os.fdopen(handle, "rb")
    except BaseException:
        os.close(handle)
        raise


def read_regular(path: str | os.PathLike[str], max_bytes: int, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (read bounded, in case it grew meanwhile)."""
    with open_regular(Path(path), max_bytes, follow_symlinks=follow_symlinks) as stream:
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileTooLargeError(f"more than the limit of {max_bytes:,} bytes", len(data), max_bytes)
    return data
