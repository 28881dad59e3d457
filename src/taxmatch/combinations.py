"""The distinct combinations of columns side by side, found one column at a time.

A batch has millions of rows but few distinct combinations of what decides
them: the gate's outcomes per check, a candidate's six levels, a comparison's
level and weight. Whatever is made per combination (reasons, a Levels, the
JSON of the weights) is made once and taken for the rest. NumPy's unique over
rows sorts records (0.99 s a chunk for six levels); here the columns become
one int64 key, a mixed-radix number of each column's codes, and only that key
is sorted.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_ROOM = 2**62  # a key times the next column's span stays below it, or the key is ranked first
# Up to this many rows, a rule run a row at a time costs less than the same rule run a column at a time:
# each Arrow kernel has a fixed cost of tens of microseconds, whatever its rows. An interactive call's 25
# rows took the gate 5.1 ms a column at a time and 2.2 ms a row at a time (docs/benchmarks.md, 2026-12-07b).
FEW_ROWS = 100


def distinct(columns: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The first row of each distinct combination of the columns' values, in lexicographic order of the
    combinations, and each row's combination among them: what np.unique(np.stack(columns, axis=1),
    axis=0, return_index=True, return_inverse=True) gives. Columns of numbers (floats by value: NaN
    is one value, 0.0 and -0.0 are one) or of booleans."""
    key = np.zeros(len(columns[0]) if columns else 0, np.int64)
    span = 1  # the key is below it
    for column in columns:
        codes, width = _codes(np.asarray(column))
        if span * width >= _ROOM:  # rank the key first: it then stays below the row count
            _, key = np.unique(key, return_inverse=True)
            key, span = key.reshape(-1).astype(np.int64), len(key)
        key, span = key * width + codes, span * width
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Each value's order among the column's values, as a number from 0, and how many it may be."""
    if values.dtype.kind in "iub" and values.size:
        low, high = int(values.min()), int(values.max())
        if high - low < max(values.size, 64):  # small whole numbers (levels, outcomes): as they are
            return values.astype(np.int64) - low, high - low + 1
    _, codes = np.unique(values, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), max(int(codes.max(initial=0)) + 1, 1)
