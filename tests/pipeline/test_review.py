"""A reviewer's verdict: taken once, only on a held row of a processed batch, never by its submitter."""

from __future__ import annotations

import pytest

from taxmatch.db import decisions, verdicts
from taxmatch.db.clients import Client, Role
from taxmatch.errors import AccessDenied, Conflict, NotFound
from taxmatch.pipeline import review
from taxmatch.rules.verdict import Verdict
from tests.pipeline.conftest import Store

pytestmark = pytest.mark.slow
NOTE = "Checked against the case file."


def held(store: Store, batch_id: str) -> list[str]:
    return [r["request_id"] for r in decisions.held(store.ctx.engine, batch_id, 1000)]


def test_a_confirmation_makes_the_row_a_disclosure_to_be(store: Store) -> None:
    batch_id = store.processed()
    row = held(store, batch_id)[0]
    taken = review.record(store.ctx, batch_id, row, store.reviewer, Verdict.CONFIRM, NOTE)
    assert (taken["outcome"], taken["reason_codes"]) == ("VERIFIED", "MATCH_NAME_ADDRESS;REVIEWER_CONFIRMED")
    stored = decisions.get(store.ctx.engine, batch_id, row)
    assert (
        stored is not None
        and stored["outcome"] == "VERIFIED"
        and stored["matched_tin"] == stored["subject_tin"]
    )
    assert [v["request_id"] for v in verdicts.listing(store.ctx.engine, batch_id, 10)] == [row]
    with pytest.raises(Conflict):
        review.record(store.ctx, batch_id, row, store.reviewer, Verdict.REJECT, NOTE)


def test_a_verdict_is_refused_where_it_cannot_stand(store: Store) -> None:
    batch_id = store.processed()
    row = held(store, batch_id)[0]
    submitter = Client(store.requester.client_id, "IRS", Role.REVIEWER)
    with pytest.raises(AccessDenied):
        review.record(store.ctx, batch_id, row, submitter, Verdict.REJECT, NOTE)
    with pytest.raises(NotFound):
        review.record(store.ctx, batch_id, "no-such-row", store.reviewer, Verdict.REJECT, NOTE)
    answered = next(r["request_id"] for r in store.rows if r["request_id"] not in held(store, batch_id))
    with pytest.raises(Conflict, match="not held"):
        review.record(store.ctx, batch_id, answered, store.reviewer, Verdict.REJECT, NOTE)
    with pytest.raises(Conflict, match="reason on record"):
        review.record(store.ctx, batch_id, row, store.reviewer, Verdict.REJECT, "ok")
    assert verdicts.listing(store.ctx.engine, batch_id, 10) == []


def test_no_verdict_before_the_batch_is_processed(store: Store) -> None:
    batch_id = store.submitted()
    with pytest.raises(NotFound):  # nothing decided yet, so no row to settle
        review.record(store.ctx, batch_id, store.rows[0]["request_id"], store.reviewer, Verdict.REJECT, NOTE)
