"""In what order a batch's rows are answered, and what of the whole batch each chunk carries.

Every blocking rule of the model pairs a request with master rows that share its
TIN, its ZIP or its city and state. A chunk of requests from one stretch of ZIP
codes therefore needs only the master rows of those ZIPs (and those TINs):
answered in ZIP order, each chunk scores against a slice of the master instead
of all of it (matching/scorer.py narrows it), which is what makes a national
master affordable. Whatever depends on file order (the first row about a person
stands; answers are written in request order) is settled over the file first.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from taxmatch.pipeline.intake import RequestFile
from taxmatch.rules import gate


def by_locality(requests: RequestFile) -> pa.Array:
    """Row positions in ZIP order (as given, first five characters), file order within a ZIP."""
    zips = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(requests.column("zip")), 0, 5)
    keyed = pa.table({"zip": zips, "row": pa.array(range(len(requests)), pa.int64())})
    return pc.sort_indices(keyed, [("zip", "ascending"), ("row", "ascending")])


def repeated(requests: RequestFile, size: int) -> list[bool]:
    """For every row, in file order, whether an earlier row asked about the same person."""
    seen, flags = gate.Duplicates(), []
    for _, rows in requests.chunks(size):
        flags += seen.flags(rows)
    return flags


def slices(order: pa.Array, size: int) -> Iterator[list[int]]:
    """Consecutive runs of at most `size` positions of `order`."""
    for start in range(0, len(order), size):
        yield order.slice(start, size).to_pylist()
