"""The candidate index over the master: the rows a request's blocking rules can reach, found by search.

Scanning the master with the model's blocking rules as SQL joins costs a pass
over every master row, about a second a chunk at 2M taxpayers and more with
every taxpayer added; far too slow for a call of a few requests, and most of a
batch chunk's matching at a national master. This index holds, per blocking
rule, the sorted 64-bit hashes of that rule's key for every master row, so a
request's candidates are a binary search away. Hashes can collide, so the matcher
then applies the blocking rules themselves to the rows found: the candidate set
is exactly the scan's (tests/matching/test_candidate_index.py holds it to that).

The load saves the index with the reference (saved_index.py), and it is mapped
from there; a store loaded without one builds it in memory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from taxmatch.matching import duck, model, saved_index
from taxmatch.matching.reference import Reference


class CandidateIndex:
    """The master's standard columns, and one sorted hash array per blocking rule: mapped from the files
    the load saved (saved_index.py), or built in memory from the reference when there are none."""

    def __init__(self, reference: Reference, saved: saved_index.Saved | None = None) -> None:
        """`saved`: the saved index as `saved` opened it for a batch; a service's own opening reads the
        files in whole and keeps them, so that no call waits for them (saved_index.Mapped)."""
        self._con = duck.connect(reference.budget)
        self._lock = threading.Lock()
        saved = saved or saved_index.open_saved(reference.directory, kept=True)
        self._release: Callable[[], None] = saved_index.keep
        if saved is not None:
            self.master, self.rules, self._release = saved.master.table, saved.rules, saved.master.release
        else:
            self.master, self.rules = self._built(reference)
        self._blocks = saved_index.Blocks(self.master)
        self._keyed = sorted({c for rule in self.rules for c in rule.columns})
        self._con.register("master", self.master.slice(0, 0))
        duck.run(self._con, f"CREATE TABLE requests AS SELECT {', '.join(self._keyed)} FROM master LIMIT 0")
        self._con.unregister("master")
        keys = ", ".join(
            f"CASE WHEN {present} THEN {key} END AS k{i}"
            for i, (key, present) in enumerate(saved_index.key_sql(rule.columns) for rule in self.rules)
        )
        duck.plan_once(self._con)  # a call's keys: 5.5 ms planning a query anew, a plan kept instead
        duck.run(self._con, "SET threads = 1")  # the index is built; a call's few keys need no second thread
        duck.run(self._con, f"PREPARE keys AS SELECT {keys} FROM requests")

    @classmethod
    def saved(cls, reference: Reference) -> CandidateIndex | None:
        """For a batch: the index the load saved with the reference, mapped, each search letting go of
        the pages it touched; None when it saved none this code may use (then a batch scans instead:
        building it would cost more than the scans it saves)."""
        found = saved_index.open_saved(reference.directory)
        return None if found is None else cls(reference, found)

    def _built(self, reference: Reference) -> tuple[pa.Table, list[saved_index.Rule]]:
        """The master's columns and the rules' arrays, made in memory (a store loaded before the index
        was saved with it, or saved by a DuckDB that hashed differently)."""
        table = pq.read_table(reference.parquet, columns=list(saved_index.COLUMNS))
        uids = table.column(model.UID).to_numpy()
        if not np.array_equal(uids, np.arange(len(uids))):
            table = table.sort_by(model.UID)
        self._con.register("master", table)
        rules = [
            saved_index.as_rule(columns, saved_index.rule(self._con, columns))
            for columns in map(model.rule_columns, model.BLOCKING_RULES)
        ]
        self._con.unregister("master")
        return table.combine_chunks(), rules  # take() on one chunk is far faster

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
        wanted = []
        for rule, column in zip(self.rules, keys.columns, strict=True):
            wanted.append(_reached(rule, column))
            rule.release()  # a batch's mapping lets go of the pages; a service's keeps them
        rows = np.unique(np.concatenate(wanted)) if wanted else np.empty(0, np.int64)
        return self._blocks.take(rows, self._release)

    def close(self) -> None:
        self._con.close()


def _reached(rule: saved_index.Rule, column: pa.ChunkedArray) -> npt.NDArray[np.int64]:
    """The uids of the master rows whose key hash for this rule is one of the requests' (`column`), found
    by binary search, each run of equal keys taken whole (numpy, not a loop over the requests)."""
    values = np.unique(column.drop_null().to_numpy().astype(np.uint64))
    lows = np.searchsorted(rule.keys, values, side="left")
    lengths = np.searchsorted(rule.keys, values, side="right") - lows
    ends = np.cumsum(lengths)
    within = np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - lengths, lengths)
    found: npt.NDArray[np.int64] = rule.uids[np.repeat(lows, lengths) + within]  # a copy
    return found
