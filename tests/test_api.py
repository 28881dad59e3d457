"""The HTTP service end to end: authentication, roles, the batch life cycle, hostile uploads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from pydantic import ValidationError
from sqlalchemy import Engine

from taxmatch import agreement
from taxmatch.api import create_app
from taxmatch.db import clients
from taxmatch.db.clients import Client, Role
from taxmatch.db.schema import connect
from taxmatch.errors import AccessDenied, Conflict
from taxmatch.lab import synth
from taxmatch.matching import reference
from taxmatch.pipeline import jobs
from taxmatch.pipeline import review as reviews
from taxmatch.rules.verdict import Verdict
from taxmatch.settings import Settings

from .conftest import covered, empty_database, work_off

pytestmark = pytest.mark.slow
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class World:
    store: Path
    url: str | None  # the database: None for the store's SQLite file
    requests: bytes
    manifest: bytes
    tokens: dict[str, str]  # role name (and "other_agency") -> bearer credential
    ids: dict[str, str]

    def settings(self, **changes: Any) -> Settings:
        # Many batches are submitted in this module; the daily limit has its own test.
        return Settings(store=self.store, database_url=self.url, **{"batches_per_day": 1000, **changes})

    def engine(self) -> Engine:
        return connect(self.store, self.url)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> World:
    """A loaded master, and one client per role; the same tests run on SQLite and on PostgreSQL."""
    root = tmp_path_factory.mktemp("api")
    url = None
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        empty_database(url)
    people = synth.write_master(root / "master.csv", 1500, seed=31)
    synth.write_requests(root / "requests.csv", root / "truth.csv", people, 150, seed=32)
    synth.write_manifest(root / "manifest.json", root / "requests.csv")
    reference.load(root / "master.csv", root / "store", NOW.date())
    engine = connect(root / "store", url)
    tokens, ids = {}, {}
    for role in Role:
        who, tokens[role.value] = clients.issue(
            engine, "DHS/ICE" if role is Role.REQUESTER else "IRS", role, NOW
        )
        ids[role.value] = who.client_id
    other, tokens["other_agency"] = clients.issue(engine, "DOJ/FBI", Role.REQUESTER, NOW)
    ids["other_agency"] = other.client_id
    engine.dispose()
    return World(
        root / "store",
        url,
        (root / "requests.csv").read_bytes(),
        (root / "manifest.json").read_bytes(),
        tokens,
        ids,
    )


@pytest.fixture
def api(world: World) -> Iterator[TestClient]:
    app = create_app(world.settings())
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    app.state.engine.dispose()


def auth(world: World, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}"}


def submit(
    api: TestClient,
    world: World,
    requests: bytes | None = None,
    name: str = "requests.csv",
    role: str = "requester",
) -> tuple[int, dict[str, object]]:
    files = {
        "manifest": ("manifest.json", world.manifest, "application/json"),
        "requests": (name, world.requests if requests is None else requests, "text/csv"),
    }
    response = api.post("/batches", files=files, headers=auth(world, role))
    return response.status_code, response.json()


def uploads(world: World) -> list[str]:
    """What the store holds of uploaded batches (nothing before the first one)."""
    folder = world.store / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def request_rows(world: World) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(world.requests.decode("utf-8"))))


def call(
    api: TestClient, world: World, rows: list[dict[str, str]], role: str = "requester", **manifest: Any
) -> Response:
    signed = {k: v for k, v in json.loads(world.manifest).items() if k != "request_file_sha256"}
    body = {"manifest": {**signed, **manifest}, "requests": rows}
    return api.post("/verify", json=body, headers=auth(world, role))


def processed_batch(api: TestClient, world: World) -> str:
    code, body = submit(api, world)
    assert code == 202
    engine = world.engine()
    work_off(engine, world.store, agreement.load(), NOW)
    engine.dispose()
    return str(body["batch_id"])


def test_health_is_open_and_ready_needs_the_master(api: TestClient) -> None:
    assert api.get("/health").json() == {"status": "ok"}
    ready = api.get("/ready").json()
    assert ready["status"] == "ready" and ready["taxpayers"] == 1500


def test_not_ready_without_a_master_and_no_path_given_away(world: World, tmp_path: Path) -> None:
    app = create_app(Settings(store=tmp_path / "empty", database_url=world.url))
    with TestClient(app, raise_server_exceptions=False) as bare:
        response = bare.get("/ready")
    app.state.engine.dispose()
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "no_master_loaded"
    assert str(tmp_path) not in response.text


@pytest.mark.parametrize(
    "path", ["/batches", "/ledger", "/ledger/verify", "/batches/x", "/batches/x/results"]
)
def test_everything_else_needs_credentials(api: TestClient, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert set(response.json()["error"]) == {"type", "message", "where", "fix"}


def test_bad_and_revoked_credentials_are_refused(api: TestClient, world: World) -> None:
    assert api.get("/batches", headers={"Authorization": "Bearer c_nope.secret"}).status_code == 401
    token = world.tokens["requester"]
    assert api.get("/batches", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    engine = world.engine()
    who, credential = clients.issue(engine, "DHS/ICE", Role.REQUESTER, NOW)
    assert api.get("/batches", headers={"Authorization": f"Bearer {credential}"}).status_code == 200
    clients.revoke(engine, who.client_id, NOW)
    engine.dispose()
    assert api.get("/batches", headers={"Authorization": f"Bearer {credential}"}).status_code == 401


def test_the_batch_life_cycle_with_two_person_release(api: TestClient, world: World) -> None:
    batch = processed_batch(api, world)
    again = submit(api, world)
    assert again == (202, {"batch_id": batch, "created": False})
    mine = auth(world, "requester")
    assert api.get(f"/batches/{batch}", headers=mine).json()["status"] == "processed"
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
    assert api.post(f"/batches/{batch}/approve", headers=auth(world, "disclosure_officer")).status_code == 409


def test_the_submitter_may_never_approve(world: World) -> None:
    engine = world.engine()
    batch = next(j for j in jobs.listing(engine, Client("x", "IRS", Role.ADMIN)))
    same = Client(batch["submitted_by"], "IRS", Role.DISCLOSURE_OFFICER)
    with pytest.raises(AccessDenied, match="may not approve"):
        jobs.approve(engine, world.store, agreement.load(), batch["batch_id"], same, NOW)
    engine.dispose()


def test_requesters_see_only_their_agency_and_never_decisions(api: TestClient, world: World) -> None:
    batch = processed_batch(api, world)
    other = auth(world, "other_agency")
    assert api.get(f"/batches/{batch}", headers=other).status_code == 404
    assert batch not in {b["batch_id"] for b in api.get("/batches", headers=other).json()}
    assert api.get(f"/batches/{batch}/decisions", headers=auth(world, "requester")).status_code == 403
    decisions = api.get(f"/batches/{batch}/decisions", headers=auth(world, "auditor"))
    assert decisions.status_code == 200 and "matched_tin" in decisions.text.splitlines()[0]


# (method, path template, roles allowed); {b} is a processed batch of DHS/ICE.
MATRIX = [
    ("GET", "/batches", {"requester", "disclosure_officer", "reviewer", "auditor", "admin", "other_agency"}),
    ("GET", "/batches/{b}", {"requester", "disclosure_officer", "reviewer", "auditor", "admin"}),
    ("GET", "/batches/{b}/decisions", {"disclosure_officer", "auditor", "admin"}),
    ("POST", "/batches/{b}/approve", {"disclosure_officer"}),
    ("GET", "/ledger", {"disclosure_officer", "auditor", "admin"}),
    ("GET", "/ledger/verify", {"disclosure_officer", "auditor", "admin"}),
    ("GET", "/reviews", {"reviewer", "disclosure_officer", "auditor", "admin"}),
    ("GET", "/reviews/verdicts", {"reviewer", "disclosure_officer", "auditor", "admin"}),
    # Only a requester of the agency the manifest names (DHS/ICE) may submit it or call.
    ("POST", "/batches", {"requester"}),
    ("POST", "/verify", {"requester"}),
    # Reviewers and officers settle held rows (the body here is refused only after the role is admitted).
    ("POST", "/reviews", {"reviewer", "disclosure_officer"}),
]
ROLES = [r.value for r in Role] + ["other_agency"]


def test_authorisation_matrix(api: TestClient, world: World) -> None:
    batch = processed_batch(api, world)
    checked = 0
    for method, template, allowed in MATRIX:
        for role in ROLES:
            if method == "POST" and template == "/batches":
                code = submit(api, world, role=role)[0]
            elif template == "/verify":
                code = call(api, world, request_rows(world)[:2], role=role).status_code
            elif template == "/reviews" and method == "POST":
                verdict = {"batch_id": batch, "request_id": "x", "verdict": "reject", "note": "short"}
                code = api.post("/reviews", json=verdict, headers=auth(world, role)).status_code
            else:
                code = api.request(method, template.format(b=batch), headers=auth(world, role)).status_code
            denied = code in {401, 403, 404}
            assert denied == (role not in allowed), f"{role} {method} {template} -> {code}"
            checked += 1
    assert checked == len(MATRIX) * len(ROLES)


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
    app.state.engine.dispose()
    assert code == 413 and body["error"]["type"] == "too_large"  # type: ignore[index]


def test_wrong_content_type_is_a_422_in_the_one_shape(api: TestClient, world: World) -> None:
    response = api.post("/batches", content=json.dumps({"x": 1}), headers=auth(world, "requester"))
    assert response.status_code == 422
    assert response.json()["error"]["type"] == "invalid_request"


def test_settings_refuse_the_default_secret_outside_development() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(env="production")
    assert Settings(env="production", secret_key="s3cret-from-the-vault").env == "production"


def test_the_review_queue_holds_the_batch_s_review_rows_and_no_address(api: TestClient, world: World) -> None:
    batch = processed_batch(api, world)
    queue = api.get("/reviews", params={"batch": batch}, headers=auth(world, "reviewer")).json()
    decisions = api.get(f"/batches/{batch}/decisions", headers=auth(world, "auditor")).text.splitlines()
    held = [line.split(",")[0] for line in decisions[1:] if line.split(",")[1] == "REVIEW"]
    assert held, "the synthetic batch always holds some namesakes for review"
    assert [row["request_id"] for row in queue] == sorted(held)
    assert all("disclosed_street_address" not in row and "matched_tin" not in row for row in queue)


def test_out_of_range_numbers_are_a_422_not_a_crash(api: TestClient, world: World) -> None:
    """Found by the schema fuzzer: an 'after' beyond 64 bits overflowed SQLite's INTEGER (a 500)."""
    response = api.get("/ledger", params={"after": 2**70}, headers=auth(world, "auditor"))
    assert response.status_code == 422
    assert response.json()["error"]["type"] == "invalid_request"


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
            assert (got["outcome"], got["reason_codes"]) == (want["outcome"], want["reason_codes"])
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
        assert call(api, world, rows, role="other_agency").status_code == 403  # counted per client
    app.state.engine.dispose()


