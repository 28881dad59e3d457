"""Issue 9: the ledger as a transparency log. Tried as an overseer would, with the database in hand.

Before, `ledger verify` passed a truncated ledger, an entry changed with every
later hash recomputed, a middle entry deleted and the rest renumbered, and a
forged entry appended with a valid hash. With a checkpoint kept from a release,
each of them now fails, naming where.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, delete, select, update

from taxmatch import audit, checkpoint, merkle, receipts
from taxmatch.db import checkpoints, ledger
from taxmatch.db.schema import checkpoints as checkpoints_table
from taxmatch.db.schema import ledger as ledger_table
from taxmatch.errors import InputError, LedgerError
from taxmatch.interchange import DISCLOSED_COLUMNS
from taxmatch.pipeline import ledger_export, transparency
from taxmatch.pipeline.results import BatchReport
from tests.pipeline.conftest import Store


def released(store: Store, rows: list[dict[str, str]], out: str) -> tuple[BatchReport, Path]:
    """These rows answered and released at once, as `taxmatch process` does: the report and its folder."""
    return store.answered(rows, out)


def test_a_released_batch_carries_a_signed_checkpoint_and_a_receipt_per_disclosure(store: Store) -> None:
    report, out = released(store, store.rows, "first")
    origin, key = checkpoint.read_verifier_key(transparency.signer(store.ctx.layout).verifier_key)
    head = checkpoint.verify((out / transparency.CHECKPOINT_FILE).read_text(), origin, key)
    receipts = [json.loads(line) for line in (out / transparency.RECEIPTS_FILE).read_text().splitlines()]
    assert head.size == len(receipts) == report.outcomes["VERIFIED"] > 0
    hashes = ledger.entry_hashes(store.ctx.engine)
    for receipt in receipts:
        leaf = bytes.fromhex(receipt["leaf_hash"])
        assert leaf == audit.leaf(hashes[receipt["leaf_index"]])
        proof = [bytes.fromhex(p) for p in receipt["inclusion_proof"]]
        merkle.verify_inclusion(leaf, receipt["leaf_index"], head.size, proof, head.root)
    with pytest.raises(merkle.ProofError):  # a receipt proves its own leaf, not another's
        merkle.verify_inclusion(leaf, (receipt["leaf_index"] + 1) % head.size, head.size, proof, head.root)
    assert oct(os.stat(store.ctx.layout.ledger_key).st_mode & 0o777) == "0o600"


def test_a_later_release_extends_the_log_and_a_proof_is_printed_for_any_disclosure(store: Store) -> None:
    _, first = released(store, store.rows[:60], "first")
    _, later = released(store, store.rows[60:], "later")
    kept = [(str(p), (p / transparency.CHECKPOINT_FILE).read_text()) for p in (first, later)]
    found = transparency.verify(store.ctx, kept)
    assert found.entries == ledger.count(store.ctx.engine) and found.checkpoints >= 4
    some = ledger.entries(store.ctx.engine, 0, 1)[0]
    proof = transparency.prove(store.ctx, str(some["disclosure_id"]))
    assert proof["tree_size"] == found.entries and proof["root_hash"] == found.root.hex()
    with pytest.raises(InputError, match="no disclosure"):
        transparency.prove(store.ctx, "TXM-9999999999")


def test_a_batch_s_receipts_hold_in_the_log_as_it_stands_whichever_checkpoints_lie_around_it(
    store: Store,
) -> None:
    """A batch's receipts are made from the log's frontier before its first entry (the newest checkpoint
    of no more entries, and the entries since) and the entries from there on, not from the whole log.
    A batch released again after two others, with checkpoints before and after its entries, gets
    receipts that verify against the log's head as it then stands (taxmatch.receipts, as a recipient)."""
    thirds = [store.rows[:50], store.rows[50:100], store.rows[100:]]
    for n, rows in enumerate(thirds):
        released(store, rows, f"batch-{n}")
    sizes = [c["size"] for c in checkpoints.every(store.ctx.engine)]
    _, again = released(store, thirds[1], "again")
    found = receipts.check(again, transparency.signer(store.ctx.layout).verifier_key)
    middle = [
        r
        for r in ledger.entries(store.ctx.engine, 0, 10_000)
        if r["request_id"] in {row["request_id"] for row in thirds[1]}
    ]
    assert found.receipts == len(middle) > 0 and found.tree_size == ledger.count(store.ctx.engine)
    first = min(int(str(r["seq"])) for r in middle) - 1
    assert any(0 < s <= first for s in sizes) and any(s > first for s in sizes)


def test_leaves_read_for_a_checkpoint_serve_only_the_places_they_hold() -> None:
    """Issue 13: the leaves read to sign a release's checkpoint serve its receipts (a log only grows),
    and only where they hold every leaf asked for."""
    leaves = [bytes([n]) * merkle.HASH_SIZE for n in range(5)]
    read = transparency.Leaves(10, leaves)
    assert read.between(10, 15) is leaves  # all of them: the list itself, for the receipts to empty
    assert read.between(12, 14) == leaves[2:4]
    assert read.between(9, 12) is None and read.between(12, 16) is None
    assert transparency.Leaves(10, []).between(10, 10) == []


