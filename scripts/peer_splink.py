"""The peer: a plain Splink 5 pipeline on DuckDB over the same master and batch, for issue 13's ratio.

    python scripts/peer_splink.py MASTER.csv REQUESTS.csv OUT_DIR [--max-pairs 10000000]
        [--taxmatch STORE MANIFEST.json]

What a competent team would build with Splink alone: light SQL standardisation
(upper-case, trimmed names; the house number and street from the street line;
ZIP5), Splink's comparison library, the same six blocking rules as taxmatch,
u from random pairs and m by EM on one blocking rule. Training is not timed
(taxmatch trains at master load); predict and write are, as one figure: every
pair scored, then the best candidate per request written to Parquet. Run
`taxmatch process` on the same files beside it and compare the two wall times
(`--taxmatch STORE MANIFEST` runs it first, as its own process on a store
that has this master loaded, and prints the ratio); peak RSS is each process's.

It does none of what taxmatch adds: no legal gate, no one-decision-per-row rule,
no ledger, no result file in the interchange format.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

STANDARD = """
    SELECT row_number() OVER () AS unique_id,
        upper(trim(first_name)) AS first_name,
        upper(trim(last_name)) AS surname,
        nullif(regexp_extract(upper(street_address), '^\\s*(\\d+)', 1), '') AS house_number,
        nullif(trim(regexp_replace(upper(street_address), '^\\s*\\d+\\s*', '')), '') AS street_name,
        nullif(upper(trim(city)), '') AS city,
        nullif(upper(trim(state)), '') AS state,
        nullif(left(regexp_replace(zip, '[^0-9]', '', 'g'), 5), '') AS zip5,
        nullif(regexp_replace(tin, '[^0-9]', '', 'g'), '') AS tin,
        nullif(trim(date_of_birth), '') AS dob
    FROM read_csv(?, all_varchar = true)
"""


def _settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.ExactMatch("house_number"),
            cl.LevenshteinAtThresholds("street_name", [1, 3]),
            cl.ExactMatch("zip5"),
            cl.LevenshteinAtThresholds("tin", [1]),
            cl.DateOfBirthComparison("dob", input_is_string=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("tin"),
            block_on("zip5", "surname"),
            block_on("zip5", "house_number"),
            block_on("state", "city", "house_number", "street_name"),
            block_on("state", "house_number", "surname"),
            block_on("house_number", "surname", "first_name"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("master", type=Path)
    parser.add_argument("requests", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--max-pairs", type=int, default=10_000_000)
    parser.add_argument("--taxmatch", nargs=2, type=Path, metavar=("STORE", "MANIFEST"))
    args = parser.parse_args()
    # taxmatch first, from this process while it is still small: a child's peak RSS counts its parent's
    # at the fork, which the peer's tables would otherwise set.
    took = None
    if args.taxmatch:
        store, manifest = args.taxmatch
        took = _taxmatch(args.requests, store, manifest, args.out / "taxmatch")
    con = duckdb.connect()
    for name, path in (("a_requests", args.requests), ("b_master", args.master)):
        con.execute(f"CREATE TABLE {name} AS {STANDARD}", [str(path)])
    db = DuckDBAPI(connection=con)
    tables = [db.register("a_requests"), db.register("b_master")]
    linker = Linker(tables, _settings(), log_level=logging.WARNING)
    trained_at = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match([block_on("tin")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=args.max_pairs)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("zip5", "house_number"))
    started = time.perf_counter()
    predictions = linker.inference.predict().physical_name
    args.out.mkdir(parents=True, exist_ok=True)
    con.execute(f"""COPY (
        SELECT * FROM {predictions}
        QUALIFY row_number() OVER (PARTITION BY unique_id_l ORDER BY match_weight DESC) = 1
    ) TO '{args.out / "best.parquet"}' (FORMAT parquet)""")
    done = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"training (not timed against taxmatch): {started - trained_at:.1f} s")
    print(f"predict and write: {done - started:.1f} s; peak RSS {peak:,.0f} MiB")
    if took is not None:
        print(f"ratio, taxmatch process / plain Splink predict and write: {took / (done - started):.1f}x")


def _taxmatch(requests: Path, store: Path, manifest: Path, out: Path) -> float:
    """`taxmatch process` on the same batch, as its own process: its wall time and peak RSS."""
    command = [sys.executable, "-m", "taxmatch", "process", str(requests), "--manifest", str(manifest)]
    started = time.perf_counter()
    proc = subprocess.Popen([*command, "--out", str(out), "--store", str(store)], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit("taxmatch process failed")
    print(f"taxmatch process: {took:.1f} s; peak RSS {usage.ru_maxrss / 1024:,.0f} MiB")
    return took


if __name__ == "__main__":
    main()
