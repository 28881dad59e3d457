"""The ledger as a transparency log: signed checkpoints, receipts, and verification against them.

Each ledger entry is a leaf of an RFC 9162 Merkle tree (the leaf is the
entry's hash, which covers every field and the previous entry's hash). At
every release taxmatch signs the tree's head as a C2SP checkpoint with the
store's Ed25519 key and gives the recipient, beside its results, the
checkpoint and an inclusion proof per disclosure. An overseer who keeps any
checkpoint can later check that the log still holds every entry it covered,
unchanged: truncation, rewriting (even with every later hash recomputed) and
forks all fail `ledger verify --checkpoint`, because the tree of that size no
longer has that head.

The key is made on first use in the store (mode 0600) with the log's name
(`ledger.origin`); `taxmatch ledger key` prints the public key to publish.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from taxmatch import audit, checkpoint, merkle
from taxmatch import receipts as receipts_file
from taxmatch.checkpoint import Checkpoint
from taxmatch.db import checkpoints, ledger, retractions
from taxmatch.errors import InputError, LedgerError, Location
from taxmatch.layout import Layout
from taxmatch.pipeline import receipt_lines
from taxmatch.pipeline.atomic import text, write_atomically
from taxmatch.pipeline.context import Context

CHECKPOINT_FILE, RECEIPTS_FILE = receipts_file.CHECKPOINT_FILE, receipts_file.RECEIPTS_FILE


@dataclass(frozen=True)
class Signer:
    """The log's name and signing key."""

    origin: str
    key: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.key.public_key()

    @property
    def verifier_key(self) -> str:
        return checkpoint.verifier_key(self.origin, self.public)


