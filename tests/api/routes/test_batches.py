"""Batches over HTTP: the life cycle with two-person release, hostile uploads, limits and races."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from taxmatch import agreement
from taxmatch.api import create_app
from taxmatch.db import queue
from taxmatch.db.clients import Client, Role
from taxmatch.errors import AccessDenied, Conflict
from taxmatch.layout import Layout
from taxmatch.pipeline import jobs
from tests.api.conftest import (
    World,
    auth,
    fresh_batch,
    processed_batch,
    request_rows,
    submit,
    uploads,
    variant,
)

pytestmark = pytest.mark.slow


def test_the_batch_life_cycle_with_two_person_release(api: TestClient, world: World) -> None:
    batch = processed_batch(api, world)
    again = submit(api, world)
    assert again == (202, {"batch_id": batch, "created": False})
    mine = auth(world, "requester")
    shown = api.get(f"/batches/{batch}", headers=mine).json()
    assert shown["status"] == "processed"
    for stamp in ("created_at", "updated_at"):  # every time the API shows has its offset (issue 10)
        assert dt.datetime.fromisoformat(shown[stamp]).utcoffset() == dt.timedelta(0)
    early = api.get(f"/batches/{batch}/results", headers=mine)
    assert early.status_code == 409 and early.json()["error"]["type"] == "conflict"
    assert api.post(f"/batches/{batch}/approve", headers=mine).status_code == 403
    released = api.post(f"/batches/{batch}/approve", headers=auth(world, "disclosure_officer"))
    assert released.json()["status"] == "released"
    results = api.get(f"/batches/{batch}/results", headers=mine)
    assert results.status_code == 200
    lines = results.text.strip().splitlines()
    assert lines[0].startswith("request_id,outcome,reason_codes,disclosed_street_address")
    assert len(lines) == 151
    page = api.get(f"/batches/{batch}/report", headers=auth(world, "auditor"))  # issue 9: the batch's report
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"batch {batch}" in page.text and "<svg" in page.text and "caseload cap" in page.text
    assert api.get(f"/batches/{batch}/report", headers=mine).status_code == 403  # internal codes in it
    again = api.post(f"/batches/{batch}/approve", headers=auth(world, "disclosure_officer"))
    assert again.status_code == 409 and "already released" in again.json()["error"]["fix"]
    refused = api.post(f"/batches/{batch}/approve", headers=mine).json()["error"]
    assert "disclosure_officer" in refused["fix"]  # a 403 names the role that is needed


def test_the_submitter_may_never_approve(world: World) -> None:
    ctx = world.ctx()
    batch = next(j for j in jobs.listing(ctx, Client("x", "IRS", Role.ADMIN)))
    same = Client(batch["submitted_by"], "IRS", Role.DISCLOSURE_OFFICER)
    with pytest.raises(AccessDenied, match="may not approve"):
        jobs.approve(ctx, batch["batch_id"], same)
    ctx.engine.dispose()


def test_requesters_see_only_their_agency_and_never_decisions(api: TestClient, world: World) -> None:
    batch = processed_batch(api, world)
    other = auth(world, "other_agency")
    assert api.get(f"/batches/{batch}", headers=other).status_code == 404
    assert batch not in {b["batch_id"] for b in api.get("/batches", headers=other).json()}
    assert api.get(f"/batches/{batch}/decisions", headers=auth(world, "requester")).status_code == 403
    decisions = api.get(f"/batches/{batch}/decisions", headers=auth(world, "auditor"))
    assert decisions.status_code == 200 and "matched_tin" in decisions.text.splitlines()[0]


# (method, path template, roles allowed); {b} is a processed batch of DHS/ICE.
@pytest.mark.parametrize(
    ("payload", "name", "status", "kind"),
    [
        (b"", "requests.csv", 422, "input_error"),
        (b"request_id\n\x00\n", "requests.csv", 422, "input_error"),
        (b"\xff\xfe not utf8", "requests.csv", 422, "input_error"),
        (b"x" * 10, "requests.xlsx", 422, "input_error"),
        # A 10 MB field: refused by the reader's field limit, before anything is stored.
        (b"request_id,case_number\nR1," + b"A" * 10_000_000 + b"\n", "requests.csv", 422, "input_error"),
    ],
)
def test_hostile_uploads_get_a_clear_4xx_and_nothing_is_stored(
    api: TestClient, world: World, payload: bytes, name: str, status: int, kind: str
) -> None:
    before = uploads(world)
    code, body = submit(api, world, payload, name)
    assert (code, body["error"]["type"]) == (status, kind)  # type: ignore[index]
    assert str(world.store) not in json.dumps(body) and ".incoming-" not in json.dumps(
        body
    )  # no server paths
    assert uploads(world) == before


def test_a_manifest_that_does_not_cover_the_file_is_refused(api: TestClient, world: World) -> None:
    code, body = submit(api, world, world.requests + b"")  # same bytes: accepted
    assert code == 202
    tampered = world.requests.replace(b"R0000001", b"R9999999", 1)
    code, body = submit(api, world, tampered)
    assert code == 422 and "digest" in body["error"]["message"]  # type: ignore[index]


def test_upload_over_the_limit_is_413(world: World) -> None:
    app = create_app(world.settings(max_upload_bytes=2048))
    with TestClient(app) as small:
        code, body = submit(small, world)
    app.state.context.engine.dispose()
    assert code == 413 and body["error"]["type"] == "too_large"  # type: ignore[index]


def test_wrong_content_type_is_a_422_in_the_one_shape(api: TestClient, world: World) -> None:
    response = api.post("/batches", content=json.dumps({"x": 1}), headers=auth(world, "requester"))
    assert response.status_code == 422
    assert response.json()["error"]["type"] == "invalid_request"


def test_a_truncated_multipart_upload_is_a_4xx_in_the_one_shape(api: TestClient, world: World) -> None:
    before = uploads(world)
    whole = (
        b'--XyZ\r\nContent-Disposition: form-data; name="manifest"; filename="manifest.json"\r\n'
        b"Content-Type: application/json\r\n\r\n" + world.manifest + b"\r\n--XyZ\r\n"
        b'Content-Disposition: form-data; name="requests"; filename="requests.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + world.requests + b"\r\n--XyZ--\r\n"
    )
    headers = {**auth(world, "requester"), "Content-Type": "multipart/form-data; boundary=XyZ"}
    response = api.post("/batches", content=whole[: len(whole) // 2], headers=headers)
    assert response.status_code == 400 and "truncated" in response.json()["error"]["message"]
    assert set(response.json()["error"]) == {"type", "message", "where", "fix"}
    assert uploads(world) == before


def test_formula_cells_are_answered_and_go_back_escaped(api: TestClient, world: World) -> None:
    """Formula-like text is text: the rows are answered like any other and never leave as a formula."""
    rows = request_rows(world)
    rows[0] = {**rows[0], "request_id": '=HYPERLINK("http://x.example","click")', "last_name": "@SUM(A1)"}
    rows[1] = {**rows[1], "request_id": "+1-202-555-0100", "reason": "=cmd|' /C calc'!A0"}
    batch = fresh_batch(api, world, rows)
    assert api.post(f"/batches/{batch}/approve", headers=auth(world, "disclosure_officer")).status_code == 200
    text = api.get(f"/batches/{batch}/results", headers=auth(world, "requester")).text
    lines = text.splitlines()
    assert len(lines) == 1 + len(rows)
    assert lines[1].startswith("\"'=HYPERLINK(") and lines[2].startswith("'+1-202-555-0100,")
    assert not any(
        cell.startswith(("=", "+", "-", "@")) for line in lines[1:] for cell in next(csv.reader([line]))
    )


def test_nothing_is_accounted_before_release_and_everything_after(api: TestClient, world: World) -> None:
    batch = fresh_batch(api, world, request_rows(world)[::-2])
    auditor = auth(world, "auditor")

    def entries() -> list[dict[str, Any]]:
        return [
            e
            for e in api.get("/ledger", params={"limit": 1000}, headers=auditor).json()
            if e["batch_id"] == batch
        ]

    assert entries() == []
    decided = list(csv.DictReader(io.StringIO(api.get(f"/batches/{batch}/decisions", headers=auditor).text)))
    verified = {r["request_id"] for r in decided if r["outcome"] == "VERIFIED"}
    assert verified and not any(r["disclosure_id"] for r in decided)
    assert api.post(f"/batches/{batch}/approve", headers=auth(world, "disclosure_officer")).status_code == 200
    assert {e["request_id"] for e in entries()} == verified and len(entries()) == len(verified)
    released = api.get(f"/batches/{batch}/results", headers=auth(world, "requester")).text
    ids = {r["request_id"]: r["disclosure_id"] for r in csv.DictReader(io.StringIO(released))}
    assert {rid for rid, did in ids.items() if did} == verified
    assert {ids[e["request_id"]] for e in entries()} == {e["disclosure_id"] for e in entries()}
    # Issue 9: the requester also gets the log's signed checkpoint and a receipt per disclosure.
    mine = auth(world, "requester")
    note = api.get(f"/batches/{batch}/checkpoint", headers=mine)
    assert (
        note.headers["content-type"].startswith("text/plain") and "\n\n\u2014 taxmatch-ledger/" in note.text
    )
    lines = api.get(f"/batches/{batch}/receipts", headers=mine).text.splitlines()
    assert {json.loads(line)["disclosure_id"] for line in lines} == {e["disclosure_id"] for e in entries()}
    verified_log = api.get("/ledger/verify", headers=auditor).json()
    assert verified_log["tree_size"] == verified_log["entries"] >= len(lines)
    assert api.get("/ledger/checkpoint", headers=auditor).text == note.text  # nothing appended since


def test_nothing_is_released_once_the_agreement_has_lapsed(api: TestClient, world: World) -> None:
    batch = fresh_batch(api, world, request_rows(world)[1::3])
    lapsed = agreement.load().model_copy(
        update={"in_force_to": dt.date(2026, 1, 1), "in_force_from": dt.date(2025, 1, 1)}
    )
    ctx = world.ctx(lapsed)
    officer = Client(world.ids["disclosure_officer"], "IRS", Role.DISCLOSURE_OFFICER)
    with pytest.raises(Conflict, match="not in force"):
        jobs.approve(ctx, batch, officer)
    assert jobs.get(ctx, batch, officer)["status"] == "processed"
    ctx.engine.dispose()


def test_a_running_batch_shows_its_stage_to_the_requester(
    api: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = fresh_batch(api, world, request_rows(world)[::7], process=False)
    mine = auth(world, "requester")
    seen: list[dict[str, Any]] = []
    real = jobs.queue.beat

    def watched(*args: Any) -> None:
        real(*args)  # the worker's own heartbeat, then what the requester sees of it
        seen.append(api.get(f"/batches/{batch}", headers=mine).json())

    monkeypatch.setattr(jobs.queue, "beat", watched)
    ctx = world.ctx()
    assert jobs.claim(ctx, "test-worker") == batch
    assert api.get(f"/batches/{batch}", headers=mine).json()["stage"] == "starting"
    jobs.run(ctx, batch)
    ctx.engine.dispose()
    assert [s["status"] for s in seen] == ["running"] * len(seen)
    assert [s["stage"] for s in seen][:2] == [
        "reading the manifest and request file",
        "checking each request against the law and the agreement",
    ]
    assert seen[-1]["stage"].startswith("writing the answer files in request order")
    done = api.get(f"/batches/{batch}", headers=mine).json()
    assert (done["status"], done["stage"]) == ("processed", None)


def test_twin_submissions_racing_make_one_batch(api: TestClient, world: World) -> None:
    files = variant(world, request_rows(world)[4::5])
    manifest, body = files["manifest"][1], files["requests"][1]
    ctx = world.ctx()
    requester = Client(world.ids["requester"], "DHS/ICE", Role.REQUESTER)

    def send(_: int) -> tuple[str, bool]:
        return jobs.submit(ctx, world.settings(), requester, manifest, body, "r.csv")

    with ThreadPoolExecutor(4) as pool:
        sent = list(pool.map(send, range(4)))
    assert len({batch for batch, _ in sent}) == 1
    assert sorted(created for _, created in sent) == [False, False, False, True]
    batch = sent[0][0]
    stored = Layout(world.store).upload(batch)
    assert sorted(p.name for p in stored.iterdir()) == ["manifest.json", "requests.csv"]
    assert (stored / "requests.csv").read_bytes() == body
    ctx.engine.dispose()


def test_batches_over_the_daily_limit_get_429_and_nothing_is_stored(world: World) -> None:
    # Counted as the service counts (its own clock, the last 24 hours): earlier tests of this module also
    # submitted batches under the fixed test clock, which lies days back once the calendar has moved on.
    engine = world.engine()
    with engine.connect() as conn:
        so_far, _ = queue.submitted_since(conn, "DHS/ICE", dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    engine.dispose()
    app = create_app(world.settings(batches_per_day=so_far + 1))
    mine = auth(world, "requester")
    try:
        with TestClient(app, raise_server_exceptions=False) as limited:
            first = variant(world, request_rows(world)[::11])
            assert limited.post("/batches", files=first, headers=mine).status_code == 202
            before = uploads(world)
            refused = limited.post("/batches", files=variant(world, request_rows(world)[::13]), headers=mine)
            assert refused.status_code == 429
            assert f"limit is {so_far + 1}" in refused.json()["error"]["fix"]
            assert 1 <= int(refused.headers["Retry-After"]) <= 24 * 3600
            assert uploads(world) == before
            again = limited.post(
                "/batches", files=first, headers=mine
            )  # the same batch: answered, not counted
            assert again.status_code == 202 and again.json()["created"] is False
    finally:
        app.state.context.engine.dispose()


def test_a_hostile_manifest_is_a_422_and_leaves_nothing_behind(api: TestClient, world: World) -> None:
    """Issue 10: a 711-byte alias bomb took the server past 3 GB and left an .incoming-* folder behind."""
    from tests.pipeline.test_manifests import alias_bomb

    before = uploads(world)
    files = {
        "manifest": ("manifest.yaml", alias_bomb(9).encode("utf-8"), "application/yaml"),
        "requests": ("requests.csv", world.requests, "text/csv"),
    }
    response = api.post("/batches", files=files, headers=auth(world, "requester"))
    assert response.status_code == 422 and response.json()["error"]["type"] == "manifest_error"
    assert "aliases" in response.json()["error"]["message"]
    assert uploads(world) == before


def test_too_many_rows_is_a_413_and_the_service_stays_responsive(world: World) -> None:
    """Issue 10: 2,000,000 tiny rows were parsed in full on the event loop (1.7 GB, /health stalled 5 s)."""
    from tests.pipeline.test_intake import tiny_rows

    body = tiny_rows(2_000_000).encode("utf-8")
    signed = {**json.loads(world.manifest), "request_file_sha256": hashlib.sha256(body).hexdigest()}
    files = {
        "manifest": ("manifest.json", json.dumps(signed).encode(), "application/json"),
        "requests": ("requests.csv", body, "text/csv"),
    }
    app = create_app(world.settings(max_rows_per_batch=1000))
    before = uploads(world)
    with TestClient(app, raise_server_exceptions=False) as client, ThreadPoolExecutor(1) as pool:
        sent = pool.submit(client.post, "/batches", files=files, headers=auth(world, "requester"))
        waits = []
        while not sent.done():
            started = time.perf_counter()
            assert client.get("/health").status_code == 200
            waits.append(time.perf_counter() - started)
            time.sleep(0.05)
        response = sent.result()
    app.state.context.engine.dispose()
    assert response.status_code == 413 and "1,001 rows" in response.json()["error"]["message"]
    assert waits and max(waits) < 1.0, waits
    assert uploads(world) == before
