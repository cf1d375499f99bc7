"""Claims: which process writes into a folder, so no two runs mix files and a killed run's are cleaned up.

A claim is a small JSON file naming the writing process (pid, host, boot, start time). A folder
whose claim names a process that is gone – a run killed with ``kill -9`` – may be taken over and
its unfinished files removed; a live run's folder never is. :mod:`sim.outputs` claims folders
with these.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import time
import uuid
from collections.abc import Mapping
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from sim.atomic import durable_temporary, write_new_file
from sim.errors import OutputError
from sim.files import read_regular

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
    part = durable_temporary(folder, _CLAIM_PART, data)
    try:
        os.replace(part, claim)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise
    return True


def _own_entries(path: Path) -> list[Path]:
    """Entries of ``path`` that count as content (claims being written do not)."""
    return [entry for entry in path.iterdir() if not entry.name.startswith(_CLAIM_PART)]


def claim_empty(path: Path) -> bool:
    """Claim an existing empty folder with an exclusively created lock file (False if not empty)."""
    try:
        if _own_entries(path):
            return False
        if not _write_claim(path):
            return False
    except OSError as error:
        raise OutputError(f"cannot claim output folder {path}: {error.strerror or error}") from None
    if any(entry.name != CLAIM_FILE for entry in _own_entries(path)):
        (path / CLAIM_FILE).unlink(missing_ok=True)
        return False
    return True


def take_over(path: Path) -> bool:
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
        raise OutputError(f"cannot take over output folder {path}: {error.strerror or error}") from None
    finally:
        aside.unlink(missing_ok=True)
    return taken


def taken_message(path: Path) -> str:
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
