"""IRC 6103(i)(6): a protected taxpayer's match is withheld in every path, and the requester cannot tell.

Every path that could let a match leave is tried: a batch answered at once (the
command line), an interactive call, a reviewer's confirmation, and a TIN
protected after processing but before release. Each checks the result bytes,
the decision and the ledger.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from taxmatch.db import decisions, ledger, protected
from taxmatch.db.protected import Category
from taxmatch.pipeline import batch, calls, intake, manifests, release, review
from taxmatch.pipeline.results import result_row
from taxmatch.rules.verdict import Verdict
from tests.pipeline.conftest import Store

pytestmark = pytest.mark.slow
WITHHELD = "WITHHELD_6103I6"


def submission(store: Store, rows: list[dict[str, str]]) -> batch.Submission:
    manifest, body = store.upload(rows)
    signed = manifests.checked(json.loads(manifest), "manifest")
    return batch.check(signed, intake.requests_of(rows, body, "requests"), store.ctx.agreement, "manifest")


def answered(store: Store, out: str, released: bool = True) -> tuple[str, dict[str, dict[str, str]]]:
    """The batch id, and each row's result (with the TIN the decision chose, for the test's own use)."""
    done = submission(store, store.rows)
    report = batch.process(store.ctx, done, store.ctx.layout.root / out, released=released, keep_answers=True)
    rows = {
        a.request_id: {**result_row(a), "tin": a.decision.chosen.tin if a.decision.chosen else ""}
        for a in report.answers
    }
    return done.batch_id, rows


def protect(store: Store, tin: str) -> None:
    protected.add(
        store.ctx.engine, tin, Category.TAX_INVESTIGATION, "TI-2026-0042", "officer 7", store.ctx.now()
    )


def line(row: dict[str, str]) -> str:
    """A result row as the file holds it, less its request id."""
    text = io.StringIO()
    csv.writer(text).writerow([v for k, v in row.items() if k not in {"request_id", "tin"}])
    return text.getvalue()


def disclosed(store: Store) -> set[str]:
    return {e["request_id"] for e in ledger.entries(store.ctx.engine, 0, 10_000)}


def file_row(path: Path, rid: str) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(r for r in csv.DictReader(handle) if r["request_id"] == rid)


def test_a_batch_withholds_and_the_requester_sees_an_ordinary_no_match(store: Store) -> None:
    _, first = answered(store, "first", released=False)
    rid, tin = next((k, r["tin"]) for k, r in first.items() if r["outcome"] == "VERIFIED")
    nobody = next(
        r for r in first.values() if (r["outcome"], r["reason_codes"]) == ("NO_MATCH", "NO_CANDIDATE")
    )
    protect(store, tin)
    bid, again = answered(store, "again")
    assert line(again[rid]) == line(nobody)  # the same bytes but the request id: nothing to tell apart
    assert line(file_row(store.ctx.layout.root / "again" / "results.csv", rid)) == line(nobody)
    inside = decisions.get(store.ctx.engine, bid, rid)
    assert inside is not None and (inside["outcome"], inside["reason_codes"]) == ("NO_MATCH", WITHHELD)
    assert file_row(store.ctx.layout.root / "again" / "decisions.csv", rid)["reason_codes"] == WITHHELD
    assert rid not in disclosed(store) and disclosed(store)  # the others were disclosed and accounted


def test_an_interactive_call_withholds(store: Store) -> None:
    _, first = answered(store, "first", released=False)
    rid, tin = next((k, r["tin"]) for k, r in first.items() if r["outcome"] == "VERIFIED")
    protect(store, tin)
    rows = [r for r in store.rows if r["request_id"] == rid]
    manifest = {k: v for k, v in store.manifest.items() if k != "request_file_sha256"}
    done = calls.Verifier(store.ctx.layout).answer(store.ctx, store.requester, manifest, rows)
    assert (done.results[0]["outcome"], done.results[0]["reason_codes"]) == ("NO_MATCH", "NO_CANDIDATE")
    assert not done.results[0]["disclosed_zip"] and rid not in disclosed(store)
    inside = decisions.get(store.ctx.engine, done.call_id, rid)
    assert inside is not None and inside["reason_codes"] == WITHHELD


def test_a_reviewer_s_confirmation_of_a_protected_taxpayer_discloses_nothing(store: Store) -> None:
    batch_id = store.processed()
    held = decisions.held(store.ctx.engine, batch_id, 10)[0]["request_id"]
    row = decisions.get(store.ctx.engine, batch_id, held)
    assert row is not None
    protect(store, row["subject_tin"])
    taken = review.record(
        store.ctx, batch_id, held, store.reviewer, Verdict.CONFIRM, "Checked the case file."
    )
    assert (taken["outcome"], taken["reason_codes"]) == ("NO_MATCH", WITHHELD)
    release.account(store.ctx, batch_id, store.ctx.now())
    shown = file_row(store.ctx.layout.results(batch_id) / "results.csv", held)
    assert (shown["outcome"], shown["reason_codes"], shown["disclosed_zip"]) == (
        "NO_MATCH",
        "NO_CANDIDATE",
        "",
    )
    assert held not in disclosed(store)


def test_a_taxpayer_protected_after_processing_is_withheld_at_release(store: Store) -> None:
    batch_id = store.processed()
    verified, _ = decisions.to_disclose(store.ctx.engine, batch_id)
    rid, tin = verified[0]
    protect(store, tin)
    ids = release.account(store.ctx, batch_id, store.ctx.now())
    assert rid not in ids and len(ids) == len(verified) - sum(1 for _, t in verified if t == tin)
    assert rid not in disclosed(store)
    shown = file_row(store.ctx.layout.results(batch_id) / "results.csv", rid)
    assert (shown["outcome"], shown["reason_codes"], shown["disclosed_zip"], shown["disclosure_id"]) == (
        "NO_MATCH",
        "NO_CANDIDATE",
        "",
        "",
    )
    inside = file_row(store.ctx.layout.results(batch_id) / "decisions.csv", rid)
    assert (inside["outcome"], inside["reason_codes"], inside["matched_tin"]) == ("NO_MATCH", WITHHELD, "")
    stored = decisions.get(store.ctx.engine, batch_id, rid)
    assert stored is not None and stored["reason_codes"] == WITHHELD and stored["matched_tin"] is None
    assert ledger.verify(store.ctx.engine).count == len(ids)


def test_the_list_records_every_change_and_an_expired_entry_no_longer_protects(store: Store) -> None:
    import datetime as dt

    today = store.ctx.now().date()
    protected.add(
        store.ctx.engine, "123-45-6789", Category.CONFIDENTIAL_INFORMANT, "CI-7", "officer 7", store.ctx.now()
    )
    protected.add(
        store.ctx.engine,
        "223456789",
        Category.TAX_INVESTIGATION,
        "TI-1",
        "officer 7",
        store.ctx.now(),
        today - dt.timedelta(days=1),
    )
    assert protected.active(store.ctx.engine, today) == {"123456789"}
    protected.remove(
        store.ctx.engine, "123456789", "officer 8", "The informant's case has closed.", store.ctx.now()
    )
    assert protected.active(store.ctx.engine, today) == frozenset()
    assert [(c["action"], c["tin"], c["by"]) for c in protected.changes(store.ctx.engine)] == [
        ("added", "123456789", "officer 7"),
        ("added", "223456789", "officer 7"),
        ("removed", "123456789", "officer 8"),
    ]
