import datetime as dt
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, update

from taxmatch.db import disclosure, ledger
from taxmatch.db.schema import ledger as table
from taxmatch.errors import LedgerError

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def item(rid: str, batch: str = "B1") -> disclosure.Disclosure:
    return disclosure.Disclosure(
        batch,
        rid,
        "123456789",
        "last_known_address",
        "8 U.S.C. 1253(a)(1)",
        "Officer 1",
        "Deportation Officer",
        "A1",
        "DHS/ICE",
        '{"disclosed_street_address":"1 Main St"}',
    )


def test_append_and_verify(engine: Engine) -> None:
    ids = ledger.append(engine, [item("r1"), item("r2")], NOW)
    assert ids == {"r1": "TXM-0000000001", "r2": "TXM-0000000002"}
    assert ledger.verify(engine).count == 2


def test_reprocessing_a_row_adds_no_second_entry(engine: Engine) -> None:
    first = ledger.append(engine, [item("r1")], NOW)
    again = ledger.append(engine, [item("r1"), item("r2")], NOW)
    assert again["r1"] == first["r1"]
    assert ledger.count(engine) == 2
    assert ledger.append(engine, [item("r1", batch="B2")], NOW)["r1"] == "TXM-0000000003"
    assert ledger.append(engine, [item("r1"), item("r2")], NOW) == again  # every one known: none added
    assert ledger.count(engine) == 3 and ledger.verify(engine).count == 3


def test_numbering_keeps_the_ids_the_log_holds_and_gives_new_rows_the_next_places() -> None:
    numbering = ledger.Numbering({"r2": "TXM-0000000003"}, after=7)
    given = [numbering.id_of(r) for r in ("r1", "r2", "r3")]
    assert given == ["TXM-0000000008", "TXM-0000000003", "TXM-0000000009"]


def test_a_batch_is_placed_as_numbering_numbers_it(engine: Engine) -> None:
    ledger.append(engine, [item("r2"), item("x", batch="OTHER")], NOW)
    placing = ledger.place(engine, "B1", ["r1", "r2", "r3"])
    assert placing.ids == {"r1": "TXM-0000000003", "r2": "TXM-0000000001", "r3": "TXM-0000000004"}
    assert (placing.seq, placing.new) == (2, ["r1", "r3"])


def test_a_changed_entry_is_named(engine: Engine) -> None:
    ledger.append(engine, [item("r1"), item("r2"), item("r3")], NOW)
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.seq == 2).values(tin="999999999"))
    with pytest.raises(LedgerError, match="TXM-0000000002"):
        ledger.verify(engine)


def test_a_removed_entry_is_detected(engine: Engine) -> None:
    ledger.append(engine, [item("r1"), item("r2"), item("r3")], NOW)
    with engine.begin() as conn:
        conn.execute(table.delete().where(table.c.seq == 2))
    with pytest.raises(LedgerError, match="TXM-0000000003"):
        ledger.verify(engine)


def test_an_entry_records_the_digest_of_what_it_disclosed_and_the_values_must_match_it(
    engine: Engine,
) -> None:
    ledger.append(engine, [item("r1"), item("r2")], NOW)
    entry = ledger.entries(engine, 0, 1)[0]
    assert entry["disclosed"] == '{"disclosed_street_address":"1 Main St"}'
    assert entry["disclosed_sha256"] == hashlib.sha256(str(entry["disclosed"]).encode()).hexdigest()
    with engine.begin() as conn:  # the values kept are not hashed themselves: their digest is
        conn.execute(
            update(table).where(table.c.seq == 2).values(disclosed='{"disclosed_street_address":"2"}')
        )
    with pytest.raises(LedgerError, match=r"TXM-0000000002.*not the ones its entry was signed with"):
        ledger.verify(engine)


def test_entries_from_before_the_disclosed_digest_still_verify(engine: Engine) -> None:
    """Entries written before migration 0011 have no digest; their hash covers the first fields alone."""
    ledger.append(engine, [item("r1")], NOW)
    entry = ledger.entries(engine, 0, 1)[0] | {"disclosed": None, "disclosed_sha256": None}
    with engine.begin() as conn:
        conn.execute(
            update(table).values(disclosed=None, disclosed_sha256=None, entry_hash=ledger.entry_hash(entry))
        )
    assert ledger.verify(engine).count == 1
    legacy = json.dumps({k: entry[k] for k in ledger.FIELDS}, sort_keys=True, separators=(",", ":"))
    assert ledger.entry_hash(entry) == hashlib.sha256(legacy.encode()).hexdigest()


def test_empty_ledger_verifies(engine: Engine) -> None:
    assert ledger.verify(engine).count == 0


def test_writers_appending_at_once_never_fork_the_chain(engine: Engine) -> None:
    """A worker, interactive calls and reviewers append concurrently; each entry lands once, in one chain."""
    writers, rows = 4, 15

    def write(w: int) -> list[str]:
        return [ledger.append(engine, [item(f"r{n}", batch=f"W{w}")], NOW)[f"r{n}"] for n in range(rows)]

    with ThreadPoolExecutor(writers) as pool:
        ids = [i for got in pool.map(write, range(writers)) for i in got]
    assert len(set(ids)) == writers * rows
    assert ledger.verify(engine).count == writers * rows
