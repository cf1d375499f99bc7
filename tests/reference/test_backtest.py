"""Back-test: the bundled org setups give the stored lead, weekly and KPI tables.

A refactoring must leave every number unchanged; a model change that alters results on purpose
regenerates the files with ``make_reference.py`` and says so in its commit and the changelog.
"Unchanged" means every count, flag and label exactly and every float to a relative 1e-12: the
last bit of ``exp``/``log`` differs between processors, a model change moves far more.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_reference import SCENARIOS, SEEDS, reference_tables
from table_comparison import assert_tables_match

DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_tables_equal_the_stored_reference(scenario: str, seed: int) -> None:
    for table, frame in reference_tables(scenario, seed).items():
        expected = pd.read_parquet(DATA / f"{scenario}_seed{seed}_{table}.parquet")
        assert_tables_match(frame, expected, obj=f"{scenario} seed {seed} {table}")


def _float_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c].dtype)]


def _perturbed(frame: pd.DataFrame, change: str) -> pd.DataFrame:
    """Every float of the table moved by one ulp up, or by a relative 1e-9."""
    changed = frame.copy()
    for column in _float_columns(frame):
        values = frame[column].to_numpy(dtype=float, na_value=np.nan)
        if change == "ulp":
            moved = np.nextafter(values, np.inf)
        else:
            moved = values * (1 + 1e-9)
        changed[column] = pd.Series(moved, index=frame.index).astype(frame[column].dtype)
    return changed


@pytest.mark.parametrize("table", ["leads", "weekly", "kpis"])
def test_one_ulp_on_every_float_still_matches(table: str) -> None:
    stored = pd.read_parquet(DATA / f"customer_happiness_team_seed1_{table}.parquet")
    perturbed = _perturbed(stored, "ulp")
    assert not perturbed.equals(stored)
    assert_tables_match(perturbed, stored, obj=table)


@pytest.mark.parametrize("table", ["leads", "weekly", "kpis"])
def test_a_relative_change_of_1e9_fails(table: str) -> None:
    stored = pd.read_parquet(DATA / f"customer_happiness_team_seed1_{table}.parquet")
    with pytest.raises(AssertionError, match="differ by more than"):
        assert_tables_match(_perturbed(stored, "1e-9"), stored, obj=table)


def test_a_changed_count_or_label_fails() -> None:
    stored = pd.read_parquet(DATA / "customer_happiness_team_seed1_leads.parquet")
    for column, value in (("contact_attempts", 99), ("outcome", "won"), ("reached", False)):
        changed = stored.copy()
        row = int(np.flatnonzero(changed[column].to_numpy() != value)[0])
        changed.loc[row, column] = value
        with pytest.raises(AssertionError):
            assert_tables_match(changed, stored, obj=column)
