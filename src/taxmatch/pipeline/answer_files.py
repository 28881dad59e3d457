"""A batch's answer files: results.csv and decisions.csv for people, answers.parquet for taxmatch.

The CSV files are for spreadsheets, their formula cells escaped (atomic.py).
When a release completes a batch's answers (disclosure ids, reviewers'
verdicts) it reads answers.parquet, which holds the same rows as they are, and
writes all three again. All three appear together or not at all: each is
written to a temporary name and renamed only once every one is complete.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from taxmatch.interchange import DECISION_COLUMNS, RESULT_COLUMNS
from taxmatch.matching import duck
from taxmatch.pipeline import atomic

RESULTS, DECISIONS, ANSWERS = "results.csv", "decisions.csv", "answers.parquet"
# Both files' columns as taxmatch keeps them, apart: a column both files have (outcome, reason codes)
# may differ between them (an internal code the requester reads as its public face).
ANSWER_COLUMNS: tuple[str, ...] = (
    *(f"result.{c}" for c in RESULT_COLUMNS),
    *(f"decision.{c}" for c in DECISION_COLUMNS),
)
Rows = Sequence[Mapping[str, object]]
Columns = Mapping[str, Sequence[object]]  # a file's columns by name, each with a value per row


def _text(values: list[object]) -> pa.Array:
    """Values as text (None as '', anything else as str() gives it): converted by Arrow where the
    column is all text or whole numbers, which is every column taxmatch writes; a cell at a time else."""
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # a whole number past 64 bits: OverflowError
        array = None
    if array is None or not (
        pa.types.is_string(array.type) or pa.types.is_integer(array.type) or pa.types.is_null(array.type)
    ):
        return pa.array(["" if v is None else str(v) for v in values], pa.string())
    return pc.fill_null(pc.cast(array, pa.string()), "")


def _by_column(rows: Rows, columns: Sequence[str]) -> dict[str, list[object]]:
    return {c: [r.get(c) for r in rows] for c in columns}


def _answers_table(results: Columns, decisions: Columns) -> pa.Table:
    texts = {f"result.{c}": _text(list(results[c])) for c in RESULT_COLUMNS}
    texts |= {f"decision.{c}": _text(list(decisions[c])) for c in DECISION_COLUMNS}
    return pa.table(texts, schema=ANSWERS_SCHEMA)


def _cells(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Each cell of a text column as the CSV holds it: escaped (atomic.escape), then quoted where it
    holds a quote, a comma or a line break, as Python's csv module quotes (QUOTE_MINIMAL, CRLF)."""
    text = pc.fill_null(column, "")
    escaped = _only(
        pc.match_substring_regex(text, _FORMULA), text, lambda t: pc.binary_join_element_wise("'", t, "")
    )
    return _only(
        pc.match_substring_regex(escaped, '[",\r\n]'),
        escaped,
        lambda t: pc.binary_join_element_wise('"', pc.replace_substring(t, '"', '""'), '"', ""),
    )


def _only(
    wanted: pa.ChunkedArray | pa.Array,
    cells: pa.ChunkedArray | pa.Array,
    change: Callable[[pa.ChunkedArray | pa.Array], pa.ChunkedArray | pa.Array],
) -> pa.ChunkedArray | pa.Array:
    """`cells` with `change` made to the wanted ones. Most pages of a batch hold no formula and nothing
    to quote (none of the 1.28M-row benchmark batch's 27M cells), and making the change to every cell
    of such a page, to keep it in none, was most of the time Arrow took to write its cells: 0.76 s for
    5.1M cells, 0.28 s without it. A page with any is changed whole, as before (0.74-0.78 s)."""
    if not pc.any(wanted).as_py():
        return cells
    return pc.if_else(wanted, change(cells), cells)


def _csv_rows(columns: Sequence[pa.Array | pa.ChunkedArray]) -> Iterator[pa.Buffer]:
    """The rows of these text columns as CSV bytes (cells joined by commas, each row ended by CRLF),
    made by Arrow a column at a time rather than by the csv module a cell at a time.

    Every column's cells are escaped and quoted together, as one chunked array (no copy), and parted
    again: each kernel is called once, not once a column, which was half of an interactive call's
    files (21 columns, 25 rows: 4.4 of 9.2 ms)."""
    rows = len(columns[0]) if columns else 0
    chunks = [part for c in columns for part in (c.chunks if isinstance(c, pa.ChunkedArray) else [c])]
    together = pa.chunked_array(chunks, pa.string())
    cells = _cells(together)
    joined = pc.binary_join_element_wise(*(cells.slice(i * rows, rows) for i in range(len(columns))), ",")
    lines = pc.binary_join_element_wise(joined, pa.scalar("\r\n"), "")
    for chunk in lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]:
        if len(chunk):  # the rows' bytes lie one after another in the chunk's data buffer
            _, offsets, data = chunk.buffers()  # `string`: 32-bit offsets (ANSWERS_SCHEMA's type)
            bounds = np.frombuffer(offsets, np.int32, count=len(chunk) + 1, offset=4 * chunk.offset)
            yield data[int(bounds[0]) : int(bounds[-1])]


