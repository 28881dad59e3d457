import hashlib
import tempfile
import time
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from taxmatch.errors import InputError, TooLarge
from taxmatch.interchange import REQUEST_COLUMNS
from taxmatch.pipeline import intake, request_csv
from tests.conftest import request_row

HEADER = ",".join(REQUEST_COLUMNS)


def line(row: dict[str, str]) -> str:
    return ",".join(f'"{row[c]}"' for c in REQUEST_COLUMNS)


def write(tmp_path: Path, text: str, name: str = "requests.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        intake.read_requests(path)
    return info.value


def test_reads_rows_in_order_with_their_lines(tmp_path: Path) -> None:
    rows = [request_row(request_id="a"), request_row(request_id="b", reason="line one\nline two")]
    path = write(tmp_path, "\n".join([HEADER, *map(line, rows)]) + "\n")
    got = intake.read_requests(path)
    assert [r["request_id"] for r in got.rows] == ["a", "b"]
    assert got.rows[1]["reason"] == "line one\nline two"
    assert got.lines == [2, 3]
    assert got.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_parquet_with_the_same_columns_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "requests.parquet"
    pq.write_table(pa.Table.from_pylist([request_row()]), path)
    assert intake.read_requests(path).rows[0]["last_name"] == "Garcia Lopez"


@pytest.mark.parametrize(
    ("column", "array", "kind"),
    [
        ("zip", pa.array([1570], pa.int64()), "int64"),
        ("tin", pa.array([b"123456789"], pa.binary()), "binary"),
        ("unit", pa.array([["4", "B"]]), "list<element: string>"),
        ("city", pa.array([{"name": "Springfield"}]), "struct<name: string>"),
    ],
)
def test_a_parquet_column_that_is_not_text_is_refused(
    tmp_path: Path, column: str, array: pa.Array, kind: str
) -> None:
    """Issue 10: struct, list and binary columns gave a 500; an integer zip turned 01570 into 1570."""
    table = pa.Table.from_pylist([request_row()])
    table = table.set_column(table.column_names.index(column), column, array)
    path = tmp_path / "requests.parquet"
    pq.write_table(table, path)
    error = refused(path)
    assert f"column {column!r} holds {kind}, not text" in error.message and "leading zeros" in error.fix


def test_a_parquet_column_nobody_filled_reads_as_empty_text(tmp_path: Path) -> None:
    table = pa.Table.from_pylist([request_row()])
    table = table.set_column(table.column_names.index("unit"), "unit", pa.nulls(1))
    path = tmp_path / "requests.parquet"
    pq.write_table(table, path)
    assert intake.read_requests(path).rows[0]["unit"] == ""


def test_missing_column(tmp_path: Path) -> None:
    error = refused(write(tmp_path, HEADER.replace(",zip", "") + "\n"))
    assert "missing column(s): zip" in error.message and "line 1" in error.message


def test_extra_column(tmp_path: Path) -> None:
    error = refused(write(tmp_path, HEADER + ",notes\n"))
    assert "unknown column(s): notes" in error.message


def test_reordered_columns(tmp_path: Path) -> None:
    cols = list(REQUEST_COLUMNS)
    cols[0], cols[1] = cols[1], cols[0]
    assert "order" in refused(write(tmp_path, ",".join(cols) + "\n")).message


def test_empty_file(tmp_path: Path) -> None:
    assert "empty" in refused(write(tmp_path, "")).message


def test_header_only(tmp_path: Path) -> None:
    assert "no request rows" in refused(write(tmp_path, HEADER + "\n")).message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "requests.csv"
    path.write_bytes((HEADER + "\n" + line(request_row())).encode("utf-8") + b'\n"x\xff"\n')
    error = refused(path)
    assert "not valid UTF-8" in error.message and "line 3" in error.message


def test_nul_byte(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n" + line(request_row(reason="a\x00b")) + "\n")
    assert "NUL" in refused(path).message


def test_ragged_row_names_its_line(tmp_path: Path) -> None:
    rows = [line(request_row(request_id="a")), line(request_row(request_id="b")) + ',"extra"']
    error = refused(write(tmp_path, "\n".join([HEADER, *rows]) + "\n"))
    assert "line 3" in error.message and "19 fields" in error.message


def test_duplicate_request_ids(tmp_path: Path) -> None:
    rows = [line(request_row(request_id="a")), line(request_row(request_id="a"))]
    error = refused(write(tmp_path, "\n".join([HEADER, *rows]) + "\n"))
    assert "repeats the one on line 2" in error.message and "line 3" in error.message
    assert "request_id" in error.message


def test_empty_request_id(tmp_path: Path) -> None:
    error = refused(write(tmp_path, HEADER + "\n" + line(request_row(request_id=" ")) + "\n"))
    assert "request_id is empty" in error.message


def test_huge_field_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n" + line(request_row(reason="x" * 2_000_000)) + "\n")
    assert "line 2" in refused(path).message


def test_bad_quoting(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + '\n"a"b,' + ",".join(["x"] * 17) + "\n")
    assert "malformed CSV" in refused(path).message


def tiny_rows(count: int) -> str:
    """`count` rows of empty fields but their request ids: the cheapest rows a hostile file can hold."""
    return HEADER + "\n" + "".join(f"R{i}" + "," * (len(HEADER.split(",")) - 1) + "\n" for i in range(count))


@pytest.mark.slow
def test_too_many_rows_are_refused_before_any_row_is_built(tmp_path: Path) -> None:
    """Issue 10: 2,000,000 tiny rows took the CLI past 5 GB; the limit is counted while scanning."""
    path = write(tmp_path, tiny_rows(2_000_000))
    started = time.perf_counter()  # timed apart from tracemalloc, which makes it 5x slower
    with pytest.raises(TooLarge) as info:
        intake.read_requests(path, max_rows=1_300_000)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):
            intake.read_requests(path, max_rows=1_300_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "1,300,001 rows is more than the 1,300,000" in info.value.message
    assert seconds < 20, f"{seconds:.1f} s"  # 7 s on the slowest machine seen; rows built would be more
    assert peak < 300 * 2**20, f"{peak / 2**20:.0f} MiB"  # the file and its text, not its rows


def test_a_parquet_file_over_the_row_limit_is_refused_from_its_metadata(tmp_path: Path) -> None:
    path = tmp_path / "requests.parquet"
    pq.write_table(pa.Table.from_pylist([request_row(request_id=f"R{i}") for i in range(11)]), path)
    with pytest.raises(TooLarge, match="11 rows is more than the 10"):
        intake.read_requests(path, max_rows=10)
    assert len(intake.read_requests(path, max_rows=11).rows) == 11


KINDS = {
    "string": (pa.string(), "x"),
    "large_string": (pa.large_string(), "x"),
    "int64": (pa.int64(), 1),
    "float64": (pa.float64(), 1.5),
    "bool": (pa.bool_(), True),
    "binary": (pa.binary(), b"x"),
    "list": (pa.list_(pa.string()), ["x"]),
    "struct": (pa.struct([("a", pa.string())]), {"a": "x"}),
    "null": (pa.null(), None),
}


@settings(max_examples=60, deadline=None)
@example(kinds=["string"] * len(REQUEST_COLUMNS), drop=None)  # the accepted branch, always tried
@example(kinds=["large_string", *["null"] * (len(REQUEST_COLUMNS) - 1)], drop=None)
@example(kinds=[*["string"] * (len(REQUEST_COLUMNS) - 1), "int64"], drop=None)  # an integer zip
@given(
    kinds=st.lists(
        st.sampled_from(sorted(KINDS)), min_size=len(REQUEST_COLUMNS), max_size=len(REQUEST_COLUMNS)
    ),
    drop=st.none() | st.sampled_from(REQUEST_COLUMNS),
)
def test_any_parquet_schema_is_read_as_text_or_refused_cleanly(kinds: list[str], drop: str | None) -> None:
    """Issue 10: every Parquet schema is either the agreed text columns or an InputError, never a crash."""
    columns = [c for c in REQUEST_COLUMNS if c != drop]
    table = pa.table({c: pa.array([KINDS[k][1]], KINDS[k][0]) for c, k in zip(columns, kinds, strict=False)})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "requests.parquet"
        pq.write_table(table, path)
        texts = all(k in {"string", "large_string", "null"} for k in kinds[: len(columns)])
        if drop is None and texts and kinds[0] != "null":  # a row needs its request_id
            assert intake.read_requests(path).rows[0]["request_id"] == "x"
        else:
            with pytest.raises(InputError):
                intake.read_requests(path)


def test_repeating_columns_are_kept_once_across_blocks_and_given_back_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: a block at a time, each with its own dictionary, made one at the end; every reader
    sees the text as it was written."""
    monkeypatch.setattr(request_csv, "BLOCK_ROWS", 2)
    rows = [
        request_row(request_id=f"r{n}", state=state, zip=z, official_name=who)
        for n, (state, z, who) in enumerate(
            [("IL", "62701", "A. Agent"), ("TX", "73301", "B. Agent"), ("IL", "62701", "C. Agent")]
            + [("NY", "10001", "A. Agent"), ("TX", "62701", "")]
        )
    ]
    got = intake.read_requests(write(tmp_path, "\n".join([HEADER, *map(line, rows)]) + "\n"))
    state = got.column("state")
    assert pa.types.is_dictionary(state.type) and state.num_chunks == 3
    assert all(chunk.dictionary.equals(state.chunk(0).dictionary) for chunk in state.chunks)
    assert sorted(state.chunk(0).dictionary.to_pylist()) == ["IL", "NY", "TX"]
    assert not pa.types.is_dictionary(got.column("request_id").type)  # nearly all distinct: kept as text
    assert got.rows == rows
    taken = got.columns_at([4, 0, 3])
    assert all(field.type == pa.string() for field in taken.schema)
    assert taken.to_pylist() == [rows[4], rows[0], rows[3]]
    assert got.take([1]) == [rows[1]]
    assert [r for _, chunk in got.chunks(2) for r in chunk] == rows
