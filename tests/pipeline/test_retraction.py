"""Issue 9: retraction. Courts ordered disclosed data not used: the log says which, and the recipient is told.

Each selector, as a dry run (nothing written) and for real: one retraction
entry per disclosure it reaches, appended to the same log (nothing deleted),
a checkpoint that covers them and extends every earlier one, and a notice
that lists exactly those disclosures. Retracting twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from taxmatch import audit, checkpoint
from taxmatch.db import checkpoints, clients, ledger, retractions
from taxmatch.db.clients import Role
from taxmatch.errors import AccessDenied, Conflict, InputError
from taxmatch.interchange import RETRACTION_NOTICE_COLUMNS
from taxmatch.pipeline import retraction, transparency
from tests.pipeline.conftest import NOW, Store

WHY = "Order of the district court, 2026-11-20, case 25-cv-1"


def disclosed(store: Store) -> list[dict[str, Any]]:
    """The batch's rows answered and released (as `taxmatch process` does): its disclosure entries."""
    store.answered(store.rows, "first")
    return ledger.entries(store.ctx.engine, 0, 10_000)


def selectors(entries: list[dict[str, Any]], tmp: Path) -> dict[str, tuple[retraction.Selection, set[str]]]:
    """Each selector with the disclosures it must reach, worked out from the entries themselves."""
    some = entries[len(entries) // 2]
    ids = tmp / "ids.txt"
    ids.write_text("disclosure_id\n" + "\n".join(str(e["disclosure_id"]) for e in entries[:5]) + "\n")

    def reached(key: str, value: object) -> set[str]:
        return {str(e["disclosure_id"]) for e in entries if e[key] == value}

    day = NOW.date()
    return {
        "batch": (retraction.selection(batch=str(some["batch_id"])), reached("batch_id", some["batch_id"])),
        "official": (
            retraction.selection(official=str(some["official_name"])),
            reached("official_name", some["official_name"]),
        ),
        "case": (
            retraction.selection(case=str(some["case_number"])),
            reached("case_number", some["case_number"]),
        ),
        "reason": (
            retraction.selection(reason="MATCH_NAME_ADDRESS"),
            {str(e["disclosure_id"]) for e in entries},
        ),
        "disclosed on a day": (
            retraction.selection(disclosed_from=day, disclosed_to=day),
            {str(e["disclosure_id"]) for e in entries},
        ),
        "ids": (
            retraction.selection(ids=retraction.read_ids(ids)),
            {str(e["disclosure_id"]) for e in entries[:5]},
        ),
    }


@pytest.mark.parametrize("how", ["batch", "official", "case", "reason", "disclosed on a day", "ids"])
def test_each_selector_retracts_what_it_reaches_once_with_a_notice_and_a_checkpoint(
    store: Store, tmp_path: Path, how: str
) -> None:
    entries = disclosed(store)
    chosen, expected = selectors(entries, tmp_path)[how]
    assert 0 < len(expected) <= len(entries)
    kept = transparency.make(store.ctx)  # what an overseer held before the retraction

    found = retraction.impact(store.ctx, chosen)  # the dry run writes nothing
    assert found.disclosures == len(expected) and found.already_retracted == 0
    assert sum(found.by_batch.values()) == sum(found.by_official.values()) == len(expected)
    assert found.by_official == Counter(
        str(e["official_name"]) for e in entries if e["disclosure_id"] in expected
    )
    assert ledger.count(store.ctx.engine) == len(entries) and not retractions.listing(store.ctx.engine)

    done = retraction.retract(store.ctx, chosen, WHY, "officer")
    assert done is not None and done.entries == len(expected) and done.already_retracted == 0
    assert {r["disclosure_id"] for r in done.notice} == expected
    by_id = {e["disclosure_id"]: e for e in entries}
    for row in done.notice:
        original = by_id[row["disclosure_id"]]
        assert (row["request_id"], row["batch_id"]) == (original["request_id"], original["batch_id"])
        assert row["disclosed_at"] == original["disclosed_at"] and row["why"] == WHY
    added = ledger.entries(store.ctx.engine, len(entries), 10_000)
    assert [e["kind"] for e in added] == [audit.RETRACTION] * len(expected)
    assert {e["retracts"] for e in added} == expected and {e["batch_id"] for e in added} == {
        done.retraction_id
    }
    # Nothing deleted; the new head is signed, covers the retraction and extends the head kept before.
    assert ledger.count(store.ctx.engine) == len(entries) + len(expected)
    assert checkpoints.latest(store.ctx.engine)["size"] == len(entries) + len(expected)  # type: ignore[index]
    assert transparency.verify(store.ctx, [("kept", kept)]).entries == len(entries) + len(expected)

    assert retraction.retract(store.ctx, chosen, WHY, "officer") is None  # twice: idempotent
    assert retraction.impact(store.ctx, chosen).already_retracted == len(expected)
    assert ledger.count(store.ctx.engine) == len(entries) + len(expected)
    assert len(retractions.listing(store.ctx.engine)) == 1


def test_a_retracted_disclosure_is_marked_in_its_proof_and_the_notice_file_is_the_contract(
    store: Store, tmp_path: Path
) -> None:
    entries = disclosed(store)
    target = str(entries[2]["disclosure_id"])
    assert transparency.prove(store.ctx, target)["retracted"] is None
    done = retraction.retract(store.ctx, retraction.selection(ids=[target]), WHY, "officer")
    assert done is not None
    proof = transparency.prove(store.ctx, target)
    assert proof["retracted"] == {
        "retraction_id": done.retraction_id,
        "entry": str(ledger.entries(store.ctx.engine, len(entries), 1)[0]["disclosure_id"]),
        "retracted_at": NOW.isoformat(),
        "why": WHY,
    }
    retraction.write_notice(done.notice, tmp_path / "notice.csv")
    lines = (tmp_path / "notice.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(RETRACTION_NOTICE_COLUMNS) and len(lines) == 2 and lines[1].startswith(target)


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({}, "exactly one selector, not 0"),
        ({"batch": "B", "official": "O"}, "exactly one selector, not 2"),
        ({"disclosed_from": dt.date(2026, 1, 2)}, "needs --disclosed-from and --disclosed-to"),
        ({"disclosed_from": dt.date(2026, 1, 2), "disclosed_to": dt.date(2026, 1, 1)}, "not after"),
        ({"reason": "NOT_A_CODE"}, "not a reason code"),
    ],
)
def test_a_selection_is_exactly_one_selector(given: dict[str, Any], says: str) -> None:
    with pytest.raises(InputError, match=says):
        retraction.selection(**given)


