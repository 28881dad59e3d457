"""Synthetic request rows shaped like the 2025 batches: the mix of kinds, the variations, the truth.

The mix (fractions of rows, documented in docs/synthetic-data.md):

| kind | share | what the row is | lawful answer |
|---|---|---|---|
| exact | 0.18 | a taxpayer as on file | VERIFIED |
| variant | 0.30 | a taxpayer with real-world variation (see VARIATIONS) | VERIFIED |
| namesake | 0.02 | a Jr/Sr at one address, no suffix, TIN or date of birth | REVIEW |
| placeholder_address | 0.12 | right name and TIN, street is a placeholder or a ZIP alone | REJECTED |
| wrong_address | 0.08 | right name and TIN, an address that is not theirs | NO_MATCH |
| other_tin | 0.04 | right name and address, someone else's TIN | NO_MATCH |
| not_on_file | 0.10 | a person the agency does not hold | NO_MATCH |
| legal_defect | 0.16 | a findable person, but the request fails a legal element | REJECTED |
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from taxmatch.lab.population import Generator, Place, Taxpayer
from taxmatch.lab.wordlists import ACCENTED
from taxmatch.matching.perturb import NICKNAMES, typo, vary_street
from taxmatch.standardise.census import surname_origin
from taxmatch.standardise.names import surname

MIX: tuple[tuple[str, float], ...] = (
    ("exact", 0.18),
    ("variant", 0.30),
    ("namesake", 0.02),
    ("placeholder_address", 0.12),
    ("wrong_address", 0.08),
    ("other_tin", 0.04),
    ("not_on_file", 0.10),
    ("legal_defect", 0.16),
)
# Harder than the demo's: fewer exact rows, more varied ones with two variations each, more
# someone-else's-TIN rows. Namesakes stay rare: each is a REVIEW by design.
HARD_MIX: tuple[tuple[str, float], ...] = (
    ("exact", 0.08),
    ("variant", 0.445),
    ("namesake", 0.015),
    ("placeholder_address", 0.10),
    ("wrong_address", 0.08),
    ("other_tin", 0.06),
    ("not_on_file", 0.10),
    ("legal_defect", 0.12),
)
TRUTH_COLUMNS = (
    "request_id",
    "kind",
    "variation",
    "true_tin",
    "expected_outcome",
    "lawful_address",
    "origin",
)
PLACEHOLDERS = (
    "UNKNOWN ADDRESS",
    "Failed to Provide 12345",
    "Don't Care",
    "N/A",
    "See case file",
    "",
    "{zip}",
    "{zip}-1234",
    "Failed to Provide",
)
STATUTE_SPELLINGS = ("8 U.S.C. 1253(a)(1)", "8 USC 1253(a)(1)", "8 U.S.C. § 1253(a)(1)")
UNACCENT = {v: k.title() for k, v in ACCENTED.items()}


def origin_of(last_name: str) -> str:
    """The census origin of a surname's first token; 'other' when census data does not know it."""
    tokens = surname(last_name).tokens
    return surname_origin().get(tokens[0], "other") if tokens else "other"


@dataclass(frozen=True)
class Truth:
    request_id: str
    kind: str
    variation: str
    true_tin: str
    expected_outcome: str
    lawful_address: bool
    origin: str  # of the surname, by census majority: hispanic, asian or other


VARIATIONS: tuple[str, ...] = (
    "nickname",
    "accents",
    "one_surname",
    "hyphen",
    "name_typo",
    "street",
    "street_typo",
    "unit_hash",
    "missing_unit",
    "older_address",
    "middle_initial",
)


OFFICIALS = 4000  # the pool the demo's 10,000 rows draw from
ROWS_PER_OFFICIAL = 25  # a larger batch has more officials, each far under the caseload cap of 50


