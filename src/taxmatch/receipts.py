"""Check a released batch's receipts with nothing but the files and the published key.

A recipient (or anyone it shows them to) holds `checkpoint.txt`, `receipts.jsonl`
and the disclosing agency's published verifier key. This module checks that the
checkpoint is signed by that key and that every receipt's leaf is in the tree the
checkpoint signs. It imports nothing from the store, the database or the
pipeline: `merkle` and `checkpoint` only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from taxmatch import checkpoint, merkle
from taxmatch.errors import InputError, LedgerError, Location

CHECKPOINT_FILE, RECEIPTS_FILE = "checkpoint.txt", "receipts.jsonl"


@dataclass(frozen=True)
class Checked:
    receipts: int
    tree_size: int
    root: bytes


def check(folder: Path, verifier_key: str) -> Checked:
    """Every receipt in `folder` proved against its signed checkpoint; LedgerError names the first not."""
    name, key = checkpoint.read_verifier_key(verifier_key)
    try:
        note = (folder / CHECKPOINT_FILE).read_text(encoding="utf-8")
        lines = (folder / RECEIPTS_FILE).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(
            f"cannot read the receipts: {exc.strerror}",
            where=Location(str(folder)),
            fix=f"Give the folder holding {CHECKPOINT_FILE} and {RECEIPTS_FILE}.",
        ) from exc
    try:
        head = checkpoint.verify(note, name, key)
    except checkpoint.CheckpointError as exc:
        raise LedgerError(f"{CHECKPOINT_FILE}: {exc}", where=Location(str(folder / CHECKPOINT_FILE))) from exc
    for number, line in enumerate(lines, start=1):
        receipt = json.loads(line)
        proof = [bytes.fromhex(p) for p in receipt["inclusion_proof"]]
        try:
            merkle.verify_inclusion(
                bytes.fromhex(receipt["leaf_hash"]), receipt["leaf_index"], head.size, proof, head.root
            )
        except merkle.ProofError as exc:
            raise LedgerError(
                f"the receipt of {receipt.get('disclosure_id')} does not prove its disclosure is in the log "
                f"({exc})",
                where=Location(str(folder / RECEIPTS_FILE), number),
                fix="Ask the disclosing agency; keep this checkpoint for the overseers.",
            ) from exc
    return Checked(len(lines), head.size, head.root)
