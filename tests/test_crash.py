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

from taxmatch import agreement, clients, jobs, ledger, reference, synth
from taxmatch.clients import Role
from taxmatch.settings import Settings
from taxmatch.store import connect
from taxmatch.store import jobs as jobs_table

pytestmark = pytest.mark.slow
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
KILL_AFTER_SECONDS = (0.5, 1.5, 2.5, 4.0, 6.0)


def worker(store: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TAXMATCH_STORE": str(store)}
    env.pop("TAXMATCH_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "taxmatch", "worker", "--once", *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def status(store: Path, batch_id: str) -> str:
    engine = connect(store)
    with engine.connect() as conn:
        found = conn.execute(
            select(jobs_table.c.status).where(jobs_table.c.batch_id == batch_id)
        ).scalar_one()
    engine.dispose()
    return str(found)


KILLED_WHILE: list[str] = []


@pytest.mark.parametrize("kill_after", KILL_AFTER_SECONDS)
def test_a_killed_worker_leaves_a_batch_that_finishes_exactly_once(tmp_path: Path, kill_after: float) -> None:
    people = synth.write_master(tmp_path / "master.csv", 3000, seed=41)
    synth.write_requests(tmp_path / "requests.csv", tmp_path / "truth.csv", people, 2000, seed=42)
    synth.write_manifest(tmp_path / "manifest.json", tmp_path / "requests.csv")
    store = tmp_path / "store"
    reference.load(tmp_path / "master.csv", store, NOW.date())
    engine = connect(store)
    requester, _ = clients.issue(engine, "DHS/ICE", Role.REQUESTER, NOW)
    batch_id, _ = jobs.submit(
        engine,
        Settings(store=store),
        agreement.load(),
        requester,
        (tmp_path / "manifest.json").read_bytes(),
        (tmp_path / "requests.csv").read_bytes(),
        "requests.csv",
        NOW,
    )
    engine.dispose()

    first = worker(store)
    time.sleep(kill_after)
    first.send_signal(signal.SIGKILL)
    first.wait()
    KILLED_WHILE.append(status(store, batch_id))
    if KILLED_WHILE[-1] != "processed":
        second = worker(store, "--stale-after", "0")
        assert second.wait(timeout=300) == 0
    assert status(store, batch_id) == "processed"

    with jobs.results_file(store, batch_id).open(encoding="utf-8", newline="") as handle:
        results = list(csv.DictReader(handle))
    with (tmp_path / "requests.csv").open(encoding="utf-8", newline="") as handle:
        asked = [r["request_id"] for r in csv.DictReader(handle)]
    assert [r["request_id"] for r in results] == asked
    engine = connect(store)
    verified = sum(r["outcome"] == "VERIFIED" for r in results)
    assert ledger.verify(engine) == verified == ledger.count(engine)
    assert {r["disclosure_id"] for r in results if r["disclosure_id"]} == {
        d for d in (r["disclosure_id"] for r in results) if d
    }
    assert len({r["disclosure_id"] for r in results if r["disclosure_id"]}) == verified
    engine.dispose()


def test_the_kills_fell_while_the_batch_was_being_processed() -> None:
    """Runs after the kills (file order): at least one must have hit a running job, or they proved little."""
    assert len(KILLED_WHILE) == len(KILL_AFTER_SECONDS)
    assert "running" in KILLED_WHILE, KILLED_WHILE
