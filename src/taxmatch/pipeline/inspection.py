"""Looking at one answered row with the taxpayer data behind it: for a reviewer, or `taxmatch explain`.

What the request gave stands beside each candidate's records on file (every
address, with its date and source), both as written and as standardised, with
the comparison level of each field and the rule that decided the row. TINs are
shown by their last four digits only. Every look is recorded, who, when and
which row, because unauthorised inspection is itself an offence (IRC 7213A).
`taxmatch explain --json` prints exactly what the reviewers' workbench shows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from taxmatch.db import accesses, decisions
from taxmatch.db.accesses import Via
from taxmatch.db.clients import Role
from taxmatch.matching import explain, reference
from taxmatch.pipeline.context import Context
from taxmatch.standardise.table import standardise

# What a person reads of each standardised form, and the request field it comes from.
STANDARD = {
    "first_std": "first name",
    "middle_initial": "middle initial",
    "surname_std": "surname",
    "suffix_std": "suffix",
    "dob": "date of birth",
    "street_full": "street",
    "unit_std": "unit",
    "city_std": "city",
    "zip5": "ZIP",
}
PEOPLE = ("first_name", "middle_name", "last_name", "suffix", "date_of_birth", "tin")
PLACES = ("street_address", "unit", "city", "state", "zip")
# The model's comparisons, and the fields each one compares (what the workbench highlights).
COMPARED = {
    "first_name": ("first_name", "middle_name"),
    "surname": ("last_name",),
    "suffix": ("suffix",),
    "dob": ("date_of_birth",),
    "tin": ("tin",),
    "address": PLACES,
}


def _standardised(rows: list[dict[str, Any]], today: dt.date) -> list[dict[str, str]]:
    """Each person's standardised forms, by the same code that standardised the master at load."""
    if not rows:
        return []
    columns = {c: pa.array([str(r.get(c) or "") for r in rows], pa.string()) for c in (*PEOPLE, *PLACES)}
    done = standardise(pa.table(columns), today).select(list(STANDARD)).to_pylist()
    return [{STANDARD[k]: "" if v is None else str(v) for k, v in row.items()} for row in done]


def _levels(candidate: dict[str, Any]) -> dict[str, str]:
    """The comparison level the model gave each compared field, from the candidate's waterfall."""
    found: dict[str, str] = {}
    for step in candidate["waterfall"][1:]:  # a comparison's level first, then its term-frequency step
        for field in COMPARED.get(step["comparison"], ()):
            found.setdefault(field, step["level"])
    return found


def row(ctx: Context, batch: str, request_id: str) -> dict[str, Any]:
    """Everything there is to see of one answered row (`batch` may be a unique prefix)."""
    stored = decisions.find(ctx.engine, batch, request_id)
    told = explain.story(stored, ctx.agreement)
    today = ctx.now().date()
    told["asked_standardised"] = (_standardised([stored.get("asked") or {}], today) or [{}])[0]
    told["recipient"] = ctx.agreement.recipient
    ref = reference.open_reference(ctx.layout, ctx.budget) if ctx.layout.has_master else None
    for candidate in told["candidates"]:
        on_file = reference.records(ref, candidate["tin"]) if ref else []
        candidate["on_file"] = on_file
        candidate["standardised"] = _standardised(on_file, today)
        candidate["levels"] = _levels(candidate)
        candidate["tin"] = explain.masked(candidate["tin"])
    return told


def inspect(ctx: Context, batch: str, request_id: str, viewer: str, role: Role, via: Via) -> dict[str, Any]:
    """`row`, its look recorded before it is shown: who, when, which row, from where."""
    found = row(ctx, batch, request_id)
    accesses.record(ctx.engine, viewer, role, found["batch_id"], request_id, via, ctx.now())
    return found
