"""Standardise US street addresses to USPS Publication 28 forms: pure functions.

The abbreviation tables, and the repair of misspelt USPS words, are in
`usps_words`; this module only decides which token plays which part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import zipcodes
from unidecode import unidecode

from taxmatch.standardise import usps_words
from taxmatch.standardise.usps_words import DIRECTION_OF, ORDINALS, STATE_OF, SUFFIX_OF, UNIT_OF

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
# Compiled once: a batch parses a street line a row (re's own cache costs a look-up each call).
_DIRECTIONAL = re.compile(r"\b([NS])\s*\.?\s*([EW])\b\.?")
_NOT_TOKEN = re.compile(r"[^A-Z0-9/# -]+")
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s")
_NOT_LETTER_OR_SPACE = re.compile(r"[^A-Z ]+")


def _tokens(text: str | None) -> list[str]:
    upper = unidecode(text or "").upper()
    upper = upper.replace("#", " # ").replace("½", " 1/2")
    # "N.W." and "S. W." are one directional, NW and SW.
    upper = _DIRECTIONAL.sub(r"\1\2", upper)
    return _NOT_TOKEN.sub(" ", upper.replace("-", " - ")).split()


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
    return bool(_DIGIT.search(token)) or (len(token) == 1 and token.isalpha())


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
    if not value:  # most rows have no unit column, or an empty one: nothing to parse
        return ""
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
    rest = usps_words.corrected(usps_words.directional_slip(rest))
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
    if len(rest) > 2 and _DIGIT.search(rest[-1]) and _is_unit_number(rest[-1]) and not _is_route(rest):
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
    key = _NOT_LETTER_OR_SPACE.sub("", unidecode(value or "").upper()).strip()
    return STATE_OF.get(key, "")


def city(value: str | None) -> str:
    """City name in capitals with Saint/Mount/Fort spelled out."""
    words = _NOT_LETTER_OR_SPACE.sub(" ", unidecode(value or "").upper()).split()
    return " ".join(CITY_WORDS.get(w, w) for w in words)


@cache
def zip_cities() -> dict[str, tuple[str, frozenset[str]]]:
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
    known = zip_cities().get(zip5(zip_code))
    return known[0] if known and cleaned in known[1] else cleaned


def is_zip_only(value: str | None) -> bool:
    """True for a street field holding only a ZIP: 'a zip code is not an address'."""
    return bool(_ZIP.match(_SPACE.sub("", value or "")))