def fresh_batch(api: TestClient, world: World, rows: list[dict[str, str]], process: bool = True) -> str:
    """Submit (and unless told otherwise, process) a batch of these rows under a manifest covering them."""
    files = variant(world, rows)
    response = api.post("/batches", files=files, headers=auth(world, "requester"))
    assert response.status_code == 202, response.text
    if not process:
        return str(response.json()["batch_id"])
    engine = world.engine()
    work_off(engine, world.store, agreement.load(), NOW)
    engine.dispose()
    return str(response.json()["batch_id"])


def verdict(
    api: TestClient, world: World, batch: str, request_id: str, kind: str, role: str = "reviewer"
) -> Response:
    body = {
        "batch_id": batch,
        "request_id": request_id,
        "verdict": kind,
        "note": "Checked against the case file.",
    }
    return api.post("/reviews", json=body, headers=auth(world, role))


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

    assert api.post(f"/batches/{batch}/approve", headers=auth(world, "disclosure_officer")).status_code == 200
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


def test_nothing_is_released_once_the_agreement_has_lapsed(api: TestClient, world: World) -> None:
    batch = fresh_batch(api, world, request_rows(world)[1::3])
    lapsed = agreement.load().model_copy(
        update={"in_force_to": dt.date(2026, 1, 1), "in_force_from": dt.date(2025, 1, 1)}
    )
    engine = world.engine()
    officer = Client(world.ids["disclosure_officer"], "IRS", Role.DISCLOSURE_OFFICER)
    with pytest.raises(Conflict, match="not in force"):
        jobs.approve(engine, world.store, lapsed, batch, officer, NOW)
    assert jobs.get(engine, batch, officer)["status"] == "processed"
    engine.dispose()


