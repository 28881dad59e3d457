"""Storing a batch's decisions: a driver's executemany against db/bulk.py, alone and beside busy Python.

    python scripts/bench_store.py STORE [--rows 100000]

STORE is a store holding a processed batch (its database where TAXMATCH_DATABASE_URL says); its
first ROWS decisions are read back and stored again into a fresh SQLite store (its schema, its
indexes), in one transaction, each way: SQLAlchemy's executemany (what db/decisions.add did until
2026-12-06) and bulk.insert (a thousand rows to an INSERT). Each is timed alone, and beside a thread
spinning in Python, as a batch's main thread is while its storing thread stores the chunk before:
there every row of an executemany waits for Python's lock (docs/benchmarks.md, 2026-12-06b).
Prints a Markdown row per way and setting.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from taxmatch.db import bulk
from taxmatch.db.engine import connect
from taxmatch.db.schema import decisions
from taxmatch.settings import Settings

Way = Callable[[Connection, list[dict[str, Any]]], None]


def _executemany(conn: Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(decisions.insert(), rows)


def _bulk(conn: Connection, rows: list[dict[str, Any]]) -> None:
    bulk.insert(conn, decisions, rows)


WAYS: dict[str, Way] = {"executemany": _executemany, "bulk.insert": _bulk}
BESIDE = {False: "nothing", True: "a thread spinning in Python"}


def _decisions(store: Path, count: int) -> list[dict[str, Any]]:
    engine = connect(store, Settings(store=store).database_url)  # TAXMATCH_DATABASE_URL, where set
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(decisions).limit(count)).mappings()]
    engine.dispose()
    return rows


def _timed(way: Way, rows: list[dict[str, Any]], busy: bool) -> float:
    """Seconds to store the rows in a thread of their own; `busy`: beside a thread spinning in Python."""
    stop, took = threading.Event(), [0.0]

    def spin() -> None:
        turns = 0
        while not stop.is_set():
            turns += 1

    def store() -> None:
        with tempfile.TemporaryDirectory() as folder:
            engine = connect(Path(folder))
            started = time.perf_counter()
            with engine.begin() as conn:
                way(conn, rows)
            took[0] = time.perf_counter() - started
            engine.dispose()

    spinner = threading.Thread(target=spin, daemon=True)
    if busy:
        spinner.start()
    storing = threading.Thread(target=store)
    storing.start()
    storing.join()
    stop.set()
    return took[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("store", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    rows = _decisions(args.store, args.rows)
    print(f"{len(rows):,} decisions\n")
    print("| way | beside | seconds |")
    print("|---|---|---:|")
    for name, way in WAYS.items():
        for busy in (False, True):
            print(f"| {name} | {BESIDE[busy]} | {_timed(way, rows, busy):.2f} |")


if __name__ == "__main__":
    main()
