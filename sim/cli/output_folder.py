"""The output folder of a command: claimed before any work, written atomically, removed on failure.

A folder that already holds results is never written into (``--force`` replaces it as a whole),
two runs never mix their files, and every file goes through a temporary name first, so a failed
or killed run leaves no half-written file behind.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import ExperimentError
from sim.outputs import OutputError, claim_folder, release_claim, replace_folder, write_atomically

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_OUT_ROOT = Path("out")


def choose_out_dir(out: Path | None, command: str, force: bool) -> Path:
    """The output folder to claim: ``out``, or a fresh timestamped one under ``out/``."""
    if out is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        candidate, suffix = DEFAULT_OUT_ROOT / f"{command}-{stamp}", 2
        while candidate.exists():
            candidate, suffix = DEFAULT_OUT_ROOT / f"{command}-{stamp}-{suffix}", suffix + 1
        return candidate
    if out.exists() and not out.is_dir():
        raise ExperimentError(f"--out {out} is a file, not a folder")
    return out


def _claim(out: Path | None, command: str) -> Path:
    """Claim ``out`` (or a fresh default folder) exclusively, before any simulation."""
    if out is not None:
        return claim_folder(out)
    for _ in range(100):  # another run may take the same timestamped name between check and claim
        try:
            return claim_folder(choose_out_dir(None, command, False))
        except OutputError:
            continue
    raise ExperimentError(f"cannot find a free output folder under {DEFAULT_OUT_ROOT}")


@contextmanager
def open_output(out: Path | None, command: str, force: bool) -> Iterator[OutputFolder]:
    """Claim the output folder at the start; on failure remove what this run wrote.

    Without ``--force`` the folder is created exclusively (a second run into it fails at once);
    with ``--force`` the run writes into a fresh sibling that replaces the old folder as a whole.
    """
    if out is not None and force:
        with replace_folder(out) as fresh:
            yield OutputFolder(fresh, shown=out)
        return
    existed = out is not None and out.is_dir()
    path = _claim(out, command)
    try:
        yield OutputFolder(path)
    except BaseException:
        # The folder holds only this run's files (it was empty when claimed): restore it.
        if existed:
            for entry in list(path.iterdir()):
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        else:
            shutil.rmtree(path, ignore_errors=True)
        raise
    release_claim(path)


class OutputFolder:
    """Writes result files into one claimed folder, each through a temporary file and a rename."""

    def __init__(self, path: Path, shown: Path | None = None) -> None:
        self.path = path
        self.shown = shown or path
        self.written: list[str] = []

    def write_bytes(self, name: str, data: bytes) -> None:
        """Write one file (``name`` may contain a sub-folder)."""
        target = self.path / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(target, data)
        except OSError as error:
            shown = self.shown / name
            raise ExperimentError(f"cannot write {shown}: {error.strerror or error}") from error
        self.written.append(name)

    def write_text(self, name: str, text: str) -> None:
        """Write a UTF-8 text file."""
        self.write_bytes(name, text.encode("utf-8"))

    def write_csv(self, name: str, table: pd.DataFrame) -> None:
        """Write a table as CSV without the index, formula-like text quoted (see sim.cell_safety)."""
        from sim.cell_safety import safe_frame

        self.write_text(name, safe_frame(table).to_csv(index=False))

    def write_parquet(self, name: str, table: pd.DataFrame) -> None:
        """Write a table as Parquet."""
        buffer = io.BytesIO()
        table.to_parquet(buffer, index=False)
        self.write_bytes(name, buffer.getvalue())
