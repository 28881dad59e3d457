"""Comparison levels: how one field of a request compares with one taxpayer's record.

The matcher labels each comparison with a level; the decision file publishes
the name, address, TIN and date-of-birth levels (spec/interchange.md section
4); the one rule reads them through the predicates here, and the reviewer's
verdict rule calls the same predicates, so the rule is stated once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """The agreement of one field; the value is the stored and published word."""

    EXACT = "exact"
    FUZZY = "fuzzy"  # a known variant: a nickname, a typo, an abbreviation, one slip
    PARTIAL = "partial"  # an initial against a name
    SWAPPED = "swapped"  # given name and surname exchanged (a surname or given-name comparison only)
    DISAGREE = "disagree"
    MISSING = "missing"  # absent on one side: it can confirm nothing


AGREES = frozenset({Level.EXACT, Level.FUZZY})
CONFIRMS_NOTHING = frozenset({Level.EXACT, Level.MISSING})
# The decision file's columns for the four published levels, in order.
COLUMNS = ("name_agreement", "address_agreement", "tin_agreement", "dob_agreement")


def name_level(surname: Level, first: Level) -> Level:
    """One agreement for the whole name from the surname's and the given name's."""
    if Level.MISSING in (surname, first):
        return Level.MISSING
    if Level.DISAGREE in (surname, first):
        return Level.DISAGREE
    if first is Level.PARTIAL:
        return Level.PARTIAL
    if Level.SWAPPED in (surname, first):
        return Level.FUZZY if surname == first else Level.DISAGREE
    return Level.EXACT if surname == first == Level.EXACT else Level.FUZZY


@dataclass(frozen=True)
class Levels:
    """How one taxpayer's record compares with the request, field by field."""

    name: Level
    address: Level
    tin: Level = Level.MISSING
    dob: Level = Level.MISSING
    suffix: Level = Level.MISSING

    @property
    def on_name_and_address(self) -> bool:
        """Rule 2's core: the name and the requester's own address agree, and no suffix contradicts."""
        return self.name in AGREES and self.address in AGREES and self.suffix is not Level.DISAGREE

    @property
    def identifiers_agree(self) -> bool:
        """Every identifier given (TIN, date of birth) agrees exactly."""
        return self.tin in CONFIRMS_NOTHING and self.dob in CONFIRMS_NOTHING

    @property
    def identifier_disagrees(self) -> bool:
        """An identifier given disagrees outright (not merely one slip away)."""
        return Level.DISAGREE in (self.tin, self.dob)

    @property
    def near_miss(self) -> bool:
        """No identifier disagrees outright, and one is a single slip away."""
        found = {self.tin, self.dob}
        return Level.FUZZY in found and found <= {Level.EXACT, Level.FUZZY, Level.MISSING}

    @property
    def same_person_named_at_same_address(self) -> bool:
        """Name and address both exact: what two namesakes at one address share."""
        return self.name is Level.EXACT and self.address is Level.EXACT

    def columns(self) -> dict[str, str]:
        """The decision file's four level columns."""
        return dict(zip(COLUMNS, (self.name, self.address, self.tin, self.dob), strict=True))

    @classmethod
    def stored(cls, columns: Mapping[str, str]) -> Levels:
        """Levels read back from the decision file's columns (a blank is a level nobody measured)."""

        return cls(*(Level(columns.get(c) or Level.MISSING) for c in COLUMNS))
