"""The protected list: taxpayers about whom IRC 6103(i)(6) forbids disclosure, and every change to it.

Nothing may be disclosed under 6103(i) that would identify a confidential
informant or seriously impair a civil or criminal tax investigation. The
disclosure office keeps the TINs concerned here; the one rule withholds a
match on any of them (rules/decide.py), at processing and again at release.
Requesters never read this list, nor anything that would let them count it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlalchemy.exc import IntegrityError

from taxmatch.db.schema import protected, protected_changes
from taxmatch.errors import Conflict, InputError, Location, NotFound
from taxmatch.standardise.identifiers import tin as valid_tin


class Category(StrEnum):
    """Why a taxpayer is protected: the two grounds of 6103(i)(6)."""

    TAX_INVESTIGATION = "tax_investigation"
    CONFIDENTIAL_INFORMANT = "confidential_informant"


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"


def _tin(value: str) -> str:
    found = valid_tin(value)
    if not found:
        raise InputError(
            f"{value!r} is not a valid SSN or ITIN", where=Location("tin"), fix="Give the 9 digits."
        )
    return found


def add(
    engine: Engine,
    tin: str,
    category: Category,
    reference: str,
    by: str,
    now: dt.datetime,
    expires_on: dt.date | None = None,
) -> None:
    """Protect a taxpayer (recorded as a change); Conflict if the TIN is already on the list."""
    tin, by, reference = _tin(tin), by.strip(), reference.strip()
    if not reference or not by:
        raise InputError("a protection needs a reference and who adds it", fix="Give --reference and --by.")
    entry = {"tin": tin, "category": category.value, "reference": reference, "expires_on": expires_on}
    try:
        with engine.begin() as conn:
            conn.execute(protected.insert().values(**entry, added_by=by, added_at=now))
            conn.execute(
                protected_changes.insert().values(**entry, action=Change.ADDED, by=by, at=now, why="")
            )
    except IntegrityError:
        raise Conflict("this TIN is already protected", fix="Remove the entry first to change it.") from None


def remove(engine: Engine, tin: str, by: str, why: str, now: dt.datetime) -> None:
    """Lift a protection, with the reason on record; NotFound if the TIN is not on the list."""
    tin, by, why = _tin(tin), by.strip(), why.strip()
    if not by or len(why) < 10:
        raise InputError(
            "removing a protection needs who removes it and a reason on record",
            fix="Give --by, and say why in 10 characters or more.",
        )
    with engine.begin() as conn:
        row = conn.execute(select(protected).where(protected.c.tin == tin)).mappings().first()
        if row is None:
            raise NotFound("this TIN is not protected", fix="List the protected TINs to check.")
        conn.execute(protected.delete().where(protected.c.tin == tin))
        kept = {k: row[k] for k in ("tin", "category", "reference", "expires_on")}
        conn.execute(protected_changes.insert().values(**kept, action=Change.REMOVED, by=by, at=now, why=why))


def active(engine: Engine, today: dt.date) -> frozenset[str]:
    """Every TIN protected today (an entry past its expiry no longer protects). The list is the
    disclosure office's few thousand at most, so a batch reads it whole, once."""
    query = select(protected.c.tin).where(
        or_(protected.c.expires_on.is_(None), protected.c.expires_on >= today)
    )
    with engine.connect() as conn:
        return frozenset(conn.execute(query).scalars())


def listing(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(protected).order_by(protected.c.added_at)).mappings()]


def changes(engine: Engine, limit: int = 1000) -> list[dict[str, Any]]:
    """Every change, oldest first: what the auditors read."""
    query = select(protected_changes).order_by(protected_changes.c.seq).limit(limit)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
