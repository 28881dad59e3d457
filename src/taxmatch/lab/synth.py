"""Synthetic master files and request batches on disk, with ground truth (no real people).

The people come from population.py, the request rows and their truth from
request_mix.py (whose docstring gives the mix); this module writes and reads
the files.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, replace
from pathlib import Path

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
    people = list(Generator(seed).population(taxpayers))
    _write_csv(path, MASTER_COLUMNS, master_rows(people))
    return people


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


def write_requests(
    path: Path, truth_path: Path, people: list[Taxpayer], count: int, seed: int, hard: bool = False
) -> None:
    batch = Batch(people, seed, hard, officials_for(count))
    made = [batch.request(i) for i in range(1, count + 1)]
    made = overload(made)
    _write_csv(path, REQUEST_COLUMNS, (r for r, _ in made))
    _write_csv(truth_path, TRUTH_COLUMNS, ({k: str(v) for k, v in asdict(t).items()} for _, t in made))


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


def read_people(master_path: Path) -> list[Taxpayer]:
    """Rebuild taxpayers from a master CSV written by `write_master` (for `synth requests`)."""
    grouped: dict[str, list[dict[str, str]]] = {}
    with master_path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            grouped.setdefault(row["tin"], []).append(row)
    people = []
    for tin, rows in grouped.items():
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
        people.append(
            Taxpayer(
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
        )
    return people
