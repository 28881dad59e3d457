import hashlib

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxmatch import merkle
from taxmatch.pipeline import receipt_lines, transparency

Entries = list[tuple[int, str, str]]


def _leaves(size: int) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(size)]


def _levels(leaves: list[bytes], first: int) -> receipt_lines.Levels:
    """The levels from leaf `first` on, as a batch's receipts are made: the frontier before it, then it."""
    before = merkle.Frontier()
    for leaf in leaves[:first]:
        before.append(leaf)
    return receipt_lines.Levels(first, before.nodes, leaves[first:])


def _one_at_a_time(leaves: list[bytes], entries: Entries) -> bytes:
    """The receipts as transparency._receipt makes one, over the whole tree (RFC 9162's PATH by
    recursion), in orjson."""
    tree, option = merkle.Tree(leaves), orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
    return b"".join(
        orjson.dumps(transparency._receipt(tree, seq, d, tree.size) | {"request_id": r}, option=option)
        for seq, d, r in entries
    )


@st.composite
def _batches(draw: st.DrawFn) -> tuple[list[bytes], int, Entries]:
    """A log, where a batch's entries begin in it (any leaf), and some of its entries from there on."""
    size = draw(st.integers(1, 300))
    first = draw(st.integers(0, size - 1))
    seqs = draw(st.lists(st.integers(first + 1, size), min_size=1, max_size=40, unique=True).map(sorted))
    ids = st.text(max_size=12) | st.sampled_from(['a"b', "back\\slash", "ctl\x01", "\u2028", "x\x7f", ""])
    return _leaves(size), first, [(s, f"TXM-{s:010d}", draw(ids)) for s in seqs]


@given(_batches())
def test_a_batch_s_receipts_made_at_once_from_its_first_leaf_are_those_of_the_whole_tree(
    batch: tuple[list[bytes], int, Entries],
) -> None:
    leaves, first, entries = batch
    made = b"".join(receipt_lines.pages(_levels(leaves, first), entries))
    assert made == _one_at_a_time(leaves, entries)


def test_receipts_span_pages_and_every_proof_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    """More receipts than a page, each line's proof checked against the root (merkle.verify_inclusion)."""
    leaves = _leaves(1_000)
    entries = [(s, f"TXM-{s:010d}", f"r{s}") for s in range(338, 1_001)]
    monkeypatch.setattr(receipt_lines, "PAGE", 64)
    made = list(receipt_lines.pages(_levels(leaves, 337), entries))
    assert len(made) == 11
    lines = b"".join(made).splitlines()
    assert b"".join(line + b"\n" for line in lines) == _one_at_a_time(leaves, entries)
    for line in lines:
        r = orjson.loads(line)
        proof = [bytes.fromhex(p) for p in r["inclusion_proof"]]
        leaf = bytes.fromhex(r["leaf_hash"])
        merkle.verify_inclusion(leaf, r["leaf_index"], r["tree_size"], proof, merkle.root(leaves))
