"""Check the disclosure log from its entries and signed checkpoints alone: the overseer's verifier.

The same checks serve `taxmatch ledger verify` (entries read from the store)
and `taxmatch audit` (entries read from an export, with no database, no store
and no secret): every entry's hash and its link to the one before, the digest
of what it disclosed, the Merkle tree over the entries (RFC 9162), that the
log extends every checkpoint given and kept, and that no entry lies beyond the
last signed one. This module imports `merkle`, `checkpoint` and `canonical`, nothing of the
store, so an overseer can run it anywhere.

An entry's hash covers FIELDS and, where present, OPTIONAL: fields added after
the first entries were written (what was disclosed, retractions), so that the
entries written before them hash exactly as they did.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from taxmatch import canonical, checkpoint, merkle
from taxmatch.errors import InputError, LedgerError, Location

GENESIS = "0" * 64
FIELDS = (
    "seq",
    "disclosure_id",
    "batch_id",
    "request_id",
    "tin",
    "fields",
    "statute",
    "official_name",
    "official_title",
    "case_number",
    "recipient",
    "disclosed_at",
    "prev_hash",
)
# Hashed only when set: `kind` is empty for a disclosure and "retraction" for a retraction entry.
OPTIONAL = ("kind", "retracts", "why", "disclosed_sha256")


class Kind(StrEnum):
    """What an entry records, when it is not a disclosure (a disclosure has no kind, as entries had none
    before retractions existed)."""

    DISCLOSURE = "disclosure"  # never stored: a disclosure's kind is empty, as entries had none before
    RETRACTION = "retraction"


RETRACTION = Kind.RETRACTION
ENTRIES_FILE, CHECKPOINTS_FILE, KEY_FILE = "entries.jsonl", "checkpoints.jsonl", "verifier-key.txt"


def entry_hash(entry: Mapping[str, object]) -> str:
    """SHA-256 of the entry's canonical JSON (its FIELDS, and the OPTIONAL ones it has)."""
    hashed = {k: entry[k] for k in FIELDS} | {k: entry[k] for k in OPTIONAL if entry.get(k) is not None}
    canonical = json.dumps(hashed, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def entry_hashes(columns: canonical.Columns, count: int, prev: str) -> list[str]:
    """entry_hash of each of `count` entries given a column at a time, each chained to the one before
    and the first to `prev` (their prev_hash), as a batch appends them: the same hashes, without a
    dictionary and a json.dumps per entry. Every FIELDS column but prev_hash is needed, and an OPTIONAL
    one is hashed when given with a value in every row (it is left out when None in every row)."""
    hashed = {k: columns[k] for k in FIELDS if k != "prev_hash"}
    for key in OPTIONAL:
        values = columns.get(key)
        if values is None or all(v is None for v in values):
            continue
        if None in values:
            raise ValueError(f"{key} is set in some of these entries and not in others: hash them apart")
        hashed[key] = values
    heads, tails = canonical.around(hashed, "prev_hash", count)
    made: list[str] = []
    for head, tail in zip(heads, tails, strict=True):
        prev = hashlib.sha256(f"{head}{prev}{tail}".encode()).hexdigest()
        made.append(prev)
    return made


def disclosed_digest(disclosed: str) -> str:
    """The digest in the leaf of what an entry disclosed (its values are kept beside it, not hashed)."""
    return hashlib.sha256(disclosed.encode("utf-8")).hexdigest()


def leaf(entry_hash_hex: str) -> bytes:
    """A ledger entry's leaf in the Merkle tree."""
    return merkle.leaf_hash(bytes.fromhex(entry_hash_hex))


class Chain:
    """The entries checked one by one, in sequence order, keeping only the tree's leaves."""

    def __init__(self) -> None:
        self.prev, self.leaves = GENESIS, list[bytes]()

    @property
    def count(self) -> int:
        return len(self.leaves)

    def add(self, entry: Mapping[str, object], where: Location | None = None) -> None:
        expected = self.count + 1
        if entry["seq"] != expected:
            raise LedgerError(
                f"entry {entry['disclosure_id']} has sequence {entry['seq']}, expected {expected}",
                where=where,
                fix="An entry was removed or inserted; restore the ledger from backup.",
            )
        if entry["prev_hash"] != self.prev or entry_hash(entry) != entry["entry_hash"]:
            raise LedgerError(
                f"entry {entry['disclosure_id']} (seq {expected}) does not verify",
                where=where,
                fix="It or an earlier entry was altered; restore the ledger from backup.",
            )
        disclosed, digest = entry.get("disclosed"), entry.get("disclosed_sha256")
        if disclosed is not None and digest != disclosed_digest(str(disclosed)):
            raise LedgerError(
                f"entry {entry['disclosure_id']} (seq {expected}): the values kept as disclosed are not "
                "the ones its entry was signed with",
                where=where,
                fix="The disclosed values were altered; restore them from backup.",
            )
        self.prev = str(entry["entry_hash"])
        self.leaves.append(leaf(self.prev))


@dataclass(frozen=True)
class Verified:
    entries: int
    root: bytes
    checkpoints: int  # the checkpoints given, and the log's own, that it still extends


def check_heads(
    leaves: Sequence[bytes],
    given: Sequence[tuple[str, str]],
    held: Sequence[tuple[int, str]],
    verifier: tuple[str, Ed25519PublicKey],
) -> Verified:
    """The log of these leaves extends every checkpoint (given: (where from, note); held: the log's own
    (size, note)), and every entry is covered by a signed one; LedgerError names the first that fails."""
    tree = merkle.Tree(leaves)
    for where, note in [*given, *((str(size), note) for size, note in held)]:
        try:
            head = checkpoint.verify(note, *verifier)
        except checkpoint.CheckpointError as exc:
            raise LedgerError(
                f"checkpoint {where}: {exc}", fix="Check it was made by this log, and with the published key."
            ) from exc
        _extends(tree, head, where)
    covered = max((size for size, _ in held), default=0)
    if tree.size > covered:  # every release signs a checkpoint: entries past the last were not released
        raise LedgerError(
            f"entries {covered + 1:,} to {tree.size:,} are covered by no signed checkpoint",
            fix="Every release signs one. If a release was interrupted, check those entries against their "
            "batches' decisions, then run `taxmatch ledger checkpoint`.",
        )
    return Verified(tree.size, tree.root(), len(given) + len(held))


def _extends(tree: merkle.Tree, head: checkpoint.Checkpoint, where: str) -> None:
    if head.size == 0 and head.root == merkle.EMPTY_ROOT:
        return  # the empty log: every log extends it
    if head.size > tree.size:
        raise LedgerError(
            f"checkpoint {where} covers {head.size:,} entries; the ledger holds {tree.size:,}: "
            f"at least {head.size - tree.size:,} were removed",
            fix="The ledger was truncated. Restore it from a backup that verifies against this checkpoint.",
        )
    try:
        merkle.verify_consistency(head.size, tree.size, tree.consistency(head.size), head.root, tree.root())
    except merkle.ProofError as exc:
        raise LedgerError(
            f"checkpoint {where} (size {head.size:,}): the ledger's first {head.size:,} entries are not "
            f"the ones it signed ({exc})",
            fix="Entries it covers were changed, reordered or replaced. Restore the ledger from backup.",
        ) from exc


def _lines(path: Path, wanted: Sequence[str]) -> Iterable[tuple[int, dict[str, object]]]:
    """Each line of a JSON Lines file of the export, an object with at least the `wanted` keys."""
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    found = json.loads(line)
                except json.JSONDecodeError:
                    found = None
                missing = [k for k in wanted if k not in found] if isinstance(found, dict) else wanted
                if missing:
                    raise InputError(
                        f"not an object with {', '.join(missing)}",
                        where=Location(str(path), number),
                        fix="Give the export as `taxmatch ledger export` wrote it.",
                    )
                yield number, found
    except OSError as exc:
        raise InputError(
            f"cannot read the export: {exc.strerror}",
            where=Location(str(path)),
            fix=f"Give the folder `taxmatch ledger export` wrote ({ENTRIES_FILE}, {CHECKPOINTS_FILE}).",
        ) from exc


def check_export(folder: Path, given: Sequence[tuple[str, str]], key: str | None = None) -> Verified:
    """Audit an export: its entries, its checkpoints and the checkpoints an overseer kept (`given`),
    against the published verifier `key` (default: the one the export carries)."""
    chain = Chain()
    for number, entry in _lines(folder / ENTRIES_FILE, (*FIELDS, "entry_hash")):
        chain.add(entry, Location(str(folder / ENTRIES_FILE), number))
    held = [
        (int(str(c["size"])), str(c["note"])) for _, c in _lines(folder / CHECKPOINTS_FILE, ("size", "note"))
    ]
    if key is None:
        try:
            key = (folder / KEY_FILE).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InputError(
                f"cannot read the verifier key: {exc.strerror}",
                where=Location(str(folder / KEY_FILE)),
                fix="Give the published key with --key.",
            ) from exc
    return check_heads(chain.leaves, given, held, checkpoint.read_verifier_key(key))
