"""Issue 9: a disclosure is accounted exactly when its answer leaves, and a re-run completes a killed run.

`taxmatch process` used to append each chunk's entries as it went, so a run
killed before its files were written left entries for answers that never left.
Now the entries are committed once the files are written, just before they take
their names. Each test stops a run at one point, as a kill would.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from taxmatch.db import decisions, disclosure, ledger, schema
from taxmatch.errors import LogContended
from taxmatch.pipeline import accounting, answer_files, batch
from tests.pipeline.conftest import Store


class Killed(BaseException):
    """Stands for SIGKILL at one point of the run (a BaseException, as nothing may catch it)."""


def results_of(folder: Path) -> dict[str, str]:
    with (folder / "results.csv").open(encoding="utf-8", newline="") as handle:
        return {r["request_id"]: r["disclosure_id"] for r in csv.DictReader(handle) if r["disclosure_id"]}


def entries_of(store: Store) -> dict[str, str]:
    return {str(e["request_id"]): str(e["disclosure_id"]) for e in ledger.entries(store.ctx.engine, 0, 10**6)}


def decided(store: Store, batch_id: str) -> list[dict[str, Any]]:
    """The batch's stored decisions that carry a disclosure id."""
    with store.ctx.engine.connect() as conn:
        rows = conn.execute(
            select(schema.decisions.c.request_id, schema.decisions.c.disclosure_id).where(
                schema.decisions.c.batch_id == batch_id, schema.decisions.c.disclosure_id.is_not(None)
            )
        )
        return [dict(r._mapping) for r in rows]


def wrapped(monkeypatch: pytest.MonkeyPatch, around: Callable[[Callable[..., None], Any], None]) -> None:
    real = ledger.commit

    def commit(*args: Any, **kwargs: Any) -> None:
        around(lambda: real(*args, **kwargs), args)

    monkeypatch.setattr(ledger, "commit", commit)


