"""Read a request CSV as a stream: its digest, its UTF-8 and its records in one pass, into Arrow.

The bytes are digested as they are read, decoded incrementally, parsed by the
csv module (strict RFC 4180) and gathered a block of rows at a time into Arrow
columns. Every problem is located (file, line, column) and refuses the file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc

from taxmatch.errors import InputError, Location, TooLarge
from taxmatch.interchange import REQUEST_COLUMNS, check_header

MAX_FIELD_BYTES = 1_000_000
LINE = "line"  # the file line on which each row starts (2 = the first data row)
BLOCK_ROWS = 65_536  # rows parsed into Python before they become Arrow columns
READ_BYTES = 1 << 20
SCHEMA = pa.schema([*((c, pa.string()) for c in REQUEST_COLUMNS), (LINE, pa.int64())])
# The columns whose values repeat down a batch (a statute, an official, a given name, a ZIP) are kept
# dictionary-encoded: each distinct value once, and four bytes a row. At 1,280,000 rows the file's
# columns take 365 MiB as plain text and 151 MiB so (docs/benchmarks.md); the rest (ids, case numbers,
# TINs, streets) are nearly all distinct and stay text.
REPEATING = frozenset(REQUEST_COLUMNS) - {"request_id", "case_number", "tin", "street_address"}
STORED = pa.schema(
    [pa.field(f.name, pa.dictionary(pa.int32(), pa.string())) if f.name in REPEATING else f for f in SCHEMA]
)


def compact(table: pa.Table | pa.RecordBatch) -> pa.Table:
    """A table of SCHEMA with its REPEATING columns dictionary-encoded (STORED), one dictionary each."""
    columns = [pc.dictionary_encode(table[c]) if c in REPEATING else table[c] for c in SCHEMA.names]
    return pa.Table.from_arrays(columns, schema=STORED).unify_dictionaries()


def _bad_byte(path: Path) -> InputError:
    """The first byte that is not UTF-8, located by line and byte column, found by a streaming scan."""
    pending, offset, line, line_start = b"", 0, 1, 0
    with path.open("rb") as raw:
        while True:
            block = raw.read(READ_BYTES)
            data = pending + block
            try:
                _, used = codecs.utf_8_decode(data, "strict", not block)
            except UnicodeDecodeError as exc:
                before = data[: exc.start]
                line += before.count(b"\n")
                if b"\n" in before:
                    line_start = offset + before.rfind(b"\n") + 1
                return InputError(
                    f"byte {data[exc.start]:#04x} at character {offset + exc.start - line_start + 1} "
                    "is not valid UTF-8",
                    where=Location(str(path), line),
                    fix="Re-export the file as UTF-8.",
                )
            done = data[:used]
            line += done.count(b"\n")
            if b"\n" in done:
                line_start = offset + done.rfind(b"\n") + 1
            offset, pending = offset + used, data[used:]
            if not block:
                raise AssertionError("a file that decodes has no bad byte")  # pragma: no cover


class _Hashing(io.RawIOBase):
    """A raw reader that digests every byte it passes on: the digest and the rows come from one read."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.digest = raw, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        read = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        if read:
            self.digest.update(memoryview(buffer)[:read])
        return int(read or 0)


def nul_byte(where: str, line: int) -> InputError:
    """The refusal of a request file with a NUL byte on `line` (on disk or in an interactive call)."""
    return InputError(
        "the file contains a NUL byte",
        where=Location(where, line),
        fix="Remove NUL bytes; the file must be plain UTF-8 CSV.",
    )


def _physical_lines(path: Path, text: IO[str]) -> Iterator[str]:
    """The file's lines as read, refusing a NUL byte where it stands."""
    for number, physical in enumerate(text, 1):
        if "\x00" in physical:
            raise nul_byte(str(path), number)
        yield physical


def header(path: Path, reader: Iterator[list[str]], expected: Sequence[str]) -> None:
    try:
        names = next(reader)
    except StopIteration:
        raise InputError(
            "the file is empty", where=Location(str(path)), fix=f"Send a header row: {','.join(expected)}"
        ) from None
    except csv.Error as exc:
        raise InputError(
            f"malformed CSV header: {exc}",
            where=Location(str(path), 1),
            fix="Check the quoting of the header line (RFC 4180).",
        ) from exc
    check_header(path, [h.strip() for h in names], expected)


class _Columns:
    """Records gathered a block at a time and turned into Arrow columns."""

    def __init__(self) -> None:
        self.blocks: list[pa.Table] = []
        self.records: list[list[str]] = []
        self.lines: list[int] = []
        self.count = 0

    def flush(self) -> None:
        """The block's records as Arrow columns: turned into columns by zip, not value by value in
        Python (1,280,000 rows: 5.2 s of the read when each value was appended to its column)."""
        if self.lines:
            values = zip(*self.records, strict=True)
            arrays = [pa.array(v, pa.string()) for v in values] + [pa.array(self.lines, pa.int64())]
            self.blocks.append(compact(pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)))
            self.count += len(self.lines)
            self.records, self.lines = [], []

    def table(self) -> pa.Table:
        """The rows read, as STORED: each block was encoded as it was read, so the text of the whole
        file is never held at once; the blocks' dictionaries are then made one."""
        self.flush()
        return pa.concat_tables(self.blocks).unify_dictionaries() if self.blocks else STORED.empty_table()


def _csv_table(path: Path, text: IO[str], expected: Sequence[str], limit: int | None) -> pa.Table:
    reader = csv.reader(_physical_lines(path, text), strict=True)
    header(path, reader, expected)
    columns = _Columns()
    start = reader.line_num + 1
    try:
        for record in reader:
            if len(record) != len(expected):
                raise InputError(
                    f"{len(record)} fields where the header has {len(expected)}",
                    where=Location(str(path), start),
                    fix="Quote fields that contain commas (RFC 4180).",
                )
            read = columns.count + len(columns.lines)
            if limit is not None and read >= limit:
                raise too_many(path, read + 1, limit)
            columns.records.append(record)
            columns.lines.append(start)
            if len(columns.lines) >= BLOCK_ROWS:
                columns.flush()
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(
            f"malformed CSV: {exc}",
            where=Location(str(path), start),
            fix="Check quoting on that line (RFC 4180).",
        ) from exc
    return columns.table()


def read(path: Path, limit: int | None) -> tuple[pa.Table, str]:
    """The rows of a CSV request file and the SHA-256 digest of its bytes, from one streaming read."""
    csv.field_size_limit(MAX_FIELD_BYTES)
    with path.open("rb") as raw:
        hashing = _Hashing(raw)
        text = io.TextIOWrapper(io.BufferedReader(hashing, READ_BYTES), encoding="utf-8-sig", newline="")
        try:
            table = _csv_table(path, text, REQUEST_COLUMNS, limit)
            while text.read(READ_BYTES):  # a refused record stops early; the digest covers every byte
                pass
        except UnicodeDecodeError:
            raise _bad_byte(path) from None
        return table, hashing.digest.hexdigest()


def too_many(path: Path, rows: int, limit: int) -> TooLarge:
    return TooLarge(
        f"{rows:,} rows is more than the {limit:,} a batch may hold",
        where=Location(str(path)),
        fix="Split the batch; nothing was processed or stored.",
    )
