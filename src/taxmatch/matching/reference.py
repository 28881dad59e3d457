"""The reference index: the master file standardised once, with its model.

`load` reads and checks the master file, standardises it, and writes into the
store directory:

- `reference.parquet`: one row per (taxpayer, address), standard columns + uid;
- `last_known.parquet`: per TIN, the address with the latest `address_as_of`;
- `tf_<column>.parquet`: term frequencies from the master, for Splink;
- `model.json`: the trained Splink model;
- `reference.json`: what was loaded, when, and its digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from taxmatch import runtime
from taxmatch.errors import InputError, Location, NoMasterLoaded
from taxmatch.interchange import (
    ADDRESS_SOURCES,
    MASTER_COLUMNS,
    MASTER_OPTIONAL,
    check_header,
    read_text_parquet,
)
from taxmatch.layout import Layout
from taxmatch.matching import duck, model, training
from taxmatch.standardise.table import standardise

log = logging.getLogger(__name__)
# What a disclosure holds, in the order of the result file's disclosed_* columns.
ADDRESS_COLUMNS: tuple[str, ...] = ("street_address", "unit", "city", "state", "zip")

Step = Callable[[str], None]


@dataclass(frozen=True)
class Reference:
    directory: Path
    meta: dict[str, Any]
    budget: duck.Budget = duck.UNLIMITED  # what each DuckDB connection over it may use

    @property
    def parquet(self) -> Path:
        return self.directory / "reference.parquet"

    @property
    def last_known(self) -> Path:
        return self.directory / "last_known.parquet"

    @property
    def model_path(self) -> Path:
        return self.directory / "model.json"

    def tf_path(self, column: str) -> Path:
        return self.directory / f"tf_{column}.parquet"

    @property
    def prior_bits(self) -> float:
        """The model's prior as match weight: log2 of the odds that two random records match."""
        prior = float(self.model()["probability_two_random_records_match"])
        return math.log2(prior / (1 - prior))

    def model(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.model_path.read_text(encoding="utf-8"))
        return loaded


def last_known(ref: Reference, tins: list[str]) -> dict[str, tuple[str, ...]]:
    """The last known address (street, unit, city, state, ZIP) of each of these TINs on file."""
    if not tins:
        return {}
    con = duck.connect(ref.budget)
    con.register("wanted", pa.table({"tin": pa.array(sorted(set(tins)), pa.string())}))
    found = con.sql(
        f"SELECT k.tin, {', '.join(ADDRESS_COLUMNS)} FROM read_parquet(?) k JOIN wanted USING (tin)",
        params=[str(ref.last_known)],
    ).fetchall()
    con.close()
    return {row[0]: tuple(row[1:]) for row in found}


RECORD_COLUMNS: tuple[str, ...] = (
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "date_of_birth",
    *ADDRESS_COLUMNS,
    "address_as_of",
    "address_source",
)


def records(ref: Reference, tin: str) -> list[dict[str, str]]:
    """A taxpayer's rows on file as the master gave them, newest address first (for a reviewer)."""
    con = duck.connect(ref.budget)
    found = con.sql(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM read_parquet(?) WHERE tin = ? ORDER BY address_as_of DESC",
        params=[str(ref.parquet), tin],
    ).fetchall()
    con.close()
    return [dict(zip(RECORD_COLUMNS, row, strict=True)) for row in found]


def open_reference(layout: Layout, budget: duck.Budget = duck.UNLIMITED) -> Reference:
    """The master loaded in this store; NoMasterLoaded if there is none."""
    if not layout.has_master:
        raise NoMasterLoaded(
            "no master file is loaded in this store",
            where=Location(str(layout.root)),
            fix="Run `taxmatch master load MASTER_FILE --store DIR` first.",
        )
    return Reference(layout.reference, json.loads(layout.reference_meta.read_text(encoding="utf-8")), budget)


def _read(path: Path) -> pa.Table:
    if path.suffix.lower() == ".parquet":
        return read_text_parquet(path, MASTER_COLUMNS)
    with path.open("rb") as handle:
        header = handle.readline().decode("utf-8-sig", errors="replace").strip().split(",")
    check_header(path, header, MASTER_COLUMNS)
    try:
        return pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in MASTER_COLUMNS}, strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InputError(
            f"malformed master file: {exc}",
            where=Location(str(path)),
            fix="The master file must be UTF-8 CSV with the agreed header (RFC 4180).",
        ) from exc


