"""Standardise personal names: pure functions, the same for master and requests.

Accents and non-Latin letters are transliterated; case is folded; compound and
hyphenated surnames become tokens with their particles dropped; generational
suffixes become a field of their own; given names carry the set of forms they
are commonly known by (English nicknames, Spanish hypocorisms, cross-language
equivalents such as Juan/John).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from nicknames import NickNamer
from unidecode import unidecode

from taxmatch.standardise import census

SAINTS = {"ST": "SAINT", "STE": "SAINTE"}
GLUED_PARTICLES = ("DELOS", "DELAS", "DELA", "DEL", "DE", "VANDER", "VANDEN", "VAN", "VON", "DI", "DA", "DU")
PARTICLES = frozenset(
    {
        "DE",
        "DEL",
        "LA",
        "LAS",
        "LOS",
        "DA",
        "DAS",
        "DO",
        "DOS",
        "DI",
        "DU",
        "VAN",
        "VON",
        "DER",
        "DEN",
        "Y",
        "E",
    }
)
SUFFIXES = {
    "JR": "JR",
    "JUNIOR": "JR",
    "SR": "SR",
    "SENIOR": "SR",
    "II": "II",
    "2ND": "II",
    "III": "III",
    "3RD": "III",
    "IV": "IV",
    "4TH": "IV",
    "V": "V",
}
_NOT_LETTER = re.compile(r"[^A-Z' -]+")
_SPACES = re.compile(r"[\s-]+")


# A digit inside a name is a scanning slip for the letter it looks like (`J0hn`, `Danie1le`): read as
# that letter, the name is at most one edit away, where dropping the digit would split it in two.
_LOOKALIKE = str.maketrans("0158", "OLSB")
_DIGIT_IN_WORD = re.compile(r"(?<=[A-Z])[0158]|[0158](?=[A-Z])")


@lru_cache(maxsize=1 << 16)
def clean(text: str | None) -> str:
    """Upper-case ASCII letters and single spaces; hyphens become spaces."""
    if not text:
        return ""
    ascii_text = unidecode(text).upper().replace("'", "").replace(".", " ")
    ascii_text = _DIGIT_IN_WORD.sub(lambda m: m.group().translate(_LOOKALIKE), ascii_text)
    return _SPACES.sub(" ", _NOT_LETTER.sub(" ", ascii_text)).strip()


def suffix(value: str | None) -> str:
    """The generational suffix in its standard form (JR, SR, II, ...) or ''."""
    token = re.sub(r"[^A-Z0-9]", "", unidecode(value or "").upper())
    return SUFFIXES.get(token, "")


@dataclass(frozen=True)
class Surname:
    """A surname as tokens without particles; `text` joins them.

    `also` holds surnames found glued to a particle ('DELACRUZ' also 'CRUZ'),
    compared like tokens but not part of the text.
    """

    tokens: tuple[str, ...]
    suffix: str
    also: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


@lru_cache(maxsize=1 << 16)
def surname(value: str | None) -> Surname:
    """Split a surname into tokens, drop particles, and pull off a trailing suffix."""
    words = clean(value).split()
    found = ""
    # A lone trailing 'V' is more often an initial than 'the fifth'; the suffix column can still say V.
    # Every trailing suffix goes ('Smith II Jr'): a suffix left in the surname would be pulled off
    # when the standard form is read again. The last one written is the one kept.
    while len(words) > 1 and words[-1] in SUFFIXES and words[-1] != "V":
        found = found or SUFFIXES[words[-1]]
        words.pop()
    words = [SAINTS.get(w, w) if i + 1 < len(words) else w for i, w in enumerate(words)]
    tokens = tuple(w for w in words if w not in PARTICLES)
    # A surname that is all particles ("De La") keeps its words rather than vanishing.
    tokens = tokens or tuple(words)
    return Surname(tokens, found, tuple(u for u in map(unglued, tokens) if u and u not in tokens))


def unglued(token: str) -> str:
    """'DELACRUZ' -> 'CRUZ' when what follows a glued particle is itself a census surname; else ''.

    The census check keeps 'DELGADO' and 'DIAZ' whole: 'GADO' and 'AZ' are not surnames.
    """
    for prefix in GLUED_PARTICLES:
        rest = token[len(prefix) :]
        if token.startswith(prefix) and len(rest) >= 3 and rest in census.surnames():
            return rest
    return ""


def name_control(value: str | None) -> str:
    """IRS name control: first four letters of the surname, first part if hyphenated."""
    first_part = re.split(r"[-\s]", unidecode(value or "").strip().upper(), maxsplit=1)[0]
    return re.sub(r"[^A-Z]", "", first_part)[:4]


@cache
def hypocorisms() -> dict[str, frozenset[str]]:
    """Each name in data/hypocorisms.csv with the names it is short for or shortened to, read once."""
    table: dict[str, set[str]] = {}
    source = resources.files("taxmatch") / "data" / "hypocorisms.csv"
    with source.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            nick, given = clean(row["nickname"]), clean(row["given_name"])
            table.setdefault(nick, set()).add(given)
            table.setdefault(given, set()).add(nick)
    return {k: frozenset(v) for k, v in table.items()}


@cache
def namer() -> NickNamer:
    """The `nicknames` package's table of given names and their nicknames, read once."""
    return NickNamer()


@cache
def given_name_forms(first: str) -> frozenset[str]:
    """Every form a standardised given name is commonly known by, itself included."""
    if not first:
        return frozenset()
    forms = {first}
    forms |= hypocorisms().get(first, frozenset())
    forms |= {clean(n) for n in namer().canonicals_of(first.lower())}
    return frozenset(forms)


@dataclass(frozen=True)
class GivenName:
    first: str
    middle_initial: str
    forms: frozenset[str]
    tokens: tuple[str, ...] = ()  # every given word, first and middle, for "Juan Carlos" against "Carlos"


def given_name(first: str | None, middle: str | None = None) -> GivenName:
    """The first given name, the middle initial, and the name's known forms.

    A second given word in the first-name field ("Juan Carlos") is kept as the
    middle name when none was given, so that its initial can still be compared.
    """
    words = clean(first).split()
    head = words[0] if words else ""
    middle_words = clean(middle).split() or words[1:]
    tokens = tuple(dict.fromkeys(w for w in [*words, *clean(middle).split()] if len(w) > 1))
    # A name split by a stray space ("Ja xson") or written as two ("Mary Ann") is also the words joined.
    joined = {"".join(words)} if len(words) > 1 else set()
    forms = given_name_forms(head) | joined
    return GivenName(head, middle_words[0][:1] if middle_words else "", frozenset(forms), tokens)
