"""A master loaded once for the pipeline's own tests; each test gets a fresh store holding a copy of it."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from taxmatch.db import clients
from taxmatch.db.clients import Client, Role
from taxmatch.lab import synth
from taxmatch.layout import Layout
from taxmatch.matching import reference
from taxmatch.pipeline import batch, jobs
from taxmatch.pipeline.context import Context
from taxmatch.pipeline.results import BatchReport
from taxmatch.settings import Settings
from tests.conftest import context_for, covered, empty_database

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Loaded:
    root: Path  # holds reference/ as a master load left it
    rows: list[dict[str, str]]  # a synthetic batch of requests about that master
    manifest: dict[str, str]


@dataclass(frozen=True)
class Store:
    ctx: Context
    rows: list[dict[str, str]]
    manifest: dict[str, str]
    requester: Client
    officer: Client
    reviewer: Client

    def upload(self, rows: list[dict[str, str]] | None = None) -> tuple[bytes, bytes]:
        """(manifest, request file) covering these rows (all of the batch's by default)."""
        return covered(rows or self.rows, self.manifest)

    def submitted(self, rows: list[dict[str, str]] | None = None) -> str:
        """These rows (all by default) submitted to the service as a batch by the requester: its id."""
        manifest, body = self.upload(rows)
        settings = Settings(store=self.ctx.layout.root)
        return jobs.submit(self.ctx, settings, self.requester, manifest, body, "r.csv")[0]

    def answered(
        self, rows: list[dict[str, str]], name: str, released: bool = True
    ) -> tuple[BatchReport, Path]:
        """These rows answered from files under STORE/`name`, as `taxmatch process` does (released: the
        answers leave now and are accounted): the report, with its answers, and the answer folder."""
        manifest, body = self.upload(rows)
        folder = self.ctx.layout.root / name
        folder.mkdir(parents=True)
        (folder / "requests.csv").write_bytes(body)
        (folder / "manifest.json").write_bytes(manifest)
        submission = batch.read_batch(folder / "requests.csv", folder / "manifest.json", self.ctx.agreement)
        report = batch.process(self.ctx, submission, folder / "out", released=released, keep_answers=True)
        return report, folder / "out"

    def processed(self, rows: list[dict[str, str]] | None = None) -> str:
        """These rows submitted, and processed by a worker (not yet released): the batch's id."""
        batch_id = self.submitted(rows)
        jobs.run(self.ctx, jobs.claim(self.ctx, "w1") or "")
        return batch_id


@pytest.fixture(scope="session")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    root = tmp_path_factory.mktemp("pipeline-master")
    people = synth.write_master(root / "master.csv", 1500, seed=51)
    synth.write_requests(root / "requests.csv", root / "truth.csv", people, 150, seed=52)
    synth.write_manifest(root / "manifest.json", root / "requests.csv")
    reference.load(root / "master.csv", Layout(root / "store"), NOW)
    with (root / "requests.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return Loaded(root / "store", rows, json.loads((root / "manifest.json").read_text()))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(loaded: Loaded, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A store of its own with the master loaded and a client for each role, the clock at NOW; on SQLite,
    and on the session's PostgreSQL database (emptied first)."""
    root = tmp_path / "store"
    shutil.copytree(loaded.root / "reference", root / "reference")
    url = f"sqlite:///{root / 'taxmatch.db'}"
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        empty_database(url)
    ctx = context_for(root, NOW, url=url)
    made = {
        role: clients.issue(ctx.engine, "DHS/ICE" if role is Role.REQUESTER else "IRS", role, NOW)[0]
        for role in (Role.REQUESTER, Role.DISCLOSURE_OFFICER, Role.REVIEWER)
    }
    yield Store(
        ctx,
        loaded.rows,
        loaded.manifest,
        made[Role.REQUESTER],
        made[Role.DISCLOSURE_OFFICER],
        made[Role.REVIEWER],
    )
    ctx.engine.dispose()
