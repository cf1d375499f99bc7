"""Where results land: claiming a fresh output folder, atomic writes, the manifest and file names.

An analyst's results are evidence: a run must never mix its files with another run's, never
leave a half-written file, and never let a name typed by a user (a scenario name, a title)
become a path outside the folder it belongs in. This module is the one home for those rules;
every command writes through it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sim.errors import OutputError

__all__ = [
    "DEFAULT_CACHE_DIR",
    "OutputError",
    "check_can_create",
    "check_target_file",
    "check_writable_folder",
    "claim_dated_folder",
    "claim_folder",
    "current_umask",
    "git_revision",
    "honour_umask",
    "release_claim",
    "replace_folder",
    "slug",
    "write_atomically",
    "write_file",
    "write_manifest",
]

DEFAULT_CACHE_DIR = Path(".leadsim-cache")
"""The result cache folder, in the working directory (never inside the installed package)."""
_TEMP_PREFIX = ".tmp-"
_SLUG_LIMIT = 80
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)), *(f"lpt{n}" for n in range(1, 10))}
)


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back at once)."""
    current = os.umask(0)
    os.umask(current)
    return current


def slug(
    text: str,
    fallback: str = "unnamed",
    limit: int = _SLUG_LIMIT,
    separator: str = "_",
    lower: bool = False,
    reserved_suffix: str = "file",
) -> str:
    """User text as one safe file-name part, Unicode kept: ``Évolution 2027`` → ``Évolution_2027``.

    Letters and digits of any script stay (NFC, so a macOS-decomposed "é" is one letter); every
    run of anything else – separators, dots, ``:*?"<>|``, control characters, spaces – becomes
    one ``separator``; no leading dot, no Windows device name (``con`` → ``con_file``), at most
    ``limit`` bytes (file systems count bytes). The one slug of the project: output folders,
    report folders, saved workshop setups and scenario copies all use it.
    """
    normal = unicodedata.normalize("NFC", str(text))
    if lower:
        normal = normal.lower()
    cleaned = re.sub(r"[^\w-]+|_+", separator, normal)  # \w: letters and digits of any script
    cleaned = re.sub(f"(?:{re.escape(separator)}){{2,}}", separator, cleaned).strip("._- ")
    try:
        os.fsencode(cleaned)
    except UnicodeEncodeError:  # a file system whose encoding cannot hold it: keep the ASCII letters
        cleaned = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode("ascii")
    cleaned = cleaned.encode("utf-8")[:limit].decode("utf-8", errors="ignore").strip("._- ")
    if cleaned.split(".")[0].lower() in _WINDOWS_RESERVED:
        cleaned = f"{cleaned}{separator}{reserved_suffix}"
    return cleaned or fallback


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
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=_TEMP_PREFIX, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp creates 0o600; a result file should be as readable as any other file the user makes.
        os.chmod(temporary, 0o666 & ~current_umask())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_writable_folder(folder: str | os.PathLike[str], what: str = "output folder") -> None:
    """Fail before any work if files cannot be created in ``folder`` (an existing folder)."""
    path = Path(folder)
    if not path.is_dir():
        raise OutputError(f"{what} {path} is not a folder")
    try:
        handle, probe = tempfile.mkstemp(dir=path, prefix=_TEMP_PREFIX, suffix=".probe")
    except OSError as error:
        raise OutputError(f"cannot write into {what} {path}: {_reason(error)}") from None
    os.close(handle)
    Path(probe).unlink(missing_ok=True)
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write into {what} {path}: permission denied")


def check_can_create(folder: str | os.PathLike[str], what: str = "output folder") -> None:
    """Fail before any work if ``folder`` cannot be created or written (nearest existing ancestor checked)."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{what} {path} is a file, not a folder")
    existing = path
    while not existing.exists():
        if existing.is_symlink():
            raise OutputError(f"{what} {path}: {existing} is a dangling symbolic link")
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"cannot create {what} {path}: {existing} is a file, not a folder")
    check_writable_folder(existing, what if existing == path else "folder")


def check_target_file(path: str | os.PathLike[str], what: str = "output file") -> None:
    """Fail before any work if a file cannot be written at ``path`` (its folder must exist)."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{what} {target} is a folder; give a file name, e.g. {target / 'ASSUMPTIONS.md'}")
    if target.exists() and not target.is_file():
        raise OutputError(f"{what} {target} is a special file (device, FIFO or socket), not a regular file")
    parent = target.parent
    if not parent.is_dir():
        shown = "is a file, not a folder" if parent.exists() else "does not exist"
        raise OutputError(f"cannot write {what} {target}: the folder {parent} {shown}")
    check_writable_folder(parent, "folder")


