"""Synthetic taxpayers: a master file shaped like a national one. No real people.

Surnames and first names are drawn with census frequencies (aggregate counts
shipped in data/, see scripts/derive_census_tables.py); ZIPs, cities and
states come from the `zipcodes` package. Households share an address, some
hold Jr/Sr pairs, Hispanic surnames are often compound, about 8% of
taxpayers hold an ITIN, and each taxpayer has one to three addresses over time.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache

import zipcodes

from taxmatch.lab.wordlists import ACCENTED, DIRECTIONS, STREET_NAMES, STREET_TYPES
from taxmatch.standardise import census


@dataclass(frozen=True, slots=True)  # slots: a round of synth requests holds millions
class Place:
    street_address: str
    unit: str
    city: str
    state: str
    zip: str


@dataclass(frozen=True, slots=True)
class Taxpayer:
    tin: str
    tin_type: str
    first_name: str
    middle_name: str
    last_name: str
    suffix: str
    date_of_birth: str
    hispanic: bool
    addresses: tuple[tuple[Place, str, str], ...]  # (place, address_as_of, address_source), oldest first


class _Weighted:
    def __init__(self, items: list[str], weights: list[float]) -> None:
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> str:
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


@cache
def _tables() -> dict[str, _Weighted]:
    surnames = census.table("census_surnames.csv")
    firsts = census.table("census_first_names.csv")
    hispanic = [r for r in surnames if float(r["pcthispanic"]) >= 50]
    return {
        "surname": _Weighted([r["name"] for r in surnames], [float(r["count"]) for r in surnames]),
        "hispanic": _Weighted([r["name"] for r in hispanic], [float(r["count"]) for r in hispanic]),
        "male": _Weighted(
            [r["name"] for r in firsts], [float(r["count"]) * float(r["pctmale"]) for r in firsts]
        ),
        "female": _Weighted(
            [r["name"] for r in firsts], [float(r["count"]) * (100 - float(r["pctmale"])) for r in firsts]
        ),
        "hispanic_first": _Weighted(
            [r["name"] for r in firsts], [float(r["count"]) * float(r["pcthispanic"]) for r in firsts]
        ),
    }


@cache
def _zips() -> list[dict[str, str]]:
    every: list[dict[str, str]] = zipcodes.list_all()  # type: ignore[no-untyped-call]
    rows = [z for z in every if z["zip_code_type"] == "STANDARD" and z["active"]]
    return [{"zip": z["zip_code"], "city": z["city"], "state": z["state"]} for z in rows]


def _title(name: str, rng: random.Random, accent_rate: float) -> str:
    if name in ACCENTED and rng.random() < accent_rate:
        return ACCENTED[name]
    return name.title()


class Generator:
    """Deterministic population for a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.tables = _tables()
        self.issued: set[str] = set()

    def tin(self, itin: bool) -> str:
        while True:
            if itin:
                group = self.rng.choice([70, 71, 72, 73, 78, 80, 88, 90, 94])
                value = f"9{self.rng.randint(0, 99):02d}{group:02d}"
            else:
                area = self.rng.randint(1, 899)
                value = f"{667 if area == 666 else area:03d}{self.rng.randint(1, 99):02d}"
            value += f"{self.rng.randint(1, 9999):04d}"
            if value not in self.issued:
                self.issued.add(value)
                return value

    def place(self, zip_pool: list[dict[str, str]], unit_rate: float = 0.15) -> Place:
        z = self.rng.choice(zip_pool)
        direction = self.rng.choice(DIRECTIONS)
        street = " ".join(
            p
            for p in (
                str(self.rng.randint(1, 9999)),
                direction,
                self.rng.choice(STREET_NAMES),
                self.rng.choice(STREET_TYPES),
            )
            if p
        )
        unit = (
            f"Apt {self.rng.randint(1, 40)}{self.rng.choice(['', '', 'A', 'B'])}"
            if self.rng.random() < unit_rate
            else ""
        )
        return Place(street, unit, z["city"], z["state"], z["zip"])

    def surname(self) -> tuple[str, bool]:
        hispanic = self.rng.random() < 0.19
        if not hispanic:
            name = self.tables["surname"].draw(self.rng)
            return name.title(), census.surname_origin().get(name) == "hispanic"
        first = _title(self.tables["hispanic"].draw(self.rng), self.rng, 0.4)
        if self.rng.random() < 0.45:
            second = _title(self.tables["hispanic"].draw(self.rng), self.rng, 0.4)
            return f"{first}{self.rng.choice([' ', ' ', '-'])}{second}", True
        return first, True

    def first_name(self, hispanic: bool) -> str:
        table = (
            "hispanic_first" if hispanic and self.rng.random() < 0.7 else self.rng.choice(["male", "female"])
        )
        return _title(self.tables[table].draw(self.rng), self.rng, 0.5)

    def dob(self, low: int = 1940, high: int = 2006) -> str:
        start = dt.date(low, 1, 1).toordinal()
        return dt.date.fromordinal(self.rng.randint(start, dt.date(high, 12, 28).toordinal())).isoformat()

    def history(self, home: Place, zip_pool: list[dict[str, str]]) -> tuple[tuple[Place, str, str], ...]:
        older = [self.place(zip_pool) for _ in range(self.rng.choice([0, 0, 1, 1, 2]))]
        year = 2024
        entries = [
            (
                home,
                f"{year}-{self.rng.randint(1, 12):02d}-15",
                self.rng.choice(["return", "return", "change_of_address", "postal_update"]),
            )
        ]
        for place in older:
            year -= self.rng.randint(1, 3)
            entries.append((place, f"{year}-{self.rng.randint(1, 12):02d}-15", "return"))
        return tuple(reversed(entries))

    def household(self, zip_pool: list[dict[str, str]]) -> list[Taxpayer]:
        home = self.place(zip_pool, unit_rate=0.3)
        surname, hispanic = self.surname()
        size = self.rng.choice([1, 1, 1, 2, 2, 2, 3, 3, 4, 5])
        people = []
        for i in range(size):
            family = surname if i == 0 or self.rng.random() < 0.8 else self.surname()[0]
            people.append(
                Taxpayer(
                    tin=self.tin(itin=self.rng.random() < 0.08),
                    tin_type="",
                    first_name=self.first_name(hispanic),
                    middle_name=self.rng.choice(["", "", self.first_name(hispanic)]),
                    last_name=family,
                    suffix="",
                    date_of_birth=self.dob(),
                    hispanic=hispanic,
                    addresses=self.history(home, zip_pool),
                )
            )
        if size >= 2 and self.rng.random() < 0.08:  # a father and son of the same name
            senior = replace(people[0], suffix="Sr", date_of_birth=self.dob(1940, 1975))
            junior = replace(
                people[1],
                first_name=senior.first_name,
                middle_name=senior.middle_name,
                last_name=senior.last_name,
                suffix="Jr",
                date_of_birth=self.dob(1976, 2006),
            )
            people[0], people[1] = senior, junior
        return [replace(p, tin_type="ITIN" if p.tin.startswith("9") else "SSN") for p in people]

    def population(self, count: int) -> Iterator[Taxpayer]:
        pool = self.rng.sample(_zips(), k=min(len(_zips()), max(20, count // 400)))
        made = 0
        while made < count:
            for person in self.household(pool)[: count - made]:
                made += 1
                yield person
