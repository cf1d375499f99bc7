"""Where replications run: in this process, on local worker processes or on a Dask cluster.

All three runners take the same picklable tasks (one replication of one scenario, with its seed)
and return the same records, so results are identical whatever the runner and worker count; a
runner only decides where the work happens and in which order it finishes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Protocol

from sim.errors import ExperimentError
from sim.experiment.cache import (
    ReplicationRecord,
    code_fingerprint,
)
from sim.metrics import replication_kpis
from sim.model.lifecycle import simulate
from sim.scenario.schema import Scenario

logger = logging.getLogger(__name__)


SCHEDULER_CONNECT_TIMEOUT = 10.0
"""Seconds to try reaching a Dask scheduler (and to wait for its first worker)."""
PROCESS_START_METHOD: str | None = None
"""Start method of local worker processes; None: ``fork`` on Linux, ``spawn`` elsewhere."""
_PARENT_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class ReplicationTask:
    """One unit of work: replication ``replication`` of scenario ``name`` (picklable)."""

    name: str
    scenario: Scenario
    seed: int
    replication: int
    tables: bool = True
    """Whether the worker sends the lead and weekly tables back (only the KPIs and run facts if not)."""



# ------------------------------------------------------------------ worker side


def run_replication(task: ReplicationTask) -> ReplicationRecord:
    """Simulate one replication and compute its KPI row (the function sent to worker processes)."""
    result = simulate(task.scenario, task.seed, task.replication)
    kpis = replication_kpis(result.leads, result.run, task.scenario, task.name)
    record = ReplicationRecord(kpis=kpis, leads=result.leads, weekly=result.weekly, run=dict(result.run))
    return record if task.tables else record.without_tables()


def worker_fingerprint() -> str:
    """The code fingerprint as seen by a (possibly remote) worker."""
    return code_fingerprint()



# ------------------------------------------------------------------- executors


class _Runner(Protocol):
    """Runs replication tasks somewhere and yields them as they finish."""

    slots: int

    def map(self, tasks: Sequence[ReplicationTask]) -> Iterator[tuple[ReplicationTask, ReplicationRecord]]:
        """Yield ``(task, record)`` in completion order."""
        ...

    def close(self, cancel: bool = False) -> None:
        """Release workers; ``cancel`` drops queued work."""
        ...


def _failed(task: ReplicationTask, error: BaseException) -> ExperimentError:
    return ExperimentError(
        f"replication {task.replication} of scenario {task.name!r} failed: "
        f"{type(error).__name__}: {error}"
    )


class _SerialRunner:
    """Replications one after another in this process (``workers=1``)."""

    slots = 1

    def map(self, tasks: Sequence[ReplicationTask]) -> Iterator[tuple[ReplicationTask, ReplicationRecord]]:
        for task in tasks:
            try:
                record = run_replication(task)
            except Exception as error:
                raise _failed(task, error) from error
            yield task, record

    def close(self, cancel: bool = False) -> None:
        return None


def _process_context() -> multiprocessing.context.BaseContext:
    """How to start worker processes: ``fork`` on Linux (fast, and scripts need no
    ``if __name__ == "__main__"`` guard), ``spawn`` elsewhere; ``PROCESS_START_METHOD`` overrides."""
    method = PROCESS_START_METHOD
    if method is None:
        method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


def _exit_at_once() -> None:
    os._exit(1)


def watch_parent(parent_pid: int, end: Callable[[], None] = _exit_at_once) -> None:
    """Call ``end`` (default: exit at once) when ``parent_pid`` is no longer this process's parent.

    A daemon thread checks once a second, so a process killed with SIGKILL leaves no orphan
    working on (replication workers, the workshop's look-ahead).
    """

    def watch() -> None:
        while True:
            time.sleep(_PARENT_POLL_SECONDS)
            if os.getppid() != parent_pid:
                end()

    threading.Thread(target=watch, daemon=True).start()


def _init_worker(parent_pid: int) -> None:
    """Worker set-up: Ctrl-C is the parent's to handle; never outlive the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(parent_pid)


class _PoolRunner:
    """Replications on local worker processes."""

    def __init__(self, workers: int) -> None:
        self.slots = workers
        self.executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=_process_context(),
            initializer=_init_worker, initargs=(os.getpid(),),
        )

    def map(self, tasks: Sequence[ReplicationTask]) -> Iterator[tuple[ReplicationTask, ReplicationRecord]]:
        futures = {self.executor.submit(run_replication, task): task for task in tasks}
        for future in as_completed(futures):
            # Popped, so a finished future (and the tables it holds) is not kept until the last
            # one: the caller keeps what it needs, and memory stays flat over long runs.
            task = futures.pop(future)
            try:
                record = future.result()
            except BrokenProcessPool as error:
                raise ExperimentError(
                    f"a worker process died while running scenario {task.name!r} "
                    "(out of memory? killed?); try --workers 1"
                ) from error
            except Exception as error:
                raise _failed(task, error) from error
            yield task, record

    def close(self, cancel: bool = False) -> None:
        if cancel:
            # shutdown() cancels only queued work: the replications already running (and the
            # ones already handed to a worker) would finish first, and an interrupted command
            # would wait for them before exiting.
            for process in list((getattr(self.executor, "_processes", None) or {}).values()):
                process.terminate()
        self.executor.shutdown(wait=not cancel, cancel_futures=True)