def test_an_ids_file_names_the_line_of_a_bad_id(tmp_path: Path) -> None:
    (tmp_path / "ids.txt").write_text("TXM-0000000001\n\nTXM-12\n")
    with pytest.raises(InputError, match="'TXM-12' is not a disclosure id") as info:
        retraction.read_ids(tmp_path / "ids.txt")
    assert info.value.where is not None and info.value.where.line == 3


def test_a_retraction_needs_a_reason(store: Store) -> None:
    disclosed(store)
    with pytest.raises(InputError, match="at least 10 characters"):
        retraction.retract(store.ctx, retraction.selection(reason="MATCH_NAME_ADDRESS"), " short ", "officer")


def test_in_the_service_one_officer_asks_and_another_carries_it_out(store: Store) -> None:
    entries = disclosed(store)
    chosen = retraction.selection(batch=str(entries[0]["batch_id"]))
    asked = retraction.propose(store.ctx, chosen, WHY, store.officer.client_id)
    assert ledger.count(store.ctx.engine) == len(entries)  # asked is not done
    with pytest.raises(AccessDenied, match="may not also carry it out"):
        retraction.approve(store.ctx, asked, store.officer)
    second, _ = clients.issue(store.ctx.engine, "IRS", Role.DISCLOSURE_OFFICER, NOW)
    done = retraction.approve(store.ctx, asked, second)
    assert done.entries == len(entries)
    assert retractions.get(store.ctx.engine, asked)["approved_by"] == second.client_id  # type: ignore[index]
    with pytest.raises(Conflict, match="carried out already"):
        retraction.approve(store.ctx, asked, second)
    origin, key = checkpoint.read_verifier_key(transparency.signer(store.ctx.layout).verifier_key)
    assert checkpoint.verify(transparency.make(store.ctx), origin, key).size == 2 * len(entries)
