"""The reference index: the master file standardised once, with its model.

`load` reads and checks the master file, standardises it, and writes into the
store directory:

- `reference.parquet`: one row per (taxpayer, address), standard columns + uid;
- `last_known.parquet`: per TIN, the address with the latest `address_as_of`;
- `index_known.arrow`: the same rows sorted by TIN, mapped and searched by `last_known`;
- `tf_<column>.parquet`: term frequencies from the master, for Splink;
- `index_master.arrow`, `index_rule*.arrow` and `index.json`: the candidate index (saved_index.py);
- `model.json`: the trained Splink model;
- `reference.json`: what was loaded, when, and its digest.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from taxmatch import runtime
from taxmatch.errors import Location, NoMasterLoaded
from taxmatch.interchange import MASTER_COLUMNS
from taxmatch.layout import Layout
from taxmatch.matching import duck, explain, master_file, model, saved_index, standardising, training
from taxmatch.matching.known_addresses import ADDRESS_COLUMNS, save_known

log = logging.getLogger(__name__)

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
        return explain.bits(prior)

    def model(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.model_path.read_text(encoding="utf-8"))
        return loaded


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


@runtime.fewer_collections()
def load(
    path: Path,
    layout: Layout,
    now: dt.datetime,
    step: Step = lambda _: None,
    budget: duck.Budget = duck.UNLIMITED,
    max_rejected: float = 0.0,
) -> Reference:
    """Standardise the master once, build the index, train and save the model.

    `max_rejected`: the share of rows that may be defective and set aside (into
    REJECTED, each defect with its line and column) instead of refusing the file.
    """
    today = now.date()
    step("reading and checking the master file")
    digest = master_file.digest(path)
    checked = master_file.check(path, max_rejected)
    rows = checked.rows - checked.defective_rows
    target, staging = layout.reference, layout.reference_staging
    shutil.rmtree(staging, ignore_errors=True)  # what a load stopped part-way left
    staging.mkdir(parents=True)
    step("standardising names and addresses")
    _standardise(path, staging, today)
    con = duck.connect(budget)
    indexed = duck.quoted(staging / "reference.parquet")  # a view's SQL takes no parameters
    duck.run(con, f"CREATE VIEW master AS SELECT * FROM read_parquet('{indexed}')")
    step("building the reference index")
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
    save_known(staging)
    saved_index.save_rules(con, staging)
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
        "rows": rows,
        "rejected_rows": checked.defective_rows,
        "taxpayers": int(taxpayers),
        "loaded_at": now.isoformat(),
    }
    (staging / "reference.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    _swap(staging, target, layout.reference_retired)
    log.info("loaded %s: %d rows for %d taxpayers", path, rows, taxpayers)
    return Reference(target, meta, budget)


REJECTED = "rejected.csv"


def _standardise(path: Path, staging: Path, today: dt.date) -> None:
    """The master's sound rows with their standard columns and a uid, written a block at a time (with
    the candidate index's columns of them, saved_index.py); the defects of the rows set aside (when a
    load allows some) into REJECTED, one line per defect.
    The blocks are standardised on every core (standardising.py)."""
    writer: pq.ParquetWriter | None = None
    uid = 0
    try:
        with (
            closing(_sound_blocks(path, staging)) as sound,
            standardising.Standardiser(today, standardising.processes_for(path)) as standardiser,
            saved_index.MasterColumns(staging) as indexed,
        ):
            for standard in standardiser.map(sound):
                uids = pa.array(range(uid, uid + standard.num_rows), pa.int64())
                standard = standard.append_column(model.UID, uids)
                writer = writer or pq.ParquetWriter(staging / "reference.parquet", standard.schema)
                writer.write_table(standard)
                indexed.write(standard)
                uid += standard.num_rows
    finally:
        if writer is not None:
            writer.close()


def _sound_blocks(path: Path, staging: Path) -> Generator[pa.Table, None, None]:
    """The master file's blocks without their defective rows, whose defects go into REJECTED (closed
    when the generator is, however the load ends)."""
    set_aside: pacsv.CSVWriter | None = None
    first = 0
    try:
        for block in master_file.blocks(path):
            bad = master_file.defective(block)
            if pc.any(bad).as_py():
                said = master_file.problems(block, first + 2)
                set_aside = set_aside or pacsv.CSVWriter(staging / REJECTED, said.schema)
                set_aside.write_table(said)
            first += block.num_rows
            yield block.filter(pc.invert(bad))
    finally:
        if set_aside is not None:
            set_aside.close()


def _swap(staging: Path, target: Path, old: Path) -> None:
    """Replace the old index only once the new one is complete."""
    if target.exists():
        target.rename(old)
    staging.rename(target)
    if old.exists():
        for child in old.iterdir():
            child.unlink()
        old.rmdir()
