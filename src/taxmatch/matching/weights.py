"""A candidate's weights: what the model added up for it, comparison by comparison.

Only the candidates a decision is about are ever explained, and a batch scores
millions, so each candidate keeps a place in its chunk's scored columns and its
weights are read from them when asked. What the store keeps of them is their
JSON, made for the whole chunk at once from the few distinct values of each
comparison among the candidates stored (`WeightColumns.json`), never a tuple per candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from itertools import repeat
from typing import overload

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from taxmatch import combinations
from taxmatch.rules.levels import Level


def floats(best: pa.Table, name: str) -> list[float]:
    """A float column as Python floats, read as `_numbers` reads it."""
    values: list[float] = _numbers(best, name).tolist()
    return values


class Weights(Sequence[tuple[str, str, float]]):
    """One candidate's match weight in bits per comparison, with its term-frequency adjustment where it
    has one, read from the scored columns only when asked: a batch has millions of candidates and only
    the few a decision is about are ever explained."""

    def __init__(self, columns: WeightColumns, row: int) -> None:
        self.columns, self.row = columns, row
        self._read: tuple[tuple[str, str, float], ...] | None = None

    def _parts(self) -> tuple[tuple[str, str, float], ...]:
        if self._read is None:
            self._read = self.columns.rows([self.row])[0]
        return self._read

    def __iter__(self) -> Iterator[tuple[str, str, float]]:
        return iter(self._parts())

    def __len__(self) -> int:
        return len(self._parts())

    @overload
    def __getitem__(self, index: int) -> tuple[str, str, float]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, str, float]]: ...
    def __getitem__(self, index: int | slice) -> tuple[str, str, float] | Sequence[tuple[str, str, float]]:
        return self._parts()[index]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(self._parts())


class WeightColumns:
    """The per-comparison levels, bits and term-frequency adjustments of every scored row; the bits and
    adjustments as numbers, read once (null and -0.0 as 0.0, by `_numbers`)."""

    def __init__(
        self, best: pa.Table, level: dict[str, list[Level]], gammas: Mapping[str, np.ndarray]
    ) -> None:
        # Per comparison: its name, levels, gammas, bits, and term-frequency adjustments where it has them.
        self.columns = [
            (g, level[g], gammas[g], _numbers(best, f"mw_{g}"), _adjustments(best, f"mw_tf_adj_{g}"))
            for g in level
        ]

    def json(self, indices: Sequence[int]) -> list[bytes]:
        """The weights of each row asked for as orjson writes them (`rows`, as a JSON array of arrays):
        each part made once per distinct level and bits of its comparison among them, since a chunk's
        rows hold a few thousand, and a tuple per row and part took 22 s of the 1.28M-row batch; and
        only for the rows asked (the candidates a decision stores), not every row scored
        (docs/benchmarks.md)."""
        if not indices:
            return []
        at = np.asarray(indices, np.int64)
        parts: list[pa.Array | pa.Scalar] = [pa.scalar(b"[")]
        for n, (g, levels, gammas, bits, adjustments) in enumerate(self.columns):
            part = _of(at, partial(_part, g, levels, bits))
            parts += [pa.scalar(b"," if n else b""), _once([gammas[at], bits[at]], part)]
            if adjustments is not None:
                parts.append(_once([adjustments[at]], _of(at, partial(_adjusted, g, adjustments))))
        parts.append(pa.scalar(b"]"))
        made: list[bytes] = pc.binary_join_element_wise(*parts, b"").to_pylist()
        return made

    def rows(self, indices: Sequence[int]) -> list[tuple[tuple[str, str, float], ...]]:
        """The weights of each row asked for, made a comparison at a time for all of them."""
        at = np.asarray(indices, np.int64)
        parts: list[Sequence[tuple[str, str, float] | None]] = []
        for g, levels, _, bits, adjustments in self.columns:  # a level is a StrEnum: its own text
            parts.append(list(zip(repeat(g), [levels[i] for i in indices], bits[at].tolist())))
            if adjustments is not None:
                parts.append([(g, FREQUENCY, a) if a else None for a in adjustments[at].tolist()])
        return [tuple(filter(None, row)) for row in zip(*parts, strict=True)]


FREQUENCY = "frequency of the value"  # the level of a term-frequency adjustment, as explained


def _part(g: str, levels: Sequence[Level], bits: np.ndarray, row: int) -> bytes:
    """A comparison's part of a row's weights: (comparison, level, bits)."""
    return orjson.dumps((g, levels[row], float(bits[row])))


def _adjusted(g: str, adjustments: np.ndarray, row: int) -> bytes:
    """A term-frequency adjustment's part, after the one before it; none where there is none."""
    adjustment = float(adjustments[row])
    return b"," + orjson.dumps((g, FREQUENCY, adjustment)) if adjustment else b""


def _of(at: np.ndarray, text: Callable[[int], bytes]) -> Callable[[int], bytes]:
    """text of a scored row, given its place among the rows asked for."""
    return lambda n: text(int(at[n]))


def _once(keys: Sequence[np.ndarray], text: Callable[[int], bytes]) -> pa.Array:
    """text(row) for every row, made at the first row of each distinct combination of `keys` only."""
    first, inverse = combinations.distinct(keys)
    return pa.array([text(i) for i in first.tolist()], pa.binary()).take(pa.array(inverse))


def _numbers(best: pa.Table, name: str) -> np.ndarray:
    """A float column as numbers: null, and a column the table lacks, as 0.0; + 0.0 makes -0.0 0.0."""
    if name not in best.column_names:
        return np.zeros(best.num_rows)
    return np.asarray(pc.fill_null(best.column(name), 0.0).to_numpy()) + 0.0


def _adjustments(best: pa.Table, name: str) -> np.ndarray | None:
    return _numbers(best, name) if name in best.column_names else None


def stored(many: Sequence[Sequence[tuple[str, str, float]] | None]) -> list[object]:
    """Weights as the decisions table stores them, in candidates' explanations (None where there is no
    candidate): a scored candidate's as JSON made with the others of its chunk at once
    (WeightColumns.json), any other's as its triples."""
    made: list[object] = [None] * len(many)
    scored: dict[int, tuple[WeightColumns, list[int], list[int]]] = {}
    for n, w in enumerate(many):
        if isinstance(w, Weights):
            _, at, rows = scored.setdefault(id(w.columns), (w.columns, [], []))
            at.append(n)
            rows.append(w.row)
        elif w is not None:
            made[n] = tuple(w)
    for columns, at, rows in scored.values():
        for n, text in zip(at, columns.json(rows), strict=True):
            made[n] = orjson.Fragment(text)
    return made
