"""Train the matching model once, when the master file loads.

Splink needs pairs it can trust. From a sample of the master, taxmatch makes a
perturbed copy of each record (the variations requesters really send:
nicknames, typos, abbreviations, dropped units, absent TIN or birth date) and
links copy to original: the m-probabilities come from those known pairs
(`estimate_m_from_label_column`), the u-probabilities from random pairs of
the whole master (`estimate_u_using_random_sampling`, capped by `max_pairs`).
The prior is one true match per taxpayer.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
from splink import DuckDBAPI, Linker

from taxmatch.matching import duck, model
from taxmatch.matching.perturb import perturb
from taxmatch.standardise.table import standardise

log = logging.getLogger(__name__)
SAMPLE = 20_000
U_MAX_PAIRS = 10_000_000
U_PAIRS_PER_ROW = 200  # a small master needs far fewer random pairs for the same precision


def _m_from_perturbed_copies(
    sample: pa.Table, today: dt.date, seed: int, budget: duck.Budget
) -> dict[str, Any]:
    """m-probabilities from known pairs: each sampled record against its perturbed copy."""
    rng = random.Random(seed)
    copies = pa.Table.from_pylist([perturb(r, rng) for r in sample.to_pylist()], schema=sample.schema)
    ids = pa.array(range(sample.num_rows), pa.int64())
    con = duck.connect(budget)
    db = DuckDBAPI(connection=con)
    tables = []
    for name, table in (("a_copies", copies), ("b_master", sample)):
        table = standardise(table, today).append_column("truth", ids).append_column(model.UID, ids)
        con.register(f"{name}_arrow", table.select([model.UID, "truth", *model.COMPARED_COLUMNS]))
        duck.run(con, f"CREATE TABLE {name}_std AS SELECT * FROM {name}_arrow")
        tables.append(db.register(f"{name}_std", dataset_display_name=name))
    linker = Linker(tables, model.settings(0.5), log_level=logging.WARNING)
    linker.training.estimate_m_from_label_column("truth")
    trained: dict[str, Any] = linker.misc.save_model_to_json()
    con.close()
    return trained


def _u_from_the_master(reference_parquet: Path, seed: int, budget: duck.Budget) -> dict[str, Any]:
    """u-probabilities from random pairs of the whole master, so they fit its size.

    A sample would overstate how often two strangers share an address or a
    birth date by the ratio of the master's size to the sample's.
    """
    con = duck.connect(budget)
    columns = ", ".join(model.COMPARED_COLUMNS)
    duck.run(
        con,
        f"CREATE TABLE master_std AS SELECT {model.UID}, {columns} FROM read_parquet(?)",
        [str(reference_parquet)],
    )
    settings = {**model.settings(0.5), "link_type": "dedupe_only"}
    db = DuckDBAPI(connection=con)
    linker = Linker(db.register("master_std"), settings, log_level=logging.WARNING)
    rows = con.sql("SELECT count(*) FROM master_std").fetchall()[0][0]
    pairs = min(U_MAX_PAIRS, U_PAIRS_PER_ROW * rows)
    linker.training.estimate_u_using_random_sampling(max_pairs=pairs, seed=seed)
    trained: dict[str, Any] = linker.misc.save_model_to_json()
    con.close()
    return trained


def train(
    sample: pa.Table,
    reference_parquet: Path,
    taxpayers: int,
    today: dt.date,
    seed: int = 7,
    budget: duck.Budget = duck.UNLIMITED,
) -> dict[str, Any]:
    """The model JSON: m from perturbed copies of `sample`, u from the master, prior 1/taxpayers."""
    trained = _m_from_perturbed_copies(sample, today, seed, budget)
    with_u = _u_from_the_master(reference_parquet, seed, budget)
    for comparison, source in zip(trained["comparisons"], with_u["comparisons"], strict=True):
        for level, other in zip(comparison["comparison_levels"], source["comparison_levels"], strict=True):
            if not level.get("is_null_level"):
                level["u_probability"] = other.get("u_probability")
    trained["probability_two_random_records_match"] = 1.0 / max(taxpayers, 2)
    trained.pop("linker_uid", None)  # a random id: without it the same master gives a byte-identical model
    return smooth(trained)


M_FLOOR, DISAGREE_M_FLOOR, U_FLOOR = 0.002, 0.01, 1e-6


def smooth(trained: dict[str, Any]) -> dict[str, Any]:
    """Give every level a probability: a level no training pair reached is rare, not impossible.

    Without this a level unseen in training carries no weight at all, so a
    disagreeing surname would count for nothing instead of against the match.
    """
    for comparison in trained["comparisons"]:
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        for level in levels:
            floor = DISAGREE_M_FLOOR if level["sql_condition"] == "ELSE" else M_FLOOR
            level["m_probability"] = max(level.get("m_probability") or 0.0, floor)
            level["u_probability"] = max(level.get("u_probability") or 0.0, U_FLOOR)
        for key in ("m_probability", "u_probability"):
            total = sum(lvl[key] for lvl in levels)
            for level in levels:
                level[key] = level[key] / total
    return trained


def save(trained: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(trained, indent=2), encoding="utf-8")
