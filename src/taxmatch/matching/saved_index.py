"""The candidate index saved beside the reference when the master is loaded, and opened by mapping it.

A batch found each chunk's candidates by scanning the whole master with the
blocking rules (model.REACHABLE): every master row tested against every rule, for
every chunk. That cost grows with the master: most of a chunk's matching at a
national master. The index (candidate_index.py) finds the same rows by binary
search in each rule's sorted key hashes, but an interactive service built it in
memory at start-up, which a batch cannot afford. So the load saves it:

- `index_master.arrow`: the master's uid, TIN and compared columns, in uid order
  (Arrow's file format, uncompressed, so it is mapped rather than read);
- `index_rule<i>.arrow`: per blocking rule, its key hash for every master row
  that has the whole key, sorted, with each one's uid;
- `index.json`: the rules the hashes were made for, and what DuckDB's `hash`
  gives for a fixed value.

The files are mapped, not read: the operating system pages in what a lookup
touches, from its page cache. A chunk's rows lie all over the master, so a batch's
lookup touches most of its pages; a batch lets go of each file's pages
(MADV_DONTNEED) once a rule has been searched and once a block of the master's
rows has been taken, so that it holds one rule or one block at a time, not the
index (5.8 GB at 10M taxpayers, which would otherwise count in its resident
memory, though the page cache can drop it at any time). A service reads the files
in whole when it starts and keeps them, so that no call waits for the disk.

A saved index is used only when its rules are the model's and DuckDB hashes as
it did at the load (a DuckDB upgrade may change `hash`); otherwise it is not
opened, and a batch's candidates come from a scan, as before the index was saved.
"""

from __future__ import annotations

import itertools
import json
import logging
import mmap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from taxmatch.matching import duck, model

log = logging.getLogger(__name__)
MASTER, CHECK = "index_master.arrow", "index.json"
COLUMNS: tuple[str, ...] = (model.UID, "tin", *model.COMPARED_COLUMNS)  # what a candidate's scoring reads
# Text keys hashed as the rules' are (several text columns combined): if DuckDB hashes them otherwise
# than at the load, the saved hashes would miss candidates.
_PROBE = "SELECT hash('taxmatch', '6103', 'i', '2')"


RULE_COLUMNS: tuple[str, ...] = ("k", model.UID)  # a rule file's: its sorted key hashes, and their rows
# What a saved file that is missing, cut short or damaged raises when it is mapped (Mapped).
UNREADABLE = (OSError, ValueError, pa.ArrowException)

# Linux's; elsewhere a mapping is neither read in at once nor let go of, which changes only memory and time.
_POPULATE: int = getattr(mmap, "MAP_POPULATE", 0)
_LET_GO: int | None = getattr(mmap, "MADV_DONTNEED", None)


def rule_file(number: int) -> str:
    return f"index_rule{number}.arrow"


def key_sql(columns: tuple[str, ...]) -> tuple[str, str]:
    """The hash of a rule's key, and the condition that every part of the key is present."""
    return f"hash({', '.join(columns)})", " AND ".join(f"{c} IS NOT NULL" for c in columns)


def keep() -> None:
    """Let go of nothing (an index built in memory)."""


@dataclass(frozen=True)
class Rule:
    """One blocking rule's key hashes, sorted, and the uid of the master row each belongs to."""

    columns: tuple[str, ...]
    keys: npt.NDArray[np.uint64]
    uids: npt.NDArray[np.int64]
    release: Callable[[], None] = keep  # let go of the pages a search touched


class Mapped:
    """An Arrow file the load saved, mapped read-only, with no copy; ValueError if it does not hold
    `columns`, or holds them in more than one block where a search needs `one_block` (a binary search
    reads one array: a second block's rows would go unsearched).

    `kept` (a service): every page is read in as the file is mapped, and kept; otherwise its first
    calls wait for the disk (771 ms for the first call at 10M taxpayers). Not kept (a batch): pages
    are read in as they are touched, and `release` lets go of them (they stay in the page cache, and
    are read from it again when next touched)."""

    def __init__(
        self, path: Path, columns: Sequence[str], kept: bool = False, one_block: bool = False
    ) -> None:
        flags = mmap.MAP_SHARED | (_POPULATE if kept else 0)
        with path.open("rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, flags=flags, prot=mmap.PROT_READ)
        self.kept = kept
        self.table = pa.ipc.open_file(pa.BufferReader(pa.py_buffer(self._map))).read_all()
        if self.table.schema.names != list(columns):
            raise ValueError(f"its columns are {self.table.schema.names}, not {list(columns)}")
        if one_block and self.table.num_rows and self.table.column(0).num_chunks != 1:
            raise ValueError(f"its rows are in {self.table.column(0).num_chunks} blocks, not one")

    def release(self) -> None:
        if _LET_GO is not None and not self.kept:
            self._map.madvise(_LET_GO)


def rule(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...], master: str = "master") -> pa.Table:
    """A rule's sorted key hashes (`k`) and uids, from the master rows of view or table `master`, as one
    chunk (a binary search needs one array)."""
    key, present = key_sql(columns)
    found = con.sql(f"SELECT {key} AS k, {model.UID} FROM {master} WHERE {present} ORDER BY k")
    return found.to_arrow_table().combine_chunks()