def test_a_run_stopped_before_the_commit_leaves_no_entry_and_no_file(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def killed(_: Callable[[], None], __: Any) -> None:
        raise Killed

    wrapped(monkeypatch, killed)
    with pytest.raises(Killed):
        store.answered(store.rows, "first")
    assert ledger.count(store.ctx.engine) == 0
    out = store.ctx.layout.root / "first" / "out"
    assert not (out / "results.csv").exists() and not any(out.glob("*.tmp*"))


def test_a_run_stopped_after_the_commit_is_completed_by_the_rerun_with_the_same_ids(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def committed_then_killed(commit: Callable[[], None], _: Any) -> None:
        commit()
        raise Killed  # the entries are in; the files never took their names

    wrapped(monkeypatch, committed_then_killed)
    with pytest.raises(Killed):
        store.answered(store.rows, "first")
    accounted = entries_of(store)
    assert accounted and not (store.ctx.layout.root / "first" / "out" / "results.csv").exists()
    monkeypatch.undo()
    report, out = store.answered(store.rows, "again")
    assert results_of(out) == accounted == entries_of(store)  # same ids, no second entry
    assert report.outcomes["VERIFIED"] == len(accounted)


def test_a_log_extended_meanwhile_is_placed_again_after_its_new_head(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer (a call, a release) appends while the files are written: the commit refuses whole,
    and the files are written again with the places after the new head."""
    other = disclosure.Disclosure("OTHER", "r1", "123456789", "f", "s", "o", "t", "c", "DHS/ICE", "{}")
    times = {"n": 0}

    def interrupted(commit: Callable[[], None], _: Any) -> None:
        times["n"] += 1
        if times["n"] == 1:
            ledger.append(store.ctx.engine, [other], store.ctx.now())
        commit()

    wrapped(monkeypatch, interrupted)
    _, out = store.answered(store.rows, "first")
    assert times["n"] == 2
    ours = {k: v for k, v in entries_of(store).items() if k != "r1"}
    assert results_of(out) == ours and "TXM-0000000001" not in ours.values()
    assert ledger.verify(store.ctx.engine).count == len(ours) + 1


@pytest.mark.parametrize("chunk_rows", [None, 40])  # one chunk (held in memory), or several (staged)
def test_files_that_fail_while_the_entries_are_made_leave_no_entry_and_no_file(
    store: Store, monkeypatch: pytest.MonkeyPatch, chunk_rows: int | None
) -> None:
    """The entries are made and inserted beside the files, in a transaction of their own that commits
    only once the files are complete: a disk that fills part-way rolls them back."""
    inserted: list[int] = []
    real = ledger.commit

    def counted(*args: Any, **kwargs: Any) -> None:
        ready = kwargs.pop("ready", args[4] if len(args) > 4 else None)

        def seen() -> bool:
            inserted.append(ledger.count(store.ctx.engine))  # another connection: nothing committed yet
            return bool(ready())

        real(*args[:4], ready=seen)

    def full(*_: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ledger, "commit", counted)
    monkeypatch.setattr(answer_files.Writer, "add", full)
    monkeypatch.setattr(answer_files.Writer, "add_table", full)
    monkeypatch.setattr(batch, "CHUNK_ROWS", chunk_rows or batch.CHUNK_ROWS)
    with pytest.raises(OSError, match="No space"):
        store.answered(store.rows, "full")
    assert inserted == [0] and ledger.count(store.ctx.engine) == 0
    assert not any((store.ctx.layout.root / "full" / "out").glob("*.csv*"))


def test_a_log_that_never_stops_moving_refuses_the_batch_and_writes_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def always(_: Callable[[], None], __: Any) -> None:
        raise LogContended("another writer extended the disclosure log")

    wrapped(monkeypatch, always)
    with pytest.raises(LogContended):
        store.answered(store.rows, "first")
    assert ledger.count(store.ctx.engine) == 0
    assert not (store.ctx.layout.root / "first" / "out" / "results.csv").exists()
    assert accounting.ATTEMPTS > 1


def spied(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The request ids whose disclosure ids are written on stored decisions, in the order written."""
    written: list[str] = []
    real = decisions.record_disclosure_ids

    def spy(engine: Any, bid: str, ids: Mapping[str, str], confirmed: Any) -> None:
        written.extend(ids)
        real(engine, bid, ids, confirmed)

    monkeypatch.setattr(decisions, "record_disclosure_ids", spy)
    return written


def in_zip_order(store: Store, request_ids: list[str]) -> list[str]:
    """As the batch answers and stores its rows: ZIP order (first five characters), file order within."""
    place = {r["request_id"]: (r["zip"].strip()[:5], n) for n, r in enumerate(store.rows)}
    return sorted(request_ids, key=place.__getitem__)


def test_a_first_run_numbers_its_disclosures_as_it_stores_them_and_rewrites_none(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: each disclosure is numbered as its chunk is answered (ZIP order), so the decisions are
    stored with their ids and, the log not having moved, none is written again afterwards."""
    written = spied(monkeypatch)
    report, out = store.answered(store.rows, "zip-order")
    by_place = [str(e["request_id"]) for e in ledger.entries(store.ctx.engine, 0, 10**6)]
    in_file = list(results_of(out))  # request order
    assert by_place == in_zip_order(store, in_file) != in_file and len(by_place) > 50
    assert written == []
    assert {d["request_id"]: d["disclosure_id"] for d in decided(store, report.batch_id)} == results_of(out)
    assert results_of(out) == entries_of(store)


def test_ids_the_log_moved_are_written_on_the_decisions_in_the_order_they_were_stored(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer took the places the batch numbered: every id moves, and is written on its decision
    in the order stored, as in any other the store rewrites a page per row (22x slower at 400k rows)."""
    other = disclosure.Disclosure("OTHER", "r1", "123456789", "f", "s", "o", "t", "c", "DHS/ICE", "{}")
    real = accounting.Pending.begin

    def begun(ctx: Any, bid: str) -> accounting.Pending:
        numbering = real(ctx, bid)
        ledger.append(ctx.engine, [other], ctx.now())  # after the batch read the head
        return numbering

    monkeypatch.setattr(accounting.Pending, "begin", begun)
    written = spied(monkeypatch)
    report, out = store.answered(store.rows, "moved")
    ours = results_of(out)
    assert written == in_zip_order(store, list(ours)) and "TXM-0000000001" not in ours.values()
    assert {d["request_id"]: d["disclosure_id"] for d in decided(store, report.batch_id)} == ours
    assert ours == {k: v for k, v in entries_of(store).items() if k != "r1"}
