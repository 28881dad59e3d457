import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, update

from taxmatch.db import ledger
from taxmatch.db.schema import ledger as table
from taxmatch.errors import LedgerError

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def item(rid: str, batch: str = "B1") -> ledger.Disclosure:
    return ledger.Disclosure(
        batch,
        rid,
        "123456789",
        "last_known_address",
        "8 U.S.C. 1253(a)(1)",
        "Officer 1",
        "Deportation Officer",
        "A1",
        "DHS/ICE",
    )


def test_append_and_verify(engine: Engine) -> None:
    ids = ledger.append(engine, [item("r1"), item("r2")], NOW)
    assert ids == {"r1": "TXM-0000000001", "r2": "TXM-0000000002"}
    assert ledger.verify(engine) == 2


def test_reprocessing_a_row_adds_no_second_entry(engine: Engine) -> None:
    first = ledger.append(engine, [item("r1")], NOW)
    again = ledger.append(engine, [item("r1"), item("r2")], NOW)
    assert again["r1"] == first["r1"]
    assert ledger.count(engine) == 2
    assert ledger.append(engine, [item("r1", batch="B2")], NOW)["r1"] == "TXM-0000000003"


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


def test_empty_ledger_verifies(engine: Engine) -> None:
    assert ledger.verify(engine) == 0


def test_writers_appending_at_once_never_fork_the_chain(engine: Engine) -> None:
    """A worker, interactive calls and reviewers append concurrently; each entry lands once, in one chain."""
    writers, rows = 4, 15

    def write(w: int) -> list[str]:
        return [ledger.append(engine, [item(f"r{n}", batch=f"W{w}")], NOW)[f"r{n}"] for n in range(rows)]

    with ThreadPoolExecutor(writers) as pool:
        ids = [i for got in pool.map(write, range(writers)) for i in got]
    assert len(set(ids)) == writers * rows
    assert ledger.verify(engine) == writers * rows
