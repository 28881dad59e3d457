"""Accounting a batch's disclosures at the moment its answers leave (the CLI and interactive calls).

While the rows are answered, each disclosure is numbered as it is noted (`Pending`,
as Arrow columns): the places after the log's head as the batch began, in the order
the rows are answered, or the id the log already holds for it (a re-run). The
answer files and the stored decisions carry those ids from the start. Once every
row is answered, the disclosures are placed after the log's head as it is now;
the answer files are completed under temporary names while the entries are made
and inserted beside them, in one transaction that commits only once the files are
complete, and only then do the files take their names. So:

- a run stopped before the commit leaves neither entries nor files (and a re-run
  replaces its decisions, ids and all);
- one stopped between the commit and the renames leaves entries whose files
  the re-run writes with the very same ids (the log keeps one entry per batch
  and row, and `place` reuses it);
- if another writer extended the log meanwhile, the ids noted are not the places:
  the files and the decisions take the new ones, and a commit refused because
  the log moved on is placed and written again after the new head.

Numbered as noted, a first run whose log did not move rewrites nothing: writing
1.28M decisions' ids afterwards cost SQLite 13.6 s (docs/benchmarks.md, 2026-12-06f).
A service batch is accounted at release instead (release.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future

import pyarrow as pa
import pyarrow.compute as pc

from taxmatch.agreement import Agreement
from taxmatch.db import decisions, disclosure, ledger
from taxmatch.errors import LogContended
from taxmatch.interchange import DISCLOSED_COLUMNS
from taxmatch.pipeline import answer_files, overlap
from taxmatch.pipeline.context import Context
from taxmatch.pipeline.results import Answer

log = logging.getLogger(__name__)
ATTEMPTS = 5
PAGE = 20_000  # entries built and inserted at a time: memory follows the page, not the batch
SCHEMA = pa.schema(
    [pa.field("position", pa.int64()), pa.field("tin", pa.string()), pa.field("disclosure_id", pa.string())]
    + [pa.field(c, pa.string()) for c in (*disclosure.ASKED, *DISCLOSED_COLUMNS)]
)


class Pending:
    """A batch's disclosures as its chunks are answered: who asked, about whom, what would leave, and
    the id each was numbered with as it was noted."""

    def __init__(self, start: ledger.Placing) -> None:
        self.tables: list[pa.Table] = []
        self.numbering = ledger.Numbering(start.ids, start.seq)

    @classmethod
    def begin(cls, ctx: Context, bid: str) -> Pending:
        """Numbering after the log's head as the batch begins (and the ids it holds for the batch)."""
        return cls(ledger.place(ctx.engine, bid, ()))

    def note(self, positions: Sequence[int], requests: pa.Table, answers: Sequence[Answer]) -> list[Answer]:
        """Note a chunk's disclosures and number them; the answers, each disclosure with its id.
        `requests`: the chunk's request rows, in the order of `answers`."""
        numbered = list(answers)
        chosen = [n for n, a in enumerate(answers) if a.decision.chosen]
        if not chosen:
            return numbered
        for n in chosen:
            a = answers[n]
            numbered[n] = Answer(a.request_id, a.decision, self.numbering.id_of(a.request_id), a.disclosed)
        columns: dict[str, list[object] | pa.ChunkedArray] = {
            "position": [positions[n] for n in chosen],
            "tin": [a.decision.chosen.tin for n in chosen if (a := answers[n]).decision.chosen],
            "disclosure_id": [numbered[n].disclosure_id for n in chosen],
        }
        asked = requests.select(disclosure.ASKED).take(pa.array(chosen, pa.int64()))
        columns |= {c: asked[c] for c in disclosure.ASKED}
        for i, c in enumerate(DISCLOSED_COLUMNS):
            columns[c] = [d[i] if (d := answers[n].disclosed) else "" for n in chosen]
        self.tables.append(pa.table(columns, schema=SCHEMA))
        return numbered

    def taken(self) -> pa.Table:
        """Every disclosure noted, in the order noted (the order numbered, and their decisions stored);
        the notes themselves are let go (not held twice)."""
        table = pa.concat_tables(self.tables) if self.tables else SCHEMA.empty_table()
        self.tables = []
        return table


