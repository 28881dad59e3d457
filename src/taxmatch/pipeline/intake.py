"""Read the interchange files strictly: every row kept, every problem located.

Nothing here decides anything; it turns bytes into rows or refuses the file
with an error naming the file, line and column, and what to do.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from taxmatch.errors import InputError, Location, TooLarge
from taxmatch.interchange import REQUEST_COLUMNS, check_header, parquet_rows, read_text_parquet

MAX_FIELD_BYTES = 1_000_000
SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class RequestFile:
    path: Path
    sha256: str
    rows: list[dict[str, str]]
    lines: list[int]  # the file line on which each row starts (2 = first data row)


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            f"byte {data[exc.start]:#04x} at character {column} is not valid UTF-8",
            where=Location(str(path), line),
            fix="Re-export the file as UTF-8.",
        ) from exc


def _refuse_nul(path: Path, text: str) -> None:
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError(
            "the file contains a NUL byte",
            where=Location(str(path), line),
            fix="Remove NUL bytes; the file must be plain UTF-8 CSV.",
        )


def _csv_rows(path: Path, text: str, expected: Sequence[str]) -> tuple[list[dict[str, str]], list[int]]:
    _refuse_nul(path, text)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
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
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    start = reader.line_num + 1
    try:
        for record in reader:
            if len(record) != len(expected):
                raise InputError(
                    f"{len(record)} fields where the header has {len(expected)}",
                    where=Location(str(path), start),
                    fix="Quote fields that contain commas (RFC 4180).",
                )
            rows.append(dict(zip(expected, record, strict=True)))
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(
            f"malformed CSV: {exc}",
            where=Location(str(path), start),
            fix="Check quoting on that line (RFC 4180).",
        ) from exc
    return rows, lines


def _too_many(path: Path, rows: int, limit: int) -> TooLarge:
    return TooLarge(
        f"{rows:,} rows is more than the {limit:,} a batch may hold",
        where=Location(str(path)),
        fix="Split the batch; nothing was processed or stored.",
    )


def _count_csv_records(path: Path, text: str, limit: int) -> None:
    """Refuse a CSV with more than `limit` records before building a single row (records, not lines:
    a quoted field may span lines). Malformed quoting is left to the full read to locate."""
    records = -1  # the header
    try:
        for _ in csv.reader(io.StringIO(text, newline="")):
            records += 1
            if records > limit:
                raise _too_many(path, records, limit)
    except csv.Error:
        return


def _parquet_rows(
    path: Path, expected: Sequence[str], limit: int | None
) -> tuple[list[dict[str, str]], list[int]]:
    if limit is not None and (count := parquet_rows(path)) > limit:
        raise _too_many(path, count, limit)
    table = read_text_parquet(path, expected)
    rows = [{k: (v or "") for k, v in r.items()} for r in table.to_pylist()]
    return rows, list(range(2, len(rows) + 2))


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

    `max_rows`: refuse a file with more rows (TooLarge), counted before any row is built,
    so that an oversize file costs a scan, not the memory of its rows.
    """
    check_suffix(path.name, str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read the request file: {exc.strerror}",
            where=Location(str(path)),
            fix="Check the path and that the file is readable.",
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() == ".parquet":
        rows, lines = _parquet_rows(path, REQUEST_COLUMNS, max_rows)
    else:
        csv.field_size_limit(MAX_FIELD_BYTES)
        text = _decode(path, data)
        if max_rows is not None:
            _count_csv_records(path, text, max_rows)
        rows, lines = _csv_rows(path, text, REQUEST_COLUMNS)
    if not rows:
        raise InputError(
            "the file has a header but no request rows",
            where=Location(str(path)),
            fix="Send at least one request row.",
        )
    _check_ids(path, rows, lines)
    return RequestFile(path, digest, rows, lines)


def requests_of(rows: Sequence[Mapping[str, str]], encoded: bytes, where: str) -> RequestFile:
    """A request file held in memory: `rows` already in the interchange columns, `encoded` the bytes
    its manifest's digest covers. The same checks as a file read from disk, without the disk."""
    path = Path(where)
    _refuse_nul(path, encoded.decode("utf-8"))
    kept = [{c: row[c] for c in REQUEST_COLUMNS} for row in rows]
    lines = list(range(2, len(kept) + 2))
    _check_ids(path, kept, lines)
    return RequestFile(path, hashlib.sha256(encoded).hexdigest(), kept, lines)


def _check_ids(path: Path, rows: list[dict[str, str]], lines: list[int]) -> None:
    first_seen: dict[str, int] = {}
    for row, line in zip(rows, lines, strict=True):
        rid = row["request_id"].strip()
        if not rid:
            raise InputError(
                "request_id is empty",
                where=Location(str(path), line, "request_id"),
                fix="Every row needs its own request_id; each row gets exactly one answer.",
            )
        if rid in first_seen:
            raise InputError(
                f"request_id {rid!r} repeats the one on line {first_seen[rid]}",
                where=Location(str(path), line, "request_id"),
                fix="request_id must be unique within the file.",
            )
        first_seen[rid] = line
