"""Who may do what: credentials, roles, and the settings that guard them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from taxmatch.api import create_app
from taxmatch.db import clients
from taxmatch.db.clients import Role
from taxmatch.settings import Settings
from tests.api.conftest import (
    NOW,
    World,
    auth,
    call,
    processed_batch,
    request_rows,
    submit,
)

pytestmark = pytest.mark.slow


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


def test_settings_refuse_the_default_secret_outside_development() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(env="production")
    assert Settings(env="production", secret_key="s3cret-from-the-vault").env == "production"


def test_failed_attempts_are_limited_per_client_id_and_per_address(world: World) -> None:
    """Issue 10: 120 wrong secrets for a known client id, 40 at a time, were each worth an argon2 check."""
    app = create_app(world.settings(failed_logins_per_minute=3))
    token = world.tokens["auditor"]
    wrong = {"Authorization": f"Bearer {token}x"}
    with TestClient(app, raise_server_exceptions=False) as client:
        assert [client.get("/ledger", headers=wrong).status_code for _ in range(3)] == [401] * 3
        refused = client.get("/ledger", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.json()["error"]["type"] == "rate_limited"
        other = {"Authorization": f"Bearer {world.tokens['reviewer']}"}
        assert client.get("/reviews", headers=other).status_code == 429  # the same address, limited too
    app.state.context.engine.dispose()
    later = create_app(world.settings())  # a minute on: another process's count, the credential still good
    with TestClient(later, raise_server_exceptions=False) as fresh:
        assert fresh.get("/ledger", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    later.state.context.engine.dispose()


def test_the_protected_list_is_the_disclosure_office_s_and_requesters_never_see_it(world: World) -> None:
    app = create_app(world.settings())
    with TestClient(app, raise_server_exceptions=False) as client:
        entry = {"tin": "123-45-6780", "category": "confidential_informant", "reference": "CI-2026-7"}
        for role in ("requester", "other_agency", "reviewer", "auditor"):
            assert client.post("/protected", json=entry, headers=auth(world, role)).status_code == 403
            assert client.get("/protected", headers=auth(world, role)).status_code == 403
        added = client.post("/protected", json=entry, headers=auth(world, "disclosure_officer"))
        assert added.status_code == 201 and added.json()["tin"] == "123456780"
        listed = client.get("/protected", headers=auth(world, "admin")).json()
        assert [p["tin"] for p in listed] == ["123456780"]
        for role in ("requester", "other_agency"):
            assert client.get("/protected/changes", headers=auth(world, role)).status_code == 403
        why = {"why": "The informant's case has closed."}
        gone = client.post("/protected/123456780/remove", json=why, headers=auth(world, "disclosure_officer"))
        assert gone.status_code == 200
        changes = client.get("/protected/changes", headers=auth(world, "auditor")).json()
        assert [(c["action"], c["by"]) for c in changes] == [
            ("added", world.ids["disclosure_officer"]),
            ("removed", world.ids["disclosure_officer"]),
        ]
    app.state.context.engine.dispose()
