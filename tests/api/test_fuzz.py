"""Schemathesis against the OpenAPI schema, in process: whatever it sends, no 5xx."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from taxmatch.api import create_app
from taxmatch.db import clients
from taxmatch.db.clients import Role
from taxmatch.db.engine import connect
from taxmatch.lab import synth
from taxmatch.layout import Layout
from taxmatch.matching import reference
from taxmatch.settings import Settings

pytestmark = pytest.mark.slow
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
TOKENS: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> schemathesis.schemas.BaseSchema:
    root: Path = tmp_path_factory.mktemp("fuzz")
    people = synth.write_master(root / "master.csv", 500, seed=51)
    reference.load(root / "master.csv", Layout(root / "store"), NOW)
    engine = connect(root / "store")
    for role in (Role.REQUESTER, Role.AUDITOR, Role.DISCLOSURE_OFFICER):
        TOKENS[role.value] = clients.issue(engine, "DHS/ICE", role, NOW)[1]
    engine.dispose()
    assert people
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings(store=root / "store")))


def test_no_server_errors(api_schema: schemathesis.schemas.BaseSchema) -> None:
    """Up to 25 generated requests per operation, each sent anonymously and as each role."""
    checked = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,  # replayed or explored as the loaded profile says (conftest.py)
        )
        def no_5xx(case: schemathesis.Case) -> None:
            for role in ("anonymous", *TOKENS):
                headers = {} if role == "anonymous" else {"Authorization": f"Bearer {TOKENS[role]}"}
                response = case.call(headers=headers)
                assert response.status_code < 500, (role, case.method, case.path, response.text[:300])

        no_5xx()
        checked += 1
    assert checked >= 9