def as_rule(columns: tuple[str, ...], table: pa.Table, release: Callable[[], None] = keep) -> Rule:
    """A rule's arrays (without a copy when the table is mapped and has one chunk)."""
    keys = table.column("k").chunk(0).to_numpy() if table.num_rows else np.empty(0, np.uint64)
    uids = table.column(model.UID).chunk(0).to_numpy() if table.num_rows else np.empty(0, np.int64)
    return Rule(columns, keys.astype(np.uint64, copy=False), uids.astype(np.int64, copy=False), release)


class MasterColumns:
    """Writes `index_master.arrow` a block at a time, as the load standardises the master."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / MASTER
        self.writer: pa.ipc.RecordBatchFileWriter | None = None

    def __enter__(self) -> MasterColumns:
        return self

    def write(self, standard: pa.Table) -> None:
        """The next rows (with their uids): the index's columns of them."""
        part = standard.select(COLUMNS)
        if self.writer is None:
            self.writer = pa.ipc.new_file(str(self.path), part.schema)
        self.writer.write_table(part)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.writer is not None:
            self.writer.close()


def save_rules(con: duckdb.DuckDBPyConnection, directory: Path) -> None:
    """Each blocking rule's sorted key hashes from the view `master`, then `index.json` (last: an index
    without it is not opened)."""
    for number, blocking in enumerate(model.BLOCKING_RULES):
        write_block(directory / rule_file(number), rule(con, model.rule_columns(blocking)))
    check = {"rules": list(model.BLOCKING_RULES), "hash_probe": _probe(con)}
    (directory / CHECK).write_text(json.dumps(check, indent=2), encoding="utf-8")


def write_block(path: Path, table: pa.Table) -> None:
    """An Arrow file of the table's rows in one block, as `Mapped(..., one_block=True)` takes it."""
    with pa.ipc.new_file(str(path), table.schema) as writer:
        writer.write_table(table, max_chunksize=max(table.num_rows, 1))


def _probe(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.sql(_PROBE).fetchall()[0][0])


@dataclass(frozen=True)
class Saved:
    master: Mapped  # COLUMNS, in uid order (in the blocks the load wrote)
    rules: list[Rule]


def open_saved(directory: Path, kept: bool = False) -> Saved | None:
    """The saved index, mapped (`kept`: read in whole and kept, see Mapped); None when the store has
    none, or one this code must not use."""
    check_path = directory / CHECK
    if not check_path.exists():
        return None
    try:
        check: dict[str, Any] = json.loads(check_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        _unused(directory, f"{CHECK} cannot be read ({exc})")
        return None
    probe = duck.connect()
    try:
        hashes_alike = check.get("hash_probe") == _probe(probe)
    finally:
        probe.close()
    # The rules and the hash first: a service's mapping reads the whole master file in.
    if check.get("rules") != list(model.BLOCKING_RULES) or not hashes_alike:
        _unused(directory, "it does not fit this version")
        return None
    try:
        master = Mapped(directory / MASTER, COLUMNS, kept)
        rules = []
        for number, blocking in enumerate(model.BLOCKING_RULES):
            mapped = Mapped(directory / rule_file(number), RULE_COLUMNS, kept, one_block=True)
            rules.append(as_rule(model.rule_columns(blocking), mapped.table, mapped.release))
    except UNREADABLE as exc:
        _unused(directory, f"it cannot be read ({exc})")
        return None
    if not _by_position(master.table):
        _unused(directory, "its rows are not in uid order")
        return None
    return Saved(master, rules)


def _unused(directory: Path, why: str) -> None:
    """Say why the saved index is not used, and what is done instead (the answers are the same)."""
    log.warning(
        "the candidate index saved in %s is not used: %s. Batches scan the master instead, and a service "
        "builds the index in memory; load the master again to save one that fits.",
        directory,
        why,
    )


def _by_position(master: pa.Table) -> bool:
    """Whether each row's uid is its position, as the load writes them (a row is taken by its uid)."""
    if master.num_rows == 0:
        return True
    uids = master.column(model.UID)
    return bool(uids[0].as_py() == 0 and uids[-1].as_py() == master.num_rows - 1)


class Blocks:
    """A table's rows as its blocks, for taking rows by position block by block: Arrow's take over a
    table of many chunks would first join them into one, a copy of the whole master. The blocks are
    listed once (a call takes a few rows from a master of some sixty blocks)."""

    def __init__(self, table: pa.Table) -> None:
        self.table, self.batches = table, table.to_batches()
        self.starts = np.concatenate([[0], np.cumsum([len(b) for b in self.batches])]).astype(np.int64)

    def take(self, rows: npt.NDArray[np.int64], release: Callable[[], None] = keep) -> pa.Table:
        """The rows at these positions (sorted, distinct), `release` called after each block taken from
        (the rows taken are copies)."""
        cuts = np.searchsorted(rows, self.starts)
        parts = []
        for i, (lo, hi) in enumerate(itertools.pairwise(cuts)):
            if hi > lo:
                parts.append(self.batches[i].take(pa.array(rows[lo:hi] - self.starts[i], pa.int64())))
                release()
        return pa.Table.from_batches(parts, self.table.schema) if parts else self.table.slice(0, 0)
