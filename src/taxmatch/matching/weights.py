"""A candidate's weights: what the model added up for it, comparison by comparison.

Only the candidates a decision is about are ever explained, and a batch scores
millions, so each candidate keeps a place in its chunk's scored columns and its
weights are read from them when asked; a chunk's explained ones are read
together (`read`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from typing import overload

import pyarrow as pa

from taxmatch.rules.decide import Candidate
from taxmatch.rules.levels import Level


def floats(best: pa.Table, name: str) -> list[float]:
    if name not in best.column_names:
        return [0.0] * best.num_rows
    return [float(v or 0.0) for v in best.column(name).to_pylist()]


class Weights(Sequence[tuple[str, str, float]]):
    """One candidate's match weight in bits per comparison, with its term-frequency adjustment where it
    has one, read from the scored columns only when asked: a batch has millions of candidates and only
    the few a decision is about are ever explained."""

    def __init__(self, columns: WeightColumns, row: int) -> None:
        self._columns, self._row = columns, row
        self._read: tuple[tuple[str, str, float], ...] | None = None

    def _parts(self) -> tuple[tuple[str, str, float], ...]:
        if self._read is None:
            self._read = self._columns.rows([self._row])[0]
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
    """The per-comparison levels, bits and term-frequency adjustments of every scored row."""

    def __init__(self, best: pa.Table, level: dict[str, list[Level]]) -> None:
        # Per comparison: its name, levels, bits, and term-frequency adjustments where it has them.
        self.columns = [
            (g, level[g], floats(best, f"mw_{g}"), _adjustments(best, f"mw_tf_adj_{g}")) for g in level
        ]

    def rows(self, indices: Sequence[int]) -> list[tuple[tuple[str, str, float], ...]]:
        """The weights of each row asked for, made a comparison at a time for all of them: a chunk
        explains two candidates a row (100,000 rows: 0.94-1.20 s one at a time, 0.75 s together)."""
        parts: list[Sequence[tuple[str, str, float] | None]] = []
        for g, levels, bits, adjustments in self.columns:  # a level is a StrEnum: its own text
            parts.append(list(zip(repeat(g), [levels[i] for i in indices], [bits[i] for i in indices])))
            if adjustments is not None:
                parts.append([(g, FREQUENCY, a) if (a := adjustments[i]) else None for i in indices])
        return [tuple(filter(None, row)) for row in zip(*parts, strict=True)]


FREQUENCY = "frequency of the value"  # the level of a term-frequency adjustment, as explained


def _adjustments(best: pa.Table, name: str) -> list[float] | None:
    return floats(best, name) if name in best.column_names else None


def read(candidates: Iterable[Candidate | None]) -> None:
    """Read the weights of many candidates at once (a chunk's explained ones), as each would be read
    alone when first asked for."""
    waiting: dict[int, tuple[WeightColumns, list[Weights]]] = {}
    for candidate in candidates:
        weights = candidate.weights if candidate is not None else None
        if isinstance(weights, Weights) and weights._read is None:
            waiting.setdefault(id(weights._columns), (weights._columns, []))[1].append(weights)
    for columns, unread in waiting.values():
        for weights, parts in zip(unread, columns.rows([w._row for w in unread]), strict=True):
            weights._read = parts
