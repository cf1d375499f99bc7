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
import socket
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sim.errors import OutputError
from sim.files import read_regular

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
    temporary = _durable_temporary(target.parent, _TEMP_PREFIX, data)
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
    prefix: str = _TEMP_PREFIX,
) -> bool:
    """Write ``data`` to ``path`` whole, only if no file has that name yet; False when one has.

    A synced temporary file in the same folder (first passed to ``check``, which may raise) is
    hard-linked to the name: link(2) fails instead of replacing, and the file appears with its
    content. A file system without hard links gets the file created exclusively, then filled in.
    """
    target = Path(path)
    temporary = _durable_temporary(target.parent, prefix, data)
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


def _durable_temporary(folder: Path, prefix: str, data: bytes) -> str:
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
        if _claim_empty(path) or _take_over(path):
            return path
        raise OutputError(_taken_message(path)) from None
    except OSError as error:
        raise OutputError(f"cannot create output folder {path}: {_reason(error)}") from None
    # The new folder is empty until results arrive: mark it at once, so that another run does
    # not take it for an empty folder it may claim.
    if not _claim_empty(path):  # a run that found it empty claimed it first: say which run
        raise OutputError(_taken_message(path))
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
"""Lock file naming the process that writes into a folder; removed by :func:`release_claim`."""
MANIFEST_FILE = "manifest.json"
"""Written last: a folder that holds it holds complete results."""
_CLAIM_PART = ".leadsim-claim-"
"""Prefix of a claim being written (it appears under :data:`CLAIM_FILE` only when complete)."""
_CLAIM_SET_ASIDE = ".leadsim-claim.stale-"
"""Prefix of a stale claim moved aside while it is taken over."""
_CLAIM_LIMIT = 4096
UNOWNED_AGE_SECONDS = 24 * 3600
"""A half-written folder without a readable owner is left alone until it is this old."""


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """State and start time (clock ticks after boot) of ``pid`` from /proc; None off Linux or when hidden."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()  # the command name in parentheses may hold spaces
    return (fields[0], fields[19]) if len(fields) > 19 else None


def _boot_id() -> str | None:
    """This boot's id (Linux): a claim from before a reboot names a process that is gone."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def owner_record() -> dict[str, Any]:
    """Who writes: pid, host, boot and process start time (a reused pid is told apart), a random token."""
    stat = _proc_stat(os.getpid())
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "boot": _boot_id(),
        "started": stat[1] if stat else None,
        "token": uuid.uuid4().hex,
        "since": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(sys.argv)[:200],
    }


def owner_alive(owner: Mapping[str, Any]) -> bool:
    """Whether the process named by a claim may still run (True whenever that cannot be told)."""
    pid = owner.get("pid")
    if owner.get("host") != socket.gethostname() or not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return True  # another machine's process (a shared drive) cannot be looked at from here
    boot = _boot_id()
    if boot is not None and owner.get("boot") not in (None, boot):
        return False  # the machine was restarted since: every process of that boot is gone
    stat = _proc_stat(pid)
    if stat is not None:
        state, started = stat
        if state in ("Z", "X"):
            return False  # killed, only not yet reaped by its parent
        # A different start time: the pid was reused by an unrelated process.
        return owner.get("started") in (None, started)
    try:
        os.kill(pid, 0)  # no /proc (or hidden): the pid's existence is all that can be known
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, but belongs to another user
    return True


def _read_claim(path: Path) -> tuple[bytes, dict[str, Any]] | None:
    """The raw bytes and owner of a claim file; None when missing, not a regular file or unreadable."""
    try:
        raw = read_regular(path, _CLAIM_LIMIT, follow_symlinks=False)
    except (OSError, ValueError):  # missing, not a regular file, too large or unreadable
        return None
    try:
        owner = json.loads(raw.decode("utf-8"))
    except ValueError:
        return None
    return (raw, owner) if isinstance(owner, dict) else None


def _write_claim(folder: Path, replace: bool = False) -> bool:
    """Put this process's claim into ``folder`` whole, never half-written; False if one exists (unless ``replace``)."""
    data = json.dumps(owner_record(), indent=1).encode("utf-8")
    claim = folder / CLAIM_FILE
    if not replace:
        return write_new_file(claim, data, prefix=_CLAIM_PART)
    part = _durable_temporary(folder, _CLAIM_PART, data)
    try:
        os.replace(part, claim)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise
    return True


