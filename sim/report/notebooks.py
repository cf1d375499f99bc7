"""Running a report notebook with papermill: find it, pass plain parameters, report a failing cell.

papermill only warns about unknown parameters and turns a failing cell into a long traceback;
here a notebook's parameters are read from its tagged cell, values are made JSON-plain, and a
failure becomes one line naming the cell and the error, without terminal colours.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.errors import LeadsimError, ReportError
from sim.experiment.progress import (
    PROGRESS_VARIABLE,
    entries_written_since,
    note_cache_use,
    note_cached,
)
from sim.report.scenarios import PROJECT_ROOT

NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
NOTEBOOKS = ("compare", "scenario", "sensitivity")
REPORT_REPLICATIONS = {"compare": 30, "scenario": 30, "sensitivity": 10}
"""Replications per scenario of a report unless it is told otherwise; for a comparison run by
precision (``leadsim report``'s default) the most it may add. A sensitivity report runs every
variant at this count, so it stays at 10."""
DEFAULT_REPORT_REPLICATIONS = 10
"""Replications of a report whose notebook is not one of ``NOTEBOOKS``."""
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
"""The kernel's own log stays quiet: jupyter_client interrupts every kernel before shutting it
down, which ipykernel logs as ``[IPKernelApp] ERROR | KeyboardInterrupt`` (and it warns about
its local TCP transport) – false alarms in a cron log. A failing cell is still reported, as the
cell's error in the notebook and as a ReportError here."""
CELL_BAR = {"bar_format": "{desc}: cell {n_fmt} of {total_fmt} [{elapsed} elapsed]"}
"""papermill's bar over the notebook's cells, without its time left: that extrapolates from the
cells so far, and one cell can hold an hour of replications (their own bar says how long)."""


def notebook_path(notebook: str | os.PathLike[str]) -> Path:
    """The notebook file for a name in ``notebooks/`` (compare, scenario, sensitivity) or a path."""
    candidate = Path(notebook)
    if candidate.suffix == ".ipynb":
        if candidate.is_file():
            return Path(os.path.abspath(candidate))
        raise ReportError(f"notebook not found: {notebook}")
    path = NOTEBOOK_DIR / f"{notebook}.ipynb"
    if not path.is_file():
        raise ReportError(
            f"unknown notebook {str(notebook)!r}: choose one of {', '.join(NOTEBOOKS)} "
            "or give a path to an .ipynb file"
        )
    return path


def report_replications(notebook: Path) -> int:
    """Replications per scenario a report of ``notebook`` runs unless told otherwise."""
    if notebook.parent == NOTEBOOK_DIR:
        return REPORT_REPLICATIONS.get(notebook.stem, DEFAULT_REPORT_REPLICATIONS)
    return DEFAULT_REPORT_REPLICATIONS


def plain(value: Any) -> Any:
    """A JSON-plain copy of a parameter value (papermill passes other types as strings)."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def _strip_ansi(value: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", value)


def _execution_error(error: Exception, notebook: str) -> ReportError:
    """The failing cell's error in one readable line (no traceback, no terminal colours)."""
    ename = getattr(error, "ename", type(error).__name__)
    evalue = _strip_ansi(str(getattr(error, "evalue", error))).strip()
    lines = [
        line.strip()
        for line in str(getattr(error, "source", "") or "").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    where = "a cell"
    if lines:
        first = lines[0] if len(lines[0]) <= 60 else lines[0][:57] + "..."
        where = f"the cell starting `{first}`"
    return ReportError(f"notebook {notebook} failed in {where}: {ename}: {evalue}")


def notebook_parameters(source: Path) -> list[str]:
    """The names in the notebook's ``parameters`` cell."""
    import papermill

    try:
        return list(papermill.inspect_notebook(str(source)))
    except Exception as error:  # noqa: BLE001 - any unreadable notebook is a report error
        raise ReportError(f"cannot read notebook {source}: {error}") from None


@contextmanager
def _kernel_progress(progress: bool) -> Iterator[None]:
    """Let the kernel draw replication progress on this process's terminal (see sim.experiment)."""
    before = os.environ.get(PROGRESS_VARIABLE)
    if progress:
        os.environ[PROGRESS_VARIABLE] = "1"  # the kernel inherits this process's environment
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PROGRESS_VARIABLE, None)
        else:
            os.environ[PROGRESS_VARIABLE] = before


def _after_interrupt(cache_dir: str | None, started_ns: int) -> None:
    """After an interrupt: count the cache entries the kernel wrote, and keep asyncio quiet.

    The kernel is another process, so what it cached is counted on disk (entries written since the
    notebook started). nbclient's cell task, abandoned by the interrupt, ends with the kernel's
    KeyboardInterrupt; asyncio would log it with two tracebacks when the task is collected.
    """
    logging.getLogger("asyncio").setLevel(logging.CRITICAL + 1)
    if cache_dir is not None:
        note_cached(cache_dir, entries_written_since(cache_dir, started_ns))


def execute_notebook(
    source: Path,
    target: Path,
    params: Mapping[str, Any],
    name: str,
    start_timeout: int = 300,
    progress: bool = False,
) -> None:
    """Run ``source`` with ``params`` into ``target`` (in its folder); a failure is one line.

    With ``progress``, papermill's cell bar and the experiments' replication bars (each with
    the time left) go to standard error. Standard-error output of the cells (those bars,
    warnings) is kept out of the saved notebook: it is terminal chatter, not report content.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    cache_dir = params.get("cache_dir")
    note_cache_use(cache_dir)
    started_ns = time.time_ns()
    try:
        with _kernel_progress(progress):
            papermill.execute_notebook(
                str(source),
                str(target),
                parameters=dict(params),
                kernel_name="python3",
                start_timeout=start_timeout,
                progress_bar=dict(CELL_BAR) if progress else False,
                log_output=False,
                cwd=str(target.parent),
                extra_arguments=list(KERNEL_ARGUMENTS),
            )
    except KeyboardInterrupt:
        _after_interrupt(cache_dir, started_ns)
        raise
    except PapermillExecutionError as error:
        if getattr(error, "ename", "") == "KeyboardInterrupt":  # Ctrl-C reached the kernel first
            _after_interrupt(cache_dir, started_ns)
            raise KeyboardInterrupt from None
        raise _execution_error(error, name) from None
    except LeadsimError:
        raise
    except Exception as error:  # noqa: BLE001 - kernel start-up, missing kernelspec, …
        raise ReportError(
            f"notebook {name} could not run: {type(error).__name__}: {error}"
        ) from None
    executed = nbformat.read(str(target), as_version=4)
    for cell in executed.cells:
        if cell.get("outputs"):
            cell.outputs = [
                output
                for output in cell.outputs
                if not (output.get("output_type") == "stream" and output.get("name") == "stderr")
            ]
    nbformat.write(executed, str(target))
