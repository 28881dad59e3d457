"""The OpenAPI document tells the truth: the bearer scheme, the one error shape, CSV downloads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from taxmatch.api import create_app
from taxmatch.settings import Settings

ERRORS = ("401", "403", "404", "409", "413", "422", "429")
OPEN = {"/health", "/ready"}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    app = create_app(Settings(store=Path(tmp_path_factory.mktemp("openapi"))))
    yield app.openapi()
    app.state.context.engine.dispose()


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_bearer_scheme_is_declared_so_the_authorize_button_works(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "CLIENT_ID.SECRET, as issued by the disclosure office.",
    }
    guarded = [op for path, _, op in operations(spec) if path not in OPEN]
    assert guarded and all(op.get("security") == [{"HTTPBearer": []}] for op in guarded)


def test_every_error_is_documented_in_the_shape_the_service_sends(spec: dict[str, Any]) -> None:
    shape = {"$ref": "#/components/schemas/ErrorOut"}
    for path, method, operation in operations(spec):
        for status in ERRORS:
            answer = operation["responses"][status]
            assert answer["content"]["application/json"]["schema"] == shape, (path, method, status)
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # FastAPI's own 422 shape, unused
    detail = spec["components"]["schemas"]["ErrorDetail"]["properties"]
    assert set(detail) == {"type", "message", "where", "fix"}


def test_downloads_say_they_are_csv(spec: dict[str, Any]) -> None:
    for path in ("/batches/{batch_id}/results", "/batches/{batch_id}/decisions"):
        assert spec["paths"][path]["get"]["responses"]["200"]["content"] == {"text/csv": {}}
