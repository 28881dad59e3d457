"""The gate a column at a time gives every row the reasons the gate gives it alone."""

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from taxmatch import agreement
from taxmatch.agreement import Agreement
from taxmatch.interchange import REQUEST_COLUMNS
from taxmatch.rules import gate, gate_table
from tests.conftest import NOT_ADDRESSES, SIGNED, TODAY, request_row

# For each column, values that pass and values that fail it, and a few that fail others' checks
# (a control character, a field too long), so that rows combine failures the way hostile batches do.
_TRICKY = ["", "  ", "x\x01y", "A" * 300, "Ω"]
_VALUES: dict[str, list[str]] = {
    "statute": ["8 U.S.C. 1253(a)(1)", "8 USC 1253(A)(1)", "26 U.S.C. 7201"],
    "taxable_periods": ["2023;2024", "2024", "1999", "20x4", ";", "2023; 2031"],
    "reason": ["Final order of removal."],
    "case_number": ["A1", "a1 "],
    "official_name": ["Officer 0001"],
    "official_title": ["Deportation Officer"],
    "first_name": ["Maria", "M.", "-"],
    "last_name": ["Garcia Lopez", "O'Neil", "Jr"],
    "tin": ["123-45-6789", "123456789", "12345", "000-00-0000", "9XX"],
    "date_of_birth": ["1980-01-02", "1990-02-70", "01/02/1980", "2030-01-01"],
    "street_address": ["45 W Main Street", "12 Oak Ave Apt 4", *NOT_ADDRESSES],
    "state": ["CA", "California", "ZZ"],
    "zip": ["94105", "9410", "94105-1234", "ABCDE"],
    "city": ["San Francisco", "Nowhere"],
}


def _row(i: int) -> st.SearchStrategy[dict[str, str]]:
    changes = st.dictionaries(
        st.sampled_from(sorted(_VALUES)),
        st.one_of(st.sampled_from(_TRICKY), st.text(max_size=5)),
        max_size=2,
    )
    picks = st.fixed_dictionaries({c: st.sampled_from(v) for c, v in _VALUES.items()})
    return st.builds(lambda p, c: request_row(request_id=str(i), **{**p, **c}), picks, changes)


@settings(max_examples=150, deadline=None)
@given(rows=st.integers(0, 25).flatmap(lambda n: st.tuples(*(_row(i) for i in range(n)))))
def test_a_batch_s_rows_get_the_reasons_each_gets_alone(rows: tuple[dict[str, str], ...]) -> None:
    """Issue 13: the gate over a table (each check once per distinct value) is gate.check_row's."""
    terms = Agreement.model_validate({**agreement.load().model_dump(), "max_field_length": 200})
    table = pa.table({c: pa.array([r[c] for r in rows], pa.string()) for c in REQUEST_COLUMNS})
    expected = [gate.check_row(r, terms, SIGNED, TODAY) for r in rows]
    assert gate_table.by_columns(table, terms, SIGNED, TODAY) == expected
    assert gate_table.check_rows(table, terms, SIGNED, TODAY) == expected


@settings(max_examples=200, deadline=None)
@given(
    columns=st.integers(1, 4).flatmap(
        lambda k: st.integers(1, 40).flatmap(
            lambda n: st.lists(st.lists(st.integers(0, 6), min_size=n, max_size=n), min_size=k, max_size=k)
        )
    )
)
def test_distinct_rows_are_numpy_s_in_its_order(columns: list[list[int]]) -> None:
    """The gate's distinct combinations of values, found a key at a time, are np.unique's over rows."""
    arrays = [np.asarray(c, dtype=np.int32) for c in columns]
    combos, inverse = gate_table._distinct(arrays)
    expected, expected_inverse = np.unique(np.stack(arrays, axis=1), axis=0, return_inverse=True)
    assert combos.tolist() == expected.tolist()
    assert inverse.tolist() == expected_inverse.reshape(-1).tolist()
