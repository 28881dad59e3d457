"""Releasing a processed batch: the moment its disclosures leave, so the moment they are accounted.

A service batch is processed without touching the ledger. When a disclosure
officer releases it, every VERIFIED row (the model's and the reviewers') is
appended to the ledger, and the result and decision files are completed with
the disclosure ids and the reviewers' verdicts. Each step is idempotent (the
ledger keeps one entry per batch and row, files are replaced whole), so a
release interrupted at any point is simply done again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from taxmatch.agreement import Agreement
from taxmatch.db import decisions, disclosure, ledger, protected, verdicts
from taxmatch.errors import Conflict
from taxmatch.interchange import DISCLOSED_COLUMNS, REQUEST_COLUMNS
from taxmatch.matching import known_addresses, reference
from taxmatch.pipeline import answer_files, intake, oversight
from taxmatch.pipeline.context import Context
from taxmatch.reasons import Outcome, Reason, for_requester, join
from taxmatch.rules.decide import Authority


def _check_authority(agreement: Agreement, now: dt.datetime) -> None:
    """Rule 4 holds at the moment of release, not only when the batch was processed."""
    refusal = Authority.of(agreement, now.date()).refusal
    if refusal:
        raise Conflict(f"nothing may be released: {refusal}", fix="Release once disclosure is allowed again.")


def _complete_files(
    folder: Path,
    ids: dict[str, str],
    settled: dict[str, dict[str, Any]],
    withheld: set[str],
    addresses: dict[str, tuple[str, ...]],
) -> None:
    """The result and decision files with disclosure ids, each reviewer's verdict in place of REVIEW, and
    the rows withheld at release answered as the requester must see them (an ordinary no-match)."""
    results, decided = answer_files.read(folder)  # as written, never the escaped CSV
    for result, decision in zip(results, decided, strict=True):
        rid = result["request_id"]
        disclosure = ids.get(rid, "")
        verdict = settled.get(rid)
        codes: tuple[Reason, ...]
        disclosed: tuple[str, ...]
        if rid in withheld:
            outcome, codes = Outcome.NO_MATCH, (Reason.WITHHELD_6103I6,)
            tin, disclosed = "", ()
        elif verdict is not None:
            outcome = Outcome(verdict["outcome"])
            codes = tuple(Reason(c) for c in verdict["reason_codes"].split(";") if c)
            tin = verdict["subject_tin"] if disclosure else ""
            disclosed = addresses.get(verdict["subject_tin"], ()) if disclosure else ()
        else:
            result["disclosure_id"] = decision["disclosure_id"] = disclosure
            continue
        shown, shown_codes = for_requester(outcome, codes)  # internal-only codes never reach the requester
        decision.update(
            outcome=outcome.value, reason_codes=join(list(codes)), disclosure_id=disclosure, matched_tin=tin
        )
        result.update(outcome=shown.value, reason_codes=join(list(shown_codes)), disclosure_id=disclosure)
        result.update(zip(DISCLOSED_COLUMNS, disclosed or ("",) * len(DISCLOSED_COLUMNS), strict=True))
    answer_files.write(folder, results, decided)


def _asked(request_file: Path, wanted: set[str]) -> dict[str, dict[str, str]]:
    """The request rows, as asked, of the rows about to be disclosed (by request id)."""
    table = intake.read_requests(request_file).table
    chosen = table.filter(pc.is_in(table["request_id"], pa.array(sorted(wanted), pa.string())))
    return {r["request_id"]: r for r in chosen.select(REQUEST_COLUMNS).to_pylist()}


def account(ctx: Context, batch_id: str, now: dt.datetime) -> dict[str, str]:
    """Account every disclosure of the batch and complete its files; request id -> disclosure id."""
    _check_authority(ctx.agreement, now)
    verified, request_file = decisions.to_disclose(ctx.engine, batch_id)
    # The protected list may have grown since processing: checked again now, as rule 4 is.
    shielded = protected.active(ctx.engine, now.date())
    withheld = {rid for rid, tin in verified if tin in shielded}
    decisions.withhold(ctx.engine, batch_id, withheld)
    settled = verdicts.of_batch(ctx.engine, batch_id)
    asked = _asked(Path(request_file), {rid for rid, _ in verified})
    tins = [tin for rid, tin in verified if rid not in withheld]
    found = reference.open_reference(ctx.layout, ctx.budget)
    addresses = known_addresses.last_known(found, tins) if tins else {}  # what leaves, as recorded
    items = [
        disclosure.Disclosure.of(batch_id, asked[rid], tin, ctx.agreement, addresses.get(tin, ()))
        for rid, tin in verified
        if rid not in withheld
    ]
    ids = ledger.append(ctx.engine, items, now)
    decisions.record_disclosure_ids(ctx.engine, batch_id, ids, settled)
    _complete_files(ctx.layout.results(batch_id), ids, settled, withheld, addresses)
    oversight.write_released(ctx, batch_id, ctx.layout.results(batch_id))
    return ids