def _own_entries(path: Path) -> list[Path]:
    """Entries of ``path`` that count as content (claims being written do not)."""
    return [entry for entry in path.iterdir() if not entry.name.startswith(_CLAIM_PART)]


def _claim_empty(path: Path) -> bool:
    """Claim an existing empty folder with an exclusively created lock file (False if not empty)."""
    try:
        if _own_entries(path):
            return False
        if not _write_claim(path):
            return False
    except OSError as error:
        raise OutputError(f"cannot claim output folder {path}: {_reason(error)}") from None
    if any(entry.name != CLAIM_FILE for entry in _own_entries(path)):
        (path / CLAIM_FILE).unlink(missing_ok=True)
        return False
    return True


def _take_over(path: Path) -> bool:
    """Claim a folder whose claim names a process that is gone; remove that run's unfinished files.

    The stale claim is first moved aside under a unique name (``rename`` is atomic: of two runs
    taking over, one moves it and the other finds none), so exactly one run proceeds. A folder
    holding a manifest has complete results: its stale claim is dropped and it is not taken.
    """
    claim = path / CLAIM_FILE
    found = _read_claim(claim)
    if found is None or owner_alive(found[1]):
        return False
    aside = path / f"{_CLAIM_SET_ASIDE}{uuid.uuid4().hex[:12]}"
    try:
        os.rename(claim, aside)
    except OSError:
        return False  # another run took it over first
    moved = _read_claim(aside)
    if moved is None or moved[0] != found[0]:
        # Between reading and moving, another run took the folder over: give its claim back.
        with suppress(OSError):
            os.link(aside, claim)
        aside.unlink(missing_ok=True)
        return False
    try:
        if (path / MANIFEST_FILE).exists():
            aside.unlink()  # the dead run finished its results; only its claim was left
            return False
        for entry in path.iterdir():
            if entry != aside:
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        taken = _write_claim(path)
    except OSError as error:
        raise OutputError(f"cannot take over output folder {path}: {_reason(error)}") from None
    finally:
        aside.unlink(missing_ok=True)
    return taken


def _taken_message(path: Path) -> str:
    """Why ``path`` cannot be claimed: a live run writes into it, or it holds results."""
    found = _read_claim(path / CLAIM_FILE)
    if found is not None:
        owner = found[1]
        return (
            f"output folder {path} already exists and another leadsim run is writing into it "
            f"(pid {owner.get('pid')} on {owner.get('host')}, since {owner.get('since')}); wait for it to "
            "finish or choose another --out"
        )
    if (path / CLAIM_FILE).exists():
        return (
            f"output folder {path} already exists and holds a claim {CLAIM_FILE} that names no owner "
            "(left by an older leadsim); if no run is writing into it, delete that file to resume "
            "the run, or choose another --out"
        )
    return (
        f"output folder {path} already exists and is not empty; choose another --out or "
        "pass --force (which replaces the folder as a whole)"
    )


def release_claim(folder: str | os.PathLike[str]) -> None:
    """Remove the lock file of a claimed folder once its results are complete."""
    (Path(folder) / CLAIM_FILE).unlink(missing_ok=True)


def mark_owner(folder: str | os.PathLike[str]) -> None:
    """Record this process as the writer of a fresh temporary ``folder``, so a later run can tell it is abandoned."""
    _write_claim(Path(folder), replace=True)


def _abandoned(folder: Path) -> bool:
    """A half-written folder whose owner is gone (or, without a readable owner, untouched for a day)."""
    found = _read_claim(folder / CLAIM_FILE)
    if found is not None:
        return not owner_alive(found[1])
    try:
        newest = max([folder.lstat().st_mtime, *(entry.lstat().st_mtime for entry in folder.iterdir())])
    except OSError:
        return False
    # No owner: a run between creating the folder and recording itself, or an older leadsim.
    return time.time() - newest > UNOWNED_AGE_SECONDS


def remove_abandoned(parent: str | os.PathLike[str], prefix: str) -> list[Path]:
    """Remove the ``prefix*`` temporary folders in ``parent`` that a killed run left behind."""
    removed: list[Path] = []
    try:
        entries = [entry for entry in Path(parent).iterdir() if entry.name.startswith(prefix)]
    except OSError:
        return removed
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink() and _abandoned(entry):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


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
