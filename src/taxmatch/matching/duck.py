"""Small DuckDB helpers shared by the engine edges."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import duckdb

log = logging.getLogger(__name__)


def run(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> None:
    """Execute a statement and drain its result: DuckDB 2 blocks a connection on an unread one.

    Every statement is logged at debug level (`taxmatch -vv` shows them).
    """
    log.debug("duckdb: %s", " ".join(sql.split()))
    con.execute(sql, list(params)).fetchall()
