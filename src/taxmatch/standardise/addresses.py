"""Standardise US street addresses to USPS Publication 28 forms: pure functions.

The abbreviation tables are the ones `usaddress-scourgify` keeps from
Publication 28 (street suffixes, directionals, unit designators, states); this
module only decides which token plays which part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

import zipcodes
from scourgify import address_constants as usps
from unidecode import unidecode

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
ROUTE_TYPES = frozenset({"HWY", "RTE", "RD", "EXPY", "FWY", "PIKE", "TPKE"})
FLOOR_WORDS = frozenset({"FLOOR", "FL", "FLR", "LEVEL", "LVL"})
CITY_WORDS = {"ST": "SAINT", "STE": "SAINTE", "MT": "MOUNT", "FT": "FORT"}

PLACEHOLDER_WORDS = (
    "UNKNOWN",
    "UNK",
    "FAILED TO PROVIDE",
    "NOT PROVIDED",
    "NONE",
    "NULL",
    "N A",
    "NA",
    "DONT CARE",
    "DON T CARE",
    "SEE CASE FILE",
    "SEE FILE",
    "TBD",
    "HOMELESS",
    "NO ADDRESS",
    "REDACTED",
    "UNDELIVERABLE",
    "GENERAL DELIVERY",
    "XXX",
    "UNKNOWN ADDRESS",
)
_PLACEHOLDER = re.compile(r"\b(" + "|".join(re.escape(w) for w in PLACEHOLDER_WORDS) + r")\b")
_HOUSE = re.compile(r"^\d+[A-Z]?$|^\d+-\d+[A-Z]?$")
_LETTER = re.compile(r"[A-Z]")
_ZIP = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
# A bare BOX only with its number: `Box Hill Avenue` is a street.
_PO_BOX = re.compile(r"\b(P\s*O\s*BOX|POST OFFICE BOX)\b|\bBOX\s*#?\s*\d")


def _one_edit_away(word: str) -> set[str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return (deletes | swaps | replaces | inserts) - {word}


@cache
def _typo_table() -> dict[str, str]:
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
    word = _typo_table().get(token) if len(token) >= 5 else None
    return word if word and any(word in _KIND_TABLES[k] for k in kinds) else token


def _unit_number_follows(rest: list[str], i: int) -> bool:
    return i + 1 < len(rest) and (rest[i + 1] == "#" or bool(re.search(r"\d", rest[i + 1])))


_SPELLED_DIRECTIONS = frozenset({"NORTH", "SOUTH", "EAST", "WEST"})


def _directional_slip(rest: list[str]) -> list[str]:
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


def _corrected(rest: list[str]) -> list[str]:
    """Misspelt USPS words corrected only where such a word stands (what follows the house number).

    A street type stands last, or before a postdirectional or a unit; a unit designator before its
    number. A directional (`Suoth`) or an ordinal (`Seevnth`) may stand anywhere, as either can be the
    street's name (`West South Way`), and no name of five letters is one slip from one.
    """
    out = []
    for i, token in enumerate(rest):
        kinds = {Word.ORDINAL, Word.DIRECTION}
        unit_follows = _unit_number_follows(rest, i)
        last = i == len(rest) - 1
        if len(rest) > 1 and (last or unit_follows or rest[i + 1] in DIRECTION_OF):
            kinds.add(Word.SUFFIX)
        if unit_follows:
            kinds.add(Word.UNIT)
        out.append(correct_typo(token, frozenset(kinds)))
    return out


def _tokens(text: str | None) -> list[str]:
    upper = unidecode(text or "").upper()
    upper = upper.replace("#", " # ").replace("½", " 1/2")
    # "N.W." and "S. W." are one directional, NW and SW.
    upper = re.sub(r"\b([NS])\s*\.?\s*([EW])\b\.?", r"\1\2", upper)
    return re.sub(r"[^A-Z0-9/# -]+", " ", upper.replace("-", " - ")).split()


@dataclass(frozen=True)
class Street:
    """A parsed street line; empty strings where a part is absent."""

    house_number: str = ""
    predirectional: str = ""
    name: str = ""
    suffix: str = ""
    postdirectional: str = ""
    unit: str = ""
    placeholder: bool = False
    po_box: bool = False

    @property
    def text(self) -> str:
        """The standard one-line form, without the unit."""
        parts = (self.house_number, self.predirectional, self.name, self.suffix, self.postdirectional)
        return " ".join(p for p in parts if p)


_FRACTION = re.compile(r"^\d+/\d+$")


def _house(tokens: list[str]) -> tuple[str, list[str]]:
    if not tokens:
        return "", tokens
    head = tokens[0]
    if head.isdigit() and len(tokens) > 2 and tokens[1] == "-" and tokens[2].isdigit():
        return f"{head}-{tokens[2]}", tokens[3:]  # Queens-style "12-34"
    if _HOUSE.match(head):
        rest = tokens[1:]
        if rest and _FRACTION.match(rest[0]):
            return f"{head} {rest[0]}", rest[1:]  # "12 1/2 Main St"
        return head, rest
    return "", tokens


def _is_unit_number(token: str) -> bool:
    return bool(re.search(r"\d", token)) or (len(token) == 1 and token.isalpha())


def _unit(tokens: list[str]) -> tuple[list[str], str]:
    """Split off a unit designator and its number; '#' and APT and UNIT compare equal.

    A designator counts only when a number (or a lone letter) follows it, so
    'Front Lane' and 'Lake Front Rd' keep their street words.
    """
    for i, token in enumerate(tokens):
        numbered = i + 1 < len(tokens) and (token == "#" or _is_unit_number(tokens[i + 1]))
        if i == 0 and token in UNIT_OF and numbered:
            return [], "".join(tokens[1:])  # "45 Apt 3": a unit, but no street
        if i > 0 and token in UNIT_OF and numbered:
            return tokens[:i], "".join(t for t in tokens[i + 1 :] if t != "-")
        if i > 0 and token == "#" and i + 1 == len(tokens):
            return tokens[:i], ""
    return tokens, ""


def unit(value: str | None) -> str:
    """A unit number without its designator: 'Apt 4B', '# 4b' and 'Unit 4-B' give '4B'."""
    tokens = [t for t in _tokens(value) if t != "-"]
    while tokens and tokens[0] in UNIT_OF:
        tokens = tokens[1:]
    return "".join(tokens)


@lru_cache(maxsize=1 << 18)
def street(line: str | None, unit_field: str | None = None) -> Street:
    """Parse and standardise a street line (and the separate unit column, if any)."""
    tokens = _tokens(line)
    text = " ".join(tokens)
    if _PO_BOX.search(text):
        return Street(po_box=True)
    if not _LETTER.search(text) or _PLACEHOLDER.search(text.replace("/", " ")):
        return Street(placeholder=True)
    house, rest = _house(tokens)
    rest = _corrected(_directional_slip(rest))
    # A fraction anywhere but after the house number is noise (a stray "¼"), never a street or unit.
    rest, glued_unit = _unit([t for t in rest if t != "/" and not _FRACTION.match(t)])
    rest, trailing_unit = _trailing_unit([t for t in rest if t not in {"-", "#"}])
    pre, words, sfx, post = _roles(_rejoined(rest))
    return Street(
        house_number=house,
        predirectional=pre,
        name=" ".join(words),
        suffix=sfx,
        postdirectional=post,
        unit=unit(unit_field) or glued_unit or trailing_unit,
    )


# Street types long enough to be told apart when a slip glues them to the street's name.
GLUED_TYPES = ("STREET", "CRESCENT", "AVENUE", "PLACE", "COURT", "DRIVE", "TERRACE", "BOULEVARD", "PARKWAY")


def _rejoined(rest: list[str]) -> list[str]:
    """A street type a slip split or glued: 'OWEN CRE SCENT', 'BUNDEYS TREET', 'KINGSCOTECRESCENT'.

    Only where the line ends in no street type as written, so a real name ('Park Place') is left alone;
    both the master and the requests go through here, so either side's slip meets the other's form.
    """
    if (
        not rest or rest[-1] in SUFFIX_OF or rest[-1] in DIRECTION_OF
    ):  # a type, or a postdirectional after one
        return rest
    if len(rest) >= 3 and rest[-2] + rest[-1] in SUFFIX_OF:
        return [*rest[:-2], rest[-2] + rest[-1]]
    if len(rest) >= 2 and len(rest[-2]) > 3 and rest[-2][-1] + rest[-1] in SUFFIX_OF:
        return [*rest[:-2], rest[-2][:-1], rest[-2][-1] + rest[-1]]
    for word in GLUED_TYPES:
        if rest[-1].endswith(word) and len(rest[-1]) - len(word) >= 3:
            return [*rest[:-1], rest[-1][: -len(word)], word]
    return rest


def _is_route(tokens: list[str]) -> bool:
    """'Highway 763', 'US Hwy 278', 'State Road 75': the number is the street's name, not a unit."""
    return len(tokens) >= 2 and SUFFIX_OF.get(tokens[-2]) in ROUTE_TYPES and tokens[-1][:1].isdigit()


