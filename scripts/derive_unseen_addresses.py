"""Labelled street lines that usaddress was never trained on, for comparing it with taxmatch's parser.

    python scripts/derive_unseen_addresses.py tests/data/unseen_addresses.csv

usaddress's CRF was trained on its own `labeled.xml`, so agreement there is
no evidence for it (issue 14). These lines are labelled by construction:

- `febrl4`: FEBRL4's original records (tests/data/febrl4/master.csv): the house
  number, then FEBRL's street, whose last word is the street type when it is
  one in USPS Publication 28 (`scantlebury crescent`);
- `faker`: Faker's US street names (a given name or surname and one of its
  street types, many unusual: `Moon Mountains`, `Figueroa Skyway`) with
  house numbers, directionals before and after, and units in the forms
  requesters write (`Apt. 5`, `#5`, `Unit 5`, `Ste 12B`), in mixed case.

Same columns as tests/data/usaddress_labeled.csv, plus `source`.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

from faker import Faker

from taxmatch.lab.parsercheck import LABEL_COLUMNS
from taxmatch.standardise import usps_words

COLUMNS = (LABEL_COLUMNS[0], "source", *LABEL_COLUMNS[1:])
FEBRL = Path(__file__).resolve().parents[1] / "tests" / "data" / "febrl4" / "master.csv"
PRE = ("N", "S", "E", "W", "North", "South", "East", "West", "N.", "S.")
POST = ("NE", "NW", "SE", "SW", "N", "S")
UNITS = ("Apt {}", "Apt. {}", "#{}", "# {}", "Unit {}", "Ste {}", "Suite {}")


def _label(number: str, name: str, kind: str, **more: str) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    return {
        **row,
        "kind": "street",
        "AddressNumber": number,
        "StreetName": name,
        "StreetNamePostType": kind,
        **more,
    }


def febrl() -> list[dict[str, str]]:
    rows = []
    with FEBRL.open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            number, _, street = r["street_address"].partition(" ")
            if not number.isdigit() or not street:
                continue
            *words, last = street.split()
            typed = bool(words) and last.upper() in usps_words.SUFFIX_OF
            name, kind = (" ".join(words), last) if typed else (street, "")
            rows.append(
                {**_label(number, name, kind), "source": "febrl4", "street_line": r["street_address"]}
            )
    return rows


def faker(count: int, seed: int) -> list[dict[str, str]]:
    rng, fake = random.Random(seed), Faker("en_US")
    fake.seed_instance(seed)
    rows = []
    for _ in range(count):
        number = fake.building_number().lstrip("0") or "1"
        name, _, kind = fake.street_name().rpartition(" ")
        pre = rng.choice(PRE) if rng.random() < 0.2 else ""
        post = rng.choice(POST) if rng.random() < 0.1 else ""
        unit = f"{rng.randint(1, 999)}{rng.choice(('', '', 'B'))}" if rng.random() < 0.4 else ""
        parts = [number, pre, name, kind, post, rng.choice(UNITS).format(unit) if unit else ""]
        line = " ".join(p for p in parts if p)
        line = line.upper() if rng.random() < 0.3 else line.lower() if rng.random() < 0.3 else line
        label = _label(number, name, kind, StreetNamePreDirectional=pre, StreetNamePostDirectional=post)
        rows.append({**label, "OccupancyIdentifier": unit, "source": "faker", "street_line": line})
    return rows


def main(target: str) -> None:
    rows = [*febrl(), *faker(3000, seed=11)]
    with Path(target).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({**r, "index": str(i)} for i, r in enumerate(rows))
    print(f"{len(rows):,} labelled street lines in {target}")


if __name__ == "__main__":
    main(sys.argv[1])
