import datetime as dt
import itertools

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given
from hypothesis import strategies as st

from taxmatch import combinations
from taxmatch.standardise.table import STANDARD_COLUMNS, coded, map_distinct, plain, standardise
from tests.conftest import request_row

TODAY = dt.date(2026, 11, 25)


def table(*rows: dict[str, str]) -> pa.Table:
    return pa.Table.from_pylist(list(rows))


def test_same_person_written_two_ways_standardises_alike() -> None:
    a = request_row(
        first_name="José",
        last_name="García-López",
        street_address="45 West Main Street",
        unit="Apt 4B",
        state="Illinois",
        zip="62701-1234",
    )
    b = request_row(
        first_name="JOSE",
        last_name="Garcia Lopez",
        street_address="45 W Main St.",
        unit="#4b",
        state="IL",
        zip="62701",
    )
    out = standardise(table(a, b), TODAY).select(list(STANDARD_COLUMNS)).to_pylist()
    assert out[0] == out[1]


def test_standard_columns_and_nulls() -> None:
    row = request_row(tin="123-45-6789", date_of_birth="1980-02-30", suffix="Jr.", middle_name="")
    out = standardise(table(row), TODAY).to_pylist()[0]
    assert out["tin_std"] == "123456789"
    assert out["dob"] is None  # not a real date
    assert out["suffix_std"] == "JR"
    assert out["surname_tokens"] == ["GARCIA", "LOPEZ"]
    assert out["surname_key"] == "GARCIA"
    assert out["address_key"] == "45|W MAIN ST|4B|62701"


def test_address_key_needs_house_street_and_zip() -> None:
    out = standardise(table(request_row(zip="")), TODAY).to_pylist()[0]
    assert out["address_key"] is None
    no_unit = standardise(table(request_row(unit="")), TODAY).to_pylist()[0]
    assert no_unit["address_key"] == "45|W MAIN ST||62701"


def test_many_rows_one_distinct_value_each() -> None:
    rows = [request_row(request_id=str(i), last_name="Smith" if i % 2 else "Núñez") for i in range(1000)]
    out = standardise(table(*rows), TODAY).column("surname_std").to_pylist()
    assert out[:4] == ["NUNEZ", "SMITH", "NUNEZ", "SMITH"]


def test_a_city_alias_of_the_zip_standardises_to_the_usps_city() -> None:
    rows = [
        request_row(city="Hollywood", state="CA", zip="90028"),
        request_row(city="Los Angeles", zip="90028"),
    ]
    out = standardise(table(*rows), TODAY).column("city_std").to_pylist()
    assert out == ["LOS ANGELES", "LOS ANGELES"]


def _ways(values: list[str], cut: int) -> list[pa.Array | pa.ChunkedArray]:
    """One column of text as plain text, dictionary-encoded, and in two chunks each with its own
    dictionary (as a request file's blocks are before intake makes them one)."""
    text = pa.array(values, pa.string())
    return [
        text,
        pa.chunked_array([text[:cut], text[cut:]]),
        pc.dictionary_encode(text),
        pa.chunked_array([pc.dictionary_encode(text[:cut]), pc.dictionary_encode(text[cut:])]),
    ]


def _key(value: str) -> str:
    return " ".join(value.upper().split())


@given(st.lists(st.sampled_from(["a", " A", "b", "B ", "", "c c", "C  C", "é"]), max_size=30), st.data())
def test_mapped_and_coded_columns_agree_with_the_rule_however_the_column_is_kept(
    values: list[str], data: st.DataObject
) -> None:
    """Issue 13: a request file's repeating columns are dictionary-encoded; map_distinct and coded must
    answer for them exactly as for text, a row at a time."""
    expected = [_key(v) for v in values]
    for column in _ways(values, data.draw(st.integers(0, len(values)))):
        assert map_distinct(column, _key, pa.string()).to_pylist() == expected
        codes, answers = coded(column, _key)
        assert pc.take(answers, codes).to_pylist() == expected
        numbers = codes.to_pylist()
        for i, j in itertools.combinations(range(len(values)), 2):
            assert (numbers[i] == numbers[j]) == (expected[i] == expected[j])
        assert pc.cast(plain(column), pa.string()).to_pylist() == values
    # Past FEW_ROWS rows, map_distinct maps each distinct value once instead of each row.
    many = values * (combinations.FEW_ROWS // max(len(values), 1) + 1)
    for column in _ways(many, data.draw(st.integers(0, len(many)))):
        assert map_distinct(column, _key, pa.string()).to_pylist() == [_key(v) for v in many]
