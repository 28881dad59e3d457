"""The master's term frequencies in memory, looked up for the few values of one interactive call.

Splink adjusts a match on a rare surname or a crowded address by how often the
value occurs in the master: it joins each side to a lookup table of every value.
At a national master the address lookup holds some 12 million values, and
joining a call's 25 requests to it cost ~150 ms, most of the call. Here each
lookup is held sorted; a call registers, under the lookup's own name, only the
rows for the values its requests and candidates hold, so the prediction joins a
few hundred rows and gives the same adjustments (tests/matching/test_candidate_index.py).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from taxmatch.matching import model
from taxmatch.matching.reference import Reference


class _Sorted:
    """One column's lookup (value, tf_value), sorted by value, searchable without copying it to Python.

    Every `step`-th value is held as Python text (190,000 of the address lookup's 12 million at 10M, some
    13 MB): a value is found by bisecting those, then the one run of `step` values it can lie in. A
    bisect over the Arrow array itself turned some 24 of its values into Python text per value sought
    (4.7 ms of a call of 25 at 10M).
    """

    def __init__(self, table: pa.Table, column: str, step: int = 64) -> None:
        self.column, self.step = column, step
        self.table = table.take(pc.sort_indices(table, [(column, "ascending")])).combine_chunks()
        values = self.table.column(column).chunk(0) if self.table.num_rows else pa.array([], pa.string())
        self.values = values.slice(0, len(values) - values.null_count)  # nulls sort last; none is sought
        marks = pa.array(range(0, len(self.values), step), pa.int64())
        self.marks: list[str] = self.values.take(marks).to_pylist()

    def rows(self, wanted: Iterable[str]) -> pa.Table:
        """The lookup's rows for these values (those the master holds)."""
        found = []
        for value in sorted(set(wanted)):
            # The run whose first value is the last at or before this one.
            start = (bisect.bisect_right(self.marks, value) - 1) * self.step
            if start < 0:
                continue
            run = self.values.slice(start, self.step).to_pylist()
            i = bisect.bisect_left(run, value)
            if i < len(run) and run[i] == value:
                found.append(start + i)
        return self.table.take(pa.array(found, pa.int64()))


class TermFrequencies:
    """Every term-frequency lookup of the model (model.TF_COLUMNS), in memory and sorted."""

    def __init__(self, reference: Reference) -> None:
        self.lookups = {c: _Sorted(pq.read_table(reference.tf_path(c)), c) for c in model.TF_COLUMNS}

    def for_rows(self, *tables: pa.Table) -> dict[str, pa.Table]:
        """Each lookup's name and its rows for the values these tables hold in its column."""
        found = {}
        for column, lookup in self.lookups.items():
            values = (v for t in tables for v in pc.unique(t.column(column)).drop_null().to_pylist())
            found[f"tf_{column}_lookup"] = lookup.rows(values)
        return found
