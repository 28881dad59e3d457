"""Synthetic master files and request batches on disk, with ground truth (no real people).

The people come from population.py, the request rows and their truth from
request_mix.py (whose docstring gives the mix); this module writes and reads
the files.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import asdict, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from taxmatch.interchange import MASTER_COLUMNS, REQUEST_COLUMNS
from taxmatch.lab.population import Generator, Place, Taxpayer
from taxmatch.lab.request_mix import (
    OVERLOAD_CASES,
    OVERLOADED,
    TRUTH_COLUMNS,
    Batch,
    Truth,
    officials_for,
    origin_of,
)

__all__ = [
    "TRUTH_COLUMNS",
    "master_rows",
    "origin_of",
    "read_people",
    "stream_master",
    "write_batch",
    "write_manifest",
    "write_master",
    "write_requests",
]


def _write_csv(path: Path, columns: Iterable[str], rows: Iterable[dict[str, str]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def master_rows(people: Iterable[Taxpayer]) -> Iterable[dict[str, str]]:
    """One master row per (taxpayer, address) observation."""
    for p in people:
        for place, as_of, source in p.addresses:
            yield {
                "tin": p.tin,
                "tin_type": p.tin_type,
                "first_name": p.first_name,
                "middle_name": p.middle_name,
                "last_name": p.last_name,
                "suffix": p.suffix,
                "date_of_birth": p.date_of_birth,
                "street_address": place.street_address,
                "unit": place.unit,
                "city": place.city,
                "state": place.state,
                "zip": place.zip,
                "address_as_of": as_of,
                "address_source": source,
            }


def write_master(path: Path, taxpayers: int, seed: int) -> list[Taxpayer]:
    """A master file, and its taxpayers (for tests that need both)."""
    people = list(Generator(seed).population(taxpayers))
    _write_csv(path, MASTER_COLUMNS, master_rows(people))
    return people


def stream_master(path: Path, taxpayers: int, seed: int) -> int:
    """The same master file as write_master, written as it is made (a national one never in memory);
    its number of rows."""
    return _write_csv(path, MASTER_COLUMNS, master_rows(Generator(seed).population(taxpayers)))


def overload(made: list[tuple[dict[str, str], Truth]]) -> list[tuple[dict[str, str], Truth]]:
    """Give the overloaded official more cases than the cap, taking plain rows if needed.

    In a batch too small to hold that many, the official's rows lose their
    official instead, so every row's truth stays what the gate will find.
    """
    named = [i for i, (r, _) in enumerate(made) if r["official_name"] == OVERLOADED]
    if not named:
        return made
    spare = [i for i, (_, t) in enumerate(made) if t.kind == "exact"]
    if len(named) + len(spare) < OVERLOAD_CASES:
        for i in named:
            made[i][0]["official_name"] = ""
            made[i] = (made[i][0], replace(made[i][1], variation="no_official"))
        return made
    for i in spare[: max(0, OVERLOAD_CASES - len(named))]:
        row, truth = made[i]
        row["official_name"] = OVERLOADED
        made[i] = (
            row,
            replace(
                truth,
                kind="legal_defect",
                variation="caseload",
                expected_outcome="REJECTED",
                lawful_address=False,
            ),
        )
        named.append(i)
    for n, i in enumerate(sorted(named)):
        made[i][0]["case_number"] = f"OVERLOAD-{n % OVERLOAD_CASES}"
    return made


STREAM_ABOVE = 200_000  # rows: a larger batch is written as it is made
ROUND = 2_000_000  # people a batch holds at once: a 1,280,000-row batch (1.92M people) is one round


def write_requests(
    path: Path,
    truth_path: Path,
    people: list[Taxpayer],
    count: int,
    seed: int,
    hard: bool = False,
    issued: set[str] | None = None,
) -> None:
    """A request batch about `people` and its truth. `issued`: every TIN in the master, when `people`
    is a sample of it (so that a person not on file is never given one)."""
    batch = Batch(people, seed, hard, officials_for(count), issued)
    if count > STREAM_ABOVE:
        with _Streamed(path, truth_path) as streamed:
            streamed.write(batch, range(1, count + 1))
        return
    made = [batch.request(i) for i in range(1, count + 1)]
    made = overload(made)
    _write_csv(path, REQUEST_COLUMNS, (r for r, _ in made))
    _write_csv(truth_path, TRUTH_COLUMNS, ({k: str(v) for k, v in asdict(t).items()} for _, t in made))


def write_batch(
    master_path: Path, path: Path, truth_path: Path, count: int, seed: int, hard: bool = False
) -> None:
    """`synth requests`: a batch about a master on disk, in bounded memory at any size (issue 13).

    The batch is about a random sample of the master's people, held ROUND at a time: each round's
    people are read from the file (their rows picked out by Arrow) and asked about in their share of
    the rows, so a 7,600,000-row batch about a 10,000,000-taxpayer master never holds more than
    ROUND people. A batch of one round (every batch up to 1,333,333 rows) is the one write_requests
    makes about the same sample."""
    tins = _tins(master_path)
    issued = set(tins.to_pylist())
    wanted = min(len(issued), max(50_000, count * 3 // 2))  # at most 1.5 people a row
    chosen = random.Random(seed).sample(sorted(issued), wanted)
    whole = wanted == len(issued)
    if wanted <= ROUND:
        people = _people_in(master_path, None if whole else chosen)
        write_requests(path, truth_path, people, count, seed, hard, issued)
        return
    officials = officials_for(count)
    with _Streamed(path, truth_path) as streamed:
        for start in range(0, wanted, ROUND):
            people = _people_in(master_path, chosen[start : start + ROUND])
            first, last = (1 + count * n // wanted for n in (start, min(wanted, start + ROUND)))
            streamed.write(Batch(people, seed + start // ROUND, hard, officials, issued), range(first, last))
            del people  # before the next round is read, not after: one round held at a time


class _Streamed:
    """A batch's request and truth files written row by row: a large batch always names the overloaded
    official in more than OVERLOAD_CASES rows, so overload() has nothing to do but number them."""

    def __init__(self, path: Path, truth_path: Path) -> None:
        self.paths, self.named = (path, truth_path), 0

    def __enter__(self) -> _Streamed:
        self.files = [p.open("w", newline="", encoding="utf-8") for p in self.paths]
        self.rows, self.truth = (
            csv.DictWriter(f, fieldnames=list(c), lineterminator="\n")
            for f, c in zip(self.files, (REQUEST_COLUMNS, TRUTH_COLUMNS), strict=True)
        )
        self.rows.writeheader()
        self.truth.writeheader()
        return self

    def write(self, batch: Batch, indices: range) -> None:
        for index in indices:
            row, made = batch.request(index)
            if row["official_name"] == OVERLOADED:
                row["case_number"] = f"OVERLOAD-{self.named % OVERLOAD_CASES}"
                self.named += 1
            self.rows.writerow(row)
            self.truth.writerow({k: str(v) for k, v in asdict(made).items()})

    def __exit__(self, *exc: object) -> None:
        for f in self.files:
            f.close()
        if exc[0] is None and self.named < OVERLOAD_CASES:
            raise AssertionError(f"only {self.named} rows name the overloaded official")  # pragma: no cover


def write_manifest(path: Path, request_path: Path, signed_on: str = "2026-11-02") -> None:
    """A manifest signed by an authorised official, covering the request file."""
    with request_path.open("rb") as handle:  # a national batch is gigabytes: hashed a block at a time
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    manifest = {
        "agreement_id": "IRS-DHS-2025-04",
        "requesting_agency": "DHS/ICE",
        "signer_name": "A. Signer (synthetic)",
        "signer_title": "Director, U.S. Immigration and Customs Enforcement",
        "signed_on": signed_on,
        "attestation": "The information will be used only by the officers named in the rows, solely for "
        "those investigations.",
        "request_file_sha256": digest,
    }
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _tin_column(master_path: Path) -> pa.ChunkedArray:
    return pacsv.read_csv(
        master_path,
        convert_options=pacsv.ConvertOptions(include_columns=["tin"], column_types={"tin": pa.string()}),
    )["tin"]


def _tins(master_path: Path) -> pa.Array:
    return pc.unique(_tin_column(master_path))


def read_people(
    master_path: Path, sample: int | None = None, seed: int = 0
) -> tuple[list[Taxpayer], set[str]]:
    """Rebuild taxpayers from a master CSV written by `write_master`, and every TIN on file.
    `sample`: keep only that many taxpayers, chosen at random."""
    issued = set(_tins(master_path).to_pylist())
    kept = None
    if sample is not None and sample < len(issued):
        kept = random.Random(seed).sample(sorted(issued), sample)
    return _people_in(master_path, kept), issued


def _people_in(master_path: Path, tins: list[str] | None) -> list[Taxpayer]:
    """The taxpayers of `tins` (every one when None), in the master's order. Arrow picks out their rows
    a block at a time, so only they are ever Python objects; a master written by `write_master` keeps
    a taxpayer's rows together, which is what lets each be built as soon as its rows have passed."""
    kept = None
    if tins is not None:  # one lookup over the file's TIN column: a set built once, not once a block
        kept = pc.is_in(_tin_column(master_path), value_set=pa.array(tins, pa.string()))
    reader = pacsv.open_csv(
        master_path,
        read_options=pacsv.ReadOptions(block_size=64 << 20),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(MASTER_COLUMNS, pa.string())),
    )
    people: list[Taxpayer] = []
    rows: list[dict[str, str]] = []
    offset = 0
    for block in reader:
        offset, at = offset + block.num_rows, offset
        if kept is not None:
            block = block.filter(kept.slice(at, block.num_rows))
        for row in block.to_pylist():
            if rows and row["tin"] != rows[0]["tin"]:
                people.append(_person(rows[0]["tin"], rows))
                rows = []
            rows.append(row)
    if rows:
        people.append(_person(rows[0]["tin"], rows))
    if len({p.tin for p in people}) != len(people):
        raise ValueError(f"{master_path}: a taxpayer's rows are not together, as write_master leaves them")
    return people


def _person(tin: str, rows: list[dict[str, str]]) -> Taxpayer:
    rows.sort(key=lambda r: r["address_as_of"])
    head = rows[-1]
    history = tuple(
        (
            Place(r["street_address"], r["unit"], r["city"], r["state"], r["zip"]),
            r["address_as_of"],
            r["address_source"],
        )
        for r in rows
    )
    return Taxpayer(
        tin,
        head["tin_type"],
        head["first_name"],
        head["middle_name"],
        head["last_name"],
        head["suffix"],
        head["date_of_birth"],
        False,
        history,
    )