def test_a_running_batch_shows_its_stage_to_the_requester(
    api: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = fresh_batch(api, world, request_rows(world)[::7], process=False)
    mine = auth(world, "requester")
    seen: list[dict[str, Any]] = []
    real = jobs.pipeline.process

    def watched(*args: Any, **kwargs: Any) -> Any:
        def step(stage: str) -> None:
            args[6](stage)  # the worker's own progress callback
            seen.append(api.get(f"/batches/{batch}", headers=mine).json())

        return real(*args[:6], step, **kwargs)

    monkeypatch.setattr(jobs.pipeline, "process", watched)
    engine = world.engine()
    assert jobs.claim(engine, "test-worker", dt.datetime.now(dt.UTC)) == batch
    assert api.get(f"/batches/{batch}", headers=mine).json()["stage"] == "starting"
    jobs.run(engine, world.store, agreement.load(), batch, NOW)
    engine.dispose()
    assert [s["status"] for s in seen] == ["running"] * len(seen)
    assert [s["stage"] for s in seen][:2] == [
        "reading the manifest and request file",
        "checking each request against the law and the agreement",
    ]
    assert seen[-1]["stage"] == "writing results"
    done = api.get(f"/batches/{batch}", headers=mine).json()
    assert (done["status"], done["stage"]) == ("processed", None)


def test_reviewers_racing_on_one_row_settle_it_once(api: TestClient, world: World) -> None:
    batch = fresh_batch(api, world, request_rows(world)[2::3])
    held = api.get("/reviews", params={"batch": batch}, headers=auth(world, "reviewer")).json()
    row = held[0]["request_id"]
    engine = world.engine()
    reviewer = Client(world.ids["reviewer"], "IRS", Role.REVIEWER)
    terms = agreement.load()

    def settle(n: int) -> str:
        try:
            reviews.record(
                engine, terms, batch, row, reviewer, Verdict.REJECT, f"Reviewer {n} checked it.", NOW
            )
        except Conflict:
            return "refused"
        return "taken"

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(settle, range(4)))
    taken = api.get("/reviews/verdicts", params={"batch": batch}, headers=auth(world, "auditor")).json()
    engine.dispose()
    assert outcomes == ["refused", "refused", "refused", "taken"]
    assert [v["request_id"] for v in taken] == [row]


