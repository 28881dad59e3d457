"""Read the interchange files strictly: every row kept, every problem located.

Nothing here decides anything; it turns bytes into rows or refuses the file
with an error naming the file, line and column, and what to do.

A request file is read once, as a stream: its digest, its decoding and its
CSV records are taken together block by block, and the rows are kept as
columns (Arrow; the columns whose values repeat, dictionary-encoded: about
150 bytes a row), never as one Python object per row.
Processing then takes them a chunk at a time (`RequestFile.chunks`), so a
batch of millions of rows never exists as millions of dictionaries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from taxmatch.errors import InputError, Location
from taxmatch.interchange import REQUEST_COLUMNS, parquet_rows, read_text_parquet
from taxmatch.pipeline import plain_csv, request_csv
from taxmatch.pipeline.request_csv import LINE, READ_BYTES, SCHEMA, compact, too_many
from taxmatch.standardise.table import plain

SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class RequestFile:
    """A checked request file: its digest and its rows as columns, with the line each row starts on."""

    path: Path
    sha256: str
    table: pa.Table  # REQUEST_COLUMNS as text (never null) and LINE: request_csv.STORED from a file

    def __len__(self) -> int:
        return int(self.table.num_rows)

    @property
    def rows(self) -> list[dict[str, str]]:
        """Every row as a dictionary: for small files (calls, tests, the lab); a batch uses `chunks`."""
        rows: list[dict[str, str]] = self.table.select(REQUEST_COLUMNS).to_pylist()
        return rows

    @property
    def lines(self) -> list[int]:
        lines: list[int] = self.table[LINE].to_pylist()
        return lines

    def chunks(self, size: int) -> Iterator[tuple[int, list[dict[str, str]]]]:
        """(index of the first row, the rows) for consecutive slices of at most `size` rows."""
        for start in range(0, len(self), size):
            yield start, self.table.slice(start, size).select(REQUEST_COLUMNS).to_pylist()

    def columns_at(self, positions: list[int]) -> pa.Table:
        """The request columns of the rows at these positions, in the order given, as plain text."""
        taken = self.table.take(pa.array(positions, pa.int64()))
        return pa.Table.from_arrays([plain(taken[c]) for c in REQUEST_COLUMNS], names=list(REQUEST_COLUMNS))

    def take(self, positions: list[int]) -> list[dict[str, str]]:
        """The rows at these positions, in the order given."""
        rows: list[dict[str, str]] = self.columns_at(positions).to_pylist()
        return rows

    def column(self, name: str) -> pa.ChunkedArray:
        """A column as kept: dictionary-encoded if it is one of request_csv.REPEATING (standardise.table's
        map_distinct and coded take it as it is; `plain` decodes it)."""
        return self.table[name]


def _read_parquet(path: Path, limit: int | None) -> tuple[pa.Table, str]:
    if limit is not None and (count := parquet_rows(path)) > limit:
        raise too_many(path, count, limit)
    table = read_text_parquet(path, REQUEST_COLUMNS)
    columns = [pc.fill_null(table[c], "") for c in REQUEST_COLUMNS]
    lines = pa.array(range(2, table.num_rows + 2), pa.int64())
    digest = hashlib.sha256()
    with path.open("rb") as raw:
        while block := raw.read(READ_BYTES):
            digest.update(block)
    return compact(pa.Table.from_arrays([*columns, lines], schema=SCHEMA)), digest.hexdigest()


def check_suffix(name: str, where: str) -> str:
    """The request file's suffix (.csv or .parquet), or InputError naming the file."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"request file {Path(name).name!r} is neither .csv nor .parquet",
            where=Location(where),
            fix="Send the interchange CSV (UTF-8, RFC 4180) or Parquet with the same columns.",
        )
    return suffix


def _read_csv(path: Path, max_rows: int | None) -> tuple[pa.Table, str]:
    """A CSV request file by Arrow where it holds nothing to unquote (plain_csv.py), else by the strict
    reader, which also locates whatever Arrow would not take."""
    digest, plain = plain_csv.scan(path)
    table = plain_csv.read(path, max_rows) if plain else None
    return (table, digest) if table is not None else request_csv.read(path, max_rows)


def read_requests(path: Path, max_rows: int | None = None) -> RequestFile:
    """Read a request file (CSV or Parquet) and refuse it whole if any row is unusable.

    `max_rows`: refuse a file with more rows (TooLarge), counted as the file is read
    (or from a Parquet file's metadata), so an oversize file costs at most that many rows.
    """
    check_suffix(path.name, str(path))
    try:
        if path.suffix.lower() == ".parquet":
            table, digest = _read_parquet(path, max_rows)
        else:
            table, digest = _read_csv(path, max_rows)
    except OSError as exc:
        raise InputError(
            f"cannot read the request file: {exc.strerror}",
            where=Location(str(path)),
            fix="Check the path and that the file is readable.",
        ) from exc
    if not table.num_rows:
        raise InputError(
            "the file has a header but no request rows",
            where=Location(str(path)),
            fix="Send at least one request row.",
        )
    _check_ids(path, table)
    return RequestFile(path, digest, table)


def requests_of(rows: Sequence[Mapping[str, str]], encoded: bytes, where: str) -> RequestFile:
    """A request file held in memory: `rows` already in the interchange columns, `encoded` the bytes
    its manifest's digest covers. The same checks as a file read from disk, without the disk."""
    path = Path(where)
    if b"\x00" in encoded:
        raise request_csv.nul_byte(where, encoded[: encoded.index(b"\x00")].count(b"\n") + 1)
    columns = {c: pa.array([row[c] for row in rows], pa.string()) for c in REQUEST_COLUMNS}
    # Kept as text: encoding a call's few rows would cost it a millisecond and save nothing.
    table = pa.table({**columns, LINE: pa.array(range(2, len(rows) + 2), pa.int64())}, schema=SCHEMA)
    _check_ids(path, table)
    return RequestFile(path, hashlib.sha256(encoded).hexdigest(), table)


def _check_ids(path: Path, table: pa.Table) -> None:
    """Every request_id present and unique: checked on the column, located only when one fails."""
    ids = pc.utf8_trim_whitespace(table["request_id"])
    empty = pc.equal(ids, "")
    if pc.any(empty).as_py():
        line = table[LINE][pc.index(empty, True).as_py()].as_py()
        raise InputError(
            "request_id is empty",
            where=Location(str(path), line, "request_id"),
            fix="Every row needs its own request_id; each row gets exactly one answer.",
        )
    if pc.count_distinct(ids).as_py() == len(ids):
        return
    first_seen: dict[str, int] = {}
    for rid, line in zip(ids.to_pylist(), table[LINE].to_pylist(), strict=True):
        if rid in first_seen:
            raise InputError(
                f"request_id {rid!r} repeats the one on line {first_seen[rid]}",
                where=Location(str(path), line, "request_id"),
                fix="request_id must be unique within the file.",
            )
        first_seen[rid] = line
