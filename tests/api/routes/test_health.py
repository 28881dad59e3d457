"""GET /health and GET /ready: open to anyone, and telling nobody where the store lives."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from taxmatch.api import create_app
from taxmatch.settings import Settings
from tests.api.conftest import (
    World,
)

pytestmark = pytest.mark.slow


def test_health_is_open_and_ready_needs_the_master(api: TestClient) -> None:
    assert api.get("/health").json() == {"status": "ok"}
    ready = api.get("/ready").json()
    assert ready["status"] == "ready" and ready["taxpayers"] == 1500


def test_not_ready_without_a_master_and_no_path_given_away(world: World, tmp_path: Path) -> None:
    app = create_app(Settings(store=tmp_path / "empty", database_url=world.url))
    with TestClient(app, raise_server_exceptions=False) as bare:
        response = bare.get("/ready")
    app.state.context.engine.dispose()
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "no_master_loaded"
    assert str(tmp_path) not in response.text