def test_twin_submissions_racing_make_one_batch(api: TestClient, world: World) -> None:
    files = variant(world, request_rows(world)[4::5])
    manifest, body = files["manifest"][1], files["requests"][1]
    engine = world.engine()
    requester = Client(world.ids["requester"], "DHS/ICE", Role.REQUESTER)

    def send(_: int) -> tuple[str, bool]:
        return jobs.submit(
            engine, world.settings(), agreement.load(), requester, manifest, body, "r.csv", NOW
        )

    with ThreadPoolExecutor(4) as pool:
        sent = list(pool.map(send, range(4)))
    assert len({batch for batch, _ in sent}) == 1
    assert sorted(created for _, created in sent) == [False, False, False, True]
    batch = sent[0][0]
    stored = jobs._folder(world.store, "uploads", batch)
    assert sorted(p.name for p in stored.iterdir()) == ["manifest.json", "requests.csv"]
    assert (stored / "requests.csv").read_bytes() == body
    engine.dispose()


def variant(world: World, rows: list[dict[str, str]]) -> dict[str, tuple[str, bytes, str]]:
    """A multipart upload of these rows under a manifest that covers them."""
    manifest, body = covered(rows, json.loads(world.manifest))
    return {
        "manifest": ("manifest.json", manifest, "application/json"),
        "requests": ("requests.csv", body, "text/csv"),
    }


def test_batches_over_the_daily_limit_get_429_and_nothing_is_stored(world: World) -> None:
    engine = world.engine()
    so_far = len(jobs.listing(engine, Client("x", "DHS/ICE", Role.REQUESTER)))
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
            assert uploads(world) == before
            again = limited.post(
                "/batches", files=first, headers=mine
            )  # the same batch: answered, not counted
            assert again.status_code == 202 and again.json()["created"] is False
    finally:
        app.state.engine.dispose()
