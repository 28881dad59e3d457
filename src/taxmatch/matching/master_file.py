"""Read and check a master file a block at a time: its digest, its rows' defects, then its rows.

A national master file holds tens of millions of address rows, so nothing here
holds it whole: the file is read as Arrow record batches (CSV or Parquet), once
to check it and digest it, and once more, block by block, to standardise it.
Every defect is counted over the whole file and the first is located by line,
before anything is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from taxmatch.errors import InputError, Location
from taxmatch.interchange import (
    ADDRESS_SOURCES,
    MASTER_COLUMNS,
    MASTER_OPTIONAL,
    check_header,
    check_text_columns,
    unreadable_parquet,
)

BLOCK_BYTES = 64 << 20  # CSV read a block at a time: about 300,000 address rows
BATCH_ROWS = 300_000  # Parquet read as many rows at a time
READ_BYTES = 1 << 20
SCHEMA = pa.schema([(c, pa.string()) for c in MASTER_COLUMNS])


def digest(path: Path) -> str:
    """The SHA-256 of the file's bytes, read in blocks."""
    try:
        with path.open("rb") as raw:
            found = hashlib.sha256()
            while block := raw.read(READ_BYTES):
                found.update(block)
            return found.hexdigest()
    except OSError as exc:
        raise InputError(
            f"cannot read the master file: {exc.strerror}", where=Location(str(path)), fix="Check the path."
        ) from exc


def _csv_blocks(path: Path) -> Iterator[pa.RecordBatch]:
    with path.open("rb") as handle:
        header = handle.readline().decode("utf-8-sig", errors="replace").strip().split(",")
    check_header(path, header, MASTER_COLUMNS)
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in MASTER_COLUMNS}, strings_can_be_null=False
            ),
        )
        for block in reader:
            yield block.select(MASTER_COLUMNS) if block.schema.names != list(MASTER_COLUMNS) else block
    except pa.ArrowInvalid as exc:
        raise InputError(
            f"malformed master file: {exc}",
            where=Location(str(path)),
            fix="The master file must be UTF-8 CSV with the agreed header (RFC 4180).",
        ) from exc


def _parquet_blocks(path: Path) -> Iterator[pa.RecordBatch]:
    try:
        source = pq.ParquetFile(path)
        schema = source.schema_arrow
        check_text_columns(path, schema.names, [str(t) for t in schema.types], MASTER_COLUMNS)
        for block in source.iter_batches(batch_size=BATCH_ROWS):
            yield block.cast(SCHEMA)
    except (pa.ArrowException, OSError) as exc:
        raise unreadable_parquet(path, exc) from exc


def blocks(path: Path) -> Iterator[pa.Table]:
    """The master file's rows, a block at a time, as text columns in the agreed order."""
    source = _parquet_blocks(path) if path.suffix.lower() == ".parquet" else _csv_blocks(path)
    for block in source:
        yield pa.Table.from_batches([block])


def _checks(block: pa.Table) -> list[tuple[str, str, pa.Array]]:
    """(column, what is wrong, mask of the rows with it) for each defect a master row can have."""
    found = [
        (c, "an empty value", pc.equal(pc.utf8_trim_whitespace(block[c]), ""))
        for c in MASTER_COLUMNS
        if c not in MASTER_OPTIONAL
    ]
    return [
        *found,
        ("tin", "a TIN that is not 9 digits", pc.invert(pc.match_substring_regex(block["tin"], r"^\d{9}$"))),
        (
            "tin_type",
            "a tin_type other than SSN or ITIN",
            pc.invert(pc.is_in(block["tin_type"], pa.array(["SSN", "ITIN"]))),
        ),
        (
            "address_source",
            "an unknown address_source",
            pc.invert(pc.is_in(block["address_source"], pa.array(sorted(ADDRESS_SOURCES)))),
        ),
        (
            "address_as_of",
            "a date that is not YYYY-MM-DD",
            pc.invert(pc.match_substring_regex(block["address_as_of"], r"^\d{4}-\d{2}-\d{2}$")),
        ),
    ]


@dataclass
class _Defect:
    count: int = 0
    first_line: int = 0


def defective(block: pa.Table) -> pa.Array:
    """Which rows of a block have any defect (those set aside by a load that allows some)."""
    masks = [pc.fill_null(mask, True) for _, _, mask in _checks(block)]
    found = masks[0]
    for mask in masks[1:]:
        found = pc.or_(found, mask)
    return found


def problems(block: pa.Table, first_line: int) -> pa.Table:
    """Every defect of a block, one row each: the file line, the column, and what is wrong with it."""
    found: list[tuple[int, int, str, str]] = []
    for order, (column, what, mask) in enumerate(_checks(block)):
        for index in pc.indices_nonzero(pc.fill_null(mask, True)).to_pylist():
            found.append((first_line + index, order, column, what))
    found.sort()
    return pa.table(
        {
            "line": pa.array([f[0] for f in found], pa.int64()),
            "column": pa.array([f[2] for f in found], pa.string()),
            "reason": pa.array([f[3] for f in found], pa.string()),
        }
    )


@dataclass
class Checked:
    """What a pass over the master file found: its rows, its defects, and the rows that have any."""

    rows: int = 0
    defective_rows: int = 0
    defects: dict[tuple[str, str], _Defect] = field(default_factory=dict)

    def add(self, block: pa.Table) -> None:
        for column, what, mask in _checks(block):
            bad = pc.indices_nonzero(pc.fill_null(mask, True))
            defect = self.defects.setdefault((column, what), _Defect())
            if len(bad) and not defect.count:
                defect.first_line = self.rows + bad[0].as_py() + 2
            defect.count += len(bad)
        self.defective_rows += pc.sum(defective(block)).as_py() or 0
        self.rows += block.num_rows

    def refuse(self, path: Path, allowed: float = 0.0) -> None:
        """Refuse the file if it has no sound row, or more defective rows than the share `allowed`:
        naming the first kind of defect found (in the order checked), counted over the whole file."""
        if not self.rows:
            raise InputError(
                "the master file has no rows", where=Location(str(path)), fix="Load a master file with rows."
            )
        if self.defective_rows == 0 or (
            self.defective_rows <= allowed * self.rows and self.defective_rows < self.rows
        ):
            return
        share = (
            f" ({self.defective_rows:,} defective rows of {self.rows:,}, "
            f"{self.defective_rows / self.rows:.2%}; --max-rejected allows {allowed:.2%})"
        )
        for (column, what), defect in self.defects.items():
            if defect.count:
                raise InputError(
                    f"{defect.count} row(s) with {what}, the first" + share,
                    where=Location(str(path), defect.first_line, column),
                    fix="Correct the master file; nothing was loaded. A load sets a small share of defective "
                    "rows aside (--max-rejected, a fraction; 0 refuses any).",
                )


def check(path: Path, allowed: float = 0.0) -> Checked:
    """Read the whole master file once and refuse it if more than the share `allowed` of rows is defective."""
    found = Checked()
    for block in blocks(path):
        found.add(block)
    found.refuse(path, allowed)
    return found
