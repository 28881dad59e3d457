"""Interactive calls: answered from memory through the same gate, rule and ledger as a batch."""

from __future__ import annotations

import gc
import json

import pytest

from taxmatch.db import ledger
from taxmatch.db.clients import Client, Role
from taxmatch.errors import AccessDenied, InputError, ManifestError
from taxmatch.pipeline import batch, calls, intake, manifests
from taxmatch.pipeline.results import result_row
from taxmatch.standardise import addresses, census, names, usps_words
from tests.pipeline.conftest import Store

pytestmark = pytest.mark.slow


@pytest.fixture
def verifier(store: Store) -> calls.Verifier:
    return calls.Verifier(store.ctx.layout)


def unsigned(store: Store) -> dict[str, str]:
    return {k: v for k, v in store.manifest.items() if k != "request_file_sha256"}


def test_a_call_answers_its_rows_in_order_as_the_batch_path_does(
    store: Store, verifier: calls.Verifier
) -> None:
    rows = store.rows[:25]
    done = verifier.answer(store.ctx, store.requester, unsigned(store), rows)
    assert [r["request_id"] for r in done.results] == [r["request_id"] for r in rows]
    manifest, body = store.upload(rows)
    signed = manifests.checked(json.loads(manifest), "manifest")
    whole = batch.check(signed, intake.requests_of(rows, body, "requests"), store.ctx.agreement, "manifest")
    report = batch.process(
        store.ctx, whole, store.ctx.layout.root / "batch-out", released=False, keep_answers=True
    )
    assert [(r["outcome"], r["reason_codes"]) for r in done.results] == [
        (r["outcome"], r["reason_codes"]) for r in map(result_row, report.answers)
    ]


def test_the_first_call_finds_the_heap_settled_with_everything_a_call_reads(
    store: Store, verifier: calls.Verifier
) -> None:
    """Issue 13: the tables standardising reads (ZIP cities above all) are loaded with the index, before
    the heap is exempted from collection. Loaded by the first call instead, they left 262,097 objects
    for every later full collection to rescan: a 140-190 ms stall about one call in fifty."""
    loaders = (addresses.zip_cities, usps_words.typo_table, names.hypocorisms, names.namer)
    for loaded in (*loaders, census.table, census.surname_origin, census.surnames):
        loaded.cache_clear()  # as in a service just started
    verifier.master()
    try:
        verifier.answer(store.ctx, store.requester, unsigned(store), store.rows[:25])
        gc.collect()
        assert len(gc.get_objects()) < 20_000  # 2,691 on the 2M store; 262,097 before
    finally:
        gc.unfreeze()


def test_a_call_is_accounted_at_once_and_the_same_call_twice_is_one_call(
    store: Store, verifier: calls.Verifier
) -> None:
    rows = store.rows[25:50]
    first = verifier.answer(store.ctx, store.requester, unsigned(store), rows)
    verified = [r for r in first.results if r["outcome"] == "VERIFIED"]
    assert verified and all(r["disclosure_id"] and r["disclosed_zip"] for r in verified)
    assert ledger.verify(store.ctx.engine).count == len(verified)
    again = verifier.answer(store.ctx, store.requester, unsigned(store), rows)
    assert again == first and ledger.count(store.ctx.engine) == len(verified)
    record = store.ctx.layout.call(first.call_id)
    assert sorted(p.name for p in record.iterdir()) == ["manifest.json", "out", "requests.csv"]


@pytest.mark.parametrize("problem", ["too many", "other agency", "signer", "nul", "repeated id"])
def test_a_call_that_cannot_be_answered_stores_nothing(
    store: Store, verifier: calls.Verifier, problem: str
) -> None:
    rows, manifest, who, error = store.rows[:2], unsigned(store), store.requester, InputError
    if problem == "too many":
        rows = store.rows[:26]
    elif problem == "other agency":
        who, error = Client("c_other", "DOJ/FBI", Role.REQUESTER), AccessDenied
    elif problem == "signer":
        manifest, error = {**manifest, "signer_title": "Intern"}, ManifestError
    elif problem == "nul":
        rows = [{**rows[0], "last_name": "Garcia\x00"}]
    else:
        rows = [rows[0], rows[0]]
    with pytest.raises(error):
        verifier.answer(store.ctx, who, manifest, rows)
    assert not store.ctx.layout.calls.exists() or list(store.ctx.layout.calls.iterdir()) == []
    assert ledger.count(store.ctx.engine) == 0
