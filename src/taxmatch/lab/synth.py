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
        _stream_requests(path, truth_path, batch, count)
        return
    made = [batch.request(i) for i in range(1, count + 1)]
    made = overload(made)
    _write_csv(path, REQUEST_COLUMNS, (r for r, _ in made))
    _write_csv(truth_path, TRUTH_COLUMNS, ({k: str(v) for k, v in asdict(t).items()} for _, t in made))


def _stream_requests(path: Path, truth_path: Path, batch: Batch, count: int) -> None:
    """write_requests for a large batch, row by row: the same rows, because a batch this large always
    names the overloaded official in more than OVERLOAD_CASES rows (so overload() only numbers them)."""
    named = 0
    with (
        path.open("w", newline="", encoding="utf-8") as requests,
        truth_path.open("w", newline="", encoding="utf-8") as truths,
    ):
        rows = csv.DictWriter(requests, fieldnames=list(REQUEST_COLUMNS), lineterminator="\n")
        truth = csv.DictWriter(truths, fieldnames=list(TRUTH_COLUMNS), lineterminator="\n")
        rows.writeheader()
        truth.writeheader()
        for index in range(1, count + 1):
            row, made = batch.request(index)
            if row["official_name"] == OVERLOADED:
                row["case_number"] = f"OVERLOAD-{named % OVERLOAD_CASES}"
                named += 1
            rows.writerow(row)
            truth.writerow({k: str(v) for k, v in asdict(made).items()})
    if named < OVERLOAD_CASES:
        raise AssertionError(f"only {named} rows name the overloaded official")  # pragma: no cover


def write_manifest(path: Path, request_path: Path, signed_on: str = "2026-11-02") -> None:
    """A manifest signed by an authorised official, covering the request file."""
    digest = hashlib.sha256(request_path.read_bytes()).hexdigest()
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


def _tins(master_path: Path) -> pa.Array:
    column = pacsv.read_csv(
        master_path,
        convert_options=pacsv.ConvertOptions(include_columns=["tin"], column_types={"tin": pa.string()}),
    )["tin"]
    return pc.unique(column)


def read_people(
    master_path: Path, sample: int | None = None, seed: int = 0
) -> tuple[list[Taxpayer], set[str]]:
    """Rebuild taxpayers from a master CSV written by `write_master` (for `synth requests`), and every
    TIN on file. `sample`: keep only that many taxpayers, chosen at random, so that a batch about a
    national master does not hold ten million people in memory."""
    tins = _tins(master_path)
    issued = set(tins.to_pylist())
    kept: set[str] | None = None
    if sample is not None and sample < len(tins):
        kept = set(random.Random(seed).sample(sorted(issued), sample))
    grouped: dict[str, list[dict[str, str]]] = {}
    with master_path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if kept is None or row["tin"] in kept:
                grouped.setdefault(row["tin"], []).append(row)
    return [_person(tin, rows) for tin, rows in grouped.items()], issued


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
