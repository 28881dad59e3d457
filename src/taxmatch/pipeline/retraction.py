"""Retracting disclosures: a court or the office orders their use stopped; the recipient is told which.

Nothing is deleted. A retraction appends one entry per disclosure it reaches to
the same transparency log and signs a checkpoint, so overseers see it as they
see disclosures; the recipient gets a notice (interchange.md §5) listing each
retracted disclosure. Retracting twice is idempotent: a disclosure is
retracted at most once, and a retraction that reaches none appends nothing.

On the command line the disclosure office retracts in one step. In the service
one disclosure officer asks and another carries it out (the two-person rule).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taxmatch.db import retractions
from taxmatch.db.clients import Client
from taxmatch.db.retractions import Selection
from taxmatch.errors import AccessDenied, Conflict, InputError, Location, NotFound
from taxmatch.interchange import RETRACTION_NOTICE_COLUMNS
from taxmatch.pipeline import transparency
from taxmatch.pipeline.atomic import csv_writer, write_atomically
from taxmatch.pipeline.context import Context
from taxmatch.reasons import Reason

log = logging.getLogger(__name__)
MIN_WHY = 10  # as for a reviewer's verdict: a reason a court can read, not a keystroke


@dataclass(frozen=True)
class Impact:
    """What a retraction would reach: disclosures not yet retracted, counted three ways."""

    disclosures: int
    already_retracted: int
    by_batch: Counter[str] = field(default_factory=Counter)
    by_official: Counter[str] = field(default_factory=Counter)
    by_reason: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Retracted:
    retraction_id: str
    entries: int  # appended now
    already_retracted: int
    notice: list[dict[str, Any]]


def selection(
    *,
    batch: str | None = None,
    official: str | None = None,
    case: str | None = None,
    reason: str | None = None,
    disclosed_from: dt.date | None = None,
    disclosed_to: dt.date | None = None,
    ids: Sequence[str] = (),
) -> Selection:
    """The one selector given, checked: InputError when none, two, or a half date range."""
    given = [
        n for n, v in (("batch", batch), ("official", official), ("case", case), ("reason", reason)) if v
    ]
    if disclosed_from or disclosed_to:
        given.append("disclosed-from/to")
        if not (disclosed_from and disclosed_to) or disclosed_from > disclosed_to:
            raise InputError(
                "a date range needs --disclosed-from and --disclosed-to, the first not after the second",
                fix="Give both dates, YYYY-MM-DD.",
            )
    if ids:
        given.append("ids")
    if len(given) != 1:
        raise InputError(
            f"give exactly one selector, not {len(given)}" + (f" ({', '.join(given)})" if given else ""),
            fix="Choose one: --batch, --official, --case, --reason, --disclosed-from/--disclosed-to, --ids.",
        )
    if reason is not None and reason not in Reason.__members__:
        raise InputError(f"{reason!r} is not a reason code", fix="`taxmatch reasons` lists them.")
    return Selection(batch, official, case, reason, disclosed_from, disclosed_to, tuple(ids))


def read_ids(path: Path) -> list[str]:
    """Disclosure ids, one a line (blank lines and a `disclosure_id` header skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read the ids: {exc}", where=Location(str(path)), fix="Give a text file."
        ) from exc
    ids = []
    for number, line in enumerate(lines, start=1):
        text = line.strip().split(",")[0].strip()
        if not text or (number == 1 and text == "disclosure_id"):
            continue
        if not (text.startswith("TXM-") and len(text) == 14 and text[4:].isdigit()):
            raise InputError(
                f"{text[:40]!r} is not a disclosure id",
                where=Location(str(path), number),
                fix="One id a line: TXM- and ten digits.",
            )
        ids.append(text)
    return ids


def impact(ctx: Context, chosen: Selection) -> Impact:
    reached = retractions.selected(ctx.engine, chosen)
    fresh = [r for r in reached if not r["retracted"]]
    return Impact(
        len(fresh),
        len(reached) - len(fresh),
        Counter(str(r["batch_id"]) for r in fresh),
        Counter(str(r["official_name"]) for r in fresh),
        Counter(c for r in fresh for c in str(r["reason_codes"] or "").split(";") if c),
    )


def _why(why: str) -> str:
    why = why.strip()
    if len(why) < MIN_WHY:
        raise InputError(
            f"the reason for the retraction has {len(why)} characters",
            fix=f"Say why (at least {MIN_WHY} characters: the order or finding it follows).",
        )
    return why


def propose(ctx: Context, chosen: Selection, why: str, by: str) -> str:
    """Record a retraction asked for by `by`; its id."""
    now = ctx.now()
    retraction_id = f"RET-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    retractions.propose(ctx.engine, retraction_id, ctx.agreement.recipient, _why(why), chosen, by, now)
    log.info("retraction %s: asked for by %s (%s)", retraction_id, by, chosen.as_json())
    return retraction_id


def carry_out(ctx: Context, retraction_id: str, by: str) -> Retracted:
    """Append the retraction's entries, sign a checkpoint that covers them, and give the notice."""
    return _carry_out(ctx, retraction_id, retractions.get(ctx.engine, retraction_id), by)


def _carry_out(ctx: Context, retraction_id: str, asked: dict[str, Any] | None, by: str) -> Retracted:
    if asked is None:
        raise NotFound(f"no retraction {retraction_id!r}", fix="GET /retractions lists them.")
    if asked["approved_at"] is not None:
        raise Conflict(f"retraction {retraction_id!r} was carried out already", fix="Read its notice.")
    reached = retractions.selected(ctx.engine, Selection.from_json(asked["selector"]))
    fresh = [r for r in reached if not r["retracted"]]
    made = retractions.carry_out(ctx.engine, retraction_id, str(asked["why"]), fresh, by, ctx.now())
    transparency.make(ctx)
    log.info("retraction %s: %d entries, carried out by %s", retraction_id, made, by)
    return Retracted(retraction_id, made, len(reached) - made, retractions.notice(ctx.engine, retraction_id))


def retract(ctx: Context, chosen: Selection, why: str, by: str) -> Retracted | None:
    """The command line's retraction: asked for and carried out by the disclosure office at once (None
    when the selection reaches no disclosure that is not already retracted: nothing is recorded)."""
    if not impact(ctx, chosen).disclosures:
        _why(why)
        return None
    return carry_out(ctx, propose(ctx, chosen, why, by), by)


def approve(ctx: Context, retraction_id: str, officer: Client) -> Retracted:
    """The service's second step: an officer other than the one who asked carries it out."""
    asked = retractions.get(ctx.engine, retraction_id)
    if asked is not None and asked["proposed_by"] == officer.client_id:
        raise AccessDenied(
            "the officer who asked for a retraction may not also carry it out",
            fix="Another disclosure officer approves it (two-person rule).",
        )
    return _carry_out(ctx, retraction_id, asked, officer.client_id)


def write_notice(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """The recipient's retraction notice (CSV, interchange.md §5)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically({path: csv_writer(RETRACTION_NOTICE_COLUMNS, rows)})
