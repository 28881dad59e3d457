"""Many rows into a table, a thousand to a statement.

A driver's executemany takes Python's lock back after every row it sends, and
while another thread is busy in Python each row waits for it, up to the switch
interval (5 ms): 100,000 decisions took 2.1 s alone and 603.6 s beside a
thread spinning in Python. A batch stores its decisions in a thread of its own
beside its busy main thread, so rows go instead in one INSERT of up to
AT_ONCE rows of VALUES, bound by the driver in one call (3.5 s beside the same
thread); SQLAlchemy's own executemany also costs Python time per row that this
does not (docs/benchmarks.md, 2026-12-06b). JSON documents that the database
unpacks (SQLite's json_each) let go of the lock as well, but cost SQLite five
times the work.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, Table

AT_ONCE = 1_000  # rows a statement, where the driver allows that many parameters
_MARK = {"qmark": "?", "format": "%s", "pyformat": "%s"}  # a positional parameter, by the driver's style
_MISSING = object()
Columns = Mapping[str, Sequence[Any]]  # column name -> its values, one per row, in row order


def insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (each a mapping of column name to value, as for table.insert()) in order. A column
    a row does not name is NULL; no Python-side column default applies (the tables given have none)."""
    names, json = _columns(table)
    given = {c: [r.get(c, _MISSING) for r in rows] if c in json else [r.get(c) for r in rows] for c in names}
    insert_columns(conn, table, given, len(rows))


def insert_columns(conn: Connection, table: Table, columns: Columns, count: int) -> None:
    """Insert `count` rows given a column at a time (each column's values in row order), as `insert`
    would the same rows: a column not given is NULL, a JSON column's value is stored as its JSON text.
    A batch has its rows as columns already; this spares it a dictionary per row."""
    names, json = _columns(table)
    per = _per_statement(conn, len(names))
    if per is None:
        if count:
            conn.execute(table.insert(), _as_rows(columns))
        return
    values = [_stored(columns.get(c), c in json, count) for c in names]
    flat = list(chain.from_iterable(zip(*values, strict=True)))  # row by row, by C, not by Python
    width = len(names)
    for start in range(0, count, per):
        rows = min(per, count - start)
        statement = _values(table.name, names, conn.dialect.paramstyle, rows, conn.dialect.name)
        conn.exec_driver_sql(statement, tuple(flat[start * width : (start + rows) * width]))


def _stored(values: Sequence[Any] | None, json: bool, count: int) -> Sequence[Any]:
    """A column's values as bound: NULL where not given, a JSON column's as its text (None as 'null',
    as SQLAlchemy's JSON type stores it)."""
    if values is None:
        return [None] * count
    if json:
        return [None if v is _MISSING else orjson.dumps(v).decode() for v in values]
    return values


def _as_rows(columns: Columns) -> list[dict[str, Any]]:
    """The rows for SQLAlchemy's executemany, JSON as given (it encodes it); a value `insert` was not
    given is left out."""
    return [
        {c: v for c, v in zip(columns, values, strict=True) if v is not _MISSING}
        for values in zip(*columns.values(), strict=True)
    ]


def _per_statement(conn: Connection, columns: int) -> int | None:
    """Rows a multi-row INSERT may hold on this connection (None: the driver's executemany instead)."""
    if conn.dialect.paramstyle not in _MARK:
        return None
    driver = conn.connection.dbapi_connection
    if isinstance(driver, sqlite3.Connection):  # 999 parameters before SQLite 3.32, 32,766 since
        return max(1, min(AT_ONCE, driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // columns))
    return AT_ONCE


def _columns(table: Table) -> tuple[tuple[str, ...], frozenset[str]]:
    """The table's columns in order, and which of them hold JSON."""
    names = tuple(str(c.name) for c in table.columns)
    return names, frozenset(str(c.name) for c in table.columns if isinstance(c.type, JSON))


# SQLite keeps a statement journal for a statement of many rows that may fail part-way (a key taken
# twice), so that the rows before the failure can be undone alone: every page each INSERT touched was
# copied to a temporary file, 187,384 page writes for 200,000 decisions (as many as the table's own).
# Whoever inserts here abandons the whole transaction on any such failure, so SQLite is told to do just
# that (OR ROLLBACK), and keeps no statement journal. The error raised is the same.
_VERB = {"sqlite": "INSERT OR ROLLBACK INTO"}


@lru_cache(maxsize=64)  # the full statement, and the last of a few batches' (up to 60 KB each)
def _values(table: str, names: tuple[str, ...], paramstyle: str, count: int, dialect: str) -> str:
    """INSERT INTO table (every column) VALUES (...), ... with `count` rows of positional parameters."""
    row = "(" + ", ".join([_MARK[paramstyle]] * len(names)) + ")"
    verb = _VERB.get(dialect, "INSERT INTO")
    return f"{verb} {table} ({', '.join(names)}) VALUES " + ", ".join([row] * count)
