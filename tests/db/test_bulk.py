"""Many rows a statement: within the driver's limit on parameters, NULL for a column not named."""

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, event, select, text

from taxmatch.db import bulk
from taxmatch.db.engine import connect
from taxmatch.db.schema import decisions
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
