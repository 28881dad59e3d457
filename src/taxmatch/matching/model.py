"""The matching model: Splink settings (comparisons, blocking), training and saving.

Comparisons work on the standard columns of `standardise`. Each comparison
level carries a label (`exact`, `fuzzy`, `partial`, `disagree`, `missing`) that
the decision reads; the labels, not the gamma numbers, are the contract.
"""

from __future__ import annotations

from typing import Any

from taxmatch.rules.levels import Level
from taxmatch.standardise.table import STANDARD_COLUMNS

# The labels are the levels' stored words (plain strings: the model is saved as JSON).
MISSING, EXACT, FUZZY, PARTIAL, DISAGREE = (
    Level.MISSING.value,
    Level.EXACT.value,
    Level.FUZZY.value,
    Level.PARTIAL.value,
    Level.DISAGREE.value,
)
SWAPPED = (
    Level.SWAPPED.value
)  # given name and surname exchanged; counts as fuzzy when both comparisons say so
SWAPPED_NAMES = '"surname_std_l" = "first_std_r" AND "first_std_l" = "surname_std_r"'
_ONE_EDIT = 'length("{c}_l") >= 4 AND damerau_levenshtein("{c}_l", "{c}_r") <= 1'
UID = "uid"
# One slip in the ZIP and the city still places the same house on the same street.
LOCALITY = (
    '("zip5_l" = "zip5_r" OR ("city_std_l" = "city_std_r" AND "state_std_l" = "state_std_r") '
    'OR (damerau_levenshtein("zip5_l", "zip5_r") <= 1 '
    'AND jaro_winkler_similarity("city_std_l", "city_std_r") >= 0.85))'
)
SAME_STREET = '"house_number_l" = "house_number_r" AND "street_name_l" = "street_name_r"'
UNITS_CLASH = '("unit_std_l" IS NOT NULL AND "unit_std_r" IS NOT NULL AND "unit_std_l" <> "unit_std_r")'


def _level(label: str, sql: str, *, null: bool = False, tf: str | None = None) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    if tf:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
    return level


def _null(*columns: str) -> dict[str, Any]:
    sql = " OR ".join(f'"{c}_l" IS NULL OR "{c}_r" IS NULL' for c in columns)
    return _level(MISSING, sql, null=True)


def _else() -> dict[str, Any]:
    return _level(DISAGREE, "ELSE")


def _comparison(name: str, description: str, levels: list[dict[str, Any]]) -> dict[str, Any]:
    return {"output_column_name": name, "comparison_description": description, "comparison_levels": levels}


COMPARISONS: list[dict[str, Any]] = [
    _comparison(
        "surname",
        "surname tokens without particles",
        [
            _null("surname_std"),
            _level(EXACT, '"surname_std_l" = "surname_std_r"', tf="surname_std"),
            _level(FUZZY, 'list_has_any("surname_tokens_l", "surname_tokens_r")'),
            _level(FUZZY, 'jaro_winkler_similarity("surname_std_l", "surname_std_r") >= 0.92'),
            _level(FUZZY, _ONE_EDIT.format(c="surname_std")),
            _level(SWAPPED, SWAPPED_NAMES),
            _else(),
        ],
    ),
    _comparison(
        "first_name",
        "first given name and its known forms",
        [
            _null("first_std"),
            _level(EXACT, '"first_std_l" = "first_std_r"', tf="first_std"),
            _level(FUZZY, 'list_has_any("first_forms_l", "first_forms_r")'),
            _level(FUZZY, 'jaro_winkler_similarity("first_std_l", "first_std_r") >= 0.90'),
            _level(FUZZY, 'list_has_any("given_tokens_l", "given_tokens_r")'),
            _level(FUZZY, _ONE_EDIT.format(c="first_std")),
            _level(SWAPPED, SWAPPED_NAMES),
            _level(
                PARTIAL,
                '(length("first_std_l") = 1 OR length("first_std_r") = 1) '
                'AND left("first_std_l", 1) = left("first_std_r", 1)',
            ),
            _else(),
        ],
    ),
    _comparison(
        "address",
        "house number, street, unit and locality",
        [
            _null("house_number", "street_name"),
            _level(EXACT, '"address_key_l" = "address_key_r"', tf="address_key"),
            _level(FUZZY, f"{SAME_STREET} AND NOT {UNITS_CLASH} AND {LOCALITY}"),
            _level(
                FUZZY,
                '"house_number_l" = "house_number_r" AND (jaro_winkler_similarity("street_name_l", '
                '"street_name_r") >= 0.88 OR damerau_levenshtein("street_full_l", "street_full_r") <= 2) '
                f"AND NOT {UNITS_CLASH} AND {LOCALITY}",
            ),
            _else(),
        ],
    ),
    _comparison(
        "tin",
        "taxpayer identification number",
        [
            _null("tin_std"),
            _level(EXACT, '"tin_std_l" = "tin_std_r"'),
            _level(FUZZY, 'damerau_levenshtein("tin_std_l", "tin_std_r") <= 1'),
            _else(),
        ],
    ),
    _comparison(
        "dob",
        "date of birth",
        [
            _null("dob"),
            _level(EXACT, '"dob_l" = "dob_r"'),
            _level(
                FUZZY,
                'left("dob_l", 4) = left("dob_r", 4) AND substr("dob_l", 6, 2) = substr("dob_r", 9, 2) '
                'AND substr("dob_l", 9, 2) = substr("dob_r", 6, 2)',
            ),
            _level(FUZZY, 'levenshtein("dob_l", "dob_r") <= 1'),
            _else(),
        ],
    ),
    _comparison(
        "suffix",
        "generational suffix",
        [
            _null("suffix_std"),
            _level(EXACT, '"suffix_std_l" = "suffix_std_r"'),
            _else(),
        ],
    ),
]

BLOCKING_RULES: list[str] = [
    "l.tin_std = r.tin_std",
    "l.zip5 = r.zip5 AND l.surname_key = r.surname_key",
    "l.zip5 = r.zip5 AND l.house_number = r.house_number",
    "l.state_std = r.state_std AND l.city_std = r.city_std AND l.house_number = r.house_number "
    "AND l.street_name = r.street_name",
]
# address_key is house, street, unit and ZIP: its frequency is how many people the master holds at
# that one address, so a match at a crowded address (a shared home, a large complex) counts for less.
TF_COLUMNS: tuple[str, ...] = ("surname_std", "first_std", "address_key")
# Every standard column but the middle initial, which the model does not compare (yet).
COMPARED_COLUMNS: tuple[str, ...] = tuple(c for c in STANDARD_COLUMNS if c != "middle_initial")


def settings(probability_two_random_records_match: float) -> dict[str, Any]:
    """The Splink settings for a link between requests and the master file."""
    return {
        "link_type": "link_only",
        "unique_id_column_name": UID,
        "probability_two_random_records_match": probability_two_random_records_match,
        "blocking_rules_to_generate_predictions": [{"blocking_rule": r} for r in BLOCKING_RULES],
        "comparisons": COMPARISONS,
        "retain_intermediate_calculation_columns": True,
        "retain_matching_columns": True,
    }


def labels(model: dict[str, Any]) -> dict[str, list[Level]]:
    """Per comparison, the level of each gamma value (index = gamma; -1 is the null level).

    Read once per model: scoring looks levels up by index for millions of candidates.
    """
    table: dict[str, list[Level]] = {}
    for comparison in model["comparisons"]:
        ordered = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        table[comparison["output_column_name"]] = [
            Level(lvl["label_for_charts"]) for lvl in reversed(ordered)
        ]
    return table
