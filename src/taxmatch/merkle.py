"""RFC 9162 Merkle tree hashing, with inclusion and consistency proofs: pure, stdlib only.

The disclosure log (issue 9) is to be a transparency log over these trees, so
that a recipient holding a receipt, or an overseer holding an earlier tree
head, can check the log without trusting the operator. A verifier needs
nothing but this module: it imports nothing from the store.

Hashing follows RFC 9162 section 2.1 (as RFC 6962 before it): a leaf is
SHA-256(0x00 || data), an interior node SHA-256(0x01 || left || right), and a
tree of n leaves splits at the largest power of two smaller than n. The
algorithms below are the RFC's: MTH (2.1.1), PATH and its verification
(2.1.3), PROOF/SUBPROOF and consistency verification (2.1.4).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF, NODE = b"\x00", b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()
HASH_SIZE = len(EMPTY_ROOT)  # bytes of every leaf and node hash


class ProofError(ValueError):
    """A proof that does not verify, or a request for one that cannot exist."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH over the leaf hashes (already hashed with leaf_hash)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf `index` in the tree over `leaves`."""
    if not 0 <= index < len(leaves):
        raise ProofError(f"leaf {index} is not in a tree of {len(leaves)}")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), root(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), root(leaves[:k])]


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> None:
    """RFC 9162 2.1.3.2: raise ProofError unless `leaf` is leaf `index` of the tree of `size` and root.

    The size itself is vouched for by the signed tree head the root comes from, not by the path.
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != expected_root:
        raise ProofError(f"leaf {index} is not included in the tree of {size} with this root")


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): that the first `old_size` leaves' tree is a prefix of the whole tree."""
    if not 0 < old_size <= len(leaves):
        raise ProofError(f"no consistency proof from {old_size} to {len(leaves)}")
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """RFC 9162 2.1.4.2: raise ProofError unless the tree of `new_size` extends the tree of `old_size`."""
    if not 0 < old_size <= new_size:
        raise ProofError(f"a tree of {new_size} cannot extend one of {old_size}")
    if old_size == new_size:
        if proof or old_root != new_root:
            raise ProofError(f"two different trees of the same size {new_size}: the log has forked")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the proof's first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise ProofError(f"the tree of {new_size} does not extend the tree of {old_size} with that root")


class Frontier:
    """The roots of the perfect subtrees a log's leaves fill, left to right (a compact range).

    Enough to extend the tree and to compute its head without reading the earlier
    leaves again: a checkpoint at every release costs the new entries, not the log.
    """

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if len(nodes) != size.bit_count():
            raise ProofError(f"a frontier of {size} leaves has {size.bit_count()} nodes, not {len(nodes)}")
        self.size, self.nodes = size, list(nodes)

    def append(self, leaf: bytes) -> None:
        self.nodes.append(leaf)
        self.size += 1
        merged = self.size
        while not merged & 1:  # two subtrees of one size become one of twice the size
            right, left = self.nodes.pop(), self.nodes.pop()
            self.nodes.append(node_hash(left, right))
            merged >>= 1

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        head = self.nodes[-1]
        for left in reversed(self.nodes[:-1]):
            head = node_hash(left, head)
        return head


class Tree:
    """A log's whole tree with the hash of every aligned perfect subtree kept.

    The functions above recompute subtrees from the leaves (O(n) per proof);
    a batch's receipts need hundreds of thousands of proofs, each O(log² n) here.
    """

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.size = len(leaves)
        self._ragged: dict[tuple[int, int], bytes] = {}
        self.levels: list[list[bytes]] = [list(leaves)]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    def _hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end])."""
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and start % n == 0:
            depth = n.bit_length() - 1
            return self.levels[depth][start >> depth]
        # Ragged subtrees lie on the right edge of the tree and recur in every proof: kept once made.
        known = self._ragged.get((start, end))
        if known is None:
            k = _split(n)
            known = self._ragged[start, end] = node_hash(
                self._hash(start, start + k), self._hash(start + k, end)
            )
        return known

    def _size(self, size: int | None) -> int:
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ProofError(f"the log holds {self.size} leaves, not {size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        return self._hash(0, self._size(size))

    def inclusion(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size])."""
        end, start = self._size(size), 0
        if not 0 <= index < end:
            raise ProofError(f"leaf {index} is not in a tree of {end}")
        path: list[bytes] = []
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                path.append(self._hash(start + k, end))
                end = start + k
            else:
                path.append(self._hash(start, start + k))
                start += k
        return path[::-1]

    def consistency(self, old_size: int, size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[size])."""
        end = self._size(size)
        if not 0 < old_size <= end:
            raise ProofError(f"no consistency proof from {old_size} to {end}")

        def sub(m: int, start: int, stop: int, complete: bool) -> list[bytes]:
            if m == stop - start:
                return [] if complete else [self._hash(start, stop)]
            k = _split(stop - start)
            if m <= k:
                return [*sub(m, start, start + k, complete), self._hash(start + k, stop)]
            return [*sub(m - k, start + k, stop, False), self._hash(start, start + k)]

        return sub(old_size, 0, end, True)
