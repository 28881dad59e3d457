"""The JSON text of each row of a table of text columns, made a column at a time.

A batch stores each request row as asked (the decisions table's `asked`), a
JSON object of the row's columns in their order. Made as a dictionary per row
and encoded by orjson, that took the batch's one Python thread 0.56 s per
100,000 rows; here 0.13 s (docs/benchmarks.md, 2026-12-07d). Arrow joins each
row's keys and values in C++, the values as they are, which is their JSON
unless one holds a quote, a backslash or a control character (or is null): those
few rows are encoded by orjson itself. Either way the text is orjson.dumps's of
the row's dictionary, byte for byte (tests/test_json_table.py).
"""

from __future__ import annotations

import orjson
import pyarrow as pa
import pyarrow.compute as pc

# What orjson escapes in a string (a quote, a backslash, a control character); the rest it writes as it is.
ESCAPED = r'["\\\x00-\x1f]'


def objects(table: pa.Table) -> list[str]:
    """Each row of `table` (text columns) as the JSON object orjson.dumps writes for its dictionary."""
    if not table.num_columns:
        return ["{}"] * table.num_rows
    parts: list[pa.Scalar | pa.ChunkedArray] = []
    for n, name in enumerate(table.column_names):
        parts += [pa.scalar(("{" if n == 0 else '",') + orjson.dumps(name).decode() + ':"'), table[name]]
    parts.append(pa.scalar('"}'))
    made: list[str] = pc.binary_join_element_wise(*parts, "").to_pylist()
    escaped = _escaped(table)
    for n, row in zip(escaped, table.take(pa.array(escaped, pa.int64())).to_pylist(), strict=True):
        made[n] = orjson.dumps(row).decode()
    return made


def _escaped(table: pa.Table) -> list[int]:
    """The rows that JSON does not write as they are: a control character, a quote or a backslash in a
    value (JSON escapes them), or a null (null, not a string). orjson writes any other character as it
    is, in UTF-8. One search of each row's values joined (a null makes the join null)."""
    values = pc.binary_join_element_wise(*table.columns, "")
    found = pc.fill_null(pc.match_substring_regex(values, ESCAPED), True)
    rows: list[int] = pc.indices_nonzero(found).to_pylist()
    return rows
