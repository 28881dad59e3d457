"""The gate's row checks over a table of rows, a column at a time.

gate.py defines each check on one row; a batch has millions. Every check reads
only its own columns (gate.ROW_CHECKS), so here each runs once per distinct
combination of those columns' values and its answer is broadcast back with
Arrow and NumPy. The answers are gate.check_row's, row for row
(tests/rules/test_gate_table.py holds them to it), at the cost of the few
distinct values a batch really has: statutes, periods, officials, names.
A table of a few rows (an interactive call) goes through gate.check_row itself.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxmatch import combinations
from taxmatch.agreement import Agreement
from taxmatch.reasons import Reason
from taxmatch.rules import gate


def check_rows(
    table: pa.Table, agreement: Agreement, signed_on: dt.date, today: dt.date
) -> list[list[Reason]]:
    """gate.check_row for every row of `table` (the request columns, as text, never null)."""
    if table.num_rows <= combinations.FEW_ROWS:
        return [gate.check_row(row, agreement, signed_on, today) for row in table.to_pylist()]
    return by_columns(table, agreement, signed_on, today)


def by_columns(
    table: pa.Table, agreement: Agreement, signed_on: dt.date, today: dt.date
) -> list[list[Reason]]:
    """check_rows a column at a time: each check once per distinct combination of its columns' values."""
    if not table.num_rows:
        return []
    under = gate.Under(agreement, signed_on, today)
    outcomes, codes = [], []
    for check in gate.ROW_CHECKS:
        found, code = _fields(table, agreement) if check is gate.FIELDS else _by_value(table, check, under)
        outcomes.append(found)
        codes.append(code)
    combos, inverse = _distinct(codes)
    reasons = [[r for check, c in enumerate(combo) for r in outcomes[check][c]] for combo in combos.tolist()]
    return [list(reasons[i]) for i in inverse.tolist()]


def _distinct(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of these integer columns side by side, in lexicographic order, and the index
    of each row's among them (np.unique over rows, without sorting records: combinations.py)."""
    first, inverse = combinations.distinct(columns)
    return np.stack(columns, axis=1)[first], inverse


def _fields(table: pa.Table, agreement: Agreement) -> tuple[list[list[Reason]], np.ndarray]:
    """gate's field check: too long or a control character, in any column."""
    invalid = np.zeros(table.num_rows, dtype=bool)
    for column in gate.FIELDS.columns:
        values = table[column]
        too_long = pc.greater(pc.utf8_length(values), agreement.max_field_length)
        invalid |= pc.or_(too_long, pc.match_substring_regex(values, gate.CONTROL_CHARACTERS)).to_numpy(
            zero_copy_only=False
        )
    return [[], [Reason.FIELD_INVALID]], invalid.astype(np.int64)


def _by_value(
    table: pa.Table, check: gate.RowCheck, under: gate.Under
) -> tuple[list[list[Reason]], np.ndarray]:
    """The check once per distinct combination of its columns' values: its distinct answers, and the
    index of each row's answer among them."""
    encoded = [pc.dictionary_encode(table[c]).combine_chunks() for c in check.columns]
    combos, inverse = _distinct([e.indices.to_numpy() for e in encoded])
    # Each distinct combination's values, a column at a time (Arrow's take), not an index at a time.
    values = [e.dictionary.take(pa.array(combos[:, k])).to_pylist() for k, e in enumerate(encoded)]
    answers: dict[tuple[Reason, ...], int] = {}
    per_combo = []
    for combo in zip(*values, strict=True):
        found = tuple(check.reasons(dict(zip(check.columns, combo, strict=True)), under))
        per_combo.append(answers.setdefault(found, len(answers)))
    return [list(a) for a in answers], np.asarray(per_combo, dtype=np.int64)[inverse]
