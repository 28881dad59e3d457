"""The ledger over HTTP, for auditors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    World,
    auth,
)

pytestmark = pytest.mark.slow


def test_out_of_range_numbers_are_a_422_not_a_crash(api: TestClient, world: World) -> None:
    """Found by the schema fuzzer: an 'after' beyond 64 bits overflowed SQLite's INTEGER (a 500)."""
    response = api.get("/ledger", params={"after": 2**70}, headers=auth(world, "auditor"))
    assert response.status_code == 422
    assert response.json()["error"]["type"] == "invalid_request"
