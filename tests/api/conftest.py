"""What every API test stands on: a loaded master, one client per role, and helpers to use them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine

from taxmatch import agreement
from taxmatch.api import create_app
from taxmatch.db import clients
from taxmatch.db.clients import Role
from taxmatch.db.engine import connect
from taxmatch.lab import synth
from taxmatch.layout import Layout
from taxmatch.matching import reference
from taxmatch.pipeline.context import Context
from taxmatch.settings import Settings
from tests.conftest import context_for, covered, empty_database, work_off

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

    def ctx(self, terms: agreement.Agreement | None = None) -> Context:
        """The store as the pipeline sees it, its clock at NOW (dispose of its engine when done)."""
        return context_for(self.store, NOW, terms, self.url)


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
    reference.load(root / "master.csv", Layout(root / "store"), NOW)
    engine = connect(root / "store", url)
    tokens, ids = {}, {}
    for role in Role:
        who, tokens[role.value] = clients.issue(
            engine, "DHS/ICE" if role is Role.REQUESTER else "IRS", role, NOW
        )
        ids[role.value] = who.client_id
    other, tokens["other_agency"] = clients.issue(engine, "DOJ/FBI", Role.REQUESTER, NOW)
    ids["other_agency"] = other.client_id
    second, tokens["second_officer"] = clients.issue(engine, "IRS", Role.DISCLOSURE_OFFICER, NOW)
    ids["second_officer"] = second.client_id
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
    app.state.context.engine.dispose()


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
    ctx = world.ctx()
    work_off(ctx)
    ctx.engine.dispose()
    return str(body["batch_id"])


def fresh_batch(api: TestClient, world: World, rows: list[dict[str, str]], process: bool = True) -> str:
    """Submit (and unless told otherwise, process) a batch of these rows under a manifest covering them."""
    files = variant(world, rows)
    response = api.post("/batches", files=files, headers=auth(world, "requester"))
    assert response.status_code == 202, response.text
    if not process:
        return str(response.json()["batch_id"])
    ctx = world.ctx()
    work_off(ctx)
    ctx.engine.dispose()
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


def variant(world: World, rows: list[dict[str, str]]) -> dict[str, tuple[str, bytes, str]]:
    """A multipart upload of these rows under a manifest that covers them."""
    manifest, body = covered(rows, json.loads(world.manifest))
    return {
        "manifest": ("manifest.json", manifest, "application/json"),
        "requests": ("requests.csv", body, "text/csv"),
    }
