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
    """One column's lookup (value, tf_value), sorted by value, searchable without copying it to Python."""

    def __init__(self, table: pa.Table, column: str) -> None:
        self.column = column
        self.table = table.take(pc.sort_indices(table, [(column, "ascending")])).combine_chunks()
        self.values = self.table.column(column).chunk(0) if self.table.num_rows else pa.array([], pa.string())

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, i: int) -> str:
        return str(self.values[i].as_py())

    def rows(self, wanted: Iterable[str]) -> pa.Table:
        """The lookup's rows for these values (those the master holds)."""
        found = []
        for value in sorted(set(wanted)):
            i = bisect.bisect_left(self, value)
            if i < len(self) and self[i] == value:
                found.append(i)
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