def _trailing_unit(rest: list[str]) -> tuple[list[str], str]:
    """A unit written after the street without a designator: 'Main St 4B', 'Dearborn Second Floor'."""
    if len(rest) > 2 and rest[-1] in FLOOR_WORDS:
        return rest[:-2], rest[-2]
    if len(rest) > 2 and re.search(r"\d", rest[-1]) and _is_unit_number(rest[-1]) and not _is_route(rest):
        return rest[:-1], rest[-1]
    return rest, ""


def _roles(rest: list[str]) -> tuple[str, list[str], str, str]:
    """Predirectional, street-name words, suffix and postdirectional of what is left of a line."""
    pre = post = sfx = ""
    if len(rest) > 1 and rest[-1] in DIRECTION_OF:
        post, rest = DIRECTION_OF[rest[-1]], rest[:-1]
    if _is_route(rest):
        if len(rest) > 2 and rest[0] in DIRECTION_OF:
            pre, rest = DIRECTION_OF[rest[0]], rest[1:]
        return pre, [SUFFIX_OF.get(w, w) for w in rest], "", post
    if len(rest) > 1 and rest[-1] in SUFFIX_OF:
        sfx, rest = SUFFIX_OF[rest[-1]], rest[:-1]
    if len(rest) > 1 and rest[0] in DIRECTION_OF:
        pre, rest = DIRECTION_OF[rest[0]], rest[1:]
    # A lone directional is the street's name: "North Street" and "N St" are one street.
    return pre, [ORDINALS.get(w, DIRECTION_OF.get(w, w) if len(rest) == 1 else w) for w in rest], sfx, post


