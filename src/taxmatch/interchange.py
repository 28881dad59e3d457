"""The interchange formats (spec/interchange.md): the contract, in one place.

The columns of each file in their agreed order, the manifest's fields, and the
one check every reader of these files makes: that a header is exactly the
agreed one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from taxmatch.errors import InputError, Location

REQUEST_COLUMNS: tuple[str, ...] = (
    "request_id",
    "case_number",
    "statute",
    "taxable_periods",
    "reason",
    "official_name",
    "official_title",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "date_of_birth",
    "tin",
    "street_address",
    "unit",
    "city",
    "state",
    "zip",
)
REQUEST_OPTIONAL = frozenset({"middle_name", "suffix", "date_of_birth", "tin", "unit"})

MASTER_COLUMNS: tuple[str, ...] = (
    "tin",
    "tin_type",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "date_of_birth",
    "street_address",
    "unit",
    "city",
    "state",
    "zip",
    "address_as_of",
    "address_source",
)
MASTER_OPTIONAL = frozenset({"middle_name", "suffix", "date_of_birth", "unit"})
ADDRESS_SOURCES = frozenset({"return", "change_of_address", "postal_update"})

DISCLOSED_COLUMNS: tuple[str, ...] = (
    "disclosed_street_address",
    "disclosed_unit",
    "disclosed_city",
    "disclosed_state",
    "disclosed_zip",
)
RESULT_COLUMNS: tuple[str, ...] = (
    "request_id",
    "outcome",
    "reason_codes",
    *DISCLOSED_COLUMNS,
    "disclosure_id",
)
# A retraction notice (interchange.md §5): the recipient must stop using and destroy what it lists.
RETRACTION_NOTICE_COLUMNS: tuple[str, ...] = (
    "disclosure_id",
    "request_id",
    "batch_id",
    "disclosed_at",
    "retracted_at",
    "why",
)
DECISION_COLUMNS: tuple[str, ...] = (
    "request_id",
    "outcome",
    "reason_codes",
    "disclosure_id",
    "matched_tin",
    "candidates",
    "match_probability",
    "runner_up_probability",
    "name_agreement",
    "address_agreement",
    "tin_agreement",
    "dob_agreement",
)

MANIFEST_FIELDS: tuple[str, ...] = (
    "agreement_id",
    "requesting_agency",
    "signer_name",
    "signer_title",
    "signed_on",
    "attestation",
    "request_file_sha256",
)


@dataclass(frozen=True)
class Manifest:
    """The signed written request covering one request file."""

    agreement_id: str
    requesting_agency: str
    signer_name: str
    signer_title: str
    signed_on: dt.date
    attestation: str
    request_file_sha256: str


def check_header(path: Path, header: Sequence[str], expected: Sequence[str]) -> None:
    """Refuse missing, unknown or reordered columns, naming each."""
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    where = Location(str(path), 1)
    if missing:
        raise InputError(
            f"missing column(s): {', '.join(missing)}",
            where=where,
            fix=f"The header must be exactly: {','.join(expected)}",
        )
    if extra:
        raise InputError(
            f"unknown column(s): {', '.join(extra)}",
            where=where,
            fix=f"Remove them; the header must be exactly: {','.join(expected)}",
        )
    if list(header) != list(expected):
        raise InputError(
            "columns are not in the agreed order",
            where=where,
            fix=f"The header must be exactly: {','.join(expected)}",
        )


TEXT_TYPES = ("string", "large_string", "null")  # null: a column nobody filled, read as empty text


def check_text_columns(
    path: Path, names: Sequence[str], types: Sequence[str], expected: Sequence[str]
) -> None:
    """A Parquet file's columns are the agreed ones, in order, and every one holds text.

    An integer ZIP would lose its leading zero (01570 -> 1570), and a struct,
    list or binary column is no interchange value at all: refused, not cast.
    """
    check_header(path, names, expected)
    for name, kind in zip(names, types, strict=True):
        if kind not in TEXT_TYPES:
            raise InputError(
                f"column {name!r} holds {kind}, not text",
                where=Location(str(path), column=name),
                fix="Write every column as a string (a ZIP as text keeps its leading zeros).",
            )


def unreadable_parquet(path: Path, exc: Exception) -> InputError:
    return InputError(
        f"cannot read Parquet: {exc}",
        where=Location(str(path)),
        fix="Send Parquet with the agreed columns as strings, or the interchange CSV.",
    )


def parquet_rows(path: Path) -> int:
    """How many rows a Parquet file holds, from its metadata alone."""
    try:
        return int(pq.read_metadata(path).num_rows)
    except (pa.ArrowException, OSError) as exc:
        raise unreadable_parquet(path, exc) from exc


def read_text_parquet(path: Path, expected: Sequence[str]) -> pa.Table:
    """A Parquet file of the agreed text columns, its schema checked before any data is read."""
    try:
        schema = pq.read_schema(path)
        check_text_columns(path, schema.names, [str(t) for t in schema.types], expected)
        return pq.read_table(path).cast(pa.schema([(c, pa.string()) for c in expected]))
    except (pa.ArrowException, OSError) as exc:
        raise unreadable_parquet(path, exc) from exc
