"""POST /verify: up to 25 requests answered in the call, as the batch path answers them."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from taxmatch.api import create_app
from taxmatch.reasons import Outcome, Reason, for_requester, join
from tests.api.conftest import (
    World,
    auth,
    call,
    processed_batch,
    request_rows,
)

pytestmark = pytest.mark.slow


def test_a_call_is_answered_in_order_as_the_batch_answers_it(api: TestClient, world: World) -> None:
    batch = processed_batch(api, world)
    decided = api.get(f"/batches/{batch}/decisions", headers=auth(world, "auditor")).text
    by_batch = {r["request_id"]: r for r in csv.DictReader(io.StringIO(decided))}
    rows = request_rows(world)
    checked = 0
    for start in range(0, len(rows), 25):
        answer = call(api, world, rows[start : start + 25])
        assert answer.status_code == 200, answer.text
        results = answer.json()["results"]
        assert [r["request_id"] for r in results] == [r["request_id"] for r in rows[start : start + 25]]
        for got in results:
            want = by_batch[got["request_id"]]
            codes = tuple(Reason(c) for c in want["reason_codes"].split(";") if c)
            shown, face = for_requester(Outcome(want["outcome"]), codes)  # the decision file is internal
            assert (got["outcome"], got["reason_codes"]) == (shown.value, join(list(face)))
            assert bool(got["disclosure_id"]) == (got["outcome"] == "VERIFIED") == bool(got["disclosed_zip"])
            checked += 1
    assert checked == len(rows)


def test_every_verified_call_row_is_in_the_ledger_once(api: TestClient, world: World) -> None:
    rows = request_rows(world)[:25]
    first = call(api, world, rows).json()
    again = call(api, world, rows).json()
    assert first == again  # the same call twice is one call: same answers, same disclosure ids
    verified = {r["disclosure_id"] for r in first["results"] if r["outcome"] == "VERIFIED"}
    assert verified
    ledger = api.get("/ledger", params={"limit": 1000}, headers=auth(world, "auditor")).json()
    entries = [e for e in ledger if e["batch_id"] == first["call_id"]]
    assert {e["disclosure_id"] for e in entries} == verified and len(entries) == len(verified)
    assert api.get("/ledger/verify", headers=auth(world, "auditor")).json()["entries"] >= len(verified)


@pytest.mark.parametrize(
    ("change", "status", "where"),
    [
        (lambda rows: rows * 26, 422, "body.requests"),
        (lambda rows: [], 422, "body.requests"),
        (lambda rows: [{k: v for k, v in rows[0].items() if k != "tin"}], 422, "requests[0]"),
        (lambda rows: [{**rows[0], "ssn": "1"}], 422, "requests[0]"),
        (lambda rows: [{**rows[0], "last_name": "x" * 20_000}], 422, "body.requests.0.last_name"),
    ],
)
def test_malformed_calls_are_refused_whole(
    api: TestClient, world: World, change: Any, status: int, where: str
) -> None:
    before = sorted((world.store / "calls").glob("*")) if (world.store / "calls").exists() else []
    response = call(api, world, change(request_rows(world)[:1]))
    assert response.status_code == status, response.text
    assert response.json()["error"]["where"] == where
    after = sorted((world.store / "calls").glob("*")) if (world.store / "calls").exists() else []
    assert after == before


def test_a_call_under_an_insufficient_manifest_stores_nothing(api: TestClient, world: World) -> None:
    rows = request_rows(world)[100:102]
    stored = world.store / "calls"
    before = sorted(stored.iterdir()) if stored.exists() else []
    response = call(api, world, rows, signer_title="Intern")
    assert response.status_code == 422 and "signer_title" in response.json()["error"]["message"]
    response = call(api, world, rows, request_file_sha256="0" * 64)
    assert response.status_code == 422 and "digest" in response.json()["error"]["message"]
    assert sorted(stored.iterdir()) == before


def test_interactive_calls_per_minute_are_limited(world: World) -> None:
    app = create_app(world.settings(verify_calls_per_minute=2))
    with TestClient(app, raise_server_exceptions=False) as api:
        rows = request_rows(world)[:1]
        assert [call(api, world, rows).status_code for _ in range(2)] == [200, 200]
        refused = call(api, world, rows)
        assert refused.status_code == 429 and "batch" in refused.json()["error"]["fix"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert call(api, world, rows, role="other_agency").status_code == 403  # counted per client
    app.state.context.engine.dispose()
