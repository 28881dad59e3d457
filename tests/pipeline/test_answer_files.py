import csv
import io
import itertools
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxmatch.interchange import RESULT_COLUMNS
from taxmatch.matching import duck
from taxmatch.pipeline import answer_files as output
from taxmatch.pipeline import atomic


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_formula_cells_are_escaped(cell: str) -> None:
    assert atomic.escape(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Smith", "12", "", "a=b"])
def test_plain_cells_are_left_alone(cell: str) -> None:
    assert atomic.escape(cell) == cell


def test_files_appear_together_and_round_trip(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    atomic.write_atomically(
        {
            a: atomic.csv_writer(["x", "y"], [{"x": "1", "y": "=2"}]),
            b: atomic.csv_writer(["z"], [{"z": "q,r"}]),
        }
    )
    assert list(csv.reader(a.read_text().splitlines())) == [["x", "y"], ["1", "'=2"]]
    assert list(csv.reader(b.read_text().splitlines())) == [["z"], ["q,r"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]


def test_a_failure_leaves_no_file(tmp_path: Path) -> None:
    def rows() -> list[dict[str, object]]:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        atomic.write_atomically(
            {
                tmp_path / "a.csv": atomic.csv_writer(["x"], [{"x": 1}]),
                tmp_path / "b.csv": atomic.csv_writer(["x"], (r for r in rows())),
            }
        )
    assert list(tmp_path.iterdir()) == []


def test_a_batch_s_three_files_keep_its_rows_as_they_are_and_clear_a_killed_writer_s_leftovers(
    tmp_path: Path,
) -> None:
    """Issue 10: release must never read the escaped CSV back, and a killed worker left .tmp files."""
    (tmp_path / ".results.csv.k1ll3d.tmp").write_text("half a file")
    results = [{"request_id": "=R1", "outcome": "VERIFIED", "disclosure_id": "-1"}]
    decisions = [{"request_id": "=R1", "outcome": "VERIFIED", "matched_tin": "123456789", "candidates": 2}]
    output.write(tmp_path, results, decisions)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.parquet", "decisions.csv", "results.csv"]
    assert "'=R1" in (tmp_path / "results.csv").read_text()
    got_results, got_decisions = output.read(tmp_path)
    assert got_results[0]["request_id"] == "=R1" and got_results[0]["disclosure_id"] == "-1"
    assert got_decisions[0]["matched_tin"] == "123456789" and got_decisions[0]["candidates"] == "2"


def test_a_code_the_requester_reads_differently_keeps_both_faces(tmp_path: Path) -> None:
    """answers.parquet merged the two files' shared columns, so a withheld row's decision came back
    with the requester's NO_CANDIDATE (decisions.csv lost WITHHELD_6103I6 when written from it)."""
    results = [{"request_id": "R1", "outcome": "NO_MATCH", "reason_codes": "NO_CANDIDATE"}]
    decisions = [{"request_id": "R1", "outcome": "NO_MATCH", "reason_codes": "WITHHELD_6103I6"}]
    output.write(tmp_path, results, decisions)
    got_results, got_decisions = output.read(tmp_path)
    assert got_results[0]["reason_codes"] == "NO_CANDIDATE"
    assert got_decisions[0]["reason_codes"] == "WITHHELD_6103I6"


def test_answers_written_before_0_3_are_still_read(tmp_path: Path) -> None:
    merged = {c: "" for c in (*output.RESULT_COLUMNS, *output.DECISION_COLUMNS)} | {"request_id": "R1"}
    pq.write_table(pa.Table.from_pylist([merged]), tmp_path / output.ANSWERS)
    got_results, got_decisions = output.read(tmp_path)
    assert got_results[0]["request_id"] == got_decisions[0]["request_id"] == "R1"


@settings(max_examples=100, deadline=None)
@given(cells=st.lists(st.text(max_size=6) | st.none() | st.integers(), min_size=1, max_size=8))
def test_the_files_columns_are_escaped_and_quoted_as_the_one_row_writer_does(cells: list[object]) -> None:
    """Issue 13: the answer files escape and write a column at a time, byte for byte as write_csv does
    a row at a time (formula cells, quotes, commas, line breaks, None, numbers)."""
    results = [{"request_id": f"R{i}", "outcome": "NO_MATCH", "reason_codes": c} for i, c in enumerate(cells)]
    with tempfile.TemporaryDirectory() as folder:
        output.write(Path(folder), results, [{"request_id": r["request_id"]} for r in results])
        written = (Path(folder) / output.RESULTS).read_bytes()
    expected = io.StringIO(newline="")
    atomic.write_csv(expected, RESULT_COLUMNS, results)
    assert written == expected.getvalue().encode()


def test_a_block_that_fails_leaves_no_file_and_its_own_error(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="boom"), output.Writer(tmp_path) as files:
        files.add([{"request_id": "R1"}], [{"request_id": "R1"}])
        raise KeyError("boom")
    assert list(tmp_path.iterdir()) == []


def test_the_last_sort_holds_a_share_of_the_budget_not_all_of_it(tmp_path: Path) -> None:
    """With the whole budget, the sort of a 7.6M-row batch's answers took the main process to 8.6 GB."""
    staged = output.Staged(tmp_path, duck.Budget(4 * 2**30, tmp_path / "spill"))
    assert staged.budget == duck.Budget(int(4 * 2**30 * output.SORT_SHARE), tmp_path / "spill")
    assert 0 < output.SORT_SHARE < 1
    small = output.Staged(tmp_path, duck.Budget(300 * 2**20)).budget.memory_bytes
    assert small == output.SORT_FLOOR  # too little to sort at all is not a share


def test_a_whole_number_past_64_bits_is_written_as_its_digits(tmp_path: Path) -> None:
    """Arrow refuses it with OverflowError, not ArrowInvalid (hypothesis found it: cells=[2**64])."""
    output.write(tmp_path, [{"request_id": "R1", "reason_codes": 2**64}], [{"request_id": "R1"}])
    assert b"18446744073709551616" in (tmp_path / output.RESULTS).read_bytes()


@settings(max_examples=50, deadline=None)
@given(cells=st.lists(st.text(max_size=6), min_size=2, max_size=8), cut=st.integers(0, 2))
def test_rows_of_a_slice_or_of_several_chunks_are_those_rows_alone(cells: list[str], cut: int) -> None:
    """The CSV bytes are read from each chunk's buffers: a slice (an offset into them) and a column
    in chunks give the rows they hold, as the csv module writes them, and no others."""
    column = pa.array(cells, pa.string())
    given_columns = [column.slice(cut), pa.chunked_array([column.slice(cut, 1), column.slice(cut + 1)])]
    expected = io.StringIO(newline="")
    csv.writer(expected, lineterminator="\r\n").writerows([atomic.escape(c)] * 2 for c in cells[cut:])
    assert b"".join(bytes(b) for b in output._csv_rows(given_columns)) == expected.getvalue().encode()


@settings(max_examples=100, deadline=None)
@given(
    cells=st.lists(st.text(alphabet="=+-@\t\r\n\",'a ", max_size=4), min_size=1, max_size=12),
    cuts=st.lists(st.integers(0, 12), max_size=3),
)
def test_only_the_cells_that_need_it_are_escaped_or_quoted_in_any_chunking(
    cells: list[str], cuts: list[int]
) -> None:
    """Formulas and cells to quote are changed alone, the others kept as they are, in whatever chunks
    the column comes: each cell as the csv module writes atomic.escape's."""
    bounds = sorted({0, len(cells), *(min(c, len(cells)) for c in cuts)})
    column = pa.chunked_array([pa.array(cells[a:b], pa.string()) for a, b in itertools.pairwise(bounds)])
    expected = io.StringIO(newline="")
    csv.writer(expected, lineterminator="\r\n").writerows([atomic.escape(c)] * 2 for c in cells)
    assert b"".join(bytes(b) for b in output._csv_rows([column, column])) == expected.getvalue().encode()
