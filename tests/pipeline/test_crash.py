"""Kill the worker at several points; restart it; the batch still finishes, answered exactly once."""

from __future__ import annotations

import csv
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from taxmatch.db import clients, ledger
from taxmatch.db.clients import Role
from taxmatch.db.engine import connect
from taxmatch.db.schema import jobs as jobs_table
from taxmatch.lab import synth
from taxmatch.layout import Layout
from taxmatch.matching import reference
from taxmatch.pipeline import jobs
from taxmatch.settings import Settings
from tests.conftest import context_for, empty_database

pytestmark = pytest.mark.slow
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
# (state to wait for, then seconds more): before it claims the job, and at several depths into processing.
KILL_POINTS = (
    ("queued", 0.3),
    ("running", 0.0),
    ("running", 0.3),
    ("running", 0.6),
    ("running", 1.0),
    ("running", 1.5),
)


def worker(store: Path, url: str | None, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TAXMATCH_STORE": str(store)}
    env.pop("TAXMATCH_DATABASE_URL", None)
    if url:
        env["TAXMATCH_DATABASE_URL"] = url
    return subprocess.Popen(
        [sys.executable, "-m", "taxmatch", "worker", "--once", *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def status(store: Path, url: str | None, batch_id: str) -> str:
    engine = connect(store, url)
    with engine.connect() as conn:
        found = conn.execute(
            select(jobs_table.c.status).where(jobs_table.c.batch_id == batch_id)
        ).scalar_one()
    engine.dispose()
    return str(found)


KILLED_WHILE: list[str] = []


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str | None:
    """The database the worker and the test share: the store's SQLite file, or the session's PostgreSQL."""
    if request.param == "sqlite":
        return None
    found: str = request.getfixturevalue("pg_url")
    empty_database(found)
    return found


@pytest.mark.parametrize(("wait_for", "then"), KILL_POINTS)
def test_a_killed_worker_leaves_a_batch_that_finishes_exactly_once(
    tmp_path: Path, url: str | None, wait_for: str, then: float
) -> None:
    people = synth.write_master(tmp_path / "master.csv", 3000, seed=41)
    synth.write_requests(tmp_path / "requests.csv", tmp_path / "truth.csv", people, 8000, seed=42)
    synth.write_manifest(tmp_path / "manifest.json", tmp_path / "requests.csv")
    store = tmp_path / "store"
    reference.load(tmp_path / "master.csv", Layout(store), NOW)
    ctx = context_for(store, NOW, url=url)
    requester, _ = clients.issue(ctx.engine, "DHS/ICE", Role.REQUESTER, NOW)
    batch_id, _ = jobs.submit(
        ctx,
        Settings(store=store, database_url=url),
        requester,
        (tmp_path / "manifest.json").read_bytes(),
        (tmp_path / "requests.csv").read_bytes(),
        "requests.csv",
    )
    ctx.engine.dispose()

    first = worker(store, url)
    deadline = time.monotonic() + 60
    while wait_for == "running" and status(store, url, batch_id) == "queued" and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(then)
    first.send_signal(signal.SIGKILL)
    first.wait()
    KILLED_WHILE.append(status(store, url, batch_id))
    if KILLED_WHILE[-1] != "processed":
        second = worker(store, url, "--stale-after", "0")
        assert second.wait(timeout=300) == 0
    assert status(store, url, batch_id) == "processed"

    with (Layout(store).results(batch_id) / "results.csv").open(encoding="utf-8", newline="") as handle:
        results = list(csv.DictReader(handle))
    with (tmp_path / "requests.csv").open(encoding="utf-8", newline="") as handle:
        asked = [r["request_id"] for r in csv.DictReader(handle)]
    assert [r["request_id"] for r in results] == asked
    ctx = context_for(store, NOW, url=url)
    engine = ctx.engine
    verified = sum(r["outcome"] == "VERIFIED" for r in results)
    assert verified > 0 and ledger.count(engine) == 0  # nothing is accounted before release
    officer, _ = clients.issue(engine, "IRS", Role.DISCLOSURE_OFFICER, NOW)
    jobs.approve(ctx, batch_id, officer)
    with (Layout(store).results(batch_id) / "results.csv").open(encoding="utf-8", newline="") as handle:
        released = list(csv.DictReader(handle))
    assert [r["request_id"] for r in released] == asked
    assert ledger.verify(engine).count == verified == ledger.count(engine)
    given = [r["disclosure_id"] for r in released if r["disclosure_id"]]
    assert len(set(given)) == len(given) == verified
    assert all(bool(r["disclosure_id"]) == (r["outcome"] == "VERIFIED") for r in released)
    engine.dispose()


def test_the_kills_fell_while_the_batch_was_being_processed() -> None:
    """Runs after the kills (file order): at least one must have hit a running job, or they proved little."""
    assert len(KILLED_WHILE) % len(KILL_POINTS) == 0 and KILLED_WHILE
    assert KILLED_WHILE.count("running") >= len(KILLED_WHILE) // 2, KILLED_WHILE
