"""Retention: what was received and answered goes when the agreement says; the accounting stays, verifying."""

from __future__ import annotations

import datetime as dt

import pytest

from taxmatch.db import decisions, ledger, purges
from taxmatch.pipeline import calls, jobs, retention
from taxmatch.pipeline.context import Context
from tests.pipeline.conftest import Store

pytestmark = pytest.mark.slow


def later(store: Store, days: int) -> Context:
    moment = store.ctx.now() + dt.timedelta(days=days)
    return Context(store.ctx.engine, store.ctx.layout, store.ctx.agreement, lambda: moment, store.ctx.budget)


def test_a_purge_keeps_the_accounting_and_deletes_the_rest(store: Store) -> None:
    released = store.processed(store.rows[:80])
    jobs.approve(store.ctx, released, store.officer)
    waiting = store.processed(store.rows[80:])
    manifest = {k: v for k, v in store.manifest.items() if k != "request_file_sha256"}
    call = (
        calls.Verifier(store.ctx.layout).answer(store.ctx, store.requester, manifest, store.rows[:3]).call_id
    )
    disclosed = ledger.verify(store.ctx.engine).count
    layout = store.ctx.layout
    assert disclosed > 0 and layout.upload(released).exists() and layout.call(call).exists()

    soon = retention.purge(later(store, 10), "test")
    assert soon.counts == {"uploads": 0, "results": 0, "calls": 0, "decision_details": 0}

    dry = retention.purge(later(store, 400), "test", dry_run=True)
    assert dry.counts == {"uploads": 1, "results": 1, "calls": 1, "decision_details": 80 + 70 + 3}
    assert (
        layout.upload(released).exists() and len(purges.listing(store.ctx.engine)) == 1
    )  # only the first run

    done = retention.purge(later(store, 400), "an operator")
    assert done.counts == dry.counts
    assert not layout.upload(released).exists() and not layout.results(released).exists()
    assert not layout.call(call).exists()
    assert layout.upload(waiting).exists()  # not released: still needed to release it
    recorded = purges.listing(store.ctx.engine)[-1]
    assert (recorded["by"], recorded["uploads"], recorded["decision_details"]) == ("an operator", 1, 153)

    assert ledger.verify(store.ctx.engine).count == disclosed  # the log unchanged and verifying
    asked = next(r for r in store.rows if r["official_name"] and r["case_number"])
    kept = decisions.find(store.ctx.engine, released, asked["request_id"])
    assert kept["outcome"] and kept["reason_codes"] and kept["official"] and kept["case_number"]
    assert kept["asked"]["last_name"] == asked["last_name"] and kept["asked"]["statute"] == asked["statute"]
    assert kept["explanation"] is None and kept["match_probability"] is None  # how it was reached: gone
    since = store.ctx.now() - dt.timedelta(days=1)
    assert decisions.caseloads(store.ctx.engine, [kept["official"]], since)[kept["official"]]
    jobs.approve(store.ctx, waiting, store.officer)  # the unreleased batch still releases
    now_released = retention.purge(later(store, 400), "again").counts  # and is then past retention itself
    assert now_released == {"uploads": 1, "results": 1, "calls": 0, "decision_details": 0}
    assert set(retention.purge(later(store, 400), "again").counts.values()) == {0}  # purging is idempotent