def zip5(value: str | None) -> str:
    """The 5-digit ZIP of a ZIP or ZIP+4, or '' when it is not one."""
    match = _ZIP.match((value or "").strip())
    return match.group(1) if match else ""


def state(value: str | None) -> str:
    """The USPS state code for a code or a state name, or '' when it is neither."""
    key = re.sub(r"[^A-Z ]", "", unidecode(value or "").upper()).strip()
    return STATE_OF.get(key, "")


def city(value: str | None) -> str:
    """City name in capitals with Saint/Mount/Fort spelled out."""
    words = re.sub(r"[^A-Z ]+", " ", unidecode(value or "").upper()).split()
    return " ".join(CITY_WORDS.get(w, w) for w in words)


@cache
def _zip_cities() -> dict[str, tuple[str, frozenset[str]]]:
    """Per ZIP, its USPS city and every other name people use for it (from the `zipcodes` data)."""
    table = {}
    every: list[dict[str, Any]] = zipcodes.list_all()  # type: ignore[no-untyped-call]
    for z in every:
        names = {city(n) for n in (*z["acceptable_cities"], *z["unacceptable_cities"])}
        table[z["zip_code"]] = (city(z["city"]), frozenset(names))
    return table


def canonical_city(name: str | None, zip_code: str | None) -> str:
    """The ZIP's USPS city when `name` is one of its known aliases ('Hollywood' in 90028); else the name."""
    cleaned = city(name)
    known = _zip_cities().get(zip5(zip_code))
    return known[0] if known and cleaned in known[1] else cleaned


def is_zip_only(value: str | None) -> bool:
    """True for a street field holding only a ZIP: 'a zip code is not an address'."""
    return bool(_ZIP.match(re.sub(r"\s", "", value or "")))