def signer(layout: Layout) -> Signer:
    """The store's log key and name, made (key file mode 0600) the first time a checkpoint is needed."""
    if not layout.ledger_key.exists():
        layout.root.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        handle = os.open(layout.ledger_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(pem)
        layout.ledger_origin.write_text(f"taxmatch-ledger/{secrets.token_hex(8)}\n", encoding="utf-8")
    key = load_pem_private_key(layout.ledger_key.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise LedgerError(
            "the ledger key is not an Ed25519 key",
            where=Location(str(layout.ledger_key)),
            fix="Restore the store's ledger.key from backup.",
        )
    return Signer(layout.ledger_origin.read_text(encoding="utf-8").strip(), key)


@dataclass(frozen=True)
class Leaves:
    """The log's leaves after its first `after` entries, in order, as a checkpoint was made of them. A
    log only grows, so they stay the leaves of those places."""

    after: int
    leaves: list[bytes]

    def between(self, after: int, upto: int) -> list[bytes] | None:
        """The leaves after `after` up to `upto`, if these hold them all (the list itself when they are
        all of it: whoever takes them may empty it, as receipt_lines.Levels does)."""
        if after < self.after or upto > self.after + len(self.leaves):
            return None
        if (after, upto) == (self.after, self.after + len(self.leaves)):
            return self.leaves
        return self.leaves[after - self.after : upto - self.after]


@dataclass(frozen=True)
class Signed:
    """A signed checkpoint of the log, and the leaves read to make it (none when it was made before)."""

    note: str
    read: Leaves


def _frontier(ctx: Context, upto: int | None = None) -> tuple[merkle.Frontier, dict[str, Any] | None, Leaves]:
    """The frontier of the log's first `upto` entries (all of them by default): the newest checkpoint's
    of no more, extended by the entries after it; that checkpoint; and those entries' leaves."""
    last = checkpoints.latest(ctx.engine, at_most=upto)
    size = last["size"] if last else 0
    frontier = merkle.Frontier(size, [bytes.fromhex(h) for h in last["frontier"]] if last else [])
    leaves = _leaves(ctx, size, upto)
    for leaf in leaves:
        frontier.append(leaf)
    return frontier, last, Leaves(size, leaves)


def make(ctx: Context) -> str:
    """A signed checkpoint of the log as it is now (the latest one again if nothing was appended)."""
    return signed(ctx).note


def signed(ctx: Context) -> Signed:
    """make's checkpoint, with the leaves it read: a released batch's receipts need them again."""
    frontier, last, read = _frontier(ctx)
    if last is not None and frontier.size == last["size"]:
        return Signed(str(last["note"]), read)
    sign = signer(ctx.layout)
    note = checkpoint.sign(Checkpoint(sign.origin, frontier.size, frontier.root()), sign.origin, sign.key)
    nodes = [n.hex() for n in frontier.nodes]
    recorded = checkpoints.record(ctx.engine, frontier.size, frontier.root().hex(), nodes, note, ctx.now())
    return Signed(recorded, read)


def _leaves(ctx: Context, after: int, upto: int | None) -> list[bytes]:
    """The Merkle leaves of the log's entries after `after`, up to `upto` (to the end by default)."""
    return [audit.leaf(h) for h in ledger.entry_hashes(ctx.engine, after=after, upto=upto)]


def _tree(ctx: Context, size: int) -> merkle.Tree:
    return merkle.Tree(_leaves(ctx, 0, size))


def _receipt(tree: merkle.Tree, seq: int, disclosure: str, size: int) -> dict[str, object]:
    """A disclosure's leaf and its inclusion proof in the tree of `size` entries."""
    return {
        "disclosure_id": disclosure,
        "leaf_index": seq - 1,
        "leaf_hash": tree.levels[0][seq - 1].hex(),
        "tree_size": size,
        "inclusion_proof": [p.hex() for p in tree.inclusion(seq - 1, size)],
    }


def write_receipts(ctx: Context, batch_id: str, folder: Path, read: Leaves | None = None) -> None:
    """checkpoint.txt and receipts.jsonl beside a released batch's results (both or neither): for each
    disclosure of the batch, its leaf and its inclusion proof in the checkpoint's tree, a page at a
    time (receipt_lines.py; a national batch's receipts are gigabytes). `read`: leaves already read
    (Signed.read), not read again where they serve (at 1.28M rows, 612,182 of them took 4.8 s)."""
    note = make(ctx)
    head = checkpoint.verify(note, *_published(ctx.layout))

    def lines(path: Path) -> None:
        # The tree's levels first, then the batch's entries: both are millions at 7.6M rows, and the leaves
        # are let go once the levels hold what the receipts need (1.4 GB at the peak there, not 2.1).
        seq = ledger.first_of_batch(ctx.engine, batch_id, head.size)
        first = head.size if seq is None else seq - 1  # the batch's first leaf
        known = None if read is None else read.between(first, head.size)
        leaves = _leaves(ctx, first, head.size) if known is None else known
        levels = receipt_lines.Levels(first, _frontier(ctx, first)[0].nodes, leaves)
        entries = ledger.of_batch(ctx.engine, batch_id, upto=head.size)
        with path.open("wb") as handle:
            for page in receipt_lines.pages(levels, entries):
                handle.write(page)

    write_atomically({folder / CHECKPOINT_FILE: text(note), folder / RECEIPTS_FILE: lines})


def _published(layout: Layout) -> tuple[str, Ed25519PublicKey]:
    sign = signer(layout)
    return sign.origin, sign.public


def prove(ctx: Context, disclosure: str) -> dict[str, object]:
    """The inclusion proof of one disclosure against the latest checkpoint (made now if needed)."""
    seq = ledger.sequence_of(ctx.engine, disclosure)
    if seq is None:
        raise InputError(
            f"the ledger holds no disclosure {disclosure!r}", fix="Check the id (TXM- and ten digits)."
        )
    note = make(ctx)
    head = checkpoint.verify(note, *_published(ctx.layout))
    proved = _receipt(_tree(ctx, head.size), seq, disclosure, head.size)
    return proved | {
        "root_hash": head.root.hex(),
        "checkpoint": note,
        "retracted": _retraction(ctx, disclosure),
    }


def _retraction(ctx: Context, disclosure: str) -> dict[str, object] | None:
    """Which retraction withdrew this disclosure, when and why (None while it stands)."""
    entry = retractions.of_disclosure(ctx.engine, disclosure)
    if entry is None:
        return None
    return {
        "retraction_id": entry["batch_id"],
        "entry": entry["disclosure_id"],
        "retracted_at": entry["disclosed_at"],
        "why": entry["why"],
    }


def verify(ctx: Context, notes: Sequence[tuple[str, str]], key: str | None = None) -> audit.Verified:
    """Re-check every entry's hash chain and the tree, and that the log extends every checkpoint.

    `notes`: (where it came from, the signed note) for each checkpoint an overseer
    kept; `key`: the published verifier key (default: the store's own). LedgerError
    names the first entry or checkpoint that fails. The checks are taxmatch.audit's,
    the same that `taxmatch audit` makes of an export.
    """
    chain = ledger.verify(ctx.engine)
    verifier = checkpoint.read_verifier_key(key) if key else _published(ctx.layout)
    held = [(int(c["size"]), str(c["note"])) for c in checkpoints.every(ctx.engine)]
    return audit.check_heads(chain.leaves, notes, held, verifier)
