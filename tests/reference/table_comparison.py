"""Compare result tables as a stored reference: floats to a relative tolerance, the rest exactly.

numpy's vectorised ``exp`` and ``log`` may round the last bit differently on another processor,
so a table computed there differs from the stored one by an ulp or two while every lead, outcome
and count is the same. A model change moves floats by far more than ``FLOAT_RTOL``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Far above the rounding of a few chained float operations (≈ 1e-15) and far below anything a
# change to the model produces (a different draw moves values by whole per cent).
FLOAT_RTOL = 1e-12
# Only so that an exact zero compared with a one-ulp neighbour (5e-324) counts as equal.
FLOAT_ATOL = 1e-300


def assert_tables_match(actual: pd.DataFrame, expected: pd.DataFrame, obj: str) -> None:
    """Fail unless both tables have the same columns, dtypes and rows, floats within FLOAT_RTOL."""
    actual = actual.reset_index(drop=True)
    expected = expected.reset_index(drop=True)
    assert list(actual.columns) == list(expected.columns), f"{obj}: columns differ"
    assert len(actual) == len(expected), f"{obj}: {len(actual)} rows, expected {len(expected)}"
    for column in expected.columns:
        got, want = actual[column], expected[column]
        assert got.dtype == want.dtype, f"{obj} {column}: dtype {got.dtype}, expected {want.dtype}"
        if pd.api.types.is_float_dtype(want.dtype):
            got_values = got.to_numpy(dtype=float, na_value=np.nan)
            want_values = want.to_numpy(dtype=float, na_value=np.nan)
            close = np.isclose(got_values, want_values, rtol=FLOAT_RTOL, atol=FLOAT_ATOL,
                               equal_nan=True)
            if not close.all():
                rows = np.flatnonzero(~close)
                raise AssertionError(
                    f"{obj} {column}: {rows.size} values differ by more than a relative "
                    f"{FLOAT_RTOL:g}, first at row {rows[0]}: {got_values[rows[0]]!r} vs "
                    f"{want_values[rows[0]]!r}")
        else:
            pd.testing.assert_series_equal(got, want, check_exact=True, obj=f"{obj} {column}")