def write_file(path: str | os.PathLike[str], data: bytes, what: str = "output file") -> None:
    """Check and write one user-named file atomically; any failure is an :class:`OutputError`."""
    check_target_file(path, what)
    try:
        write_atomically(path, data)
    except OSError as error:
        raise OutputError(f"cannot write {what} {path}: {_reason(error)}") from None


def _make_parent(folder: Path) -> None:
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"cannot create {folder}: {folder.parent} is a file, not a folder") from None
    except OSError as error:
        raise OutputError(f"cannot create {folder}: {_reason(error)}") from None
    check_writable_folder(folder.parent, "folder")


def claim_folder(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` exclusively, so no other run can write into it; exit 2 if it exists."""
    path = Path(folder)
    _make_parent(path)
    try:
        path.mkdir()  # atomic: of two runs racing for the same folder exactly one succeeds
    except FileExistsError:
        if path.is_dir() and not path.is_symlink() and _claim_empty(path):
            return path
        kind = "folder" if path.is_dir() else "file"
        raise OutputError(
            f"output {kind} {path} already exists and is not empty; choose another --out or "
            "pass --force (which replaces the folder as a whole)"
        ) from None
    except OSError as error:
        raise OutputError(f"cannot create output folder {path}: {_reason(error)}") from None
    # The new folder is empty until results arrive: mark it at once, so that another run does
    # not take it for an empty folder it may claim.
    if not _claim_empty(path):
        raise OutputError(f"output folder {path} was claimed by another run at the same moment")
    return path


def claim_dated_folder(out_root: Path, name: str, now: datetime) -> Path:
    """Create the empty folder ``YYYY-MM-DD_HHMMSS_<slug>`` (``-2``, ``-3`` … when taken).

    ``mkdir`` is atomic, so two runs in the same second never get the same folder.
    """
    stamp = now.strftime("%Y-%m-%d_%H%M%S")
    base, suffix = f"{stamp}_{name}", 1
    while True:
        folder = out_root / (base if suffix == 1 else f"{base}-{suffix}")
        try:
            folder.mkdir()
        except FileExistsError:
            suffix += 1
            continue
        return folder


CLAIM_FILE = ".leadsim-claim"
"""Lock file that claims an existing empty folder; removed by :func:`release_claim`."""


def _claim_empty(path: Path) -> bool:
    """Claim an existing empty folder with an exclusively created lock file (False if not empty)."""
    try:
        if any(path.iterdir()):
            return False
        handle = os.open(path / CLAIM_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    except OSError as error:
        raise OutputError(f"cannot claim output folder {path}: {_reason(error)}") from None
    os.close(handle)
    if any(entry.name != CLAIM_FILE for entry in path.iterdir()):
        (path / CLAIM_FILE).unlink(missing_ok=True)
        return False
    return True


def release_claim(folder: str | os.PathLike[str]) -> None:
    """Remove the lock file of a claimed folder once its results are complete."""
    (Path(folder) / CLAIM_FILE).unlink(missing_ok=True)


@contextmanager
def replace_folder(folder: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh sibling of ``folder`` to write into; on success it replaces ``folder`` as a whole.

    The old folder stays untouched until the new one is complete, and no file of the old folder
    survives next to the new results. On failure the fresh sibling is removed.
    """
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise OutputError(f"--out {path} is a file, not a folder")
    _make_parent(path)
    fresh = path.parent / f".{path.name}.new-{uuid.uuid4().hex[:8]}"
    try:
        fresh.mkdir()
    except OSError as error:
        raise OutputError(f"cannot create a folder next to {path}: {_reason(error)}") from None
    try:
        yield fresh
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
    try:
        if path.exists():
            os.rename(path, old)
        os.rename(fresh, path)
    except OSError as error:
        if old.exists() and not path.exists():
            os.rename(old, path)
        shutil.rmtree(fresh, ignore_errors=True)
        raise OutputError(f"cannot replace {path}: {_reason(error)}") from None
    shutil.rmtree(old, ignore_errors=True)


def git_revision(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Commit and dirty flag of the git work tree containing ``folder``, if any."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=5, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    revision = git("rev-parse", "HEAD")
    if revision is None:
        return None
    status = git("status", "--porcelain")
    return {"revision": revision, "dirty": bool(status) if status is not None else None}


def write_manifest(folder: str | os.PathLike[str], document: Mapping[str, Any], name: str = "manifest.json") -> None:
    """Write the manifest (pretty JSON, UTF-8) atomically; it is written last, after every result."""
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_atomically(Path(folder) / name, text.encode("utf-8"))
