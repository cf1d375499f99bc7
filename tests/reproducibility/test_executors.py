"""Same seed, same tables: serially, on a local process pool and on a Dask cluster."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from sim.experiment.runner import ExperimentResult, run_experiment
from sim.scenario.schema import Scenario

REPLICATIONS = 4
SEED = 17


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    """A local Dask cluster of two single-threaded worker processes."""
    from dask import distributed
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def assert_same_tables(left: ExperimentResult, right: ExperimentResult) -> None:
    pd.testing.assert_frame_equal(left.kpis, right.kpis)
    pd.testing.assert_frame_equal(left.leads, right.leads)
    pd.testing.assert_frame_equal(left.weekly, right.weekly)


def test_serial_pool_and_dask_give_identical_tables(
    small_pair: list[Scenario], dask_scheduler: str
) -> None:
    common = {"replications": REPLICATIONS, "seed": SEED, "cache_dir": None}
    serial = run_experiment(small_pair, workers=1, **common)
    pool = run_experiment(small_pair, workers=2, **common)
    dask = run_experiment(small_pair, scheduler=dask_scheduler, **common)
    assert len(serial.kpis) == 2 * REPLICATIONS
    assert_same_tables(serial, pool)
    assert_same_tables(serial, dask)


def test_dask_results_fill_the_local_cache(
    small_pair: list[Scenario], dask_scheduler: str, tmp_path
) -> None:
    first = run_experiment(
        small_pair, replications=2, seed=SEED, scheduler=dask_scheduler, cache_dir=tmp_path
    )
    again = run_experiment(small_pair, replications=2, seed=SEED, workers=1, cache_dir=tmp_path)
    assert (first.cache.misses, again.cache.hits, again.cache.misses) == (4, 4, 0)
    assert_same_tables(first, again)


def test_dask_workers_with_other_code_are_refused(
    small: Scenario, dask_scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.errors import ExperimentError
    from sim.experiment import executors

    monkeypatch.setattr(executors, "code_fingerprint", lambda: "0.0.0+elsewhere")
    with pytest.raises(ExperimentError, match="run different leadsim code"):
        run_experiment([small], replications=1, scheduler=dask_scheduler, cache_dir=None)


def test_the_process_pool_keeps_no_finished_result_once_handed_over(small_pair: list[Scenario]) -> None:
    import gc
    import weakref

    from sim.experiment.executors import ReplicationTask, _PoolRunner

    tasks = [ReplicationTask("small", small_pair[0], SEED, replication) for replication in range(4)]
    runner = _PoolRunner(2)
    try:
        results = runner.map(tasks)
        handed_over = [weakref.ref(next(results)[1].leads) for _ in tasks]  # the caller keeps nothing
        gc.collect()
        # The generator is still open (suspended after its last result): it may hold that one only.
        assert sum(ref() is not None for ref in handed_over[:-1]) == 0
    finally:
        runner.close()
