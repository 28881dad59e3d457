"""Aggregate census name counts shipped in data/ (no people): see scripts/derive_census_tables.py."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def table(name: str) -> list[dict[str, str]]:
    with (resources.files("taxmatch") / "data" / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def surname_origin() -> dict[str, str]:
    """'hispanic', 'asian' or 'other' per census surname, by majority share."""
    origin = {}
    for row in table("census_surnames.csv"):
        share_h, share_a = float(row["pcthispanic"]), float(row["pctapi"])
        origin[row["name"]] = "hispanic" if share_h >= 50 else "asian" if share_a >= 50 else "other"
    return origin


@cache
def surnames() -> frozenset[str]:
    """The 8,000 most common census surnames, upper case."""
    return frozenset(surname_origin())
