"""The matching model: Splink settings (comparisons, blocking), training and saving.

Comparisons work on the standard columns of `standardise`. Each comparison
level carries a label (`exact`, `fuzzy`, `partial`, `disagree`, `missing`) that
the decision reads; the labels, not the gamma numbers, are the contract.
"""

from __future__ import annotations

import json
import re
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from taxmatch.matching.conditions import (
    GIVEN_EXCHANGED,
    OCR_SAME,
    SAME_CHARACTERS,
    SAME_STREET,
    SWAPPED_NAMES,
    SWAPPED_SIMILAR,
    SWAPPED_SLIPPED,
    SWAPPED_TOKENS,
    UNITS_CLASH,
)
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
SIMILAR = Level.SIMILAR.value  # two slips off; the name only where TIN and birth date confirm it
UID = "uid"
ENGINES = ("duckdb", "spark")


def _sql(condition: str) -> cll.CustomLevel:
    return cll.CustomLevel(condition, base_dialect_str="duckdb")


def _one_edit(column: str) -> ComparisonLevelCreator:
    return cll.And(_sql(f'length("{column}_l") >= 4'), cll.DamerauLevenshteinLevel(column, 1))


def _locality() -> ComparisonLevelCreator:
    """The same house on the same street is in the same place when the ZIP or the town agrees, or either
    is one slip away (FEBRL4's `04086` for `04068`, `bayswatre north` for `bayswater north`)."""
    return cll.Or(
        _sql('"zip5_l" = "zip5_r"'),
        _sql('"city_std_l" = "city_std_r" AND "state_std_l" = "state_std_r"'),
        cll.DamerauLevenshteinLevel("zip5", 1),
        cll.And(cll.JaroWinklerLevel("city_std", 0.92), _sql('"state_std_l" = "state_std_r"')),
    )


def _level(label: str, level: ComparisonLevelCreator, *, tf: str | None = None) -> ComparisonLevelCreator:
    if tf:
        return level.configure(label_for_charts=label, tf_adjustment_column=tf, tf_adjustment_weight=1.0)
    return level.configure(label_for_charts=label)


def _null(*columns: str) -> ComparisonLevelCreator:
    sql = " OR ".join(f'"{c}_l" IS NULL OR "{c}_r" IS NULL' for c in columns)
    return _sql(sql).configure(label_for_charts=MISSING, is_null_level=True)


def _comparison(name: str, description: str, levels: list[ComparisonLevelCreator]) -> cl.CustomComparison:
    return cl.CustomComparison(
        comparison_levels=[*levels, cll.ElseLevel().configure(label_for_charts=DISAGREE)],
        output_column_name=name,
        comparison_description=description,
    )


def _comparisons() -> list[cl.CustomComparison]:
    not_units_clash = cll.Not(_sql(UNITS_CLASH))
    return [
        _comparison(
            "surname",
            "surname tokens without particles",
            [
                _null("surname_std"),
                _level(EXACT, _sql('"surname_std_l" = "surname_std_r"'), tf="surname_std"),
                _level(FUZZY, _sql(OCR_SAME.format(c="surname_std"))),
                _level(FUZZY, cll.ArrayIntersectLevel("surname_tokens", 1)),
                _level(FUZZY, cll.JaroWinklerLevel("surname_std", 0.92)),
                _level(FUZZY, _one_edit("surname_std")),
                _level(SWAPPED, _sql(SWAPPED_NAMES)),
                _level(SWAPPED, _sql(SWAPPED_TOKENS)),
                _level(SWAPPED, _sql(SWAPPED_SLIPPED)),
                _level(
                    SIMILAR,
                    cll.And(
                        _sql('length("surname_std_l") >= 3 AND length("surname_std_r") >= 3'),
                        cll.DamerauLevenshteinLevel("surname_std", 2),
                    ),
                ),
                _level(SIMILAR, _sql(SWAPPED_SIMILAR)),
            ],
        ),
        _comparison(
            "first_name",
            "first given name and its known forms",
            [
                _null("first_std"),
                _level(EXACT, _sql('"first_std_l" = "first_std_r"'), tf="first_std"),
                _level(FUZZY, _sql(OCR_SAME.format(c="first_std"))),
                _level(FUZZY, cll.ArrayIntersectLevel("first_forms", 1)),
                _level(FUZZY, cll.JaroWinklerLevel("first_std", 0.90)),
                # Before the given words: an exchanged pair can share a middle name (`Wallace Jonathan
                # Julie` for Julie Jonathan Wallace), which must not make the given name merely fuzzy.
                _level(SWAPPED, _sql(SWAPPED_NAMES)),
                _level(SWAPPED, _sql(SWAPPED_TOKENS)),
                _level(FUZZY, _sql(GIVEN_EXCHANGED)),
                _level(FUZZY, cll.ArrayIntersectLevel("given_tokens", 1)),
                _level(FUZZY, _one_edit("first_std")),
                _level(SWAPPED, _sql(SWAPPED_SLIPPED)),
                _level(SIMILAR, _sql(SWAPPED_SIMILAR)),
                _level(
                    PARTIAL,
                    _sql(
                        '(length("first_std_l") = 1 OR length("first_std_r") = 1) '
                        'AND left("first_std_l", 1) = left("first_std_r", 1)'
                    ),
                ),
            ],
        ),
        _comparison(
            "address",
            "house number, street, unit and locality",
            [
                _null("house_number", "street_name"),
                _level(EXACT, _sql('"address_key_l" = "address_key_r"'), tf="address_key"),
                _level(FUZZY, cll.And(_sql(SAME_STREET), not_units_clash, _locality())),
                _level(
                    FUZZY,
                    cll.And(
                        _sql('"house_number_l" = "house_number_r"'),
                        cll.Or(
                            cll.JaroWinklerLevel("street_name", 0.88),
                            cll.DamerauLevenshteinLevel("street_full", 2),
                        ),
                        not_units_clash,
                        _locality(),
                    ),
                ),
                # A space moved across the house number or inside the street ("695 7Maple Ave",
                # "16343P ark Pl", "13868N Kedzie Pkwy"): the same characters, in the same order.
                _level(FUZZY, cll.And(_sql(SAME_CHARACTERS), not_units_clash, _locality())),
            ],
        ),
        _comparison(
            "tin",
            "taxpayer identification number",
            [
                _null("tin_std"),
                _level(EXACT, _sql('"tin_std_l" = "tin_std_r"')),
                _level(FUZZY, cll.DamerauLevenshteinLevel("tin_std", 1)),
            ],
        ),
        _comparison(
            "dob",
            "date of birth",
            [
                _null("dob"),
                _level(EXACT, _sql('"dob_l" = "dob_r"')),
                _level(
                    FUZZY,
                    _sql(  # day and month exchanged
                        'left("dob_l", 4) = left("dob_r", 4) '
                        'AND substr("dob_l", 6, 2) = substr("dob_r", 9, 2) '
                        'AND substr("dob_l", 9, 2) = substr("dob_r", 6, 2)'
                    ),
                ),
                _level(FUZZY, cll.LevenshteinLevel("dob", 1)),
            ],
        ),
        _comparison(
            "suffix",
            "generational suffix",
            [_null("suffix_std"), _level(EXACT, _sql('"suffix_std_l" = "suffix_std_r"'))],
        ),
    ]