def officials_for(rows: int) -> int:
    """How many officials a batch of `rows` is spread over, so that a benchmark measures matching and not
    CASELOAD_IMPLAUSIBLE (issue 13: at 200,000 rows the fixed pool of 4,000 rejected 78,078 rows)."""
    return max(OFFICIALS, rows // ROWS_PER_OFFICIAL)


class Batch:
    """Builds request rows about a population, with the truth for each."""

    def __init__(
        self,
        people: list[Taxpayer],
        seed: int,
        hard: bool = False,
        officials: int = OFFICIALS,
        issued: set[str] | None = None,
    ) -> None:
        self.people = people
        self.officials = officials
        self.rng = random.Random(seed)
        self.gen = Generator(seed + 1)
        self.gen.issued = issued if issued is not None else {p.tin for p in people}
        self.hard = hard
        self.mix = HARD_MIX if hard else MIX
        homes = {p.addresses[-1][0].zip: p.addresses[-1][0] for p in people}
        self.zips = [{"zip": z, "city": h.city, "state": h.state} for z, h in sorted(homes.items())]

    def _base(self, rid: str, person: Taxpayer, place: Place) -> dict[str, str]:
        rng = self.rng
        return {
            "request_id": rid,
            "case_number": f"A{rng.randint(100_000_000, 999_999_999)}",
            "statute": rng.choice(STATUTE_SPELLINGS),
            "taxable_periods": "2022;2023;2024",
            "reason": "Subject of a final order of removal; address sought to locate for enforcement.",
            "official_name": f"Officer {rng.randint(1, self.officials):04d}",
            "official_title": "Deportation Officer",
            "first_name": person.first_name,
            "middle_name": person.middle_name,
            "last_name": person.last_name,
            "suffix": person.suffix,
            "date_of_birth": person.date_of_birth if rng.random() < 0.4 else "",
            "tin": person.tin if rng.random() < 0.6 else "",
            "street_address": place.street_address,
            "unit": place.unit,
            "city": place.city,
            "state": place.state,
            "zip": place.zip,
        }

    def _variant(self, row: dict[str, str], person: Taxpayer) -> str:
        rng, kind = self.rng, self.rng.choice(VARIATIONS)
        first, last = row["first_name"], row["last_name"]
        if kind == "nickname" and first.upper() in NICKNAMES:
            row["first_name"] = NICKNAMES[first.upper()]
        elif kind == "accents":
            row["first_name"] = UNACCENT.get(first, ACCENTED.get(first.upper(), first))
            row["last_name"] = " ".join(UNACCENT.get(w, ACCENTED.get(w.upper(), w)) for w in last.split(" "))
        elif kind == "one_surname" and (" " in last or "-" in last):
            row["last_name"] = last.replace("-", " ").split(" ")[0]
        elif kind == "hyphen" and (" " in last or "-" in last):
            row["last_name"] = last.replace(" ", "-") if " " in last else last.replace("-", " ")
        elif kind == "name_typo":
            row["last_name"] = typo(rng, last)
        elif kind == "street":
            row["street_address"] = vary_street(rng, row["street_address"])
        elif kind == "street_typo":
            number, _, rest = row["street_address"].partition(" ")
            row["street_address"] = f"{number} {typo(rng, rest)}"
        elif kind == "unit_hash" and row["unit"]:
            row["unit"] = row["unit"].replace("Apt ", "#")
        elif kind == "missing_unit" and row["unit"]:
            row["unit"] = ""
        elif kind == "older_address" and len(person.addresses) > 1:
            row.update(self._place_fields(person.addresses[0][0]))
        elif kind == "middle_initial" and row["middle_name"]:
            row["middle_name"] = row["middle_name"][0]
        else:
            row["street_address"] = vary_street(rng, row["street_address"])
            return "street"
        return kind

    @staticmethod
    def _place_fields(place: Place) -> dict[str, str]:
        return {
            "street_address": place.street_address,
            "unit": place.unit,
            "city": place.city,
            "state": place.state,
            "zip": place.zip,
        }

    def _defect(self, row: dict[str, str]) -> str:
        defects: dict[str, Callable[[], None]] = {
            "statute": lambda: row.update(statute="18 U.S.C. 1001"),
            "future_period": lambda: row.update(taxable_periods="2023;2031"),
            "old_period": lambda: row.update(taxable_periods="2011;2012"),
            "no_reason": lambda: row.update(reason=""),
            "no_case": lambda: row.update(case_number=""),
            "no_official": lambda: row.update(official_name=""),
            "caseload": lambda: row.update(official_name=OVERLOADED),
        }
        name = self.rng.choice(sorted(defects))
        defects[name]()
        return name

    def _namesake_pair(self) -> Taxpayer | None:
        for _ in range(50):
            person = self.rng.choice(self.people)
            if person.suffix in {"Jr", "Sr"}:
                return person
        return None

    def request(self, index: int) -> tuple[dict[str, str], Truth]:
        rid = f"R{index:07d}"
        kind = self.rng.choices([k for k, _ in self.mix], weights=[w for _, w in self.mix])[0]
        person = self.rng.choice(self.people)
        if kind == "namesake":
            person = self._namesake_pair() or person
            kind = "namesake" if person.suffix else "exact"
        place = person.addresses[-1][0]
        row = self._base(rid, person, place)
        variation, expected, lawful, tin = "", "VERIFIED", True, person.tin
        if kind == "variant":
            variation = self._variant(row, person)
            if self.hard:  # two variations at once: a nickname and a street typo, say
                variation += "+" + self._variant(row, person)
        elif kind == "namesake":
            row.update(suffix="", tin="", date_of_birth="")
            expected = "REVIEW"
        elif kind == "placeholder_address":
            row.update(
                tin=person.tin, street_address=self.rng.choice(PLACEHOLDERS).format(zip=place.zip), unit=""
            )
            expected, lawful = "REJECTED", False
        elif kind == "wrong_address":
            row.update(tin=person.tin, **self._place_fields(self.gen.place(self.zips)))
            expected, lawful = "NO_MATCH", False
        elif kind == "other_tin":
            row["tin"] = self.rng.choice(self.people).tin
            expected = "NO_MATCH" if row["tin"] != person.tin else "VERIFIED"
        elif kind == "not_on_file":
            stranger = self.gen.household(self.zips)[0]
            row.update(
                first_name=stranger.first_name,
                last_name=stranger.last_name,
                middle_name="",
                suffix="",
                date_of_birth=stranger.date_of_birth,
                tin=self.rng.choice(["", stranger.tin]),
            )
            expected, tin, person = "NO_MATCH", "", stranger
        elif kind == "legal_defect":
            variation, expected, lawful = self._defect(row), "REJECTED", False
        if (
            kind not in {"namesake"}
            and person.suffix
            and not row["tin"]
            and not row["suffix"]
            and not row["date_of_birth"]
            and expected == "VERIFIED"
        ):
            expected = "REVIEW"  # a Jr/Sr named without suffix, TIN or birth date cannot be told apart
        return row, Truth(rid, kind, variation, tin, expected, lawful, origin_of(person.last_name))


OVERLOADED = "Assistant Director Overload"
OVERLOAD_CASES = 60  # more distinct cases than the default agreement's cap of 50
