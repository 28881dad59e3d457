"""The SQL conditions of the comparison levels that Splink's level creators do not offer.

Each is written once in DuckDB's SQL and rendered by Splink (sqlglot) for each
engine (matching/model.py builds the levels from them); functions whose names
differ between engines (Jaro-Winkler, list overlap, edit distances) come from
Splink's own level creators instead, which know each engine's name for them.
Columns are the standard columns (standardise/table.py), `_l` the request's
side and `_r` the master's.
"""

from __future__ import annotations

SWAPPED_NAMES = '"surname_std_l" = "first_std_r" AND "first_std_l" = "surname_std_r"'
# Exchanged where one of them is compound (`gutierrez fajardo angela`, `wilson-wheeler emiily`): each
# side's given name is one of the other side's surname words.
SWAPPED_TOKENS = (
    'list_contains("surname_tokens_l", "first_std_r") AND list_contains("surname_tokens_r", "first_std_l")'
)


def _exchanged_within(edits: int) -> str:
    """Given name and surname exchanged, each at most `edits` edits off (levenshtein is one function on
    both engines), on names long enough for an edit to mean a slip."""
    return (
        'length("surname_std_l") >= 4 AND length("first_std_l") >= 4 '
        f'AND levenshtein("surname_std_l", "first_std_r") <= {edits} '
        f'AND levenshtein("first_std_l", "surname_std_r") <= {edits}'
    )


# Exchanged and one of them misspelt ('liebenbrrg bianca' for Bianca Liebenberg).
SWAPPED_SLIPPED = _exchanged_within(1)
# Exchanged and two slips each way at most (`whiet ethgn` for Ethan White): `similar`, which counts only
# where the TIN and the date of birth both confirm it (rules/levels.py).
SWAPPED_SIMILAR = _exchanged_within(2)
SAME_STREET = '"house_number_l" = "house_number_r" AND "street_name_l" = "street_name_r"'
# House number and street as one string without spaces (coalesced: Spark's concat of a NULL is NULL).
_WHOLE = "replace(concat(coalesce(\"house_number_{0}\", ''), coalesce(\"street_full_{0}\", '')), ' ', '')"
SAME_CHARACTERS = f"{_WHOLE.format('l')} = {_WHOLE.format('r')}"
# A name read by OCR with `rn` for `m` (`rnai` for Mai, `Phạrn` for Phạm): two edits, which a short name
# cannot afford, but one misreading. Both sides are read the same way, so `Arnold` still equals `Arnold`.
OCR_SAME = "replace(\"{c}_l\", 'RN', 'M') = replace(\"{c}_r\", 'RN', 'M')"
# First and middle name exchanged (`John Chi Lê` for Chi John Lê): each side's first name is one of the
# other side's given names. More than a shared given word, which a middle name alone makes.
GIVEN_EXCHANGED = (
    'list_contains("given_tokens_r", "first_std_l") AND list_contains("given_tokens_l", "first_std_r")'
)
UNITS_CLASH = '("unit_std_l" IS NOT NULL AND "unit_std_r" IS NOT NULL AND "unit_std_l" <> "unit_std_r")'
