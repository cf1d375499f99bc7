"""Back-test: the bundled org setups give exactly the stored lead, weekly and KPI tables.

A refactoring must leave every number unchanged; a model change that alters results on purpose
regenerates the files with ``make_reference.py`` and says so in its commit and the changelog.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_reference import SCENARIOS, SEEDS, reference_tables

DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_tables_equal_the_stored_reference(scenario: str, seed: int) -> None:
    for table, frame in reference_tables(scenario, seed).items():
        expected = pd.read_parquet(DATA / f"{scenario}_seed{seed}_{table}.parquet")
        pd.testing.assert_frame_equal(
            frame.reset_index(drop=True), expected.reset_index(drop=True), check_exact=True,
            obj=f"{scenario} seed {seed} {table}",
        )
