"""Where results land: claiming a fresh output folder, atomic writes, the manifest and file names.

An analyst's results are evidence: a run must never mix its files with another run's, never
leave a half-written file, and never let a name typed by a user (a scenario name, a title)
become a path outside the folder it belongs in. This module is the one home for those rules;
every command writes through it. Two concerns it builds on have modules of their own, and their
names are imported from here: :mod:`sim.atomic` (a file whole or not at all) and
:mod:`sim.claims` (which process writes into a folder).
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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sim.atomic import (
    TEMP_PREFIX,
    current_umask,
    honour_umask,
    write_atomically,
    write_new_file,
    write_text,
)
from sim.claims import (
    CLAIM_FILE,
    MANIFEST_FILE,
    claim_empty,
    mark_owner,
    owner_alive,
    owner_record,
    release_claim,
    remove_abandoned,
    take_over,
    taken_message,
)
from sim.errors import OutputError

__all__ = [
    "CLAIM_FILE",
    "DEFAULT_CACHE_DIR",
    "MANIFEST_FILE",
    "OutputError",
    "Staging",
    "check_can_create",
    "check_target_file",
    "check_writable_folder",
    "claim_dated_folder",
    "claim_folder",
    "current_umask",
    "git_revision",
    "honour_umask",
    "mark_owner",
    "owner_alive",
    "owner_record",
    "release_claim",
    "remove_abandoned",
    "replace_folder",
    "slug",
    "staged_folder",
    "write_atomically",
    "write_file",
    "write_manifest",
    "write_new_file",
    "write_text",
]

DEFAULT_CACHE_DIR = Path(".leadsim-cache")
"""The result cache folder, in the working directory (never inside the installed package)."""
_SLUG_LIMIT = 80
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)), *(f"lpt{n}" for n in range(1, 10))}
)


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


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


def check_writable_folder(folder: str | os.PathLike[str], what: str = "output folder") -> None:
    """Fail before any work if files cannot be created in ``folder`` (an existing folder)."""
    path = Path(folder)
    if not path.is_dir():
        raise OutputError(f"{what} {path} is not a folder")
    try:
        handle, probe = tempfile.mkstemp(dir=path, prefix=TEMP_PREFIX, suffix=".probe")
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
    """Create ``folder`` exclusively, so no other run can write into it; exit 2 if it is taken.

    An existing empty folder is claimed with a lock file; a folder whose claim was left by a
    process that is gone (a run killed with ``kill -9``) is taken over, so the same command
    resumes it.
    """
    path = Path(folder)
    _make_parent(path)
    try:
        path.mkdir()  # atomic: of two runs racing for the same folder exactly one succeeds
    except FileExistsError:
        if path.is_symlink():
            raise OutputError(
                f"--out {path} is a symbolic link; give the folder it points to, choose another --out, "
                "or pass --force (which replaces the link, not its target, by a new folder)"
            ) from None
        if not path.is_dir():
            raise OutputError(
                f"--out {path} is a file, not a folder; choose a folder for --out "
                "(--force replaces an existing folder only, never a file)"
            ) from None
        if claim_empty(path) or take_over(path):
            return path
        raise OutputError(taken_message(path)) from None
    except OSError as error:
        raise OutputError(f"cannot create output folder {path}: {_reason(error)}") from None
    # The new folder is empty until results arrive: mark it at once, so that another run does
    # not take it for an empty folder it may claim.
    if not claim_empty(path):  # a run that found it empty claimed it first: say which run
        raise OutputError(taken_message(path))
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


@contextmanager
def replace_folder(folder: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh sibling of ``folder`` to write into; on success it replaces ``folder`` as a whole.

    The old folder stays untouched until the new one is complete, and no file of the old folder
    survives next to the new results. On failure the fresh sibling is removed; a fresh sibling
    left by a killed run is removed by the next ``--force`` into the same folder.
    """
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise OutputError(
            f"--out {path} is a file, not a folder; choose a folder for --out "
            "(--force replaces an existing folder only, never a file)"
        )
    _make_parent(path)
    prefix = f".{path.name}.new-"
    remove_abandoned(path.parent, prefix)
    fresh = path.parent / f"{prefix}{uuid.uuid4().hex[:8]}"
    try:
        fresh.mkdir()
        mark_owner(fresh)
    except OSError as error:
        shutil.rmtree(fresh, ignore_errors=True)
        raise OutputError(f"cannot create a folder next to {path}: {_reason(error)}") from None
    try:
        yield fresh
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    release_claim(fresh)
    old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
    try:
        if os.path.lexists(path):
            os.rename(path, old)
        os.rename(fresh, path)
    except OSError as error:
        if os.path.lexists(old) and not os.path.lexists(path):
            os.rename(old, path)
        shutil.rmtree(fresh, ignore_errors=True)
        raise OutputError(f"cannot replace {path}: {_reason(error)}") from None
    if old.is_symlink():
        old.unlink()  # --out was a link: the link goes, the folder it pointed to stays as it was
    else:
        shutil.rmtree(old, ignore_errors=True)


@dataclass
class Staging:
    """A results folder being written under a temporary name, and the dated name it will take."""

    path: Path
    root: Path
    final: Path | None = None

    def claim_name(self, name: str, now: datetime) -> Path:
        """Reserve the empty ``root/YYYY-MM-DD_HHMMSS_<name>`` that the finished folder will replace."""
        release_claim(self.path)  # the owner record is no part of the results
        self.final = claim_dated_folder(self.root, name, now)
        return self.final


@contextmanager
def staged_folder(root: str | os.PathLike[str], prefix: str) -> Iterator[Staging]:
    """Yield a fresh folder in ``root`` to write into; on success it is renamed to its claimed dated name.

    Results are complete or absent: a failure removes the fresh folder and the still empty dated
    one, and a fresh folder left by a killed process is removed by the next call with ``prefix``.
    """
    parent = Path(root)
    if not parent.is_dir():
        parent.mkdir(parents=True)
        honour_umask(parent)
    remove_abandoned(parent, prefix)
    staging = Staging(Path(tempfile.mkdtemp(prefix=prefix, dir=parent)), parent)
    try:
        mark_owner(staging.path)  # lets a later call tell this folder from an abandoned one
        yield staging
        if staging.final is None:
            raise OutputError(f"{staging.path} was finished without a claimed name")
        honour_umask(staging.path)  # mkdtemp made it private; results are for colleagues too
        # The claimed folder is still empty: rename(2) swaps it for the finished one at once.
        os.replace(staging.path, staging.final)
    except BaseException:
        shutil.rmtree(staging.path, ignore_errors=True)
        final = staging.final
        if final is not None and final.is_dir() and not any(final.iterdir()):
            final.rmdir()
        raise


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


def write_manifest(folder: str | os.PathLike[str], document: Mapping[str, Any], name: str = MANIFEST_FILE) -> None:
    """Write the manifest (pretty JSON, UTF-8) atomically; it is written last, after every result."""
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_atomically(Path(folder) / name, text.encode("utf-8"))
