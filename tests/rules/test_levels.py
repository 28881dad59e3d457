"""Comparison levels and the rule's predicates over them, stated once and read by decide and the verdict."""

from __future__ import annotations

import itertools

import pytest

from taxmatch.rules.levels import COLUMNS, Level, Levels, name_level


@pytest.mark.parametrize(
    ("surname", "first", "name"),
    [
        ("exact", "exact", "exact"),
        ("exact", "fuzzy", "fuzzy"),
        ("fuzzy", "exact", "fuzzy"),
        ("exact", "disagree", "disagree"),
        ("disagree", "exact", "disagree"),
        ("exact", "partial", "partial"),
        ("missing", "exact", "missing"),
        ("swapped", "swapped", "fuzzy"),
        ("swapped", "exact", "disagree"),
        ("exact", "swapped", "disagree"),
        ("similar", "exact", "similar"),
        ("similar", "fuzzy", "similar"),
        ("similar", "disagree", "disagree"),
        ("similar", "swapped", "similar"),
        ("swapped", "similar", "similar"),
        ("similar", "similar", "similar"),
        ("similar", "partial", "partial"),
    ],
)
def test_name_level_combines_surname_and_given_name(surname: str, first: str, name: str) -> None:
    assert name_level(Level(surname), Level(first)) is Level(name)


def test_the_predicates_over_every_combination() -> None:
    agrees = {Level.EXACT, Level.FUZZY}
    for name, address, tin, dob, suffix in itertools.product(Level, repeat=5):
        levels = Levels(name, address, tin, dob, suffix)
        confirmed = name in agrees or (name == "similar" and tin == dob == "exact")
        assert levels.on_name_and_address == (confirmed and address in agrees and suffix != "disagree")
        assert levels.identifiers_agree == ({tin, dob} <= {Level.EXACT, Level.MISSING})
        assert levels.identifier_disagrees == (Level.DISAGREE in {tin, dob})
        assert levels.near_miss == (Level.FUZZY in {tin, dob} and {tin, dob} <= {"exact", "fuzzy", "missing"})


def test_levels_round_trip_through_the_decision_file_columns() -> None:
    levels = Levels(Level.FUZZY, Level.EXACT, Level.MISSING, Level.DISAGREE)
    assert list(levels.columns()) == list(COLUMNS)
    assert Levels.stored(levels.columns()) == levels
    assert Levels.stored(dict.fromkeys(COLUMNS, "")) == Levels(*(Level.MISSING,) * 4)
    with pytest.raises(ValueError):
        Levels.stored({"name_agreement": "maybe"})