def test_a_batch_s_receipts_are_the_same_from_leaves_already_read(store: Store, tmp_path: Path) -> None:
    """A released batch's receipts made from the leaves its checkpoint read are those made by reading
    the log again, byte for byte."""
    report, folder = released(store, store.rows, "out")
    size = ledger.count(store.ctx.engine)
    first = (ledger.first_of_batch(store.ctx.engine, report.batch_id, size) or 1) - 1
    made = []
    for n, read in enumerate(
        (None, transparency.Leaves(first, transparency._leaves(store.ctx, first, size)))
    ):
        transparency.write_receipts(store.ctx, report.batch_id, tmp_path / str(n), read)
        made.append((tmp_path / str(n) / transparency.RECEIPTS_FILE).read_bytes())
    assert made[0] == made[1] == (folder / transparency.RECEIPTS_FILE).read_bytes() != b""


def _rehash_from(conn: Connection, first: int) -> None:
    """What an operator hiding a change does: recompute every hash from `first` on, so the chain holds."""
    rows = [dict(r) for r in conn.execute(select(ledger_table).order_by(ledger_table.c.seq)).mappings()]
    prev = ledger.GENESIS
    for n, row in enumerate(rows, start=1):
        if n >= first:
            row["seq"], row["disclosure_id"], row["prev_hash"] = n, ledger.disclosure_id(n), prev
            row["entry_hash"] = ledger.entry_hash(row)
        prev = row["entry_hash"]
    conn.execute(delete(ledger_table))
    conn.execute(ledger_table.insert(), rows)


def _truncate_last(count: int) -> Callable[[Connection], None]:
    def act(conn: Connection) -> None:
        top = conn.execute(select(ledger_table.c.seq).order_by(ledger_table.c.seq.desc())).scalars().first()
        conn.execute(delete(ledger_table).where(ledger_table.c.seq > (top or 0) - count))

    return act


def _rewrite(conn: Connection) -> None:
    conn.execute(update(ledger_table).where(ledger_table.c.seq == 3).values(case_number="CHANGED"))
    _rehash_from(conn, 3)


def _delete_and_renumber(conn: Connection) -> None:
    """Entry 5 removed without trace: the rest renumbered and re-hashed, one forged at the end to keep
    the count."""
    conn.execute(delete(ledger_table).where(ledger_table.c.seq == 5))
    _rehash_from(conn, 5)
    _forge_append(conn)


def _forge_append(conn: Connection) -> None:
    head = conn.execute(select(ledger_table).order_by(ledger_table.c.seq.desc()).limit(1)).mappings().one()
    forged = {**dict(head), "seq": head["seq"] + 1, "request_id": "FORGED", "prev_hash": head["entry_hash"]}
    forged["disclosure_id"] = ledger.disclosure_id(forged["seq"])
    forged["entry_hash"] = ledger.entry_hash(forged)
    conn.execute(ledger_table.insert(), [forged])


TAMPERING = {
    "the last entry deleted": (_truncate_last(1), "were removed"),
    "the last 10 deleted": (_truncate_last(10), "were removed"),
    "every entry deleted": (_truncate_last(10**9), "were removed"),
    "an entry changed, every later hash recomputed": (_rewrite, "not the ones it signed"),
    "a middle entry deleted, renumbered and re-hashed": (_delete_and_renumber, "not the ones it signed"),
    "a middle entry deleted, the rest left": (
        lambda conn: conn.execute(delete(ledger_table).where(ledger_table.c.seq == 5)),
        "does not verify|has sequence",
    ),
    "a forged entry appended with a valid hash": (_forge_append, "covered by no signed checkpoint"),
}


def _in_the_store(store: Store, kept: list[tuple[str, str]], key: str | None = None) -> audit.Verified:
    return transparency.verify(store.ctx, kept, key)


def _from_an_export(store: Store, kept: list[tuple[str, str]], key: str | None = None) -> audit.Verified:
    """What an overseer does with no database: export (as the operator would), then audit the folder."""
    folder = store.ctx.layout.root / f"export-{len(list(store.ctx.layout.root.glob('export-*')))}"
    ledger_export.export(store.ctx, folder)
    return audit.check_export(folder, kept, key or transparency.signer(store.ctx.layout).verifier_key)


VERIFIERS = {"ledger verify": _in_the_store, "audit of an export": _from_an_export}


@pytest.mark.parametrize("verifier", sorted(VERIFIERS))
@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_tampering_that_the_hash_chain_alone_let_through_fails_against_a_kept_checkpoint(
    store: Store, how: str, verifier: str
) -> None:
    check = VERIFIERS[verifier]
    _, out = released(store, store.rows, "first")
    kept = [("kept.txt", (out / transparency.CHECKPOINT_FILE).read_text())]
    assert check(store, kept).entries > 10
    act, says = TAMPERING[how]
    with store.ctx.engine.begin() as conn:
        act(conn)
        conn.execute(delete(checkpoints_table))  # the operator also empties the store's own checkpoints
    with pytest.raises(LedgerError, match=says):
        check(store, kept)


