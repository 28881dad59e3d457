"""Check the street-line parser against labelled addresses, beside usaddress's CRF tagger.

The labels are usaddress's (tests/data/usaddress_labeled.csv, made by
scripts/derive_usaddress_labels.py) and, for addresses usaddress never saw,
tests/data/unseen_addresses.csv (scripts/derive_unseen_addresses.py). Both
sides go through the same USPS tables, so what is compared is whether each
token was given the right part (house number, directional, street name,
suffix, unit), not spelling. `by_usaddress` reads usaddress's tags through the
same tables, so the two parsers are scored alike.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import usaddress
from unidecode import unidecode

from taxmatch.standardise import addresses, usps_words

COMPONENTS = ("house_number", "predirectional", "street_name", "suffix", "postdirectional", "unit", "zip")


def _clean(text: str) -> str:
    return " ".join(re.sub(r"[^A-Z0-9/# -]+", " ", unidecode(text).upper()).split())


def _name(words: str) -> str:
    # A hyphen inside a name is a space (`Britten-Jones`), as the parser reads it.
    tokens = [usps_words.ORDINALS.get(w, w) for w in _clean(words.replace("-", " ")).split()]
    if len(tokens) == 1:
        tokens = [usps_words.DIRECTION_OF.get(tokens[0], tokens[0])]
    if tokens and tokens[-1][:1].isdigit():  # a route: its type words take their standard form
        tokens = [usps_words.SUFFIX_OF.get(t, t) for t in tokens]
    return " ".join(tokens)


def _zip(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return digits[:5] if len(digits) in {5, 9} else ""


def expected(row: dict[str, str]) -> dict[str, str]:
    """The labelled components, in the standard forms the parser produces."""
    pre = _clean(row["StreetNamePreDirectional"]).replace(" ", "")
    post = _clean(row["StreetNamePostDirectional"]).replace(" ", "")
    suffix = _clean(row["StreetNamePostType"])
    return {
        "house_number": _clean(f"{row['AddressNumber']}{row['AddressNumberSuffix']}").replace(" ", ""),
        "predirectional": usps_words.DIRECTION_OF.get(pre, pre),
        "street_name": _name(f"{row['StreetNamePreType']} {row['StreetName']}"),
        "suffix": usps_words.SUFFIX_OF.get(suffix, suffix),
        "postdirectional": usps_words.DIRECTION_OF.get(post, post),
        "unit": addresses.unit(row["OccupancyIdentifier"]),
        "zip": _zip(row["ZipCode"]),
    }


def parsed(row: dict[str, str]) -> dict[str, str]:
    """What taxmatch makes of the same street line (and ZIP)."""
    street = addresses.street(row["street_line"])
    return {
        "house_number": street.house_number.replace(" ", ""),
        "predirectional": street.predirectional,
        "street_name": street.name,
        "suffix": street.suffix,
        "postdirectional": street.postdirectional,
        "unit": street.unit,
        "zip": _given_zip(row),
    }


def _given_zip(row: dict[str, str]) -> str:
    """The ZIP as taxmatch reads the row's ZIP field (the same for either parser: neither reads it)."""
    return addresses.zip5(row["ZipCode"].strip().rstrip(",").replace(" ", ""))


# The labelled components, by usaddress's tag names; a labelled file (tests/data/*.csv) holds these
# beside the street line, its kind (street, po_box, ...) and the ZIP.
TAGS = (
    "AddressNumber",
    "AddressNumberSuffix",
    "StreetNamePreDirectional",
    "StreetNamePreType",
    "StreetName",
    "StreetNamePostType",
    "StreetNamePostDirectional",
    "OccupancyIdentifier",
)
LABEL_COLUMNS = ("index", "street_line", "kind", *TAGS, "ZipCode")


def by_usaddress(row: dict[str, str]) -> dict[str, str]:
    """What usaddress's CRF makes of the street line, in the standard forms `expected` gives labels."""
    tags: dict[str, str] = dict.fromkeys(TAGS, "")
    for token, tag in usaddress.parse(row["street_line"]):
        if tag in tags:
            tags[tag] = f"{tags[tag]} {token}".strip()
    return {**expected({**tags, "ZipCode": row["ZipCode"]}), "zip": _given_zip(row)}


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def agreement(
    rows: Iterable[dict[str, str]], parse: Callable[[dict[str, str]], dict[str, str]] = parsed
) -> dict[str, tuple[int, int]]:
    """Per component: (rows where parser and label agree, rows where the label has the component).

    Only street addresses count (not PO boxes, intersections or rows without a
    house number); a component is scored where the label has it or the parser
    found one, so an invented part counts against the parser.
    """
    agree: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for row in rows:
        if row["kind"] != "street":
            continue
        want, got = expected(row), parse(row)
        for part in COMPONENTS:
            if want[part] or (got[part] and part != "zip"):
                total[part] += 1
                agree[part] += want[part] == got[part]
    return {part: (agree[part], total[part]) for part in COMPONENTS}
