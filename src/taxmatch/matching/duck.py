"""DuckDB connections within a budget, and the one way statements are run on them.

Every connection the matching engine opens is made by `connect`, so the memory
budget (TAXMATCH_MEMORY_LIMIT) and the spill directory on the store's disk hold
for all of them: DuckDB keeps its working set under the limit and spills the
rest to disk instead of growing with the data.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Budget:
    """What one DuckDB connection may use: memory in bytes, where it spills, how many threads."""

    memory_bytes: int | None = None  # None: DuckDB's own default (80% of the machine)
    spill: Path | None = None
    threads: int | None = None

    def but(self, threads: int) -> Budget:
        """The same budget with a set number of threads (an interactive session uses one)."""
        return Budget(self.memory_bytes, self.spill, threads)

    def share(self, part: float, at_least: int = 0) -> Budget:
        """A part of the memory, but `at_least` bytes (or all of it, when it is less), for a step that
        runs while its process holds much else; DuckDB's own default when no budget is set."""
        if self.memory_bytes is None:
            return self
        memory = min(self.memory_bytes, max(int(self.memory_bytes * part), at_least))
        return Budget(memory, self.spill, self.threads)


UNLIMITED = Budget()
_CALL = "call_rows"  # the view a call's rows are copied in through (refill)


def connect(budget: Budget = UNLIMITED) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that keeps to the budget."""
    con = duckdb.connect()
    # DuckDB draws its own progress bar on the process's standard output for a statement that runs
    # past two seconds (each chunk's scoring in a large batch): it would break into the CLI's report
    # and an operator's logs. taxmatch reports its own progress (rich, and `-v`'s log lines).
    run(con, "SET enable_progress_bar = false")
    if budget.memory_bytes is not None:
        run(con, f"SET memory_limit = '{int(budget.memory_bytes)}B'")
    if budget.spill is not None:
        budget.spill.mkdir(parents=True, exist_ok=True)
        clear_abandoned(budget.spill)
        run(con, f"SET temp_directory = '{quoted(budget.spill)}'")  # a SET takes no parameters
    if budget.threads:
        run(con, f"SET threads = {int(budget.threads)}")
    return con


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clear_abandoned(spill: Path) -> int:
    """Remove the spill files of processes that are gone (a batch killed mid-way leaves gigabytes);
    files of running processes (a worker beside the service) are left alone. The number removed."""
    removed = 0
    for path in spill.glob("duckdb_temp_*"):
        owner = path.name.split("_")[2]
        if owner.isdigit() and not _alive(int(owner)):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def quoted(path: Path) -> str:
    """A path as the inside of a SQL string literal."""
    return str(path).replace("'", "''")


def run(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> None:
    """Execute a statement and drain its result: DuckDB 2 blocks a connection on an unread one.

    Every statement is logged at debug level (`taxmatch -vv` shows them).
    """
    log.debug("duckdb: %s", " ".join(sql.split()))
    con.execute(sql, list(params)).fetchall()


def plan_once(con: duckdb.DuckDBPyConnection) -> None:
    """Make statements prepared on this connection from now on keep their plan between EXECUTEs.

    DuckDB binds a statement prepared with its optimiser on again at every EXECUTE (the optimiser
    may have planned with the data as it was): 26 ms of a call's 32 ms prediction at 2M until
    2026-12-07. So the optimiser goes off, on a connection of its own: over a call's few rows its
    rewrites cost more than they save anyway (docs/benchmarks.md, 2026-12-06h). It changes how a
    statement runs, never what it gives. A plan is then kept while no catalog it reads changes
    (see refill).
    """
    run(con, "SET enable_optimizer = false")


def refill(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    """Empty `table` and copy `rows` into it, leaving the catalog as it was.

    The rows come in through a view of another name, in the temporary catalog: a change to a catalog
    that prepared statements read (a view registered under the table's name, or a relation's
    insert_into) would make DuckDB bind them all again at their next EXECUTE.
    """
    run(con, f"DELETE FROM {table}")
    con.register(_CALL, rows)
    try:
        run(con, f"INSERT INTO {table} BY NAME SELECT * FROM {_CALL}")  # by name: no column misplaced
    finally:
        con.unregister(_CALL)
