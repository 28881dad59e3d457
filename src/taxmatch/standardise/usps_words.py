"""USPS Publication 28 words, and the slips that hide them: pure functions.

The tables are the ones `usaddress-scourgify` keeps from Publication 28
(street suffixes, directionals, unit designators, states), each word mapped
to its standard abbreviation. A misspelt word is corrected only where such a
word can stand in a street line, so a street's own name (`Forbes`, `Perry`)
is never made into a USPS word (`Forges`, `Ferry`) one edit away.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache

from scourgify import address_constants as usps

SUFFIX_OF: dict[str, str] = dict(usps.STREET_TYPE_ABBREVIATIONS)
SUFFIX_OF.update({v: v for v in usps.STREET_TYPE_ABBREVIATIONS.values()})
DIRECTION_OF: dict[str, str] = dict(usps.DIRECTIONAL_REPLACEMENTS)
DIRECTION_OF.update({v: v for v in usps.DIRECTIONAL_REPLACEMENTS.values()})
UNIT_OF: dict[str, str] = dict(usps.OCCUPANCY_TYPE_ABBREVIATIONS)
UNIT_OF.update({v: v for v in usps.OCCUPANCY_TYPE_ABBREVIATIONS.values()})
UNIT_OF.update({"APT": "APT", "NO": "#", "NUMBER": "#"})
STATE_OF: dict[str, str] = {k: v for k, v in usps.STATE_ABBREVIATIONS.items()}
STATE_CODES = frozenset(STATE_OF.values()) | {"DC", "PR", "GU", "VI", "AS", "MP"}
STATE_OF.update({c: c for c in STATE_CODES})
ORDINALS = {
    "FIRST": "1ST",
    "SECOND": "2ND",
    "THIRD": "3RD",
    "FOURTH": "4TH",
    "FIFTH": "5TH",
    "SIXTH": "6TH",
    "SEVENTH": "7TH",
    "EIGHTH": "8TH",
    "NINTH": "9TH",
    "TENTH": "10TH",
}


def _one_edit_away(word: str) -> set[str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return (deletes | swaps | replaces | inserts) - {word}


@cache
def typo_table() -> dict[str, str]:
    """Misspellings one edit away from a USPS word of five letters or more, when unambiguous."""
    standard = {**UNIT_OF, **ORDINALS, **DIRECTION_OF, **SUFFIX_OF}
    vocabulary = {w for w in standard if len(w) >= 5 and w.isalpha()}
    seen: dict[str, set[str]] = {}
    for word in vocabulary:
        for typo in _one_edit_away(word):
            seen.setdefault(typo, set()).add(word)
    # 'PARKAWY' is one edit from both PARKWAY and PARKWY: no matter, both are PKWY.
    return {
        typo: min(words)
        for typo, words in seen.items()
        if typo not in standard and len({standard[w] for w in words}) == 1
    }


class Word(StrEnum):
    """The kinds of USPS word a misspelling may be corrected into."""

    SUFFIX = "suffix"
    DIRECTION = "direction"
    UNIT = "unit"
    ORDINAL = "ordinal"


_KIND_TABLES = {
    Word.SUFFIX: SUFFIX_OF,
    Word.DIRECTION: DIRECTION_OF,
    Word.UNIT: UNIT_OF,
    Word.ORDINAL: ORDINALS,
}


def correct_typo(token: str, kinds: frozenset[Word] = frozenset(Word)) -> str:
    """'PARKAWY' -> 'PARKWAY', 'SEEVNTH' -> 'SEVENTH'; other tokens unchanged.

    Only into a word of one of `kinds`: a street's own name one edit from a USPS word (`Forbes`,
    `Perry`, `Dines`) is not a misspelt `Forges`, `Ferry` or `Pines` where a name stands.
    """
    word = _slip_of(token)
    return word if word and any(word in _KIND_TABLES[k] for k in kinds) else token


def _slip_of(token: str) -> str | None:
    """The USPS word `token` is one slip from, if any (no word of under five letters is one)."""
    return typo_table().get(token) if len(token) >= 5 else None


_DIGIT = re.compile(r"\d")


def _unit_number_follows(rest: list[str], i: int) -> bool:
    return i + 1 < len(rest) and (rest[i + 1] == "#" or bool(_DIGIT.search(rest[i + 1])))


_SPELLED_DIRECTIONS = frozenset({"NORTH", "SOUTH", "EAST", "WEST"})


def directional_slip(rest: list[str]) -> list[str]:
    """A space moved one letter across a spelled-out directional: 'NORT HBRIDGE', 'WESTM EADOW'.

    Only the four words (four letters or more), only where the line as written has none there.
    """
    out = list(rest)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if a in DIRECTION_OF or len(b) < 2:
            continue
        if len(a) >= 3 and a + b[0] in _SPELLED_DIRECTIONS:
            out[i], out[i + 1] = a + b[0], b[1:]
        elif a[:-1] in _SPELLED_DIRECTIONS and b not in SUFFIX_OF:
            out[i], out[i + 1] = a[:-1], a[-1] + b
    return out


def corrected(rest: list[str]) -> list[str]:
    """Misspelt USPS words corrected only where such a word stands (what follows the house number).

    A street type stands last, or before a postdirectional or a unit; a unit designator before its
    number. A directional (`Suoth`) or an ordinal (`Seevnth`) may stand anywhere, as either can be the
    street's name (`West South Way`), and no name of five letters is one slip from one.
    """
    out = []
    for i, token in enumerate(rest):
        if _slip_of(token) is None:  # most words are no slip of any: kept without a look around
            out.append(token)
            continue
        kinds = {Word.ORDINAL, Word.DIRECTION}
        unit_follows = _unit_number_follows(rest, i)
        last = i == len(rest) - 1
        if len(rest) > 1 and (last or unit_follows or rest[i + 1] in DIRECTION_OF):
            kinds.add(Word.SUFFIX)
        if unit_follows:
            kinds.add(Word.UNIT)
        out.append(correct_typo(token, frozenset(kinds)))
    return out