_FORMULA = "^[" + "".join(re.escape(c) for c in atomic.FORMULA_STARTS) + "]"


def _split(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Result and decision rows from answers rows; an answers file from before 0.3 holds one merged
    column for a name both files have (its result value)."""
    if rows and "result.request_id" not in rows[0]:
        return [{c: r[c] for c in RESULT_COLUMNS} for r in rows], [
            {c: r[c] for c in DECISION_COLUMNS} for r in rows
        ]
    return (
        [{c: r[f"result.{c}"] for c in RESULT_COLUMNS} for r in rows],
        [{c: r[f"decision.{c}"] for c in DECISION_COLUMNS} for r in rows],
    )


ANSWERS_SCHEMA = pa.schema([(c, pa.string()) for c in ANSWER_COLUMNS])


class Writer:
    """A batch's three answer files written a chunk at a time, in request order.

    Rows go to temporary names as they are answered, so a batch of millions of
    rows is never held whole; the files take their real names together when
    the block ends without an error, and are removed when it does not.
    """

    def __init__(self, folder: Path, before_rename: Callable[[], None] | None = None) -> None:
        self.paths = (folder / RESULTS, folder / DECISIONS, folder / ANSWERS)
        self.rows = 0
        self.before_rename = before_rename or NOTHING  # the ledger's commit: files appear only after it

    def __enter__(self) -> Writer:
        self.temps = [atomic.staging_name(p) for p in self.paths]
        self.handles = [t.open("wb") for t in self.temps[:2]]
        for handle, header in zip(self.handles, (RESULT_COLUMNS, DECISION_COLUMNS), strict=True):
            handle.write((",".join(header) + "\r\n").encode())  # plain names: nothing to quote
        self.parquet = pq.ParquetWriter(self.temps[2], ANSWERS_SCHEMA)
        return self

    def add(self, results: Rows, decisions: Rows) -> None:
        """The next rows: one result row and one decision row per request."""
        self.add_table(
            _answers_table(_by_column(results, RESULT_COLUMNS), _by_column(decisions, DECISION_COLUMNS))
        )

    def add_table(self, given: pa.Table | pa.RecordBatch) -> None:
        """The next rows as an answers table (ANSWERS_SCHEMA's columns): each CSV cell escaped by Arrow."""
        answers = pa.Table.from_batches([given]) if isinstance(given, pa.RecordBatch) else given
        answers = answers.select(ANSWER_COLUMNS).cast(ANSWERS_SCHEMA)
        for handle, prefix, columns in (
            (self.handles[0], "result", RESULT_COLUMNS),
            (self.handles[1], "decision", DECISION_COLUMNS),
        ):
            for data in _csv_rows([answers.column(f"{prefix}.{c}") for c in columns]):
                handle.write(data)
        self.parquet.write_table(answers)
        self.rows += answers.num_rows

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        for handle in self.handles:
            handle.close()
        self.parquet.close()
        try:
            if kind is None:
                self.before_rename()
        except BaseException:
            kind = BaseException
            raise
        finally:
            if kind is not None:  # the block or the commit failed: no file takes its name
                for temp in self.temps:
                    temp.unlink(missing_ok=True)
        if kind is None:
            for temp, path in zip(self.temps, self.paths, strict=True):
                temp.replace(path)


Ids = Mapping[str, str]  # request id -> disclosure id, filled in as the files are written


def NOTHING() -> None:
    """No step between writing the files and renaming them."""


def _by_row(columns: Columns) -> list[dict[str, object]]:
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _with_id(row: Mapping[str, object], ids: Ids) -> Mapping[str, object]:
    found = ids.get(str(row["request_id"]))
    return {**row, "disclosure_id": found} if found else row


class Held:
    """Staged for a batch small enough to hold (an interactive call): rows sorted back in memory, with
    no staging file and no DuckDB session, which would cost a call tens of milliseconds.

    The files are written when the block ends, or before, by `finish`: with the disclosure ids the
    ledger gave, and `before_rename` (the ledger's commit) run once they are complete."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.finished = folder, False
        self.rows: list[tuple[int, Mapping[str, object], Mapping[str, object]]] = []

    def __enter__(self) -> Held:
        return self

    def add_at(self, positions: list[int], results: Columns, decisions: Columns) -> None:
        self.rows += zip(positions, _by_row(results), _by_row(decisions), strict=True)

    def finish(self, ids: Ids, before_rename: Callable[[], None] = NOTHING) -> None:
        ordered = sorted(self.rows, key=lambda row: row[0])
        with Writer(self.folder, before_rename) as files:
            files.add([_with_id(r, ids) for _, r, _ in ordered], [_with_id(d, ids) for _, _, d in ordered])
        self.finished = True

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None and not self.finished:
            self.finish({})


# The part of the memory budget the last sort may hold. It runs in the process that holds the request
# file and the batch's disclosures (3.5 GB at 7.6M rows), not beside the scoring the budget is for; with
# the whole budget (5 GB) the 7.6M-row batch peaked at 8.6 GB here. Spilling the rest costs little time
# (scripts/bench_answer_sort.py, docs/benchmarks.md).
SORT_SHARE = 0.25
SORT_FLOOR = 256 * 2**20  # below it, DuckDB cannot sort the wide rows at all (64 MiB failed)


class Staged:
    """A batch's answers, taken in any order and written in request order when the block ends.

    Each chunk's rows go to a Parquet file beside the answers with their row
    positions; at the end DuckDB sorts them back (within the memory budget,
    spilling beyond it) and the three files are written from them, a batch of
    rows at a time, by Writer. Nothing is left behind when the block fails.
    """

    ROW = "row"

    def __init__(self, folder: Path, budget: duck.Budget, share: float = SORT_SHARE) -> None:
        self.folder, self.budget = folder, budget.share(share, at_least=SORT_FLOOR)
        self.path = folder / ".answers.staging.parquet"
        self.schema = ANSWERS_SCHEMA.append(pa.field(self.ROW, pa.int64()))

    def __enter__(self) -> Staged:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(self.path, self.schema)
        return self

    def add_at(self, positions: list[int], results: Columns, decisions: Columns) -> None:
        """Rows answered out of order, a column at a time, with each one's position in the request file."""
        table = _answers_table(results, decisions).append_column(self.ROW, pa.array(positions, pa.int64()))
        self.writer.write_table(table)

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if not self.writer.is_open:
            self.path.unlink(missing_ok=True)
            return
        self.writer.close()
        try:
            if kind is None:
                self._write_in_order({}, NOTHING)
        finally:
            self.path.unlink(missing_ok=True)

    def finish(self, ids: Ids, before_rename: Callable[[], None] = NOTHING) -> None:
        """Write the files in request order with these disclosure ids; `before_rename` runs once they
        are complete and before they take their names (if it fails, they never do; this may be tried
        again)."""
        if self.writer.is_open:
            self.writer.close()
        self._write_in_order(ids, before_rename)
        self.path.unlink(missing_ok=True)

    def _write_in_order(self, ids: Ids, before_rename: Callable[[], None]) -> None:
        con = duck.connect(self.budget)
        try:
            given = pa.table(
                {"rid": pa.array(list(ids), pa.string()), "did": pa.array(list(ids.values()), pa.string())}
            )
            con.register("given", given)
            wanted = ", ".join(
                f'coalesce(given.did, a."{c}") AS "{c}"' if c.endswith(".disclosure_id") else f'a."{c}"'
                for c in ANSWER_COLUMNS
            )
            query = (
                f"SELECT {wanted} FROM read_parquet(?) a "
                f'LEFT JOIN given ON given.rid = a."result.request_id" ORDER BY a.{self.ROW}'
            )
            ordered: pa.RecordBatchReader = con.sql(query, params=[str(self.path)]).to_arrow_reader(50_000)
            with Writer(self.folder, before_rename) as files:
                for batch in ordered:
                    files.add_table(batch)
        finally:
            con.close()


def write(folder: Path, results: Rows, decisions: Rows) -> None:
    """A batch's three answer files, in request order: one result row and one decision row per request."""
    with Writer(folder) as files:
        files.add(results, decisions)


def read(folder: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """A batch's result and decision rows as they were written, unescaped, in request order."""
    return _split(pq.read_table(folder / ANSWERS).to_pylist())
