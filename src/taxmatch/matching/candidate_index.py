"""An in-memory candidate index over the master, for interactive calls.

A batch finds its candidates with the model's blocking rules as SQL joins over
the whole master; that costs a scan (about a second at a national master), far
too slow for a call of a few requests. This index holds, per blocking rule, the
sorted 64-bit hashes of that rule's key for every master row, so one request's
candidates are a binary search away. Hashes can collide, so the matcher then
applies the blocking rules themselves to the rows found: the candidate set is
exactly the batch path's (tests/test_index.py holds it to that).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from taxmatch.matching import duck, model
from taxmatch.matching.reference import ADDRESS_COLUMNS, Reference


def _key_sql(columns: tuple[str, ...]) -> tuple[str, str]:
    """The hash of a rule's key, and the condition that every part of the key is present."""
    return f"hash({', '.join(columns)})", " AND ".join(f"{c} IS NOT NULL" for c in columns)


@dataclass(frozen=True)
class _Rule:
    columns: tuple[str, ...]
    keys: npt.NDArray[np.uint64]  # sorted
    uids: npt.NDArray[np.int64]  # in the order of keys


class CandidateIndex:
    """The master's standard columns in memory, and one sorted hash array per blocking rule."""

    def __init__(self, reference: Reference) -> None:
        table = pq.read_table(reference.parquet, columns=[model.UID, "tin", *model.COMPARED_COLUMNS])
        uids = table.column(model.UID).to_numpy()
        if not np.array_equal(uids, np.arange(len(uids))):
            table = table.sort_by(model.UID)
        self.master = table.combine_chunks()  # take() on one chunk is far faster
        self._con = duck.connect(reference.budget)
        self._lock = threading.Lock()
        self._con.register("master", table)
        self.rules = [self._rule(self._con, model.rule_columns(rule)) for rule in model.BLOCKING_RULES]
        self._keyed = sorted({c for rule in self.rules for c in rule.columns})
        duck.run(self._con, f"CREATE TABLE requests AS SELECT {', '.join(self._keyed)} FROM master LIMIT 0")
        self._con.unregister("master")
        known = pq.read_table(reference.last_known, columns=["tin", *ADDRESS_COLUMNS])
        known = known.sort_by("tin").combine_chunks()
        self._known = known
        self._known_tins = known.column("tin").to_numpy(zero_copy_only=False).astype("U9")
        keys = ", ".join(
            f"CASE WHEN {present} THEN {key} END AS k{i}"
            for i, (key, present) in enumerate(_key_sql(rule.columns) for rule in self.rules)
        )
        duck.plan_once(self._con)  # a call's keys: 5.5 ms planning a query anew, a plan kept instead
        duck.run(self._con, "SET threads = 1")  # the index is built; a call's few keys need no second thread
        duck.run(self._con, f"PREPARE keys AS SELECT {keys} FROM requests")

    @staticmethod
    def _rule(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...]) -> _Rule:
        key, present = _key_sql(columns)
        found = con.sql(
            f"SELECT {key} AS k, {model.UID} FROM master WHERE {present} ORDER BY k"
        ).to_arrow_table()
        return _Rule(
            columns,
            found.column("k").to_numpy().astype(np.uint64),
            found.column(model.UID).to_numpy().astype(np.int64),
        )

    def _request_keys(self, requests: pa.Table) -> pa.Table:
        """One column per blocking rule: each request's key hash, null where part of the key is missing.

        One statement, prepared once on a connection kept open: a new connection and
        a query per rule cost 25 ms of an interactive call.
        """
        with self._lock:
            duck.refill(self._con, "requests", requests.select(self._keyed))
            return self._con.sql("EXECUTE keys").to_arrow_table()

    def candidates(self, requests: pa.Table) -> pa.Table:
        """Every master row sharing some blocking rule's key hash with some request (standard columns)."""
        keys = self._request_keys(requests)
        wanted: list[npt.NDArray[np.int64]] = []
        for rule, column in zip(self.rules, keys.columns, strict=True):
            values = np.unique(column.drop_null().to_numpy().astype(np.uint64))
            lows = np.searchsorted(rule.keys, values, side="left")
            highs = np.searchsorted(rule.keys, values, side="right")
            wanted.extend(rule.uids[lo:hi] for lo, hi in zip(lows, highs, strict=True) if hi > lo)
        rows = np.unique(np.concatenate(wanted)) if wanted else np.empty(0, np.int64)
        return self.master.take(pa.array(rows, pa.int64()))

    def close(self) -> None:
        self._con.close()

    def last_known(self, tins: list[str]) -> dict[str, tuple[str, ...]]:
        """As reference.last_known, from memory."""
        wanted = np.array(sorted(set(tins)), dtype="U9")
        at = np.searchsorted(self._known_tins, wanted)
        found = [
            int(i)
            for i, tin in zip(at, wanted, strict=True)
            if i < len(self._known_tins) and self._known_tins[i] == tin
        ]
        rows = self._known.take(pa.array(found, pa.int64())).to_pylist()
        return {r["tin"]: tuple(r[c] for c in ADDRESS_COLUMNS) for r in rows}
