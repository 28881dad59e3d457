import hashlib

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxmatch import merkle
from taxmatch.pipeline import receipt_lines, transparency


def _tree(size: int) -> merkle.Tree:
    return merkle.Tree([hashlib.sha256(str(i).encode()).digest() for i in range(size)])


def _one_at_a_time(tree: merkle.Tree, entries: list[tuple[int, str, str]]) -> bytes:
    """The receipts as transparency._receipt makes one (RFC 9162's PATH by recursion), in orjson."""
    option = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
    return b"".join(
        orjson.dumps(transparency._receipt(tree, seq, d, tree.size) | {"request_id": r}, option=option)
        for seq, d, r in entries
    )


@st.composite
def _batches(draw: st.DrawFn) -> tuple[merkle.Tree, list[tuple[int, str, str]]]:
    size = draw(st.integers(1, 300))
    seqs = draw(st.lists(st.integers(1, size), min_size=1, max_size=40, unique=True).map(sorted))
    ids = st.text(max_size=12) | st.sampled_from(['a"b', "back\\slash", "ctl\x01", "\u2028", "x\x7f", ""])
    return _tree(size), [(s, f"TXM-{s:010d}", draw(ids)) for s in seqs]


@given(_batches())
def test_a_batch_s_receipts_made_at_once_are_the_lines_made_one_at_a_time(
    batch: tuple[merkle.Tree, list[tuple[int, str, str]]],
) -> None:
    tree, entries = batch
    assert b"".join(receipt_lines.pages(tree, entries)) == _one_at_a_time(tree, entries)


def test_receipts_span_pages_and_every_proof_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    """More receipts than a page, each line's proof checked against the root (merkle.verify_inclusion)."""
    tree = _tree(1_000)
    entries = [(s, f"TXM-{s:010d}", f"r{s}") for s in range(1, 1_001)]
    monkeypatch.setattr(receipt_lines, "PAGE", 64)
    made = list(receipt_lines.pages(tree, entries))
    assert len(made) == 16
    lines = b"".join(made).splitlines()
    assert b"".join(line + b"\n" for line in lines) == _one_at_a_time(tree, entries)
    for line in lines:
        r = orjson.loads(line)
        proof = [bytes.fromhex(p) for p in r["inclusion_proof"]]
        leaf = bytes.fromhex(r["leaf_hash"])
        merkle.verify_inclusion(leaf, r["leaf_index"], r["tree_size"], proof, tree.root())
