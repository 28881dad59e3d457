"""A batch's receipts many at once: each disclosure's leaf and inclusion proof in the checkpoint's tree,
as the JSON lines that orjson writes of `transparency._receipt`'s one at a time (tests hold them to it).

A national batch has millions of disclosures, and a proof is a hash a level, so
the proofs are taken a level at a time for every receipt (numpy) and the lines
joined by Arrow, a page at a time: never a dictionary per receipt. The 7.6M-row
batch's 3,641,719 receipts (6.1 GB): 84.9 s one at a time over the whole log's
tree, 61.3 s so, the same bytes (docs/benchmarks.md, 2026-12-06g).

At level l of a tree of n leaves, leaf m's proof holds the sibling of its
ancestor, (m >> l) ^ 1, when that sibling starts inside the tree: a whole
subtree, or the ragged one on the right edge (an unpaired node rises to the
level above unchanged). Bottom up, these are RFC 9162's PATH(m, D[n]).
"""

from __future__ import annotations

import binascii
from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from taxmatch import json_table, merkle

PAGE = 20_000  # receipts joined at a time: memory follows the page, not the batch


class Levels:
    """The nodes of a tree of `size` leaves that the receipts of its leaves from `first` on can need, made
    from the frontier of the `first` leaves before them (`merkle.Frontier.nodes`) and those leaves.

    At each level they run from the subtree that holds leaf `first` to the right edge (its ragged node
    last): a sibling of an ancestor of such a leaf lies there, or is the frontier's subtree just before.
    So a batch's receipts cost its own entries and those after it, not the whole log: rebuilding the
    log's tree for every batch grew with every batch before it (docs/benchmarks.md).
    """

    def __init__(self, first: int, before: Sequence[bytes], leaves: list[bytes]) -> None:
        """`leaves` is taken over (and emptied): each level's nodes replace those below once kept."""
        self.size = first + len(leaves)
        on_left = dict(zip(_bits(first), before, strict=True))  # level -> the frontier's subtree there
        self.starts: list[int] = []  # the index, at each level, of its first node here
        self._levels: list[npt.NDArray[np.uint8]] = []
        nodes, start = leaves[:], first
        leaves.clear()
        for level in range(max(max(self.size - 1, 0).bit_length(), 1)):
            if start & 1:  # the subtree that holds leaf `first` pairs with the frontier's, on its left
                nodes.insert(0, on_left[level])
                start -= 1
            self.starts.append(start)
            self._levels.append(np.frombuffer(b"".join(nodes), np.uint8).reshape(-1, merkle.HASH_SIZE))
            paired = [merkle.node_hash(nodes[i], nodes[i + 1]) for i in range(0, len(nodes) - 1, 2)]
            nodes, start = paired + nodes[len(paired) * 2 :], start >> 1  # a node left unpaired rises

    def nodes(self, level: int, indices: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
        """The nodes at these indices of the level: (count, 32) bytes."""
        return self._levels[level][indices - self.starts[level]]


def _bits(size: int) -> list[int]:
    """The levels of a frontier's subtrees, left to right (largest first): the set bits of its size."""
    return [level for level in reversed(range(size.bit_length())) if size >> level & 1]


def _hex(nodes: npt.NDArray[np.uint8]) -> pa.Array:
    """Each 32-byte node as 64 hex digits (hexlified at once, read by Arrow where they lie)."""
    digits = pa.py_buffer(binascii.hexlify(nodes.tobytes()))
    width = 2 * merkle.HASH_SIZE
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(nodes), [None, digits]).cast(
        pa.binary()
    )


def proofs(levels: Levels, leaves: npt.NDArray[np.int64]) -> pa.Array:
    """Each leaf's inclusion proof as the inside of its JSON array: "hex","hex",... bottom up."""
    size = levels.size
    parts: list[pa.Array | pa.Scalar] = []
    for level in range(max(size - 1, 0).bit_length()):
        sibling = (leaves >> level) ^ 1
        present = (sibling << level) < size
        nodes = _hex(levels.nodes(level, np.where(present, sibling, levels.starts[level])))
        quoted = pc.binary_join_element_wise(b'"', nodes, b'",', b"")
        parts.append(pc.if_else(pa.array(present), quoted, b""))
    if not parts:  # a tree of one leaf: its proof is empty
        return pa.array([b""] * len(leaves), pa.binary())
    joined = pc.binary_join_element_wise(*parts, b"")
    return pc.cast(pc.utf8_rtrim(pc.cast(joined, pa.string()), characters=","), pa.binary())


def quoted(values: pa.Array) -> pa.Array:
    """Each string as a JSON string, as orjson writes it: most as they are, in quotes; the few with a
    quote, a backslash or a control character by orjson itself."""
    strings = pc.cast(values, pa.string())
    plain = pc.binary_join_element_wise(b'"', pc.cast(strings, pa.binary()), b'"', b"")
    escaped = pc.fill_null(pc.match_substring_regex(strings, json_table.ESCAPED), False)
    if not pc.any(escaped).as_py():
        return plain
    written = [orjson.dumps(s) for s in pc.filter(strings, escaped).to_pylist()]
    return pc.replace_with_mask(plain, escaped, pa.array(written, pa.binary()))


def lines(
    levels: Levels, seqs: Sequence[int], disclosures: Sequence[str], requests: Sequence[str]
) -> pa.Buffer:
    """The receipts of these entries (sequence numbers, disclosure ids, request ids) as JSON lines,
    keys sorted, each as orjson writes `transparency._receipt(...) | {"request_id": ...}`."""
    leaves = np.asarray(seqs, np.int64) - 1
    made = pc.binary_join_element_wise(
        b'{"disclosure_id":',
        quoted(pa.array(disclosures, pa.string())),
        b',"inclusion_proof":[',
        proofs(levels, leaves),
        b'],"leaf_hash":"',
        _hex(levels.nodes(0, leaves)),
        b'","leaf_index":',
        pc.cast(pc.cast(pa.array(leaves), pa.string()), pa.binary()),
        b',"request_id":',
        quoted(pa.array(requests, pa.string())),
        f',"tree_size":{levels.size}}}\n'.encode(),
        b"",
    )
    return _joined(made)


def _joined(lines: pa.Array) -> pa.Buffer:
    """A binary array's values one after the other, as Arrow holds them (not a bytes object each)."""
    if not len(lines):
        return pa.py_buffer(b"")
    offsets = np.frombuffer(lines.buffers()[1], np.int32)[lines.offset : lines.offset + len(lines) + 1]
    return lines.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0]))


def pages(levels: Levels, entries: Sequence[tuple[int, str, str]]) -> Iterator[pa.Buffer]:
    """The receipts of these entries ((sequence, disclosure id, request id), each a leaf from the levels'
    `first` on), PAGE at a time."""
    for start in range(0, len(entries), PAGE):
        page = entries[start : start + PAGE]
        yield lines(levels, [e[0] for e in page], [e[1] for e in page], [e[2] for e in page])
