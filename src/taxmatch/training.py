"""Train the matching model once, when the master file loads.

Splink needs pairs it can trust. From a sample of the master, taxmatch makes a
perturbed copy of each record (the variations requesters really send:
nicknames, typos, abbreviations, dropped units, absent TIN or birth date) and
links copy to original: the m-probabilities come from those known pairs
(`estimate_m_from_label_column`), the u-probabilities from random pairs
(`estimate_u_using_random_sampling`, capped by `max_pairs`). The prior is one
true match per taxpayer.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker

from taxmatch import duck, model
from taxmatch.standardise import standardise
from taxmatch.synth import NICKNAMES, typo, vary_street

log = logging.getLogger(__name__)
SAMPLE = 20_000
U_MAX_PAIRS = 2_000_000


def _perturb(row: dict[str, str], rng: random.Random) -> dict[str, str]:
    out = dict(row)
    if rng.random() < 0.3 and out["first_name"].upper() in NICKNAMES:
        out["first_name"] = NICKNAMES[out["first_name"].upper()]
    if rng.random() < 0.1:
        out["last_name"] = typo(rng, out["last_name"])
    if rng.random() < 0.3:
        out["street_address"] = vary_street(rng, out["street_address"])
    if rng.random() < 0.05:
        number, _, rest = out["street_address"].partition(" ")
        out["street_address"] = f"{number} {typo(rng, rest)}"
    if rng.random() < 0.2:
        out["unit"] = ""
    for column in ("tin", "date_of_birth", "suffix", "middle_name"):
        if rng.random() < 0.5:
            out[column] = ""
    return out


def train(sample: pa.Table, taxpayers: int, today: dt.date, seed: int = 7) -> dict[str, Any]:
    """Estimate the model on a sample of master rows (one per taxpayer); returns the model JSON."""
    rng = random.Random(seed)
    originals = sample.to_pylist()
    copies = [_perturb(r, rng) for r in originals]
    base = standardise(sample, today)
    columns = ["truth", *model.COMPARED_COLUMNS]
    left = pa.Table.from_pylist(copies, schema=sample.schema)
    left = standardise(left, today)
    ids = pa.array(range(len(originals)), pa.int64())
    con = duckdb.connect()
    db = DuckDBAPI(connection=con)
    tables = []
    for name, table in (("a_copies", left), ("b_master", base)):
        table = table.append_column("truth", ids).append_column(model.UID, ids).select([model.UID, *columns])
        con.register(f"{name}_arrow", table)
        duck.run(con, f"CREATE TABLE {name}_std AS SELECT * FROM {name}_arrow")
        tables.append(db.register(f"{name}_std", dataset_display_name=name))
    linker = Linker(tables, model.settings(1.0 / max(taxpayers, 2)), log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=seed)
    linker.training.estimate_m_from_label_column("truth")
    trained: dict[str, Any] = linker.misc.save_model_to_json()
    trained["probability_two_random_records_match"] = 1.0 / max(taxpayers, 2)
    trained.pop("linker_uid", None)  # a random id: without it the same master gives a byte-identical model
    con.close()
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
