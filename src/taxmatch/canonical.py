"""Canonical JSON of many rows at once: what json.dumps(row, sort_keys=True, separators=(",", ":"))
writes for each, with the rows given a column at a time.

The ledger hashes each entry's canonical JSON, and keeps the disclosed values
as canonical JSON too (audit.py). A national batch makes hundreds of
thousands of entries at once, and json.dumps of each one's dictionary took
6 s of the 1.28M-row batch (docs/benchmarks.md). Here a column of plain text
(printable ASCII without a quote or a backslash, which JSON writes as it is)
is quoted without a call per value, and the rows are assembled by one format
string; any other column is encoded by json.dumps itself, a value at a time,
so the bytes are always json.dumps's own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

Columns = Mapping[str, Sequence[object]]  # key -> its value in each row, in row order
_PLAIN = re.compile(r"[ !#-\[\]-~]*")  # printable ASCII but '"' and '\': JSON writes it unescaped


def encoded(values: Sequence[object]) -> Sequence[str]:
    """json.dumps of each value: text (or a str subclass, such as a StrEnum) or a whole number."""
    try:
        joined = "".join(values)  # type: ignore[arg-type]  # TypeError unless every value is text
    except TypeError:
        if all(type(v) is int for v in values):  # not bool, which JSON writes as true or false
            return list(map(str, values))
        joined = None
    if joined is not None and _PLAIN.fullmatch(joined):
        return [f'"{v}"' for v in values]
    return [json.dumps(v) for v in values]


def _members(keys: Sequence[str]) -> str:
    """A format string of `"key":value` members, one placeholder per value."""
    for key in keys:
        if not _PLAIN.fullmatch(key) or "{" in key or "}" in key:
            raise ValueError(f"not a plain key: {key!r}")
    return ",".join(f'"{k}":{{}}' for k in keys)


def _filled(template: str, keys: Sequence[str], columns: Columns, count: int) -> list[str]:
    if not keys:
        return [template.format()] * count
    return list(map(template.format, *(encoded(columns[k]) for k in keys)))


def objects(columns: Columns) -> list[str]:
    """Each row's canonical JSON object (its keys sorted); every column holds a value for every row."""
    keys = sorted(columns)
    count = len(columns[keys[0]]) if keys else 0
    return _filled("{{" + _members(keys) + "}}", keys, columns, count)


def around(columns: Columns, key: str, count: int) -> tuple[list[str], list[str]]:
    """Each row's canonical JSON, with `key` as well (which the columns do not hold), split where the
    text value of `key` goes: (before it, after it). A hash chain fills in each row's previous hash."""
    keys = sorted({*columns, key})
    at = keys.index(key)
    before, after = keys[:at], keys[at + 1 :]
    head = "{{" + _members(before) + ("," if before else "") + _members([key]).replace("{}", '"')
    tail = '"' + ("," if after else "") + _members(after) + "}}"
    return _filled(head, before, columns, count), _filled(tail, after, columns, count)
