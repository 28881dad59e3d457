"""Small DuckDB helpers shared by the engine edges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb


def run(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> None:
    """Execute a statement and drain its result: DuckDB 2 blocks a connection on an unread one."""
    con.execute(sql, list(params)).fetchall()
