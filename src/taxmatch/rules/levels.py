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
    # Two slips away (a name only: `stubx` for Stubbs, `whiet ethgn` for Ethan White). Two slips also
    # join many strangers' names, so it counts only where the TIN and the date of birth both confirm it.
    SIMILAR = "similar"
    DISAGREE = "disagree"
    MISSING = "missing"  # absent on one side: it can confirm nothing


# The members bound once as plain names: Python 3.11 looks an enum member up through a descriptor on
# every `Level.X`, which cost seconds over the millions of candidates of a national batch.
EXACT, FUZZY, PARTIAL, SWAPPED, SIMILAR, DISAGREE, MISSING = (
    Level.EXACT,
    Level.FUZZY,
    Level.PARTIAL,
    Level.SWAPPED,
    Level.SIMILAR,
    Level.DISAGREE,
    Level.MISSING,
)

AGREES = frozenset({EXACT, FUZZY})
CONFIRMS_NOTHING = frozenset({EXACT, MISSING})
# The decision file's columns for the four published levels, in order.
COLUMNS = ("name_agreement", "address_agreement", "tin_agreement", "dob_agreement")


def name_level(surname: Level, first: Level) -> Level:
    """One agreement for the whole name from the surname's and the given name's."""
    if MISSING in (surname, first):
        return MISSING
    if DISAGREE in (surname, first):
        return DISAGREE
    if first is PARTIAL:
        return PARTIAL
    if SWAPPED in (surname, first):  # both must say exchanged; one of them two slips off, similar
        other = first if surname is SWAPPED else surname
        return FUZZY if other is SWAPPED else SIMILAR if other is SIMILAR else DISAGREE
    if SIMILAR in (surname, first):
        return SIMILAR
    return EXACT if surname == first == EXACT else FUZZY


@dataclass(frozen=True, slots=True)  # one per candidate: millions in a national batch
class Levels:
    """How one taxpayer's record compares with the request, field by field."""

    name: Level
    address: Level
    tin: Level = MISSING
    dob: Level = MISSING
    suffix: Level = MISSING
    surname: Level = MISSING  # the surname alone (`name` is surname and given name together)

    @property
    def on_name_and_address(self) -> bool:
        """Rule 2's core: the name and the requester's own address agree, and no suffix contradicts.

        A name two slips off (`similar`) agrees only where the TIN and the date of birth were both given
        and both agree exactly: then the person is named by what only they hold, and the slips are the
        requester's typing."""
        named = self.name in AGREES or (self.name is SIMILAR and self.tin is EXACT and self.dob is EXACT)
        return named and self.address in AGREES and self.suffix is not DISAGREE

    @property
    def identifiers_agree(self) -> bool:
        """Every identifier given (TIN, date of birth) agrees exactly."""
        return self.tin in CONFIRMS_NOTHING and self.dob in CONFIRMS_NOTHING

    @property
    def identifier_disagrees(self) -> bool:
        """An identifier given disagrees outright (not merely one slip away)."""
        return DISAGREE in (self.tin, self.dob)

    @property
    def near_miss(self) -> bool:
        """No identifier disagrees outright, and one is a single slip away."""
        found = {self.tin, self.dob}
        return FUZZY in found and found <= {EXACT, FUZZY, MISSING}

    @property
    def only_the_given_name_differs(self) -> bool:
        """The TIN given, the surname and the address agree; no identifier or suffix contradicts; and the
        given name disagrees (a form the tables do not know, or someone else using the TIN)."""
        return (
            self.name is DISAGREE
            and self.surname in AGREES
            and self.address in AGREES
            and self.tin is EXACT
            and self.dob in CONFIRMS_NOTHING
            and self.suffix is not DISAGREE
        )

    @property
    def same_person_named_at_same_address(self) -> bool:
        """Name and address both exact: what two namesakes at one address share."""
        return self.name is EXACT and self.address is EXACT

    def columns(self) -> dict[str, str]:
        """The decision file's four level columns."""
        return dict(zip(COLUMNS, (self.name, self.address, self.tin, self.dob), strict=True))

    @classmethod
    def stored(cls, columns: Mapping[str, str]) -> Levels:
        """Levels read back from the decision file's columns (a blank is a level nobody measured)."""

        return cls(*(Level(columns.get(c) or MISSING) for c in COLUMNS))
