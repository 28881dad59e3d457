"""A second synthetic generator, written apart from taxmatch.lab's, for calibration (issue 14).

    python scripts/second_generator.py OUT_DIR [--taxpayers 200000] [--requests 20000] [--seed 5]

It writes OUT_DIR/master.csv, requests.csv and truth.csv in the interchange
formats, and shares nothing with `taxmatch synth` but those formats:

- names come from Faker's locale lists (US, Mexican, Colombian, Brazilian,
  Vietnamese, Indian, romanised Chinese, Polish, French, Yoruba and Twi),
  with their accents, compound given names and family-name-first orders,
  not from the census tables;
- households are dense: a few hundred ZIPs, a few dozen streets each,
  apartment buildings with many units, roommates, couples who kept their own
  surnames, juniors and twins (same surname, birth date and address);
- errors follow another model: keyboard neighbours, OCR confusions
  (`rn`/`m`, `l`/`1`), phonetic respellings, a dropped accent or a dropped
  half of a compound surname, family name first, the middle name used as
  the given name, a street type spelled out, a unit moved into the street
  line or dropped, ZIP+4.

No real people: every value is drawn from Faker's lists at random.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from dataclasses import dataclass, replace
from pathlib import Path

from faker import Faker
from unidecode import unidecode

from taxmatch.interchange import MASTER_COLUMNS, REQUEST_COLUMNS
from taxmatch.lab.request_mix import TRUTH_COLUMNS  # the truth file's format, which evaluation reads

# (locale, share of taxpayers, origin as the evaluation groups it)
LOCALES = (
    ("en_US", 0.50, "other"),
    ("es_MX", 0.16, "hispanic"),
    ("es_CO", 0.05, "hispanic"),
    ("pt_BR", 0.03, "hispanic"),
    ("vi_VN", 0.04, "asian"),
    ("en_IN", 0.04, "asian"),
    ("zh_CN", 0.04, "asian"),
    ("pl_PL", 0.04, "other"),
    ("fr_FR", 0.04, "other"),
    ("yo_NG", 0.03, "other"),
    ("tw_GH", 0.03, "other"),
)
STATES = ("CA", "TX", "FL", "NY", "IL", "AZ", "GA", "NJ", "WA", "MA")
TYPES = {
    "Street": "St",
    "Avenue": "Ave",
    "Road": "Rd",
    "Drive": "Dr",
    "Lane": "Ln",
    "Court": "Ct",
    "Place": "Pl",
}
KEYBOARD = dict(zip("qwertyuiopasdfghjklzxcvbnm", "wertyuioposdfghjklkxcvbnmn", strict=True))
OCR = (("rn", "m"), ("m", "rn"), ("l", "1"), ("cl", "d"), ("o", "0"), ("vv", "w"))
SOUNDS = (("ph", "f"), ("ck", "k"), ("y", "i"), ("ie", "y"), ("z", "s"), ("th", "t"), ("ou", "u"))


@dataclass(frozen=True)
class Home:
    street: str  # house number, street name and type, e.g. "4411 Lopez Mission Avenue"
    unit: str
    city: str
    state: str
    zip: str


@dataclass(frozen=True)
class Person:
    tin: str
    first: str
    middle: str
    last: str
    suffix: str
    born: str
    origin: str
    homes: tuple[Home, ...]  # oldest first; the last is the last known


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fakers = {loc: Faker(loc) for loc, _, _ in LOCALES}
        for i, f in enumerate(self.fakers.values()):
            f.seed_instance(seed * 100 + i)
        self.us = self.fakers["en_US"]
        self.tins: set[str] = set()
        self.places = self._places()

    def _places(self) -> list[tuple[str, str, str, list[str]]]:
        """A few hundred (ZIP, city, state, streets): dense, so namesakes and shared addresses occur."""
        places = []
        for state in STATES:
            for _ in range(30):
                streets = [f"{self.us.last_name()} {self.rng.choice(list(TYPES))}" for _ in range(40)]
                places.append((self.us.zipcode_in_state(state), self.us.city(), state, streets))
        return places

    def tin(self) -> str:
        while True:
            value = (
                f"{self.rng.randint(100, 665)}{self.rng.randint(1, 99):02d}{self.rng.randint(1, 9999):04d}"
            )
            if value not in self.tins:
                self.tins.add(value)
                return value

    def home(self) -> Home:
        zip5, city, state, streets = self.rng.choice(self.places)
        building = self.rng.random() < 0.3  # an apartment building: many units at one number
        number = str(self.rng.randint(1, 40) * 100 + 1 if building else self.rng.randint(1, 19999))
        unit = f"Apt {self.rng.randint(1, 60)}" if building else ""
        return Home(f"{number} {self.rng.choice(streets)}", unit, city, state, zip5)

    def name(self) -> tuple[str, str, str, str]:
        """(locale's origin, first, middle, last)."""
        locale, origin = self.rng.choices([(loc, o) for loc, _, o in LOCALES], [w for _, w, _ in LOCALES])[0]
        f = self.fakers[locale]
        if locale == "zh_CN":
            return origin, f.first_romanized_name(), "", f.last_romanized_name()
        first, last = f.first_name_male() if self.rng.random() < 0.5 else f.first_name_female(), f.last_name()
        if origin == "hispanic" and self.rng.random() < 0.5:
            last = f"{last} {f.last_name()}"  # two surnames, father's and mother's
        middle = f.first_name() if self.rng.random() < 0.4 else ""
        return origin, first, middle, last

    def born(self, low: int = 1940, high: int = 2004) -> str:
        day = dt.date(low, 1, 1) + dt.timedelta(days=self.rng.randint(0, (high - low) * 365))
        return day.isoformat()

    def household(self) -> list[Person]:
        home = self.home()
        moved = self.rng.random() < 0.35  # the household lived elsewhere before
        homes = (self.home(), home) if moved else (home,)
        origin, first, middle, last = self.name()
        head = Person(self.tin(), first, middle, last, "", self.born(), origin, homes)
        shape = self.rng.random()
        people = [head]
        if shape < 0.45:
            return people
        if shape < 0.65:  # a partner, who kept their own surname half the time
            o, f, m, own = self.name()
            people.append(
                replace(
                    head,
                    tin=self.tin(),
                    first=f,
                    middle=m,
                    last=own if self.rng.random() < 0.5 else last,
                    born=self.born(),
                    origin=o,
                )
            )
        elif shape < 0.85:  # children; a junior named for the parent; now and then twins
            for _ in range(self.rng.randint(1, 3)):
                _, f, m, _ = self.name()
                people.append(replace(head, tin=self.tin(), first=f, middle=m, born=self.born(1985, 2006)))
            if self.rng.random() < 0.3:
                people[0] = replace(head, suffix="Sr")
                people.append(replace(head, tin=self.tin(), suffix="Jr", born=self.born(1980, 2004)))
            if self.rng.random() < 0.15:
                twin = people[-1]
                _, f, m, _ = self.name()
                people.append(replace(twin, tin=self.tin(), first=f, middle=m))
        else:  # roommates: unrelated people at one address
            for _ in range(self.rng.randint(1, 3)):
                o, f, m, own = self.name()
                people.append(Person(self.tin(), f, m, own, "", self.born(), o, homes))
        return people


class Errors:
    """How a requester's clerk mistypes: one function per kind of slip, each keeping who and where."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.made: list[str] = []  # the slips of the row being written, for its truth

    def _at(self, word: str) -> int:
        return self.rng.randrange(len(word)) if word else 0

    def keyboard(self, word: str) -> str:
        letters = [i for i, c in enumerate(word.lower()) if c in KEYBOARD]
        if len(letters) < 4:
            return word
        i = self.rng.choice(letters[1:])
        swap = KEYBOARD[word[i].lower()]
        return word[:i] + (swap.upper() if word[i].isupper() else swap) + word[i + 1 :]

    def ocr(self, word: str) -> str:
        found = [(a, b) for a, b in OCR if a in word.lower()]
        if not found:
            return self.keyboard(word)
        a, b = self.rng.choice(found)
        i = word.lower().index(a)
        return word[:i] + b + word[i + len(a) :]

    def phonetic(self, word: str) -> str:
        found = [(a, b) for a, b in SOUNDS if a in word.lower()[1:]]
        if not found:
            return self.ocr(word)
        a, b = self.rng.choice(found)
        i = word.lower().index(a, 1)
        return word[:i] + b + word[i + len(a) :]

    def name(self, first: str, middle: str, last: str) -> tuple[str, str, str]:
        """One slip in the name."""
        choices = ["typo_last", "typo_first", "accents", "family_first"]
        if " " in last:
            choices.append("one_surname")
        if middle:
            choices.append("middle_as_first")
        kind = self.rng.choice(choices)
        typo = self.rng.choice((self.keyboard, self.ocr, self.phonetic))
        self.made.append(kind if not kind.startswith("typo") else f"{kind}_{typo.__name__}")
        if kind == "typo_last":
            return first, middle, typo(last)
        if kind == "typo_first":
            return typo(first), middle, last
        if kind == "accents":
            return unidecode(first), middle, unidecode(last)
        if kind == "family_first":
            return last, middle, first
        if kind == "one_surname":
            return first, middle, last.split(" ")[0]
        return middle, first, last  # known by the middle name, the first written as the middle

    def home(self, home: Home) -> Home:
        """One slip in the address that still names the same home."""
        kind = self.rng.choice(
            ("type_spelled", "unit_in_line", "unit_dropped", "zip4", "street_typo", "city_typo")
        )
        kind = "street_typo" if kind.startswith("unit") and not home.unit else kind
        self.made.append(kind)
        number, _, rest = home.street.partition(" ")
        name, _, kind_word = rest.rpartition(" ")
        if kind == "type_spelled":
            return replace(home, street=f"{number} {name} {TYPES.get(kind_word, kind_word)}")
        if kind == "unit_in_line":
            return replace(home, street=f"{home.street} {home.unit.replace('Apt ', '#')}", unit="")
        if kind == "unit_dropped":
            return replace(home, unit="")
        if kind == "zip4":
            return replace(home, zip=f"{home.zip}-{self.rng.randint(1, 9999):04d}")
        if kind == "city_typo":
            return replace(home, city=self.keyboard(home.city))
        return replace(home, street=f"{number} {self.keyboard(name)} {kind_word}")


def master_rows(people: list[Person], rng: random.Random) -> list[dict[str, str]]:
    rows = []
    for p in people:
        for i, h in enumerate(p.homes):
            as_of = dt.date(2019 + 2 * i, rng.randint(1, 12), rng.randint(1, 28)).isoformat()
            rows.append(
                {
                    "tin": p.tin,
                    "tin_type": "ITIN" if p.tin.startswith("9") else "SSN",
                    "first_name": p.first,
                    "middle_name": p.middle,
                    "last_name": p.last,
                    "suffix": p.suffix,
                    "date_of_birth": p.born,
                    "street_address": h.street,
                    "unit": h.unit,
                    "city": h.city,
                    "state": h.state,
                    "zip": h.zip,
                    "address_as_of": as_of,
                    "address_source": rng.choice(("return", "return", "change_of_address", "postal_update")),
                }
            )
    return rows


def _legal(i: int, rows: int) -> dict[str, str]:
    """The legal elements of a lawful request: one case per row, officials well under the caseload cap."""
    return {
        "request_id": f"S{i:07d}",
        "case_number": f"C{i:08d}",
        "statute": "8 U.S.C. 1253(a)(1)",
        "taxable_periods": "2024",
        "reason": "Located for removal proceedings under a final order.",
        "official_name": f"Agent {i % max(1, rows // 30):05d}",
        "official_title": "Supervisory Detention and Deportation Officer",
    }


class Requests:
    def __init__(self, gen: Generator, people: list[Person]) -> None:
        self.gen, self.rng, self.people = gen, gen.rng, people
        self.errors = Errors(gen.rng)
        self.at: dict[Home, list[Person]] = {}
        for p in people:
            for h in p.homes:
                self.at.setdefault(h, []).append(p)

    def _asked(self, p: Person, home: Home, slips: int) -> tuple[dict[str, str], bool]:
        """The request's person fields, and whether something in them tells namesakes apart."""
        first, middle, last, where = p.first, p.middle, p.last, home
        self.errors.made = []
        for _ in range(slips):
            if self.rng.random() < 0.6:
                first, middle, last = self.errors.name(first, middle, last)
            else:
                where = self.errors.home(where)
        tin = p.tin if self.rng.random() < 0.4 else ""
        born = p.born if self.rng.random() < 0.5 else ""
        if born and self.rng.random() < 0.5:
            y, m, d = born.split("-")
            born = f"{m}/{d}/{y}"
        suffix = p.suffix if self.rng.random() < 0.5 else ""
        fields = {
            "first_name": first,
            "middle_name": middle if self.rng.random() < 0.5 else "",
            "last_name": last,
            "suffix": suffix,
            "date_of_birth": born,
            "tin": f"{tin[:3]}-{tin[3:5]}-{tin[5:]}" if tin else "",
            "street_address": where.street,
            "unit": where.unit,
            "city": where.city,
            "state": where.state,
            "zip": where.zip,
        }
        return fields, bool(tin or born or suffix)

    def _namesake(self, p: Person, home: Home) -> bool:
        return any(o.tin != p.tin and (o.first, o.last) == (p.first, p.last) for o in self.at[home])

    def row(self, i: int, rows: int) -> tuple[dict[str, str], dict[str, str]]:
        kind = self.rng.choices(
            ("exact", "variant", "not_on_file", "wrong_address", "other_tin"), (15, 55, 15, 10, 5)
        )[0]
        p = self.rng.choice(self.people)
        home = p.homes[-1] if len(p.homes) == 1 or self.rng.random() < 0.85 else p.homes[0]
        truth = {"kind": kind, "true_tin": p.tin, "lawful_address": "True", "origin": p.origin}
        if kind == "not_on_file":
            _, f, m, last = self.gen.name()
            p = Person("", f, m, last, "", self.gen.born(), p.origin, (home,))
            truth.update(true_tin="")
        if kind == "wrong_address":
            home = self.gen.home()
            truth.update(lawful_address="False")
        fields, distinct = self._asked(
            p, home, {"exact": 0, "variant": self.rng.choice((1, 1, 2))}.get(kind, 0)
        )
        if kind == "other_tin":
            other = self.rng.choice(self.people).tin
            fields["tin"] = f"{other[:3]}-{other[3:5]}-{other[5:]}"
        expected = "VERIFIED" if kind in ("exact", "variant") else "NO_MATCH"
        if expected == "VERIFIED" and self._namesake(p, home) and not distinct:
            expected = "REVIEW"
        truth = {
            "request_id": f"S{i:07d}",
            **truth,
            "variation": "+".join(self.errors.made) or kind,
            "expected_outcome": expected,
        }
        return {**_legal(i, rows), **fields}, truth


def _write(path: Path, columns: tuple[str, ...] | list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def generate(out: Path, taxpayers: int, requests: int, seed: int) -> None:
    gen = Generator(seed)
    people: list[Person] = []
    while len(people) < taxpayers:
        people.extend(gen.household())
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "master.csv", MASTER_COLUMNS, master_rows(people, gen.rng))
    asked = Requests(gen, people)
    made = [asked.row(i, requests) for i in range(1, requests + 1)]
    _write(out / "requests.csv", REQUEST_COLUMNS, [r for r, _ in made])
    _write(out / "truth.csv", TRUTH_COLUMNS, [t for _, t in made])
    print(f"{len(people):,} taxpayers, {requests:,} requests in {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--taxpayers", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    generate(args.out, args.taxpayers, args.requests, args.seed)


if __name__ == "__main__":
    main()