def _pages(
    bid: str, table: pa.Table, new: Sequence[str], agreement: Agreement
) -> Iterator[disclosure.Disclosures]:
    """The disclosures that get new entries, in the order placed, a page at a time."""
    # On a first run every disclosure is new: the table itself, not a second copy of every one noted.
    every = len(new) == table.num_rows
    fresh = table if every else table.filter(pc.is_in(table["request_id"], pa.array(new, pa.string())))
    for start in range(0, fresh.num_rows, PAGE):
        page = fresh.slice(start, PAGE)
        columns = {c: page[c].to_pylist() for c in (*disclosure.ASKED, *DISCLOSED_COLUMNS)}
        yield disclosure.disclosures(bid, columns, page["tin"].to_pylist(), agreement, columns)


def account(
    ctx: Context,
    bid: str,
    pending: Pending,
    files: answer_files.Held | answer_files.Staged,
    now: dt.datetime,
) -> dict[str, str]:
    """Complete the answer files with their disclosure ids, committing the entries just before they take
    their names; request id -> disclosure id."""
    table = pending.taken()
    asked = [str(r) for r in table["request_id"].to_pylist()]
    noted = dict(zip(asked, table["disclosure_id"].to_pylist(), strict=True))
    for attempt in range(1, ATTEMPTS + 1):
        placing = ledger.place(ctx.engine, bid, asked)
        moved = _moved(noted, placing.ids)
        try:
            pages = _pages(bid, table, placing.new, ctx.agreement)
            _files_and_entries(ctx, files, moved, placing, pages, now)
            break
        except LogContended:
            log.info("batch %s: the log moved on while its answers were written (attempt %d)", bid, attempt)
            if attempt == ATTEMPTS:
                raise
    # Only ids that differ from those noted (the log moved, or holds rows of an earlier run), in the order
    # noted, which is the order the decisions were stored (db/decisions.record_disclosure_ids).
    decisions.record_disclosure_ids(ctx.engine, bid, moved, ())
    return placing.ids


class _Handover:
    """The answer files and the ledger's entries made at once, one committed only when the other is
    complete: the entries' transaction, in a thread of its own, waits for the files before it commits,
    and the files wait for that commit before they take their names."""

    def __init__(self) -> None:
        self.complete, self.files_written = threading.Event(), False

    def ready(self) -> bool:
        """In the ledger's transaction, every entry in: whether the files were completed."""
        self.complete.wait()
        return self.files_written

    def commit(self, committed: Future[None]) -> None:
        """The files are complete: commit the entries, and wait for that (its error, if it failed)."""
        self.files_written = True
        self.complete.set()
        committed.result()

    def abandon(self) -> None:
        """The files failed: roll the entries back."""
        self.complete.set()


def _files_and_entries(
    ctx: Context,
    files: answer_files.Held | answer_files.Staged,
    moved: dict[str, str],
    placing: ledger.Placing,
    pages: Iterator[disclosure.Disclosures],
    now: dt.datetime,
) -> None:
    """The files written in request order while the ledger's entries are made and inserted beside them
    (their canonical JSON and hashes are Python; the sort and the files mostly DuckDB and Arrow): at
    1.28M rows and 614,908 entries, from the last row to the files 21.6-25.7 s one after the other,
    15.4 s together (docs/benchmarks.md, 2026-12-06f).
    The entries are committed only once the files are complete, and the files take their names only
    once the entries are committed, as before."""
    handover = _Handover()
    with overlap.beside(lambda: ledger.commit(ctx.engine, placing, pages, now, handover.ready)) as committed:
        try:
            files.finish(moved, lambda: handover.commit(committed))
        finally:
            handover.abandon()  # no-op once committed; otherwise nothing is appended


def _moved(noted: dict[str, str], placed: dict[str, str]) -> dict[str, str]:
    """The placed ids that are not the ones noted: those of rows noted first, in the order noted, then
    any the log holds for rows not noted now (as the files and decisions of an earlier run had them)."""
    moved = {r: placed[r] for r, given in noted.items() if placed[r] != given}
    return moved | {r: i for r, i in placed.items() if r not in noted}