SCHEDULER_SCHEMES = ("tcp", "tls", "inproc", "ucx")
"""Address schemes of a Dask scheduler; anything else is refused before connecting."""


def check_scheduler_address(address: str) -> None:
    """Refuse a scheduler address that is not ``scheme://host[:port]`` with a Dask scheme."""
    scheme, separator, rest = address.partition("://")
    if not separator or scheme.lower() not in SCHEDULER_SCHEMES or not rest.strip() or any(
        char.isspace() or not char.isprintable() for char in address
    ):
        shown = address if len(address) <= 80 else address[:79] + "…"
        raise ExperimentError(
            f"--scheduler {shown!r} is not a Dask scheduler address; use "
            f"{', '.join(f'{name}://' for name in SCHEDULER_SCHEMES)} followed by host:port, "
            "e.g. tcp://10.0.0.5:8786"
        )


class _DaskRunner:
    """Replications on an existing Dask distributed cluster."""

    def __init__(self, address: str) -> None:
        from dask.distributed import Client

        check_scheduler_address(address)
        try:
            self.client = Client(address, timeout=SCHEDULER_CONNECT_TIMEOUT, set_as_default=False)
        except Exception as error:
            raise ExperimentError(
                f"cannot reach the Dask scheduler at {address!r} "
                f"({type(error).__name__}: {error}); is it running?"
            ) from error
        try:
            self._check_workers(address)
        except BaseException:
            self.client.close()
            raise
        self.slots = max(1, sum(self.client.nthreads().values()))

    def _check_workers(self, address: str) -> None:
        """Fail early when the cluster has no workers or runs a different leadsim."""
        try:
            self.client.wait_for_workers(1, timeout=SCHEDULER_CONNECT_TIMEOUT)
            fingerprints = self.client.run(worker_fingerprint)
        except Exception as error:
            raise ExperimentError(
                f"the Dask cluster at {address!r} has no usable worker "
                f"({type(error).__name__}: {error}); workers need leadsim installed"
            ) from error
        local = code_fingerprint()
        different = sorted(worker for worker, print_ in fingerprints.items() if print_ != local)
        if different:
            raise ExperimentError(
                f"Dask workers {', '.join(different)} run different leadsim code than this "
                f"machine ({local}); install the same version on every worker"
            )

    def map(self, tasks: Sequence[ReplicationTask]) -> Iterator[tuple[ReplicationTask, ReplicationRecord]]:
        from dask.distributed import as_completed as dask_as_completed

        futures = self.client.map(run_replication, list(tasks), pure=False)
        by_key = {future.key: task for future, task in zip(futures, tasks, strict=True)}
        try:
            for future in dask_as_completed(futures, loop=self.client.loop):
                task = by_key[future.key]
                try:
                    record = future.result()
                except Exception as error:
                    raise _failed(task, error) from error
                future.release()  # the cluster may forget the result: it is here now
                yield task, record
        except BaseException:
            self.client.cancel(futures)
            raise

    def close(self, cancel: bool = False) -> None:
        self.client.close()


def _open_runner(workers: int, scheduler: str | None, pending: int) -> _Runner:
    if scheduler:
        return _DaskRunner(scheduler)
    if workers == 1 or pending <= 1:
        return _SerialRunner()
    return _PoolRunner(min(workers, pending))
