"""The REVIEW queue and reviewers' verdicts over HTTP."""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from taxmatch.db.clients import Client, Role
from taxmatch.errors import Conflict
from taxmatch.pipeline import review as reviews
from taxmatch.rules.verdict import Verdict
from tests.api.conftest import (
    World,
    auth,
    fresh_batch,
    processed_batch,
    request_rows,
    verdict,
)

pytestmark = pytest.mark.slow


def test_the_review_queue_holds_the_batch_s_review_rows_and_no_address(api: TestClient, world: World) -> None:
    batch = processed_batch(api, world)
    queue = api.get("/reviews", params={"batch": batch}, headers=auth(world, "reviewer")).json()
    decisions = api.get(f"/batches/{batch}/decisions", headers=auth(world, "auditor")).text.splitlines()
    held = [line.split(",")[0] for line in decisions[1:] if line.split(",")[1] == "REVIEW"]
    assert held, "the synthetic batch always holds some namesakes for review"
    assert [row["request_id"] for row in queue] == sorted(held)
    assert all("disclosed_street_address" not in row and "matched_tin" not in row for row in queue)


def test_reviewers_settle_held_rows_and_the_release_carries_their_verdicts(
    api: TestClient, world: World
) -> None:
    batch = fresh_batch(api, world, list(reversed(request_rows(world))))
    held = [
        r["request_id"]
        for r in api.get("/reviews", params={"batch": batch}, headers=auth(world, "reviewer")).json()
    ]
    assert len(held) >= 3
    confirmed, rejected, untouched = held[0], held[1], held[2:]
    assert verdict(api, world, batch, confirmed, "confirm", role="requester").status_code == 403
    yes = verdict(api, world, batch, confirmed, "confirm")
    assert yes.status_code == 200, yes.text
    assert (yes.json()["outcome"], yes.json()["reason_codes"]) == (
        "VERIFIED",
        "MATCH_NAME_ADDRESS;REVIEWER_CONFIRMED",
    )
    no = verdict(api, world, batch, rejected, "reject", role="disclosure_officer").json()
    assert (no["outcome"], no["reason_codes"], no["disclosure_id"]) == ("NO_MATCH", "REVIEWER_REJECTED", None)
    assert verdict(api, world, batch, confirmed, "reject").status_code == 409  # one verdict per row
    assert verdict(api, world, batch, "no-such-row", "reject").status_code == 404
    still = {
        r["request_id"]
        for r in api.get("/reviews", params={"batch": batch}, headers=auth(world, "reviewer")).json()
    }
    assert still == set(untouched)

    refused = api.post(f"/batches/{batch}/approve", headers=auth(world, "disclosure_officer"))
    assert refused.status_code == 403 and "two-person" in refused.json()["error"]["fix"]  # it settled a row
    assert api.post(f"/batches/{batch}/approve", headers=auth(world, "second_officer")).status_code == 200
    assert verdict(api, world, batch, untouched[0], "reject").status_code == 409  # released: too late
    results = {
        r["request_id"]: r
        for r in csv.DictReader(
            io.StringIO(api.get(f"/batches/{batch}/results", headers=auth(world, "requester")).text)
        )
    }
    assert len(results) == 150
    assert results[confirmed]["outcome"] == "VERIFIED" and results[confirmed]["disclosed_zip"]
    assert results[confirmed]["disclosure_id"].startswith("TXM-")
    assert (results[rejected]["outcome"], results[rejected]["disclosed_zip"]) == ("NO_MATCH", "")
    assert all(results[r]["outcome"] == "REVIEW" and not results[r]["disclosed_zip"] for r in untouched)
    ledger = api.get("/ledger", params={"limit": 1000}, headers=auth(world, "auditor")).json()
    assert [e["request_id"] for e in ledger if e["batch_id"] == batch].count(confirmed) == 1
    assert api.get("/ledger/verify", headers=auth(world, "auditor")).json()["verified"] is True
    taken = api.get("/reviews/verdicts", params={"batch": batch}, headers=auth(world, "auditor")).json()
    assert [(v["request_id"], v["verdict"], v["outcome"]) for v in taken] == [
        (confirmed, "confirm", "VERIFIED"),
        (rejected, "reject", "NO_MATCH"),
    ]
    assert taken[0]["note"] == "Checked against the case file." and taken[0]["disclosure_id"].startswith(
        "TXM-"
    )
    assert taken[1]["reviewer"] == world.ids["disclosure_officer"] and taken[1]["disclosure_id"] is None


def test_reviewers_racing_on_one_row_settle_it_once(api: TestClient, world: World) -> None:
    batch = fresh_batch(api, world, request_rows(world)[2::3])
    held = api.get("/reviews", params={"batch": batch}, headers=auth(world, "reviewer")).json()
    row = held[0]["request_id"]
    ctx = world.ctx()
    reviewer = Client(world.ids["reviewer"], "IRS", Role.REVIEWER)

    def settle(n: int) -> str:
        try:
            reviews.record(ctx, batch, row, reviewer, Verdict.REJECT, f"Reviewer {n} checked it.")
        except Conflict:
            return "refused"
        return "taken"

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(settle, range(4)))
    taken = api.get("/reviews/verdicts", params={"batch": batch}, headers=auth(world, "auditor")).json()
    ctx.engine.dispose()
    assert outcomes == ["refused", "refused", "refused", "taken"]
    assert [v["request_id"] for v in taken] == [row]
