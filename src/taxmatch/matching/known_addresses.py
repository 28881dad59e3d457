"""A taxpayer's last known address: what a disclosure releases (IRC 6103(i)(2), the agreement).

The load keeps, per TIN, the address with the latest `address_as_of`, twice:
`last_known.parquet`, and `index_known.arrow`, the same rows sorted by the TIN
as a number in one uncompressed block, which is mapped and searched (a batch's
chunk asks for ~47,000 TINs; scanning 10M rows for each cost a second). A store
loaded before the Arrow file, or whose file cannot be read, is served from the
Parquet file instead, with the same answers.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from taxmatch.matching import duck, saved_index

if TYPE_CHECKING:  # reference.py saves these files at load, so it imports this module, not the reverse
    from taxmatch.matching.reference import Reference

log = logging.getLogger(__name__)
# What a disclosure holds, in the order of the result file's disclosed_* columns.
ADDRESS_COLUMNS: tuple[str, ...] = ("street_address", "unit", "city", "state", "zip")
KNOWN = "index_known.arrow"
KNOWN_COLUMNS: tuple[str, ...] = ("tin_number", "tin", *ADDRESS_COLUMNS)  # its rows sorted by tin_number
_NINE_DIGITS = re.compile(r"\d{9}")  # every master TIN (master_file.check): a number that sorts as the text


def last_known(ref: Reference, tins: list[str]) -> dict[str, tuple[str, ...]]:
    """The last known address (street, unit, city, state, ZIP) of each of these TINs on file."""
    if not tins:
        return {}
    saved = saved_known(ref)
    if saved is not None:  # by binary search: a chunk's ~47,000 TINs scanned all of last_known.parquet
        try:
            return known_in(saved.table, tins)
        finally:
            saved.release()  # what was found is copied out; the pages touched stay in the page cache only
    con = duck.connect(ref.budget)
    con.register("wanted", pa.table({"tin": pa.array(sorted(set(tins)), pa.string())}))
    found = con.sql(
        f"SELECT k.tin, {', '.join(ADDRESS_COLUMNS)} FROM read_parquet(?) k JOIN wanted USING (tin)",
        params=[str(ref.last_known)],
    ).to_arrow_table()
    con.close()
    return _by_tin(found)


def saved_known(ref: Reference, kept: bool = False) -> saved_index.Mapped | None:
    """`index_known.arrow` mapped (`kept`: see saved_index.Mapped); None when the store has none, or
    when it cannot be read as the load wrote it (then the log says so, and last_known.parquet serves)."""
    saved = ref.directory / KNOWN
    if not saved.exists():
        return None
    try:
        return saved_index.Mapped(saved, KNOWN_COLUMNS, kept, one_block=True)
    except saved_index.UNREADABLE as exc:
        _unread(saved, str(exc), ref.last_known.name)
        return None


@functools.cache  # said once a process, not once for each of a batch's chunks
def _unread(saved: Path, why: str, instead: str) -> None:
    log.warning(
        "%s cannot be read (%s): last known addresses are found in %s instead (the same answers, more "
        "slowly); load the master again to save it whole.",
        saved,
        why,
        instead,
    )


def known_in(known: pa.Table, tins: list[str]) -> dict[str, tuple[str, ...]]:
    """The last known addresses of these TINs in `known`: last_known's rows in one chunk, sorted by
    `tin_number` (the TIN as a number), by binary search."""
    numbers = known.column("tin_number").chunk(0).to_numpy() if known.num_rows else np.empty(0, np.int64)
    asked = np.array(sorted({int(t) for t in tins if _NINE_DIGITS.fullmatch(t)}), np.int64)
    at = np.minimum(np.searchsorted(numbers, asked), max(len(numbers) - 1, 0))
    held = at[numbers[at] == asked] if len(numbers) else at[:0]
    return _by_tin(known.take(pa.array(held, pa.int64())))


def _by_tin(found: pa.Table) -> dict[str, tuple[str, ...]]:
    """Each row's address by its TIN, a column at a time (a chunk asks for ~47,000 TINs; DuckDB's
    fetchall made its rows through Python one value at a time)."""
    addresses = zip(*(found.column(c).to_pylist() for c in ADDRESS_COLUMNS), strict=True)
    return dict(zip(found.column("tin").to_pylist(), addresses, strict=True))


def known_table(known: pa.Table) -> pa.Table:
    """last_known's rows (tin and the address columns) as `known_in` searches them."""
    numbered = known.select(["tin", *ADDRESS_COLUMNS])
    numbered = numbered.add_column(0, "tin_number", pc.cast(numbered.column("tin"), pa.int64()))
    return numbered.sort_by("tin_number").combine_chunks()


def save_known(staging: Path) -> None:
    """`index_known.arrow`: last_known.parquet's rows as `known_in` searches them, in one block."""
    saved_index.write_block(staging / KNOWN, known_table(pq.read_table(staging / "last_known.parquet")))


class KnownAddresses:
    """Every TIN's last known address, sorted by TIN, for a call's lookups (the service): the file the
    load saved, mapped (its pages kept), or the rows read into memory for a store loaded without it."""

    def __init__(self, reference: Reference) -> None:
        saved = saved_known(reference, kept=True)
        self._known = saved.table if saved else known_table(pq.read_table(reference.last_known))

    def last_known(self, tins: list[str]) -> dict[str, tuple[str, ...]]:
        """As last_known."""
        return known_in(self._known, tins)
