"""A request CSV with nothing to unquote, parsed by Arrow: the common case, ten times faster.

request_csv.py reads any request file with Python's csv module (strict RFC
4180), which locates every problem by line and column, at about 8 µs a row
(10 s of a 1,280,000-row batch, docs/benchmarks.md). A file with no quote
character, no NUL byte and no byte-order mark has nothing that strict quoting
rules could refuse: each line is one record, its fields split at the commas,
which is what Arrow's parser does with quoting off, on every core. Such a file
is read here; anything Arrow does not take as it is (a line with too few or
too many fields, an empty line, bytes that are not UTF-8, a field past the
limit, more rows than allowed) sends the whole file back to request_csv.py,
which refuses it with the problem located, or reads it as the reference does.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from taxmatch.interchange import REQUEST_COLUMNS
from taxmatch.pipeline import request_csv

HEADER_BYTES = 1 << 16  # the header's names take a few hundred bytes
BLOCK_BYTES = 16 << 20  # Arrow parses a block at a time (on every core): a record is far shorter
_NOT_PLAIN = (b'"', b"\x00")


def scan(path: Path) -> tuple[str, bool]:
    """The SHA-256 digest of the file's bytes, and whether Arrow may parse it, from one read: no quote
    character, no NUL byte, no byte-order mark, no empty line (Arrow reads one as a record of empty
    fields, which the strict reader refuses) and no line ended by a lone CR."""
    digest, plain, carry = hashlib.sha256(), True, b""
    with path.open("rb") as raw:
        while block := raw.read(request_csv.READ_BYTES):
            digest.update(block)
            plain = plain and not any(c in block for c in _NOT_PLAIN)
            plain = plain and not (not carry and block.startswith(b"\xef\xbb\xbf"))
            window = carry + block  # a line's end may straddle two blocks: the last byte is seen again
            plain = plain and _plain_line_ends(window)
            carry = window[-1:]
    return digest.hexdigest(), plain


def _plain_line_ends(window: bytes) -> bool:
    """No empty line (LF LF, or a line that begins with CR) and no lone CR, but for a CR last, which
    the next block's first byte may end. Searched as bytes, not by a regular expression: a regular
    expression tried a match at every line's end, 1 s of a 1,280,000-row file (docs/benchmarks.md,
    2026-12-08b)."""
    if b"\n\n" in window or b"\n\r" in window:
        return False
    return window.count(b"\r") - window.count(b"\r\n") == window.endswith(b"\r")


def read(path: Path, limit: int | None) -> pa.Table | None:
    """The rows of a plain request file (scan said so) as request_csv.STORED, each with its line; None
    when Arrow does not take the file as it is (request_csv.read then reads it, or refuses it)."""
    with path.open("rb") as raw:
        first = raw.readline(HEADER_BYTES)  # a hostile file's first line may be all of it
    try:
        header = first.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not first.endswith(b"\n"):  # no header line within the bound, or no row after it
        return None
    request_csv.header(path, csv.reader([header]), REQUEST_COLUMNS)  # a wrong header is refused as ever
    options = (
        pcsv.ReadOptions(skip_rows=1, column_names=list(REQUEST_COLUMNS), block_size=BLOCK_BYTES),
        pcsv.ParseOptions(quote_char=False, newlines_in_values=False, ignore_empty_lines=False),
        pcsv.ConvertOptions(
            column_types={c: pa.string() for c in REQUEST_COLUMNS}, strings_can_be_null=False
        ),
    )
    blocks, rows = [], 0
    try:
        with pcsv.open_csv(path, *options) as reader:
            for batch in reader:
                if limit is not None and rows + batch.num_rows > limit:
                    raise request_csv.too_many(path, limit + 1, limit)
                if any(_longest(batch.column(c)) > request_csv.MAX_FIELD_BYTES for c in REQUEST_COLUMNS):
                    return None
                lines = pa.array(range(rows + 2, rows + 2 + batch.num_rows), pa.int64())  # a line a record
                blocks.append(request_csv.compact(batch.append_column(request_csv.LINE, lines)))
                rows += batch.num_rows
    except pa.ArrowInvalid:  # a record Arrow does not take as it is: the strict reader says where
        return None
    return pa.concat_tables(blocks).unify_dictionaries() if blocks else request_csv.STORED.empty_table()


def _longest(column: pa.Array) -> int:
    longest = pc.max(pc.utf8_length(column)).as_py()
    return int(longest or 0)
