"""Many rows a statement: within the driver's limit on parameters, NULL for a column not named."""

import sqlite3
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.exc import IntegrityError

from taxmatch.db import bulk
from taxmatch.db.engine import SQLITE_CACHE_KIB, connect
from taxmatch.db.schema import decisions, metadata
from tests.conftest import inserts_sent


def _row(rid: str) -> dict[str, object]:
    return {
        "batch_id": "B",
        "request_id": rid,
        "outcome": "NO_MATCH",
        "reason_codes": "NO_CANDIDATE",
        "candidates": 0,
        "levels": {},
        "explanation": None,
    }


def _statements(engine: Engine, work: list[dict[str, object]]) -> list[str]:
    with inserts_sent(engine) as sent, engine.begin() as conn:
        bulk.insert(conn, decisions, work)
    return [statement for statement, _ in sent]


def test_sqlite_before_3_32_allowed_999_parameters_a_statement(tmp_path: Path) -> None:
    """An older SQLite (or one built with a lower limit) gets as many rows a statement as fit."""
    engine = connect(tmp_path)

    @event.listens_for(engine, "connect")
    def lower(driver: sqlite3.Connection, _: object) -> None:
        driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 2 * len(decisions.columns) + 1)

    engine.dispose()  # the next connection is made with the lower limit
    said = _statements(engine, [_row(f"R{i}") for i in range(5)])
    assert [s.count("), (") + 1 for s in said] == [2, 2, 1]
    with engine.connect() as conn:
        assert conn.execute(select(decisions.c.request_id).order_by(text("rowid"))).scalars().all() == [
            f"R{i}" for i in range(5)
        ]


def test_a_column_not_named_is_null_and_a_json_none_is_json_null(engine: Engine) -> None:
    """As SQLAlchemy's own insert stores them: `asked` not given is SQL NULL, `explanation` given as
    None is the JSON text 'null'."""
    _statements(engine, [_row("R1")])
    with engine.connect() as conn:
        query = text("SELECT asked IS NULL, CAST(explanation AS TEXT) FROM decisions")
        asked, explanation = conn.execute(query).one()
    assert asked
    assert explanation == "null"


def _stored(engine: Engine) -> list[tuple[object, ...]]:
    query = "SELECT request_id, asked IS NULL, CAST(levels AS TEXT), CAST(explanation AS TEXT) FROM decisions"
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query + " ORDER BY request_id"))]


WANTED = [("R1", True, '{"name":"exact"}', "null"), ("R2", True, "{}", '{"weights":[["tin","exact",1.5]]}')]


def test_rows_given_a_column_at_a_time_are_stored_as_the_same_rows(engine: Engine) -> None:
    """A column not given is SQL NULL; a JSON column's values are stored as their JSON text."""
    columns = {
        "batch_id": ["B", "B"],
        "request_id": ["R1", "R2"],
        "outcome": ["NO_MATCH"] * 2,
        "reason_codes": ["NO_CANDIDATE"] * 2,
        "candidates": [0, 0],
        "levels": [{"name": "exact"}, {}],
        "explanation": [None, {"weights": (("tin", "exact", 1.5),)}],
    }
    with engine.begin() as conn:
        bulk.insert_columns(conn, decisions, columns, 2)
    assert _stored(engine) == WANTED


def test_a_driver_without_positional_parameters_gets_sqlalchemys_executemany(tmp_path: Path) -> None:
    """The same rows stored, by the one way every driver takes, where a multi-row INSERT's marks are
    not known (here SQLite, told to take named parameters)."""
    url, encode = f"sqlite:///{tmp_path / 'named.db'}", lambda value: orjson.dumps(value).decode()
    engine = create_engine(url, paramstyle="named", json_serializer=encode)  # as the store's (db/engine.py)
    metadata.create_all(engine, tables=[decisions])
    rows = [
        {**_row("R1"), "levels": {"name": "exact"}},
        {**_row("R2"), "explanation": {"weights": [["tin", "exact", 1.5]]}},
    ]
    with inserts_sent(engine) as sent, engine.begin() as conn:
        bulk.insert(conn, decisions, rows)
    assert [many for _, many in sent] == [True]
    assert _stored(engine) == WANTED


def test_a_key_taken_twice_fails_the_whole_transaction_and_stores_nothing(engine: Engine) -> None:
    """A request id stored twice in one batch fails as it always did (the database's integrity error),
    and none of the transaction's rows stay, those of earlier statements included: on SQLite the
    statement says so (OR ROLLBACK), which spares it a statement journal (bulk.py)."""
    with pytest.raises(IntegrityError), inserts_sent(engine) as sent, engine.begin() as conn:
        bulk.insert(conn, decisions, [_row("R1"), _row("R2")])
        bulk.insert(conn, decisions, [_row("R3"), _row("R1")])
    assert all(s.startswith("INSERT OR ROLLBACK") == (engine.dialect.name == "sqlite") for s, _ in sent)
    assert _stored(engine) == []
    _statements(engine, [_row("R1")])  # and the store takes the next transaction as before
    assert [r[0] for r in _stored(engine)] == ["R1"]


def test_a_sqlite_store_s_connections_have_room_for_a_chunk_of_decisions(tmp_path: Path) -> None:
    """Every connection to a SQLite store gets the larger page cache (db/engine.py), not SQLite's 2 MiB
    in which a chunk's pages were written out and read back before its commit."""
    engine = connect(tmp_path)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB
    engine.dispose()
