"""Release: every VERIFIED row accounted exactly once, the files completed, rule 4 checked at that moment."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from taxmatch.db import decisions, ledger
from taxmatch.errors import Conflict
from taxmatch.lab import synth
from taxmatch.pipeline import jobs, release, review
from taxmatch.pipeline.context import Context
from taxmatch.reasons import Outcome, Reason, for_requester, join
from taxmatch.rules.verdict import Verdict
from taxmatch.settings import Settings
from tests.pipeline.conftest import Loaded, Store

pytestmark = pytest.mark.slow


def results(store: Store, batch_id: str) -> list[dict[str, str]]:
    with (store.ctx.layout.results(batch_id) / "results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_release_accounts_each_verified_row_once_and_completes_the_files(store: Store) -> None:
    batch_id = store.processed()
    verified, _ = decisions.to_disclose(store.ctx.engine, batch_id)
    ids = release.account(store.ctx, batch_id, store.ctx.now())
    assert set(ids) == {rid for rid, _ in verified} and len(set(ids.values())) == len(ids)
    assert ledger.verify(store.ctx.engine).count == len(ids)
    given = {r["request_id"]: r["disclosure_id"] for r in results(store, batch_id) if r["disclosure_id"]}
    assert given == ids
    again = release.account(
        store.ctx, batch_id, store.ctx.now()
    )  # a release interrupted is simply done again
    assert again == ids and ledger.count(store.ctx.engine) == len(ids)


def test_nothing_is_released_under_a_lapsed_agreement(store: Store) -> None:
    batch_id = store.processed()
    lapsed = store.ctx.agreement.model_copy(update={"in_force_to": store.ctx.agreement.in_force_from})
    ctx = Context(store.ctx.engine, store.ctx.layout, lapsed, store.ctx.clock)
    with pytest.raises(Conflict, match="not in force"):
        release.account(ctx, batch_id, ctx.now())
    assert ledger.count(store.ctx.engine) == 0
    assert not any(r["disclosure_id"] for r in results(store, batch_id))


def test_request_ids_like_formulas_are_released_whole_row_by_row(
    store: Store, loaded: Loaded, tmp_path: Path
) -> None:
    """Issue 10's first finding: ids beginning =, +, - or @ lost their disclosure ids and verdicts at release,
    because release looked them up in the escaped CSV. Every row must come out as the store and ledger say."""
    prefixes = ("=", "+", "-", "@")
    people, _ = synth.read_people(loaded.root.parent / "master.csv")
    synth.write_requests(tmp_path / "r.csv", tmp_path / "truth.csv", people, 800, seed=53)
    with (tmp_path / "r.csv").open(encoding="utf-8", newline="") as handle:
        asked = list(csv.DictReader(handle))
    rows = [{**r, "request_id": f"{prefixes[i % 4]}{r['request_id']}"} for i, r in enumerate(asked)]
    manifest, body = store.upload(rows)
    settings = Settings(store=store.ctx.layout.root)
    batch_id, _ = jobs.submit(store.ctx, settings, store.requester, manifest, body, "r.csv")
    jobs.run(store.ctx, jobs.claim(store.ctx, "w1") or "")
    held = [r["request_id"] for r in decisions.held(store.ctx.engine, batch_id, 1000)]
    confirmed = [rid for p in prefixes for rid in [h for h in held if h.startswith(p)][:2]]
    assert len({rid[0] for rid in confirmed}) >= 3  # confirmations under several prefixes
    for rid in confirmed:
        review.record(store.ctx, batch_id, rid, store.reviewer, Verdict.CONFIRM, "Checked the case file.")
    ids = release.account(store.ctx, batch_id, store.ctx.now())

    entries = {e["request_id"]: e for e in ledger.entries(store.ctx.engine, 0, 1000)}
    assert set(entries) == set(ids)
    out = results(store, batch_id)
    assert len(out) == len(rows)
    for asked, row in zip(rows, out, strict=True):
        rid = asked["request_id"]
        assert row["request_id"] == ("'" + rid if rid.startswith(prefixes) else rid)  # escaped on the way out
        stored = decisions.get(store.ctx.engine, batch_id, rid)
        assert stored is not None
        codes = tuple(Reason(c) for c in stored["reason_codes"].split(";") if c)
        shown, face = for_requester(Outcome(stored["outcome"]), codes)  # an internal code's public face
        assert (row["outcome"], row["reason_codes"]) == (shown.value, join(list(face)))
        if stored["outcome"] == "VERIFIED":
            assert (
                row["disclosure_id"] == ids[rid] == entries[rid]["disclosure_id"] == stored["disclosure_id"]
            )
            assert row["disclosed_zip"]
        else:
            assert row["disclosure_id"] == "" and row["disclosed_zip"] == "" and rid not in entries
    for rid in confirmed:
        assert ids[rid] and decisions.get(store.ctx.engine, batch_id, rid)["outcome"] == "VERIFIED"  # type: ignore[index]
    with (store.ctx.layout.results(batch_id) / "decisions.csv").open(encoding="utf-8", newline="") as handle:
        decided = list(csv.DictReader(handle))
    assert [d["disclosure_id"] for d in decided] == [r["disclosure_id"] for r in out]
    assert all(d["matched_tin"] for d in decided if d["outcome"] == "VERIFIED")
