"""The job life cycle: submit, claim, run, approve; every state in the store, every step idempotent."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from sqlalchemy import update

from taxmatch.db import clients, decisions, ledger, queue
from taxmatch.db.clients import Client, Role
from taxmatch.db.queue import JobStatus
from taxmatch.db.schema import jobs as jobs_table
from taxmatch.errors import AccessDenied, Conflict, ManifestError, NotFound, TooLarge
from taxmatch.pipeline import jobs, review
from taxmatch.pipeline.context import Context
from taxmatch.rules.verdict import Verdict
from taxmatch.settings import Settings
from tests.pipeline.conftest import Store

pytestmark = pytest.mark.slow


def settings(store: Store, **changes: int) -> Settings:
    return Settings(store=store.ctx.layout.root, **changes)


def test_a_submission_is_stored_queued_once(store: Store) -> None:
    batch_id = store.submitted()
    manifest, body = store.upload()
    assert jobs.submit(store.ctx, settings(store), store.requester, manifest, body, "r.csv") == (
        batch_id,
        False,
    )
    assert (store.ctx.layout.upload(batch_id) / "requests.csv").read_bytes() == body
    assert jobs.get(store.ctx, batch_id, store.requester)["status"] == JobStatus.QUEUED
    assert [j["batch_id"] for j in jobs.listing(store.ctx, store.requester)] == [batch_id]


@pytest.mark.parametrize("refusal", ["other agency", "too many rows", "digest"])
def test_a_refused_submission_stores_nothing(store: Store, refusal: str) -> None:
    manifest, body = store.upload()
    who, limits, error = store.requester, settings(store), AccessDenied
    if refusal == "other agency":
        who = Client("c_other", "DOJ/FBI", Role.REQUESTER)
    elif refusal == "too many rows":
        limits, error = settings(store, max_rows_per_batch=10), TooLarge
    else:
        body, error = body.replace(b"R0000001", b"R9999999", 1), ManifestError
    with pytest.raises(error):
        jobs.submit(store.ctx, limits, who, manifest, body, "r.csv")
    assert list(store.ctx.layout.uploads.iterdir()) == []
    assert queue.listing(store.ctx.engine) == []


def test_claim_run_and_nothing_left(store: Store) -> None:
    batch_id = store.submitted()
    assert jobs.claim(store.ctx, "w1") == batch_id
    assert jobs.claim(store.ctx, "w2") is None  # running and beating: not claimable
    assert jobs.run(store.ctx, batch_id) is JobStatus.PROCESSED
    job = jobs.get(store.ctx, batch_id, store.officer)
    assert (job["status"], job["stage"], job["error"]) == (JobStatus.PROCESSED, None, None)
    assert (store.ctx.layout.results(batch_id) / "results.csv").exists()
    assert ledger.count(store.ctx.engine) == 0  # a service batch is accounted at release, not before


def test_a_job_whose_worker_stopped_beating_is_taken_over(store: Store) -> None:
    batch_id = store.submitted()
    assert jobs.claim(store.ctx, "w1") == batch_id
    old = store.ctx.now() - jobs.STALE_AFTER - dt.timedelta(seconds=1)
    with store.ctx.engine.begin() as conn:
        conn.execute(update(jobs_table).values(heartbeat_at=old))
    assert jobs.claim(store.ctx, "w2") == batch_id
    assert jobs.get(store.ctx, batch_id, store.officer)["worker"] == "w2"


def test_a_job_that_cannot_be_processed_fails_with_its_reason(store: Store) -> None:
    batch_id = store.submitted()
    (store.ctx.layout.upload(batch_id) / "requests.csv").write_text("request_id\nR1\n", encoding="utf-8")
    assert jobs.claim(store.ctx, "w1") == batch_id
    assert jobs.run(store.ctx, batch_id) is JobStatus.FAILED
    assert "missing column" in jobs.get(store.ctx, batch_id, store.officer)["error"]


def test_release_takes_a_second_person_and_a_processed_batch(store: Store) -> None:
    batch_id = store.submitted()
    with pytest.raises(Conflict, match="not processed"):
        jobs.approve(store.ctx, batch_id, store.officer)
    jobs.run(store.ctx, jobs.claim(store.ctx, "w1") or "")
    itself = Client(store.requester.client_id, "IRS", Role.DISCLOSURE_OFFICER)
    with pytest.raises(AccessDenied, match="may not approve"):
        jobs.approve(store.ctx, batch_id, itself)
    jobs.approve(store.ctx, batch_id, store.officer)
    job = jobs.get(store.ctx, batch_id, store.officer)
    assert (job["status"], job["approved_by"]) == (JobStatus.RELEASED, store.officer.client_id)
    assert ledger.count(store.ctx.engine) > 0
    with pytest.raises(Conflict):
        jobs.approve(store.ctx, batch_id, store.officer)


def test_a_requester_never_sees_another_agency_s_batch(store: Store) -> None:
    batch_id = store.submitted()
    with pytest.raises(NotFound):
        jobs.get(store.ctx, batch_id, Client("c_other", "DOJ/FBI", Role.REQUESTER))
    assert jobs.listing(store.ctx, Client("c_other", "DOJ/FBI", Role.REQUESTER)) == []


def test_an_officer_who_settled_a_held_row_may_not_also_release(store: Store) -> None:
    """Issue 10: one officer confirmed held rows and then approved the same batch; two people are needed."""
    batch_id = store.submitted()
    jobs.run(store.ctx, jobs.claim(store.ctx, "w1") or "")
    held = decisions.held(store.ctx.engine, batch_id, 10)[0]["request_id"]
    review.record(store.ctx, batch_id, held, store.officer, Verdict.CONFIRM, "Checked against the case file.")
    with pytest.raises(AccessDenied, match="settled held rows"):
        jobs.approve(store.ctx, batch_id, store.officer)
    assert (
        ledger.count(store.ctx.engine) == 0
        and jobs.get(store.ctx, batch_id, store.officer)["status"] == "processed"
    )
    second = clients.issue(store.ctx.engine, "IRS", Role.DISCLOSURE_OFFICER, store.ctx.now())[0]
    jobs.approve(store.ctx, batch_id, second)
    assert jobs.get(store.ctx, batch_id, second)["approved_by"] == second.client_id


def test_a_long_stage_keeps_beating_so_no_second_worker_takes_the_job(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10: the heartbeat moved only when a stage changed, so a stage longer than --stale-after let a
    second worker take over a job that was still running."""
    batch_id = store.submitted()
    ctx = Context(store.ctx.engine, store.ctx.layout, store.ctx.agreement)  # the real clock: beats are timed
    stale_after = dt.timedelta(seconds=0.6)
    taken: list[str | None] = []
    real = jobs.batch.process

    def slow(*args: Any, **kwargs: Any) -> Any:
        kwargs["step"]("a stage slower than --stale-after")
        for _ in range(4):
            time.sleep(0.4)
            taken.append(jobs.claim(ctx, "second worker", stale_after))
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs.batch, "process", slow)
    assert jobs.claim(ctx, "first worker", stale_after) == batch_id
    assert jobs.run(ctx, batch_id, beat_every=0.1) is JobStatus.PROCESSED
    assert taken == [None] * 4
    assert jobs.get(ctx, batch_id, store.officer)["worker"] == "first worker"


def test_a_batch_in_chunks_tells_the_requester_how_many_rows_are_answered(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: a long batch's status says how far it has got, not only which stage it is in."""
    batch_id = store.submitted()
    monkeypatch.setattr(jobs.batch, "CHUNK_ROWS", 7)
    shown: list[str] = []
    real = queue.beat

    def watched(engine: Any, job: str, stage: str, now: dt.datetime) -> None:
        real(engine, job, stage, now)
        shown.append(stage)

    monkeypatch.setattr(jobs.queue, "beat", watched)
    assert jobs.claim(store.ctx, "w1") == batch_id
    assert jobs.run(store.ctx, batch_id, beat_every=60) is JobStatus.PROCESSED
    total = len(store.rows)
    assert total > 14
    assert "matching lawful requests against the master file (7 of " + f"{total:,} rows answered)" in shown
    assert shown[-1] == f"writing the answer files in request order ({total:,} of {total:,} rows answered)"
