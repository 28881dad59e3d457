"""Read the interchange files strictly: every row kept, every problem located.

Nothing here decides anything; it turns bytes into rows or refuses the file
with an error naming the file, line and column, and what to do.

A request file is read once, as a stream: its digest, its decoding and its
CSV records are taken together block by block, and the rows are kept as
columns (Arrow, about 150 bytes a row), never as one Python object per row.
Processing then takes them a chunk at a time (`RequestFile.chunks`), so a
batch of millions of rows never exists as millions of dictionaries.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc

from taxmatch.errors import InputError, Location, TooLarge
from taxmatch.interchange import REQUEST_COLUMNS, check_header, parquet_rows, read_text_parquet

MAX_FIELD_BYTES = 1_000_000
SUFFIXES = (".csv", ".parquet")
LINE = "line"  # the file line on which each row starts (2 = the first data row)
BLOCK_ROWS = 65_536  # rows parsed into Python before they become Arrow columns
READ_BYTES = 1 << 20
SCHEMA = pa.schema([*((c, pa.string()) for c in REQUEST_COLUMNS), (LINE, pa.int64())])


@dataclass(frozen=True)
class RequestFile:
    """A checked request file: its digest and its rows as columns, with the line each row starts on."""

    path: Path
    sha256: str
    table: pa.Table  # REQUEST_COLUMNS as text (never null) and LINE

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

    def take(self, positions: list[int]) -> list[dict[str, str]]:
        """The rows at these positions, in the order given."""
        rows: list[dict[str, str]] = (
            self.table.take(pa.array(positions, pa.int64())).select(REQUEST_COLUMNS).to_pylist()
        )
        return rows

    def column(self, name: str) -> pa.ChunkedArray:
        return self.table[name]


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


def _physical_lines(path: Path, text: IO[str]) -> Iterator[str]:
    """The file's lines as read, refusing a NUL byte where it stands."""
    for number, physical in enumerate(text, 1):
        if "\x00" in physical:
            raise InputError(
                "the file contains a NUL byte",
                where=Location(str(path), number),
                fix="Remove NUL bytes; the file must be plain UTF-8 CSV.",
            )
        yield physical


def _header(path: Path, reader: Iterator[list[str]], expected: Sequence[str]) -> None:
    try:
        header = next(reader)
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
    check_header(path, [h.strip() for h in header], expected)


class _Columns:
    """Records gathered a block at a time and turned into Arrow columns."""

    def __init__(self, width: int) -> None:
        self.batches: list[pa.RecordBatch] = []
        self.block: list[list[str]] = [[] for _ in range(width)]
        self.lines: list[int] = []
        self.count = 0

    def add(self, record: list[str], line: int) -> None:
        for values, value in zip(self.block, record, strict=True):
            values.append(value)
        self.lines.append(line)
        self.count += 1
        if len(self.lines) >= BLOCK_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            arrays = [pa.array(v, pa.string()) for v in self.block] + [pa.array(self.lines, pa.int64())]
            self.batches.append(pa.RecordBatch.from_arrays(arrays, schema=SCHEMA))
            self.block, self.lines = [[] for _ in self.block], []

    def table(self) -> pa.Table:
        self.flush()
        return pa.Table.from_batches(self.batches, schema=SCHEMA)


def _csv_table(path: Path, text: IO[str], expected: Sequence[str], limit: int | None) -> pa.Table:
    reader = csv.reader(_physical_lines(path, text), strict=True)
    _header(path, reader, expected)
    columns = _Columns(len(expected))
    start = reader.line_num + 1
    try:
        for record in reader:
            if len(record) != len(expected):
                raise InputError(
                    f"{len(record)} fields where the header has {len(expected)}",
                    where=Location(str(path), start),
                    fix="Quote fields that contain commas (RFC 4180).",
                )
            if limit is not None and columns.count >= limit:
                raise _too_many(path, columns.count + 1, limit)
            columns.add(record, start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(
            f"malformed CSV: {exc}",
            where=Location(str(path), start),
            fix="Check quoting on that line (RFC 4180).",
        ) from exc
    return columns.table()


def _read_csv(path: Path, limit: int | None) -> tuple[pa.Table, str]:
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


def _too_many(path: Path, rows: int, limit: int) -> TooLarge:
    return TooLarge(
        f"{rows:,} rows is more than the {limit:,} a batch may hold",
        where=Location(str(path)),
        fix="Split the batch; nothing was processed or stored.",
    )


def _read_parquet(path: Path, limit: int | None) -> tuple[pa.Table, str]:
    if limit is not None and (count := parquet_rows(path)) > limit:
        raise _too_many(path, count, limit)
    table = read_text_parquet(path, REQUEST_COLUMNS)
    columns = [pc.fill_null(table[c], "") for c in REQUEST_COLUMNS]
    lines = pa.array(range(2, table.num_rows + 2), pa.int64())
    digest = hashlib.sha256()
    with path.open("rb") as raw:
        while block := raw.read(READ_BYTES):
            digest.update(block)
    return pa.Table.from_arrays([*columns, lines], schema=SCHEMA), digest.hexdigest()


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
    if "\x00" in encoded.decode("utf-8"):
        line = encoded[: encoded.index(b"\x00")].count(b"\n") + 1
        raise InputError(
            "the file contains a NUL byte",
            where=Location(where, line),
            fix="Remove NUL bytes; the file must be plain UTF-8 CSV.",
        )
    columns = {c: pa.array([row[c] for row in rows], pa.string()) for c in REQUEST_COLUMNS}
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
