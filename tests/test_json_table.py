"""json_table.objects writes what orjson.dumps writes for each row's dictionary, byte for byte."""

from __future__ import annotations

import orjson
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from taxmatch.json_table import objects

_ODD = ['"', "\\", '\\"', "\n", "\x00", "\x1f", "\x7f", "é", "\u2028", "😀"]  # escaped, or written as is
_TEXT = st.one_of(st.none(), st.text(), st.sampled_from(_ODD))
_NAMES = ("id", 'q"k', "z")


def _orjson(table: pa.Table) -> list[str]:
    return [orjson.dumps(row).decode() for row in table.to_pylist()]


@given(st.lists(st.tuples(_TEXT, _TEXT, _TEXT), max_size=30))
def test_each_row_is_written_as_orjson_writes_its_dictionary(rows: list[tuple[str | None, ...]]) -> None:
    table = pa.table({name: pa.array([r[n] for r in rows], pa.string()) for n, name in enumerate(_NAMES)})
    assert objects(table) == _orjson(table)


def test_a_chunked_table_is_written_row_for_row() -> None:
    part = pa.table({"a": ["x", 'y"'], "b": ["\t", "plain"]})
    table = pa.concat_tables([part, part])
    assert table["a"].num_chunks == 2
    assert objects(table) == _orjson(table)
    assert objects(table)[1] == '{"a":"y\\"","b":"plain"}'


def test_a_table_without_columns_writes_empty_objects() -> None:
    assert objects(pa.table({"a": ["1", "2"]}).drop_columns(["a"])) == ["{}", "{}"]
