"""Updating stored decisions in the order they were stored, against another order, on SQLite.

    python scripts/bench_update_order.py [--rows 400000] [--dir /tmp]

Rows of about 2 KB (a decision with its request and explanation) are inserted in one order and half
of them updated in another, then in the order stored: what record_disclosure_ids meets when a batch,
stored in ZIP order, is accounted in request order (docs/benchmarks.md, 2026-12-02).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from pathlib import Path

ROW = "x" * 1800


def _store(path: Path, ids: list[str], seed: int) -> list[str]:
    """A table of `ids` stored in a shuffled order; that order."""
    stored = ids[:]
    random.Random(seed).shuffle(stored)
    with sqlite3.connect(path) as con:
        con.execute(
            "CREATE TABLE d (batch_id TEXT, request_id TEXT, disclosure_id TEXT, asked TEXT, "
            "PRIMARY KEY (batch_id, request_id))"
        )
        con.executemany("INSERT INTO d VALUES ('b', ?, NULL, ?)", ((r, ROW) for r in stored))
    return stored


def _update(path: Path, order: list[str]) -> float:
    """Seconds to write a disclosure id on every other row, in `order`, in one transaction."""
    con = sqlite3.connect(path)
    started = time.perf_counter()
    with con:
        con.executemany(
            "UPDATE d SET disclosure_id = ? WHERE batch_id = 'b' AND request_id = ?",
            ((f"D{r}", r) for r in order if int(r[1:]) % 2 == 0),
        )
    con.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    ids = [f"R{n:09d}" for n in range(args.rows)]
    print("| order of the updates | seconds |\n|---|---:|")
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        for name, stored_order in (("request order", False), ("the order stored", True)):
            path = Path(folder) / f"{stored_order}.db"
            stored = _store(path, ids, seed=1)
            print(f"| {name} | {_update(path, stored if stored_order else ids):.1f} |", flush=True)


if __name__ == "__main__":
    main()
