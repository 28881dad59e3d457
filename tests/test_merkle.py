"""RFC 9162 Merkle trees: the RFC's test data, and every proof of every small tree, good and tampered."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxmatch import merkle
from taxmatch.merkle import ProofError

# The test data of RFC 6962's reference implementation, kept by the Certificate Transparency
# implementations: eight leaves and the tree head after each.
DATA = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAVES = [merkle.leaf_hash(bytes.fromhex(d)) for d in DATA]


def test_the_empty_tree_and_every_head_of_the_rfc_data() -> None:
    assert merkle.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert [merkle.root(LEAVES[:n]).hex() for n in range(1, 9)] == ROOTS


def test_the_rfc_data_s_proofs() -> None:
    assert [p.hex()[:8] for p in merkle.inclusion_proof(0, LEAVES)] == ["96a296d2", "5f083f0a", "6b47aaf2"]
    assert [p.hex()[:8] for p in merkle.consistency_proof(6, LEAVES)] == ["0ebc5d34", "ca854ea1", "d37ee418"]
    assert merkle.consistency_proof(4, LEAVES)[0].hex()[:8] == "6b47aaf2"  # from a power of two: one node


def hashes(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_every_leaf_is_proved_included_and_a_changed_one_is_not(case: tuple[int, int]) -> None:
    size, index = case
    leaves = hashes(size)
    head, proof = merkle.root(leaves), merkle.inclusion_proof(index, leaves)
    merkle.verify_inclusion(leaves[index], index, size, proof, head)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(merkle.leaf_hash(b"forged"), index, size, proof, head)
    with pytest.raises(ProofError):  # a leaf beyond the tree
        merkle.verify_inclusion(leaves[index], size, size, proof, head)
    if proof:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(leaves[index], index, size, [*proof[:-1], head], head)


@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_every_tree_is_proved_to_extend_its_prefixes_and_a_rewritten_one_is_not(
    case: tuple[int, int],
) -> None:
    old, new = case
    leaves = hashes(new)
    old_root, new_root = merkle.root(leaves[:old]), merkle.root(leaves)
    proof = merkle.consistency_proof(old, leaves)
    merkle.verify_consistency(old, new, proof, old_root, new_root)
    rewritten = [merkle.leaf_hash(b"rewritten"), *leaves[1:]]
    if old < new:
        with pytest.raises(ProofError):  # the operator rewrote history and recomputed every later hash
            merkle.verify_consistency(
                old, new, merkle.consistency_proof(old, rewritten), old_root, merkle.root(rewritten)
            )
        with pytest.raises(ProofError):  # truncated: a smaller tree never extends a larger one
            merkle.verify_consistency(new, old, proof, new_root, old_root)


def test_two_trees_of_the_same_size_are_a_fork() -> None:
    with pytest.raises(ProofError, match="forked"):
        merkle.verify_consistency(8, 8, [], merkle.root(LEAVES), merkle.root(hashes(8)))
    merkle.verify_consistency(8, 8, [], merkle.root(LEAVES), merkle.root(LEAVES))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=70))
def test_the_frontier_and_the_kept_tree_give_the_rfc_s_heads_and_proofs(size: int) -> None:
    """Issue 9: a checkpoint at every release extends a frontier; receipts take proofs from a kept tree."""
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(size)]
    frontier, tree = merkle.Frontier(), merkle.Tree(leaves)
    for n, leaf in enumerate(leaves):
        assert frontier.root() == merkle.root(leaves[:n]) == tree.root(n)
        frontier.append(leaf)
    assert frontier.root() == merkle.root(leaves) == tree.root()
    again = merkle.Frontier(frontier.size, frontier.nodes)  # as stored and read back
    assert again.root() == frontier.root()
    for index in range(size):
        assert tree.inclusion(index) == merkle.inclusion_proof(index, leaves)
    for old in range(1, size + 1):
        assert tree.consistency(old) == merkle.consistency_proof(old, leaves)