@pytest.mark.parametrize("verifier", sorted(VERIFIERS))
def test_a_fork_two_logs_signed_at_one_size_is_named(store: Store, verifier: str) -> None:
    """A second log signed at the same size (what an operator would show one overseer and not another)."""
    _, out = released(store, store.rows, "first")
    kept = (out / transparency.CHECKPOINT_FILE).read_text()
    sign = transparency.signer(store.ctx.layout)
    head = checkpoint.verify(kept, sign.origin, sign.public)
    forked = checkpoint.sign(
        checkpoint.Checkpoint(sign.origin, head.size, merkle.leaf_hash(b"another log")), sign.origin, sign.key
    )
    with pytest.raises(LedgerError, match=f"size {head.size}.*not the ones it signed.*forked"):
        VERIFIERS[verifier](store, [("forked.txt", forked)])


@pytest.mark.parametrize("verifier", sorted(VERIFIERS))
def test_a_checkpoint_signed_by_another_key_is_refused(store: Store, verifier: str) -> None:
    _, out = released(store, store.rows, "first")
    kept = (out / transparency.CHECKPOINT_FILE).read_text()
    stranger = checkpoint.verifier_key(
        "taxmatch-ledger/someone-else", Ed25519PrivateKey.generate().public_key()
    )
    with pytest.raises(LedgerError, match="no signature by"):
        VERIFIERS[verifier](store, [("kept.txt", kept)], stranger)


def test_an_edited_entry_in_an_export_is_named_by_its_line(store: Store, tmp_path: Path) -> None:
    released(store, store.rows, "first")
    done = ledger_export.export(store.ctx, tmp_path / "export")
    assert done.entries == ledger.count(store.ctx.engine) and done.checkpoints >= 1
    path = tmp_path / "export" / audit.ENTRIES_FILE
    lines = path.read_text().splitlines()
    lines[6] = json.dumps(json.loads(lines[6]) | {"tin": "999999999"})
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LedgerError, match=r"TXM-0000000007.*does not verify") as info:
        audit.check_export(tmp_path / "export", [])
    assert info.value.where is not None and info.value.where.line == 7
    with pytest.raises(InputError, match="not empty"):
        ledger_export.export(store.ctx, tmp_path / "export")


def test_each_entry_records_the_address_its_answer_disclosed(store: Store) -> None:
    report, out = released(store, store.rows, "first")
    with (out / "results.csv").open(encoding="utf-8", newline="") as handle:
        sent = {r["disclosure_id"]: r for r in csv.DictReader(handle) if r["disclosure_id"]}
    entries = ledger.entries(store.ctx.engine, 0, 10_000)
    assert len(entries) == len(sent) == report.outcomes["VERIFIED"]
    for entry in entries:
        recorded = json.loads(str(entry["disclosed"]))
        assert recorded == {c: sent[str(entry["disclosure_id"])][c] for c in DISCLOSED_COLUMNS}
        assert recorded["disclosed_street_address"]


def test_the_overseers_verifier_imports_nothing_of_the_store() -> None:
    imported = {m.__name__ for m in audit.__dict__.values() if isinstance(m, type(audit))}
    assert imported <= {"taxmatch.canonical", "taxmatch.checkpoint", "taxmatch.merkle", "json", "hashlib"}


def test_a_recipient_checks_every_receipt_with_the_files_and_the_published_key_alone(
    store: Store, tmp_path: Path
) -> None:
    """Issue 9: the check imports nothing from the store (taxmatch.receipts: merkle and checkpoint only)."""
    _, out = released(store, store.rows, "first")
    key = transparency.signer(store.ctx.layout).verifier_key
    handed = tmp_path / "handed-over"  # what the recipient holds: two files, no store
    handed.mkdir()
    for name in (transparency.CHECKPOINT_FILE, transparency.RECEIPTS_FILE):
        (handed / name).write_bytes((out / name).read_bytes())
    found = receipts.check(handed, key)
    assert found.receipts == found.tree_size > 0
    lines = (handed / transparency.RECEIPTS_FILE).read_text().splitlines()
    forged = json.loads(lines[3]) | {"leaf_hash": "00" * 32}
    lines[3] = json.dumps(forged)
    (handed / transparency.RECEIPTS_FILE).write_text("\n".join(lines) + "\n")
    with pytest.raises(LedgerError, match=f"receipt of {forged['disclosure_id']}") as info:
        receipts.check(handed, key)
    assert info.value.where is not None and info.value.where.line == 4
    imported = {m for m in receipts.__dict__.values() if isinstance(m, type(receipts))}
    assert {m.__name__ for m in imported} <= {"taxmatch.checkpoint", "taxmatch.merkle", "json"}
