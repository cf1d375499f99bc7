"""Writing a file whole or not at all: a synced temporary file in the same folder, then a rename or a link.

A reader never sees half a file, a crash leaves at most a temporary ``*.part`` file, and a
result file gets the modes a plain create would give (the umask honoured). :mod:`sim.outputs`
is the face every command writes through; these are its primitives.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

TEMP_PREFIX = ".tmp-"
"""Prefix of a file or folder being written (never a result's name)."""


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back at once)."""
    current = os.umask(0)
    os.umask(current)
    return current



def honour_umask(path: Path) -> None:
    """Give ``path`` (and everything under a folder) the modes a plain create would have had."""
    mask = current_umask()
    folder_mode, file_mode = 0o777 & ~mask, 0o666 & ~mask
    if path.is_dir():
        for root, _folders, files in os.walk(path):  # every folder is a root once
            os.chmod(root, folder_mode)
            for name in files:
                os.chmod(os.path.join(root, name), file_mode)
    else:
        os.chmod(path, file_mode)


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename (mode 0o666 & ~umask)."""
    target = Path(path)
    temporary = durable_temporary(target.parent, TEMP_PREFIX, data)
    try:
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; the path, for chaining."""
    write_atomically(path, text.encode("utf-8"))
    return Path(path)


def write_new_file(
    path: str | os.PathLike[str],
    data: bytes,
    check: Callable[[Path], None] | None = None,
    prefix: str = TEMP_PREFIX,
) -> bool:
    """Write ``data`` to ``path`` whole, only if no file has that name yet; False when one has.

    A synced temporary file in the same folder (first passed to ``check``, which may raise) is
    hard-linked to the name: link(2) fails instead of replacing, and the file appears with its
    content. A file system without hard links gets the file created exclusively, then filled in.
    """
    target = Path(path)
    temporary = durable_temporary(target.parent, prefix, data)
    try:
        if check is not None:
            check(Path(temporary))
        try:
            os.link(temporary, target)
        except FileExistsError:
            return False
        except OSError:
            try:
                exclusive = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                return False
            with os.fdopen(exclusive, "wb") as stream:
                stream.write(data)
        return True
    finally:
        Path(temporary).unlink(missing_ok=True)


def durable_temporary(folder: Path, prefix: str, data: bytes) -> str:
    """``data`` synced to a new temporary file in ``folder`` (mode 0o666 & ~umask); its path."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp creates 0o600; a result file should be as readable as any other file the user makes.
        os.chmod(temporary, 0o666 & ~current_umask())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary
