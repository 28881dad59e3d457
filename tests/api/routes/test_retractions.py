"""Retractions over HTTP (issue 9): two officers, and the recipient's notice for its agency alone."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from taxmatch.interchange import RETRACTION_NOTICE_COLUMNS
from tests.api.conftest import World, auth, fresh_batch, request_rows

WHY = "Order of the district court, 2026-11-20, case 25-cv-1"


def released(api: TestClient, world: World) -> tuple[str, list[str]]:
    """A batch submitted, processed and released by an officer: its id and its disclosure ids."""
    batch = fresh_batch(api, world, request_rows(world)[:60])
    assert api.post(f"/batches/{batch}/approve", headers=auth(world, "disclosure_officer")).status_code == 200
    results = api.get(f"/batches/{batch}/results", headers=auth(world, "requester")).text
    ids = [r["disclosure_id"] for r in csv.DictReader(io.StringIO(results)) if r["disclosure_id"]]
    assert ids
    return batch, ids


def test_one_officer_asks_another_carries_it_out_and_the_recipient_reads_the_notice(
    api: TestClient, world: World
) -> None:
    batch, ids = released(api, world)
    asked = api.post(
        "/retractions", json={"why": WHY, "batch": batch}, headers=auth(world, "disclosure_officer")
    )
    assert asked.status_code == 201, asked.text
    body = asked.json()
    assert body["impact"]["disclosures"] == len(ids) and body["impact"]["by_batch"] == {batch: len(ids)}
    rid = body["retraction"]["retraction_id"]
    assert body["retraction"]["approved_at"] is None
    # Not yet carried out: the recipient sees nothing of it.
    assert api.get("/retractions", headers=auth(world, "requester")).json() == []
    assert api.get(f"/retractions/{rid}/notice", headers=auth(world, "requester")).status_code == 404

    same = api.post(f"/retractions/{rid}/approve", headers=auth(world, "disclosure_officer"))
    assert same.status_code == 403 and "two-person" in same.json()["error"]["fix"]
    done = api.post(f"/retractions/{rid}/approve", headers=auth(world, "second_officer"))
    assert done.status_code == 200 and done.json()["entries"] == len(ids)
    again = api.post(f"/retractions/{rid}/approve", headers=auth(world, "second_officer"))
    assert again.status_code == 409

    mine = api.get("/retractions", headers=auth(world, "requester")).json()
    assert [r["retraction_id"] for r in mine] == [rid]
    notice = api.get(f"/retractions/{rid}/notice", headers=auth(world, "requester"))
    assert notice.status_code == 200 and notice.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(notice.text)))
    assert list(rows[0]) == list(RETRACTION_NOTICE_COLUMNS)
    assert sorted(r["disclosure_id"] for r in rows) == sorted(ids) and {r["batch_id"] for r in rows} == {
        batch
    }
    # Another agency reads none of it; an auditor reads it all.
    assert api.get("/retractions", headers=auth(world, "other_agency")).json() == []
    assert api.get(f"/retractions/{rid}/notice", headers=auth(world, "other_agency")).status_code == 404
    assert rid in [r["retraction_id"] for r in api.get("/retractions", headers=auth(world, "auditor")).json()]
    ledger = api.get("/ledger/verify", headers=auth(world, "auditor"))
    assert ledger.status_code == 200, ledger.text


def test_only_a_disclosure_officer_asks_for_or_approves_a_retraction(api: TestClient, world: World) -> None:
    for role in ("requester", "reviewer", "auditor"):
        refused = api.post("/retractions", json={"why": WHY, "batch": "x"}, headers=auth(world, role))
        assert refused.status_code == 403, role
        assert api.post("/retractions/RET-x/approve", headers=auth(world, role)).status_code == 403
    unselected = api.post("/retractions", json={"why": WHY}, headers=auth(world, "disclosure_officer"))
    assert unselected.status_code == 422 and "exactly one selector" in unselected.json()["error"]["message"]
