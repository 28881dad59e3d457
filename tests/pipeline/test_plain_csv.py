"""A request file with nothing to unquote is parsed by Arrow (plain_csv.py): the same table, lines and
digest as the strict reader gives, and every file Arrow would not take as it is goes back to the strict
reader, which refuses it as it always did."""

from __future__ import annotations

import csv
import hashlib
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxmatch.errors import InputError, TooLarge
from taxmatch.interchange import REQUEST_COLUMNS
from taxmatch.pipeline import intake, plain_csv, request_csv

HEADER = ",".join(REQUEST_COLUMNS)
# Any text but what CSV quoting or a record's end is made of (and NUL, which is refused).
FIELD = st.text(st.characters(blacklist_characters='",\r\n\x00', blacklist_categories=["Cs"]), max_size=8)
ROW = st.lists(FIELD, min_size=len(REQUEST_COLUMNS), max_size=len(REQUEST_COLUMNS))


def written(folder: Path, body: bytes) -> Path:
    path = folder / "requests.csv"
    path.write_bytes(body)
    return path


@settings(max_examples=60, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=6), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_a_plain_file_reads_as_the_strict_reader_reads_it(
    rows: list[list[str]], end: str, last: bool
) -> None:
    body = end.join([HEADER, *(",".join(r) for r in rows)]) + (end if last else "")
    with tempfile.TemporaryDirectory() as folder:
        path = written(Path(folder), body.encode())
        digest, plain = plain_csv.scan(path)
        strict, strict_digest = request_csv.read(path, None)
        fast = plain_csv.read(path, None)
    assert plain and digest == strict_digest
    assert fast is not None and fast.equals(strict)  # values, dictionaries' decoded values and lines


ROW_TEXT = ",".join(["x"] * len(REQUEST_COLUMNS))


@pytest.mark.parametrize(
    "body",
    [
        f'{HEADER}\n"{ROW_TEXT}"\n'.encode(),
        f"{HEADER}\n{ROW_TEXT}\x00\n".encode(),
        f"\ufeff{HEADER}\n{ROW_TEXT}\n".encode(),
        f"{HEADER}\n{ROW_TEXT}\n\n{ROW_TEXT}\n".encode(),
        f"{HEADER}\r\n{ROW_TEXT}\r\n\r\n".encode(),
        f"{HEADER}\r{ROW_TEXT}\r".encode(),
    ],
    ids=["a quote", "a NUL byte", "a byte-order mark", "an empty line", "an empty last line", "lone CRs"],
)
def test_what_arrow_reads_otherwise_than_the_strict_reader_goes_to_the_strict_reader(
    tmp_path: Path, body: bytes
) -> None:
    """Arrow reads an empty line as a record of empty fields, which the strict reader refuses as a
    record of none; the rest it cannot parse as RFC 4180 means."""
    path = written(tmp_path, body)
    digest, plain = plain_csv.scan(path)
    assert not plain
    assert digest == hashlib.sha256(body).hexdigest()


def test_a_line_end_split_between_two_reads_is_seen_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(request_csv, "READ_BYTES", 4)  # every line end falls on some block's edge
    for end in ("\n", "\r\n"):
        assert plain_csv.scan(written(tmp_path, f"{HEADER}{end}{ROW_TEXT}{end}".encode()))[1]
        assert not plain_csv.scan(written(tmp_path, f"{HEADER}{end}{end}{ROW_TEXT}".encode()))[1]
    assert not plain_csv.scan(written(tmp_path, f"{HEADER}\r{ROW_TEXT}".encode()))[1]


LINE_ENDS = re.compile(rb"\r(?!\n)|\n\n|\n\r")  # what scan refuses: a lone CR, or an empty line


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=12).map(lambda b: bytes(b"x\r\n"[n % 3] for n in b)))
def test_a_block_s_line_ends_are_plain_as_the_regular_expression_says(window: bytes) -> None:
    """The line ends scan refuses, searched as bytes, are those of the regular expression that says what
    they are: none, but for a CR last (the next block's first byte may end it)."""
    found = LINE_ENDS.search(window)
    assert plain_csv._plain_line_ends(window) == (found is None or found.start() == len(window) - 1)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (f"{HEADER}\n{ROW_TEXT}\nx,y\n".encode(), "2 fields where the header has"),
        (f"{HEADER}\n{ROW_TEXT},x\n".encode(), "19 fields where the header has"),
        (f"{HEADER}\n{ROW_TEXT}\n".encode().replace(b"x", b"\xff", 1), "is not valid UTF-8"),
    ],
    ids=["too few fields", "too many fields", "a byte that is not UTF-8"],
)
def test_what_arrow_would_not_take_is_refused_by_the_strict_reader_where_it_is(
    tmp_path: Path, body: bytes, expected: str
) -> None:
    path = written(tmp_path, body)
    assert plain_csv.scan(path)[1]
    with pytest.raises(InputError, match=expected) as info:
        intake.read_requests(path)
    assert info.value.where is not None and info.value.where.line is not None


def test_a_field_past_the_limit_goes_to_the_strict_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = request_csv.MAX_FIELD_BYTES
    monkeypatch.setattr(request_csv, "MAX_FIELD_BYTES", 8)
    long = written(tmp_path, f"{HEADER}\n{ROW_TEXT.replace('x', 'x' * 9, 1)}\n".encode())
    try:
        assert plain_csv.scan(long)[1] and plain_csv.read(long, None) is None
        with pytest.raises(InputError, match="field larger than field limit"):
            intake.read_requests(long)
    finally:
        csv.field_size_limit(limit)  # the csv module's own setting, which the strict reader set to 8


def test_more_rows_than_allowed_are_refused_as_the_strict_reader_refuses_them(tmp_path: Path) -> None:
    path = written(
        tmp_path, "\n".join([HEADER, *[ROW_TEXT.replace("x", f"r{n}", 1) for n in range(5)]]).encode()
    )
    with pytest.raises(TooLarge) as fast:
        plain_csv.read(path, 4)
    with pytest.raises(TooLarge) as strict:
        request_csv.read(path, 4)
    assert str(fast.value) == str(strict.value)
    assert len(plain_csv.read(path, 5) or []) == 5


def test_a_first_line_past_the_bound_is_not_read_whole_but_left_to_the_strict_reader(tmp_path: Path) -> None:
    """A hostile file may be one line of gigabytes: the header is read up to a bound, not to its end."""
    path = written(tmp_path, b"x" * (plain_csv.HEADER_BYTES * 2))
    assert plain_csv.scan(path)[1] and plain_csv.read(path, None) is None
    assert plain_csv.read(written(tmp_path, HEADER.encode()), None) is None  # a header and no row
