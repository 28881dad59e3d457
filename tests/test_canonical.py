"""Canonical JSON a column at a time, and the ledger's hashes made from it, are json.dumps's own bytes:
for plain text (the fast path), for any other text (quotes, backslashes, control characters, accents,
characters past the BMP), for whole numbers and for StrEnums."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxmatch import audit, canonical
from taxmatch.audit import Kind

PLAIN = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)
TEXT = st.one_of(PLAIN, st.text(max_size=12))  # any text: surrogates, "\\", '"', "\x00", "é", "😀"


def value(key: str) -> st.SearchStrategy[object]:
    return st.integers(1) if key == "seq" else TEXT


def dumps(row: dict[str, object]) -> str:
    return json.dumps(row, sort_keys=True, separators=(",", ":"))


KEYS = st.lists(st.sampled_from(["b", "a_b", "zed", "seq", "kind"]), unique=True, max_size=5)


@given(KEYS.flatmap(lambda keys: st.lists(st.fixed_dictionaries({k: value(k) for k in keys}), max_size=6)))
def test_each_row_is_what_json_dumps_writes(rows: list[dict[str, object]]) -> None:
    keys = list(rows[0]) if rows else []
    columns = {k: [r[k] for r in rows] for k in keys}
    assert canonical.objects(columns) == ([dumps(r) for r in rows] if keys else [])


def test_a_str_enum_is_its_value_and_a_bool_is_not_a_number() -> None:
    assert canonical.encoded([Kind.RETRACTION, "x"]) == ['"retraction"', '"x"']
    assert canonical.encoded([1, True, -2]) == ["1", "true", "-2"]
    assert canonical.encoded(['a"b', "c\\d", "é"]) == ['"a\\"b"', '"c\\\\d"', '"\\u00e9"']


def test_a_key_that_json_would_escape_is_refused() -> None:
    with pytest.raises(ValueError, match="not a plain key"):
        canonical.objects({'a"b': ["x"]})
    with pytest.raises(ValueError, match="not a plain key"):
        canonical.objects({"a{b": ["x"]})


def entries(optional: tuple[str, ...]) -> st.SearchStrategy[tuple[list[str], list[dict[str, object]]]]:
    keys = [k for k in audit.FIELDS if k != "prev_hash"] + list(optional)
    return st.tuples(st.just(keys), st.lists(st.fixed_dictionaries({k: value(k) for k in keys}), max_size=6))


OPTIONAL = st.sampled_from([(), ("disclosed_sha256",), ("kind", "retracts", "why")])


@given(OPTIONAL.flatmap(entries))
def test_the_chained_hashes_are_entry_hash_of_each_entry_in_turn(
    given_entries: tuple[list[str], list[dict[str, object]]],
) -> None:
    keys, rows = given_entries
    columns = {k: [r[k] for r in rows] for k in keys}
    columns["disclosed"] = ["not hashed"] * len(rows)  # kept beside the entry, not in its hash
    made = audit.entry_hashes(columns, len(rows), audit.GENESIS)
    prev, expected = audit.GENESIS, []
    for row in rows:
        prev = audit.entry_hash(row | {"prev_hash": prev})
        expected.append(prev)
    assert made == expected


def test_an_optional_field_none_in_every_entry_is_not_hashed_and_one_set_in_some_is_refused() -> None:
    row = {k: "x" for k in audit.FIELDS if k != "prev_hash"} | {"seq": 1}
    columns: dict[str, list[object]] = {k: [v] for k, v in row.items()}
    alone = audit.entry_hashes(columns, 1, audit.GENESIS)
    assert audit.entry_hashes(columns | {"why": [None]}, 1, audit.GENESIS) == alone
    assert audit.entry_hashes(columns | {"why": [""]}, 1, audit.GENESIS) != alone  # set, though empty
    two = {k: v * 2 for k, v in columns.items()}
    with pytest.raises(ValueError, match="why is set in some"):
        audit.entry_hashes(two | {"why": ["because", None]}, 2, audit.GENESIS)
