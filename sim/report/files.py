"""Report files that colleagues and a web server can read: modes from the umask, atomic writes.

Temporary folders and files are created private (0700/0600) by ``tempfile``; a finished report
gets the modes the analyst's umask asks for (022 → 0755 folders, 0644 files), as if it had been
written directly. (``sim.outputs`` will be the one home of atomic writes; this module is the
report's stop-gap until then.)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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


def write_text_atomic(target: Path, text: str) -> Path:
    """Write ``text`` to ``target`` through a temporary file renamed into place."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        honour_umask(Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
