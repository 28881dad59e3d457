"""Release: every VERIFIED row accounted exactly once, the files completed, rule 4 checked at that moment."""

from __future__ import annotations

import csv

import pytest

from taxmatch.db import decisions, ledger
from taxmatch.errors import Conflict
from taxmatch.pipeline import jobs, release
from taxmatch.pipeline.context import Context
from taxmatch.settings import Settings
from tests.pipeline.conftest import Store

pytestmark = pytest.mark.slow


def processed(store: Store) -> str:
    manifest, body = store.upload()
    batch_id, _ = jobs.submit(
        store.ctx, Settings(store=store.ctx.layout.root), store.requester, manifest, body, "r.csv"
    )
    jobs.run(store.ctx, jobs.claim(store.ctx, "w1") or "")
    return batch_id


def results(store: Store, batch_id: str) -> list[dict[str, str]]:
    with (store.ctx.layout.results(batch_id) / "results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_release_accounts_each_verified_row_once_and_completes_the_files(store: Store) -> None:
    batch_id = processed(store)
    verified, _ = decisions.to_disclose(store.ctx.engine, batch_id)
    ids = release.account(store.ctx, batch_id, store.ctx.now())
    assert set(ids) == {rid for rid, _ in verified} and len(set(ids.values())) == len(ids)
    assert ledger.verify(store.ctx.engine) == len(ids)
    given = {r["request_id"]: r["disclosure_id"] for r in results(store, batch_id) if r["disclosure_id"]}
    assert given == ids
    again = release.account(
        store.ctx, batch_id, store.ctx.now()
    )  # a release interrupted is simply done again
    assert again == ids and ledger.count(store.ctx.engine) == len(ids)


def test_nothing_is_released_under_a_lapsed_agreement(store: Store) -> None:
    batch_id = processed(store)
    lapsed = store.ctx.agreement.model_copy(update={"in_force_to": store.ctx.agreement.in_force_from})
    ctx = Context(store.ctx.engine, store.ctx.layout, lapsed, store.ctx.clock)
    with pytest.raises(Conflict, match="not in force"):
        release.account(ctx, batch_id, ctx.now())
    assert ledger.count(store.ctx.engine) == 0
    assert not any(r["disclosure_id"] for r in results(store, batch_id))
