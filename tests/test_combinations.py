"""The distinct combinations of columns, found a column at a time, are the rows np.unique would give,
in its order: for small whole numbers (levels), for numbers too far apart for one key (which are
ranked first), for floats (NaN one value, -0.0 the same as 0.0) and for booleans."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from taxmatch import combinations

WHOLE = st.integers(-3, 9)
FAR = st.sampled_from([0, 1, 2**40, -(2**40), 2**62, -(2**62)])
FLOAT = st.sampled_from([0.0, -0.0, 1.5, -2.25, 1e16, math.nan, math.inf])
KINDS = {"whole": (WHOLE, np.int64), "far": (FAR, np.int64), "float": (FLOAT, np.float64)}


def _key(value: object) -> tuple[int, object]:
    """Python's order of a value, NaN after every number and equal to every NaN."""
    return (1, 0.0) if isinstance(value, float) and math.isnan(value) else (0, value)


@st.composite
def tables(draw: st.DrawFn) -> list[np.ndarray]:
    rows = draw(st.integers(0, 40))
    kinds = draw(st.lists(st.sampled_from([*KINDS, "bool"]), min_size=1, max_size=7))
    columns = []
    for kind in kinds:
        if kind == "bool":
            columns.append(np.array(draw(st.lists(st.booleans(), min_size=rows, max_size=rows)), bool))
        else:
            values, dtype = KINDS[kind]
            columns.append(np.array(draw(st.lists(values, min_size=rows, max_size=rows)), dtype))
    return columns


@settings(max_examples=300, deadline=None)
@given(tables())
def test_the_distinct_rows_in_order_each_first_where_it_first_appears(columns: list[np.ndarray]) -> None:
    rows = [tuple(_key(c[i].item()) for c in columns) for i in range(len(columns[0]))]
    combos = sorted(set(rows))
    first, inverse = combinations.distinct(columns)
    assert [rows[i] for i in first.tolist()] == combos
    assert first.tolist() == [rows.index(c) for c in combos]
    assert inverse.tolist() == [combos.index(r) for r in rows]


def test_many_wide_columns_rank_the_key_rather_than_overflow_it() -> None:
    rows = 1_000
    columns = [np.arange(rows, dtype=np.int64) * (2**40) * (-1) ** k for k in range(6)]
    columns.append(np.arange(rows) % 7)
    first, inverse = combinations.distinct(columns)
    assert first.tolist() == inverse.tolist() == list(range(rows))  # every row its own, in column 0's order
