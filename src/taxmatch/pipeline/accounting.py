"""Accounting a batch's disclosures at the moment its answers leave (the CLI and interactive calls).

While the rows are answered, a disclosure is only noted (`Pending`, as Arrow
columns). Once every row is answered, the disclosures are given their places
after the log's head, the answer files are written under temporary names with
those ids, the entries are committed in one transaction, and only then do the
files take their names. So:

- a run stopped before the commit leaves neither entries nor files;
- one stopped between the commit and the renames leaves entries whose files
  the re-run writes with the very same ids (the log keeps one entry per batch
  and row, and `place` reuses it);
- if another writer extended the log meanwhile, the commit refuses as a whole
  and the files are written again after the new head.

A service batch is accounted at release instead (release.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from taxmatch.agreement import Agreement
from taxmatch.db import decisions, ledger
from taxmatch.errors import LogContended
from taxmatch.interchange import DISCLOSED_COLUMNS
from taxmatch.pipeline import answer_files
from taxmatch.pipeline.context import Context
from taxmatch.pipeline.results import Answer

log = logging.getLogger(__name__)
ATTEMPTS = 5
PAGE = 20_000  # entries built and inserted at a time: memory follows the page, not the batch
SCHEMA = pa.schema(
    [pa.field("position", pa.int64()), pa.field("tin", pa.string())]
    + [pa.field(c, pa.string()) for c in (*ledger.ASKED, *DISCLOSED_COLUMNS)]
)


class Pending:
    """A batch's disclosures as its chunks are answered: who asked, about whom, what would leave."""

    def __init__(self) -> None:
        self.tables: list[pa.Table] = []

    def note(
        self, positions: Sequence[int], rows: Sequence[dict[str, str]], answers: Sequence[Answer]
    ) -> None:
        chosen = [(p, r, a) for p, r, a in zip(positions, rows, answers, strict=True) if a.decision.chosen]
        if not chosen:
            return
        columns: dict[str, list[object]] = {
            "position": [p for p, _, _ in chosen],
            "tin": [a.decision.chosen.tin for _, _, a in chosen if a.decision.chosen],
        }
        columns |= {c: [r[c] for _, r, _ in chosen] for c in ledger.ASKED}
        for n, c in enumerate(DISCLOSED_COLUMNS):
            columns[c] = [a.disclosed[n] if a.disclosed else "" for _, _, a in chosen]
        self.tables.append(pa.table(columns, schema=SCHEMA))

    def in_request_order(self) -> tuple[pa.Table, pa.Array]:
        """Every disclosure noted, in request order, and where each stands in it, in the order noted
        (the order their decisions were stored in); the notes themselves are let go (not held twice)."""
        table = pa.concat_tables(self.tables) if self.tables else SCHEMA.empty_table()
        self.tables = []
        by_request = pc.sort_indices(table["position"])
        return table.take(by_request), pc.sort_indices(by_request)


def _pages(
    bid: str, table: pa.Table, new: Sequence[str], agreement: Agreement
) -> Iterator[ledger.Disclosures]:
    """The disclosures that get new entries, in the order placed, a page at a time."""
    # On a first run every disclosure is new: the table itself, not a second copy of every one noted.
    every = len(new) == table.num_rows
    fresh = table if every else table.filter(pc.is_in(table["request_id"], pa.array(new, pa.string())))
    for start in range(0, fresh.num_rows, PAGE):
        page = fresh.slice(start, PAGE)
        columns = {c: page[c].to_pylist() for c in (*ledger.ASKED, *DISCLOSED_COLUMNS)}
        yield ledger.disclosures(bid, columns, page["tin"].to_pylist(), agreement, columns)


def account(
    ctx: Context,
    bid: str,
    pending: Pending,
    files: answer_files.Held | answer_files.Staged,
    now: dt.datetime,
) -> dict[str, str]:
    """Write the answer files with their disclosure ids, committing the entries just before they take
    their names; request id -> disclosure id."""
    table, as_stored = pending.in_request_order()
    asked = [str(r) for r in table["request_id"].to_pylist()]
    for attempt in range(1, ATTEMPTS + 1):
        placing = ledger.place(ctx.engine, bid, asked)

        def commit(placing: ledger.Placing = placing) -> None:
            ledger.commit(ctx.engine, placing, _pages(bid, table, placing.new, ctx.agreement), now)

        try:
            files.finish(placing.ids, commit)
            break
        except LogContended:
            log.info("batch %s: the log moved on while its answers were written (attempt %d)", bid, attempt)
            if attempt == ATTEMPTS:
                raise
    # Written on the decisions in the order they were stored (ZIP order, not request order), so that the
    # store visits each page of them once, in sequence (db/decisions.record_disclosure_ids).
    stored = {asked[i]: placing.ids[asked[i]] for i in as_stored.to_pylist()}
    stored.update(placing.ids)  # any the log held from an earlier run, after them
    del as_stored
    decisions.record_disclosure_ids(ctx.engine, bid, stored, ())
    return placing.ids