def _first_bad(path: Path, table: pa.Table, mask: pa.Array, column: str, what: str) -> None:
    bad = pc.indices_nonzero(pc.fill_null(mask, True))
    if len(bad):
        line = bad[0].as_py() + 2
        raise InputError(
            f"{len(bad)} row(s) with {what}, the first",
            where=Location(str(path), line, column),
            fix="Correct the master file; nothing was loaded.",
        )


def _check(path: Path, table: pa.Table) -> None:
    if table.num_rows == 0:
        raise InputError(
            "the master file has no rows", where=Location(str(path)), fix="Load a master file with rows."
        )
    for column in MASTER_COLUMNS:
        if column not in MASTER_OPTIONAL:
            _first_bad(
                path, table, pc.equal(pc.utf8_trim_whitespace(table[column]), ""), column, "an empty value"
            )
    _first_bad(
        path,
        table,
        pc.invert(pc.match_substring_regex(table["tin"], r"^\d{9}$")),
        "tin",
        "a TIN that is not 9 digits",
    )
    _first_bad(
        path,
        table,
        pc.invert(pc.is_in(table["tin_type"], pa.array(["SSN", "ITIN"]))),
        "tin_type",
        "a tin_type other than SSN or ITIN",
    )
    _first_bad(
        path,
        table,
        pc.invert(pc.is_in(table["address_source"], pa.array(sorted(ADDRESS_SOURCES)))),
        "address_source",
        "an unknown address_source",
    )
    _first_bad(
        path,
        table,
        pc.invert(pc.match_substring_regex(table["address_as_of"], r"^\d{4}-\d{2}-\d{2}$")),
        "address_as_of",
        "a date that is not YYYY-MM-DD",
    )


@runtime.fewer_collections()
def load(
    path: Path,
    layout: Layout,
    now: dt.datetime,
    step: Step = lambda _: None,
    budget: duck.Budget = duck.UNLIMITED,
) -> Reference:
    """Standardise the master once, build the index, train and save the model."""
    today = now.date()
    step("reading the master file")
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
    if not digest:
        raise InputError("cannot read the master file", where=Location(str(path)), fix="Check the path.")
    table = _read(path)
    _check(path, table)
    step("standardising names and addresses")
    standard = standardise(table, today).append_column(model.UID, pa.array(range(table.num_rows), pa.int64()))
    target, staging = layout.reference, layout.reference_staging
    staging.mkdir(parents=True, exist_ok=True)
    con = duck.connect(budget)
    con.register("master", standard)
    step("building the reference index")
    duck.run(con, f"COPY (SELECT * FROM master) TO '{staging / 'reference.parquet'}' (FORMAT parquet)")
    duck.run(
        con,
        f"""COPY (SELECT tin, {", ".join(ADDRESS_COLUMNS)}, address_as_of FROM master
        QUALIFY row_number() OVER (PARTITION BY tin ORDER BY address_as_of DESC, uid DESC) = 1)
        TO '{staging / "last_known.parquet"}' (FORMAT parquet)""",
    )
    for column in model.TF_COLUMNS:
        duck.run(
            con,
            f"""COPY (SELECT {column}, count(*) / sum(count(*)) OVER () AS tf_{column}
            FROM master WHERE {column} IS NOT NULL GROUP BY {column})
            TO '{staging / f"tf_{column}.parquet"}' (FORMAT parquet)""",
        )
    taxpayers = con.sql("SELECT count(DISTINCT tin) FROM master").fetchall()[0][0]
    step("training the matching model")
    sample = con.sql(f"""SELECT {", ".join(MASTER_COLUMNS)} FROM master
        QUALIFY row_number() OVER (PARTITION BY tin ORDER BY address_as_of DESC, uid DESC) = 1
        ORDER BY hash(tin), tin LIMIT {training.SAMPLE}""").to_arrow_table()
    con.close()
    trained = training.train(sample, staging / "reference.parquet", int(taxpayers), today, budget=budget)
    training.save(trained, staging / "model.json")
    meta = {
        "master_file": str(path),
        "master_sha256": digest,
        "rows": table.num_rows,
        "taxpayers": int(taxpayers),
        "loaded_at": now.isoformat(),
    }
    (staging / "reference.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    _swap(staging, target, layout.reference_retired)
    log.info("loaded %s: %d rows for %d taxpayers", path, table.num_rows, taxpayers)
    return Reference(target, meta, budget)


def _swap(staging: Path, target: Path, old: Path) -> None:
    """Replace the old index only once the new one is complete."""
    if target.exists():
        target.rename(old)
    staging.rename(target)
    if old.exists():
        for child in old.iterdir():
            child.unlink()
        old.rmdir()
