"""Standardise a whole table of people and addresses, master or requests alike.

The per-value rules live in `names`, `addresses` and `identifiers` (pure
functions). Here they run once per *distinct* value and are broadcast back
with Arrow, so a million rows cost as many calls as there are distinct names
and streets, not rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from taxmatch import combinations
from taxmatch.standardise import addresses, census, identifiers, names, usps_words

STANDARD_COLUMNS: tuple[str, ...] = (
    "first_std",
    "first_forms",
    "given_tokens",
    "middle_initial",
    "surname_std",
    "surname_tokens",
    "surname_key",
    "suffix_std",
    "dob",
    "tin_std",
    "house_number",
    "street_name",
    "street_suffix",
    "street_full",
    "unit_std",
    "zip5",
    "city_std",
    "state_std",
    "address_key",
)
_SEP = "\x1f"  # joins two columns into one distinct value; never in a cleaned name
_SURNAME = pa.struct(
    [("text", pa.string()), ("tokens", pa.list_(pa.string())), ("key", pa.string()), ("suffix", pa.string())]
)
_STREET = pa.struct(
    [
        ("house", pa.string()),
        ("name", pa.string()),
        ("suffix", pa.string()),
        ("full", pa.string()),
        ("unit", pa.string()),
    ]
)


def _distinct(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """The distinct values of a text column (null as '') and, for every row, the index of its own.

    A dictionary-encoded column (a request file's repeating columns, pipeline/intake.py) already is
    that: its dictionary and its indices, with no hashing of the rows."""
    if pa.types.is_dictionary(values.type) and not values.null_count:
        chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
        unified = pa.table({"v": pa.chunked_array(chunks, values.type)}).unify_dictionaries()["v"]
        dictionary = unified.chunk(0).dictionary if unified.num_chunks else pa.array([], pa.string())
        indices = pa.chunked_array([c.indices for c in unified.chunks], values.type.index_type)
        return pc.cast(dictionary, pa.string()), indices
    strings = pc.fill_null(plain(values), "")
    distinct = pc.unique(strings)
    return distinct, pc.index_in(strings, value_set=distinct)


def plain(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A text column as plain strings, decoded if it is dictionary-encoded."""
    return pc.cast(values, pa.string()) if pa.types.is_dictionary(values.type) else values


def map_distinct(values: pa.Array | pa.ChunkedArray, fn: Callable[[str], Any], kind: pa.DataType) -> pa.Array:
    """Apply `fn` to each distinct value and broadcast the answers to every row (to each row itself, for
    a few rows: finding the distinct values would cost more than it saves)."""
    if len(values) <= combinations.FEW_ROWS:
        return pa.array([fn(v) for v in pc.fill_null(plain(values), "").to_pylist()], type=kind)
    distinct, at = _distinct(values)
    mapped = pa.array([fn(v) for v in distinct.to_pylist()], type=kind)
    return pc.take(mapped, at)


def coded(values: pa.Array | pa.ChunkedArray, fn: Callable[[str], str]) -> tuple[pa.Array, pa.Array]:
    """`fn` of every row as a code into its distinct answers: `answers.take(codes)` is what map_distinct
    gives, but a whole-batch pass holds four bytes a row instead of the text (`fn` runs once per
    distinct value). Two rows have the same code exactly when `fn` gives them the same text."""
    distinct, at = _distinct(values)
    answers = pc.dictionary_encode(pa.array([fn(v) for v in distinct.to_pylist()], pa.string()))
    return pc.take(answers.indices, at), answers.dictionary


def _null_if_blank(array: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


def _text(values: pa.Array | pa.ChunkedArray, fn: Callable[[str], str]) -> pa.Array:
    return _null_if_blank(map_distinct(values, fn, pa.string()))


def _field(struct: pa.Array, name: str) -> pa.Array:
    return _null_if_blank(pc.struct_field(struct, name))


def _surname(value: str) -> dict[str, Any]:
    parsed = names.surname(value)
    return {
        "text": parsed.text,
        "tokens": [*parsed.tokens, *parsed.also],
        "key": parsed.tokens[0] if parsed.tokens else "",
        "suffix": parsed.suffix,
    }


def _street(value: str) -> dict[str, str]:
    parsed = addresses.street(value)
    name = " ".join(p for p in (parsed.predirectional, parsed.name, parsed.postdirectional) if p)
    full = " ".join(p for p in (name, parsed.suffix) if p)
    return {
        "house": parsed.house_number,
        "name": name,
        "suffix": parsed.suffix,
        "full": full,
        "unit": parsed.unit,
    }


def _forms(value: str) -> list[str] | None:
    return sorted(names.given_name(value).forms) or None


def _given_tokens(first_and_middle: str) -> list[str] | None:
    first, _, middle = first_and_middle.partition(_SEP)
    return list(names.given_name(first, middle).tokens) or None


def _dob(today: dt.date) -> Callable[[str], str]:
    def parse(value: str) -> str:
        day = identifiers.birth_date(value, today)
        return day.isoformat() if day else ""

    return parse


def load_tables() -> None:
    """Read the reference tables the rules consult (ZIP cities, USPS misspellings, given-name forms,
    census surnames) now, not at the first value that needs one.

    A long-lived service loads them before it exempts its start-up heap from collection
    (runtime.settle_heap): loaded by its first call instead, their 262,000 objects were rescanned
    by every later full collection, a 140-190 ms stall about one call in fifty (docs/benchmarks.md).
    """
    addresses.zip_cities()
    usps_words.typo_table()
    names.hypocorisms()
    names.namer()
    census.surnames()


def standardise(table: pa.Table, today: dt.date) -> pa.Table:
    """Append the standard columns (STANDARD_COLUMNS) to a table of people."""
    col = table.column
    surname = map_distinct(col("last_name"), _surname, _SURNAME)
    street = map_distinct(col("street_address"), _street, _STREET)
    middle_typed = _text(col("middle_name"), lambda v: names.clean(v)[:1])
    middle_in_first = _text(col("first_name"), lambda v: names.given_name(v).middle_initial)
    columns = {
        "first_std": _text(col("first_name"), lambda v: names.given_name(v).first),
        "first_forms": map_distinct(col("first_name"), _forms, pa.list_(pa.string())),
        "given_tokens": map_distinct(
            pc.binary_join_element_wise(
                pc.fill_null(col("first_name"), ""), pc.fill_null(col("middle_name"), ""), _SEP
            ),
            _given_tokens,
            pa.list_(pa.string()),
        ),
        "middle_initial": pc.coalesce(middle_typed, middle_in_first),
        "surname_std": _field(surname, "text"),
        "surname_tokens": pc.struct_field(surname, "tokens"),
        "surname_key": _field(surname, "key"),
        "suffix_std": pc.coalesce(_text(col("suffix"), names.suffix), _field(surname, "suffix")),
        "dob": _text(col("date_of_birth"), _dob(today)),
        "tin_std": _text(col("tin"), identifiers.tin),
        "house_number": _field(street, "house"),
        "street_name": _field(street, "name"),
        "street_suffix": _field(street, "suffix"),
        "street_full": _field(street, "full"),
        "unit_std": pc.coalesce(_text(col("unit"), addresses.unit), _field(street, "unit")),
        "zip5": _text(col("zip"), addresses.zip5),
        "city_std": _text(
            pc.binary_join_element_wise(pc.fill_null(col("city"), ""), pc.fill_null(col("zip"), ""), _SEP),
            lambda v: addresses.canonical_city(*v.partition(_SEP)[::2]),
        ),
        "state_std": _text(col("state"), addresses.state),
    }
    columns["address_key"] = _address_key(columns)
    for name in STANDARD_COLUMNS:
        table = table.append_column(name, columns[name])
    return table


def _address_key(columns: dict[str, pa.Array]) -> pa.Array:
    """House, street, unit and ZIP as one value; null unless house, street and ZIP are known."""
    unit = pc.fill_null(columns["unit_std"], "")
    return pc.binary_join_element_wise(
        columns["house_number"], columns["street_full"], unit, columns["zip5"], "|", null_handling="emit_null"
    )