def comparisons(engine: str = "duckdb") -> list[dict[str, Any]]:
    """The comparisons as Splink settings, their SQL rendered for one engine (ENGINES)."""
    return [dict(c.get_comparison(engine).as_dict()) for c in _comparisons()]  # type: ignore[no-untyped-call]


COMPARISONS: list[dict[str, Any]] = comparisons("duckdb")

# Candidates: a true pair must share at least one rule's key even when a field is wrong. Any one of
# ZIP, city, street, surname and given name may be wrong and a rule of the first four still holds;
# the last two survive a wrong ZIP together with a wrong city or street (FEBRL's `8 bungonias treet`
# at a transposed postcode), and a wrong state or none at all (docs/febrl.md: blocking recall).
BLOCKING_RULES: list[str] = [
    "l.tin_std = r.tin_std",
    "l.zip5 = r.zip5 AND l.surname_key = r.surname_key",
    "l.zip5 = r.zip5 AND l.house_number = r.house_number",
    "l.state_std = r.state_std AND l.city_std = r.city_std AND l.house_number = r.house_number "
    "AND l.street_name = r.street_name",
    "l.state_std = r.state_std AND l.house_number = r.house_number AND l.surname_key = r.surname_key",
    "l.house_number = r.house_number AND l.surname_key = r.surname_key AND l.first_std = r.first_std",
]
_RULE_COLUMN = re.compile(r"\bl\.(\w+) = r\.\1\b")


def rule_columns(rule: str) -> tuple[str, ...]:
    """The columns a blocking rule joins on ('l.zip5 = r.zip5 AND ...' -> ('zip5', ...))."""
    return tuple(dict.fromkeys(_RULE_COLUMN.findall(rule)))


def reached_by(rule: str) -> str:
    """The condition that a master row (alias m) shares this rule's key with a request of the chunk."""
    same = " AND ".join(f"q.{c} = m.{c}" for c in rule_columns(rule))
    return f"EXISTS (SELECT 1 FROM requests_std AS q WHERE {same})"


# The master rows some blocking rule can pair with a chunk's requests (requests_std), and no others:
# a chunk is scored against those alone (matching/scorer.py). Made from the rules themselves, so the
# two cannot drift apart; each rule is a conjunction of equal columns (tests/matching/test_scorer.py).
REACHABLE = " OR ".join(reached_by(rule) for rule in BLOCKING_RULES)
# address_key is house, street, unit and ZIP: its frequency is how many people the master holds at
# that one address, so a match at a crowded address (a shared home, a large complex) counts for less.
TF_COLUMNS: tuple[str, ...] = ("surname_std", "first_std", "address_key")
# Every standard column but the middle initial, which the model does not compare (yet).
COMPARED_COLUMNS: tuple[str, ...] = tuple(c for c in STANDARD_COLUMNS if c != "middle_initial")


def settings(probability_two_random_records_match: float, engine: str = "duckdb") -> dict[str, Any]:
    """The Splink settings for a link between requests and the master file, rendered for one engine."""
    return {
        "link_type": "link_only",
        "unique_id_column_name": UID,
        "probability_two_random_records_match": probability_two_random_records_match,
        "blocking_rules_to_generate_predictions": [{"blocking_rule": r} for r in BLOCKING_RULES],
        "comparisons": comparisons(engine),
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


def for_engine(trained: dict[str, Any], engine: str) -> dict[str, Any]:
    """A saved (trained) model with its comparisons' SQL rendered for another engine.

    The model is trained and saved once, as DuckDB renders it; its m and u
    probabilities, term-frequency settings and labels belong to the levels, so
    only the SQL of each level changes (the levels are the same, in the same order).
    """
    moved: dict[str, Any] = json.loads(json.dumps(trained))
    moved["sql_dialect"] = engine
    for saved, fresh in zip(moved["comparisons"], comparisons(engine), strict=True):
        if saved["output_column_name"] != fresh["output_column_name"]:
            raise ValueError(
                f"the saved model's comparison {saved['output_column_name']!r} is not this model's"
            )
        for level, rendered in zip(saved["comparison_levels"], fresh["comparison_levels"], strict=True):
            level["sql_condition"] = rendered["sql_condition"]
    return moved
