"""A call's term-frequency rows are exactly the lookup's rows for the values it holds."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxmatch.matching.term_frequencies import _Sorted

# Few letters, so that values share prefixes and runs; accents, so that order is UTF-8's, not ASCII's.
TEXT = st.text(alphabet="abé ", max_size=4)


@pytest.mark.parametrize("step", [1, 2, 3, 64])
@given(st.lists(TEXT, unique=True, max_size=40), st.integers(0, 2), st.lists(TEXT, max_size=12))
def test_rows_are_the_lookup_s_rows_for_the_values_sought(
    step: int, values: list[str], nulls: int, wanted: list[str]
) -> None:
    column: list[str | None] = [*values, *[None] * nulls]
    frequencies = [float(i) for i in range(len(column))]
    table = pa.table({"surname_std": pa.array(column, pa.string()), "tf_surname_std": frequencies})
    lookup = _Sorted(table, "surname_std", step)
    expected = table.filter(pc.is_in(table["surname_std"], pa.array(wanted, pa.string())))
    assert lookup.rows(wanted).to_pylist() == expected.sort_by("surname_std").to_pylist()
